"""The committed schema (docs/openapi.yaml) is the one the code generates, and it is clean."""

from __future__ import annotations

import difflib
import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
STALE = "docs/openapi.yaml is stale: run `make schema` and commit the result."


def generate() -> str:
    out = StringIO()
    # --fail-on-warn: an enum or component name collision fails here, not only in `check`.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return out.getvalue()


def test_committed_schema_is_current():
    generated = generate()
    committed = COMMITTED.read_text()
    if generated != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "docs/openapi.yaml (committed)",
                "generated",
                n=1,
            )
        )
        pytest.fail(f"{STALE}\n\n{diff[:4000]}")


def test_served_schema_is_the_committed_one(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    assert yaml.safe_load(response.content) == yaml.safe_load(COMMITTED.read_text())


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(COMMITTED.read_text())


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_error_shapes(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (path, method)
        if path not in {"/api/token/", "/api/schema/", "/api/docs/"}:
            for code in ("401", "403"):
                assert code in responses, (path, method, code)
        if "{" in path:
            assert "404" in responses, (path, method)
        if method == "post":
            assert "400" in responses, (path, method)
        for code, response in responses.items():
            if code.startswith("4"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                expected = "ValidationError" if code == "400" else "Error"
                assert ref == f"#/components/schemas/{expected}", (path, method, code)


def test_transitions_document_409(schema):
    posts = [
        (path, op)
        for path, method, op in _operations(schema)
        if method == "post" and "{" in path and path.startswith(("/api/cases/", "/api/info"))
    ]
    assert len(posts) > 15
    for path, operation in posts:
        assert "409" in operation["responses"], path


def test_component_and_enum_names_are_stable(schema):
    names = set(schema["components"]["schemas"])
    # Hashed names (e.g. `Kind3b8Enum`) mean an enum collision slipped past ENUM_NAME_OVERRIDES.
    assert not [n for n in names if re.search(r"[A-Z][a-z]+[0-9a-f]{3}Enum$", n)]
    assert {
        "Error",
        "ValidationError",
        "Case",
        "CaseDeadline",
        "CaseHistory",
        "CaseTransition",
        "InfoRequest",
        "InfoDeadline",
        "InfoHistory",
        "InfoTransition",
        "CaseStateEnum",
        "DeadlineKindEnum",
        "FoiOutcomeEnum",
        "ReviewOutcomeEnum",
        "RoleEnum",
    } <= names
    assert not {"Deadline", "History", "Transition", "InfoError"} & names


def test_token_scheme_and_gateway_scheme_are_both_documented(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {"tokenAuth", "gatewayToken"} <= set(schemes)
