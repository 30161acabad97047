# Protocol — run `make help` for the list of targets.
SHELL := /bin/bash
# The newest of the Pythons the project supports (3.13, 3.12, 3.11) that runs (a pyenv shim for a
# version not selected does not); override with
# `make PYTHON=python3.12 ...`.
PYTHON ?= $(or $(shell for v in 3.13 3.12 3.11; do python$$v -c '' >/dev/null 2>&1 && { echo python$$v; break; }; done),python3.11)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PORT ?= 8000
# Tests use the real services (see README); override for your machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/protocol
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.DEFAULT_GOAL := help

help: ## List every target with a one-line description
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m  %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11, 3.12 or 3.13 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the app with its development tools

print-python:
	@echo $(PYTHON)

migrate: install ## Apply database migrations (SQLite in var/ unless DATABASE_URL is set)
	mkdir -p var
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the seven councils, the demo logins and sample cases (idempotent)
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(PY) manage.py load_demo

run: demo ## Serve on http://127.0.0.1:$PORT (default 8000) with a Celery worker and beat
	mkdir -p var/celery-queue var/celery-processed
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} PORT=$(PORT) $(BIN)/honcho start -f Procfile.dev

test: install ## Run the whole test suite on the real PostgreSQL and Redis; ends with the service modules' branch coverage
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
		DJANGO_SETTINGS_MODULE=protocol_site.settings.test $(BIN)/pytest -q -n 2 -m "not e2e and not serial" \
		--cov --cov-report= $(PYTEST_ARGS)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
		DJANGO_SETTINGS_MODULE=protocol_site.settings.test $(BIN)/pytest -q -m "serial and not e2e" \
		--cov --cov-append --cov-report=term $(PYTEST_ARGS)

mutation: install ## Mutation testing (mutmut) of the changed guard modules; ALL=1 for the whole set, MODULES="cases/routing.py ..." to choose
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
		DJANGO_SETTINGS_MODULE=protocol_site.settings.test $(PY) scripts/mutation.py $(if $(ALL),--all) $(MODULES)

e2e: install ## Walk every journey in Debian's chromium (Playwright) with axe WCAG 2.2 AA checks
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
		DJANGO_SETTINGS_MODULE=protocol_site.settings.test $(BIN)/pytest tests/e2e -p no:randomly -q $(PYTEST_ARGS)

lint: install ## ruff (lint and format check), djLint and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/mypy .

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install ## Fail when a model change has no migration
	DJANGO_SETTINGS_MODULE=protocol_site.settings.test $(PY) manage.py makemigrations --check --dry-run

schema: install ## Regenerate the committed OpenAPI schema docs/openapi.yaml (fails on any warning)
	DJANGO_SETTINGS_MODULE=protocol_site.settings.test $(PY) manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

vendor: ## Refresh the vendored GOV.UK Frontend assets from the npm package
	bash scripts/vendor-govuk-frontend.sh

audit: install ## Supply chain: pip-audit (known vulnerabilities) and bandit over the apps (SECURITY.md)
	$(BIN)/pip-audit --progress-spinner off --skip-editable
	$(BIN)/bandit -q -c pyproject.toml -r cases clocks contacts inbound info_requests registers reports protocol_site worklist

ci: ## Run what CI runs (.ci/run)
	bash .ci/run

clean: ## Remove the embedded database, queue and caches (keeps .venv)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .coverage

.PHONY: help print-python install migrate demo run test mutation e2e lint format migrations-check schema audit vendor ci clean
