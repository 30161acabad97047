"""Structured logs: JSON lines with the request id, carried into tasks, no personal data."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from celery import Celery
from django.utils import timezone

from cases import services
from cases.models import CaseType, Channel
from protocol_site import logging as ops_logging
from tests.cases.factories import build_world

# These read the process's logging set-up, which other tests in a shared process may change.
pytestmark = pytest.mark.serial

SUMMARY = "The planning officer shouted at me about the Mill Lane application on 3 March."


def test_a_request_logs_one_json_line_with_its_request_id(client, db, json_logs):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-abc.123")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-abc.123"
    access = [line for line in json_logs.lines if line["logger"] == "protocol.request"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-abc.123"
    assert line["status"] == 404
    assert line["method"] == "GET"
    assert line["path"] == "/no-such-page/"
    assert {"time", "level", "message", "duration_ms", "user_id"} <= set(line)


@pytest.mark.parametrize(
    "supplied",
    ["has spaces", "new\nline", "x" * 200, "<script>"],
    ids=["spaces", "newline", "too-long", "markup"],
)
def test_an_unsafe_request_id_is_replaced(client, db, supplied):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=supplied)

    assert response["X-Request-ID"] != supplied
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_generated_request_id_is_sent_back(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_query_strings_are_not_logged(client, db, json_logs):
    client.get("/no-such-page/?q=Jane+Smith")

    assert "Jane" not in json_logs.text
    assert "Smith" not in json_logs.text


def test_a_case_text_and_names_are_absent_from_the_logs(client, db, json_logs):
    world = build_world()
    case = services.open_case(
        council=world.council,
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        raised_by=world["councillor"],
        about=world["officer"],
        channel=Channel.EMAIL,
        received_at=timezone.now(),
        summary=SUMMARY,
        actor=world.user("councillor"),
    )
    client.force_login(world.user("mo"))

    response = client.get(f"/cases/{case.reference}/", HTTP_X_REQUEST_ID="case-view-1")

    # The request really handled the case: its text is on the page...
    assert response.status_code == 200
    assert SUMMARY in response.content.decode()
    # ...and nowhere in the logs, nor the parties' names and emails; the reference may be.
    logs = json_logs.text
    assert json_logs.lines, "nothing was logged at all"
    assert "Mill Lane" not in logs
    for person in (world["councillor"], world["officer"]):
        assert person.name not in logs
        assert person.email not in logs
    access = [line for line in json_logs.lines if line.get("request_id") == "case-view-1"]
    assert any(line.get("path") == f"/cases/{case.reference}/" for line in access)


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("Duplicate key (email)=(jane.smith@example.gov.uk)", ()),
        ("Could not send to %s", ("jane.smith@example.gov.uk",)),
        ("Could not send to %(to)s", ({"to": "jane.smith@example.gov.uk"},)),
    ],
    ids=["in-message", "in-args", "in-mapping"],
)
def test_email_addresses_are_redacted(json_logs, message, args):
    logging.getLogger("tests.ops").warning(message, *args)

    assert "jane.smith@example.gov.uk" not in json_logs.text
    assert ops_logging.REDACTED_EMAIL in json_logs.lines[-1]["message"]


def test_email_addresses_are_redacted_from_tracebacks(json_logs):
    try:
        raise ValueError("no such user jane.smith@example.gov.uk")
    except ValueError:
        logging.getLogger("tests.ops").exception("Lookup failed")

    assert "jane.smith@example.gov.uk" not in json_logs.text
    assert "ValueError" in json_logs.text


def test_the_request_id_travels_into_a_celery_task():
    """Published from a request, run by a worker: the task logs with the request's id."""
    # Not the current app (later tests publish through the project's), and a queue of its own:
    # the in-memory transport is shared by every app in the process.
    app = Celery("ops-test", broker="memory://", set_as_current=False)
    queue = f"ops-test-{uuid.uuid4().hex}"
    app.conf.task_always_eager = False
    seen: dict[str, str | None] = {}

    @app.task(name="tests.ops.probe")
    def probe() -> None:
        seen["request_id"] = ops_logging.current_request_id()

    token = ops_logging.set_request_id("rid-from-web")
    try:
        probe.apply_async(queue=queue)
    finally:
        ops_logging.reset_request_id(token)

    with app.connection_for_read() as conn:
        message = conn.SimpleQueue(queue).get(timeout=2)
        assert message.headers[ops_logging.CELERY_HEADER] == "rid-from-web"
        from celery.worker.request import Request

        Request(message, app=app, task=probe).execute()

    assert seen["request_id"] == "rid-from-web"
    assert ops_logging.current_request_id() is None  # nothing leaks into the next task


def test_a_task_queued_outside_a_request_gets_its_own_id():
    app = Celery("ops-test-2", broker="memory://", set_as_current=False)
    queue = f"ops-test-{uuid.uuid4().hex}"
    app.conf.task_always_eager = False
    seen: dict[str, str | None] = {}

    @app.task(name="tests.ops.probe2")
    def probe() -> None:
        seen["request_id"] = ops_logging.current_request_id()

    probe.apply_async(task_id="abc-123", queue=queue)
    with app.connection_for_read() as conn:
        message = conn.SimpleQueue(queue).get(timeout=2)
        from celery.worker.request import Request

        Request(message, app=app, task=probe).execute()

    assert seen["request_id"] == "task-abc-123"
