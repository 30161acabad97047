# syntax=docker/dockerfile:1
# Protocol production image. Build:  docker build -t protocol:latest .
# One image runs every role; the command picks it (compose.prod.yaml):
#   web     gunicorn -c python:protocol_site.ops.gunicorn protocol_site.wsgi   (the default)
#   worker  celery -A protocol_site worker --loglevel=INFO
#   beat    celery -A protocol_site beat --loglevel=INFO   (exactly one, ever)
#   migrate python manage.py migrate --noinput               (before a new release serves)
# docs/operations.md describes the build, the variables and the routine.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: install the dependencies into a virtualenv, nothing else ------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Only pyproject.toml first: the dependency layer is rebuilt only when dependencies change.
# (pyproject declares no packages of its own, so this installs the dependencies alone.)
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .

# ---- runtime: slim, non-root, static files collected at build --------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG APP_UID=10001
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=protocol_site.settings.prod \
    PORT=8000 \
    MEDIA_ROOT=/app/var/uploads \
    CELERY_BEAT_SCHEDULE_FILENAME=/app/var/beat/celerybeat-schedule \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
# WeasyPrint (the PDF letters) needs Debian's pango.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid ${APP_UID} protocol \
    && useradd --system --uid ${APP_UID} --gid protocol --home-dir /app --shell /usr/sbin/nologin protocol
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . .
# Static files are collected into the image (served by WhiteNoise with hashed names), so a
# release never depends on a shared static volume. The secret is a build-time dummy that
# protocol_site/checks.py refuses at run time; no database or broker is touched.
RUN DJANGO_SECRET_KEY=build-only-not-secret-collectstatic \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/uploads /app/var/beat /tmp/prometheus \
    && chown -R protocol:protocol /app/var /tmp/prometheus
USER protocol
EXPOSE 8000
VOLUME ["/app/var/uploads"]
CMD ["gunicorn", "-c", "python:protocol_site.ops.gunicorn", "protocol_site.wsgi"]
