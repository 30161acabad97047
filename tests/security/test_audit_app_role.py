"""The audit trail against the application's own database role (issue #23).

Production runs two roles: the owner migrates, the application logs in as a role that
`manage.py grant_app_role` gives SELECT and INSERT only on the audit tables, no TRUNCATE, and
EXECUTE on the retention sweep's SECURITY DEFINER function. These tests take that role (SET
ROLE, inside the test's transaction: the role and its grants vanish with it) and try every way
round the review found: UPDATE, DELETE, TRUNCATE and the `protocol.retention` session-setting
bypass are refused; deleting whole objects' events, or emptying a table as the owner with the
triggers off, is reported by `verify_audit`.
"""

from __future__ import annotations

import secrets

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from cases.models import CaseEvent, EventAction
from protocol_site.audit_chain import OPENING_MISSING
from tests.cases.factories import build_world, open_test_case
from tests.info_requests.factories import make_cast, make_request

pytestmark = pytest.mark.django_db

AUDIT_TABLES = ("cases_caseevent", "info_requests_inforequestevent", "registers_registerevent")


@pytest.fixture
def app_role():
    """A fresh application role with `grant_app_role`'s privileges (rolled back with the test)."""
    role = f"protocol_app_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
    call_command("grant_app_role", role, stdout=None)
    return role


@pytest.fixture
def case():
    world = build_world()
    return open_test_case(world, summary="Confidential: the officer's health.")


def _as(role: str, *statements: tuple[str, list]) -> None:
    """Run `statements` as `role` in a savepoint; the error, if any, propagates."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        for sql, params in statements:
            cursor.execute(sql, params)


@pytest.mark.parametrize("table", AUDIT_TABLES)
@pytest.mark.parametrize(
    "attack",
    [
        ("UPDATE {table} SET actor_name = 'Someone else'", []),
        ("DELETE FROM {table}", []),
        ("TRUNCATE {table}", []),
        ("ALTER TABLE {table} DISABLE TRIGGER ALL", []),
    ],
    ids=["update", "delete", "truncate", "disable-trigger"],
)
def test_the_application_role_cannot_rewrite_the_audit_trail(app_role, case, table, attack):
    make_request(make_cast())
    sql, params = attack
    with pytest.raises(DatabaseError):
        _as(app_role, (sql.format(table=table), params))


def test_the_session_setting_is_no_bypass_for_the_application_role(app_role, case):
    event = CaseEvent.objects.filter(case=case).first()
    with pytest.raises(DatabaseError):
        _as(
            app_role,
            ("SELECT set_config('protocol.retention', 'on', true)", []),
            ("UPDATE cases_caseevent SET reason = 'rewritten' WHERE id = %s", [event.pk]),
        )
    event.refresh_from_db()
    assert event.reason != "rewritten"


def test_the_application_role_still_reads_and_appends(app_role, case):
    _as(
        app_role,
        ("SELECT count(*) FROM cases_caseevent", []),
        (
            "INSERT INTO cases_caseevent (case_id, at, actor_name, action, from_state, to_state,"
            " reason, data, previous_hash, hash) VALUES (%s, now(), 'x', 'note_added', '', '',"
            " '', '{}', %s, 'appended')",
            # Chained onto the trail's tail: one successor per event (issue #26).
            [case.pk, CaseEvent.objects.filter(case=case).order_by("-at", "-id").first().hash],
        ),
    )


def test_retention_rewrites_only_through_the_definer_function(app_role, case):
    event = CaseEvent.objects.filter(case=case, action=EventAction.OPENED).get()
    _as(
        app_role,
        (
            "SELECT protocol_audit_reseal('cases_caseevent', %s, 'Anonymised', '{}'::jsonb, '',"
            " 'resealed')",
            [event.pk],
        ),
    )
    event.refresh_from_db()
    assert (event.reason, event.actor_name, event.hash) == ("", "Anonymised", "resealed")
    # The function rewrites audit tables only.
    with pytest.raises(DatabaseError):
        _as(app_role, ("SELECT protocol_audit_reseal('cases_case', 1, '', '{}', '', '')", []))


def _truncate_as_owner() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # The test suite's own flush switch (settings/test.py) off, as in production.
        cursor.execute("SET LOCAL protocol.test_flush = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks pending
        cursor.execute("TRUNCATE cases_caseevent CASCADE")


def test_truncate_is_refused_even_for_the_owner(case):
    with pytest.raises(DatabaseError, match="append-only"):
        _truncate_as_owner()
    assert CaseEvent.objects.filter(case=case).exists()


def _delete_behind_the_triggers(table: str, where: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        try:
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
        finally:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_verify_audit_reports_a_case_whose_events_were_all_deleted(case, capsys):
    """The review deleted a whole case's events: no chain left to break, and verify_audit said
    "intact". Every case and request must have its opening event."""
    _delete_behind_the_triggers("cases_caseevent", "case_id = %s", [case.pk])
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit")
    assert exit_.value.code == 1
    assert f"case {case.reference}, event 0: {OPENING_MISSING}" in capsys.readouterr().err


def test_verify_audit_reports_an_emptied_trail(case, capsys):
    request = make_request(make_cast())
    _delete_behind_the_triggers("cases_caseevent", "true", [])
    _delete_behind_the_triggers("info_requests_inforequestevent", "true", [])
    with pytest.raises(SystemExit):
        call_command("verify_audit")
    err = capsys.readouterr().err
    assert f"case {case.reference}, event 0: {OPENING_MISSING}" in err
    assert f"info_request {request.reference}, event 0: {OPENING_MISSING}" in err


def test_grant_app_role_creates_a_login_role_when_asked(monkeypatch):
    role = f"protocol_app_{secrets.token_hex(4)}"
    monkeypatch.setenv("APP_DATABASE_PASSWORD", "it's a 'quoted' secret")
    call_command("grant_app_role", role, "--create", stdout=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() == (True, False)
        cursor.execute(
            "SELECT has_table_privilege(%s, 'cases_caseevent', 'UPDATE'),"
            " has_table_privilege(%s, 'cases_caseevent', 'INSERT'),"
            " has_table_privilege(%s, 'cases_case', 'UPDATE'),"
            " has_table_privilege(%s, 'cases_case', 'TRUNCATE')",
            [role] * 4,
        )
        assert cursor.fetchone() == (False, True, True, False)


# -- the keyed chain ------------------------------------------------------------------------------
def _reseal_with_plain_sha256(case) -> None:
    """What the review did: rewrite an event, then recompute every hash of the chain with the
    project's own public function, so each link and hash is consistent."""
    import hashlib

    events = list(CaseEvent.objects.filter(case=case).order_by("at", "pk"))
    previous = ""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_append_only")
        try:
            for n, event in enumerate(events):
                if n == 0:
                    event.reason = "Nothing to see here."
                event.previous_hash = previous
                event.hash = hashlib.sha256(event._payload().encode()).hexdigest()
                cursor.execute(
                    "UPDATE cases_caseevent SET reason = %s, previous_hash = %s, hash = %s"
                    " WHERE id = %s",
                    [event.reason, event.previous_hash, event.hash, event.pk],
                )
                previous = event.hash
        finally:
            cursor.execute("ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_a_chain_resealed_with_the_public_hash_is_reported(case, capsys):
    _reseal_with_plain_sha256(case)
    with pytest.raises(SystemExit):
        call_command("verify_audit")
    assert f"case {case.reference}, event" in capsys.readouterr().err


def test_a_rotated_key_still_verifies_what_it_signed(case, settings, capsys):
    old = settings.AUDIT_HMAC_KEYS
    settings.AUDIT_HMAC_KEYS = [("test-2", b"the-new-key"), *old]
    later = open_test_case(build_world("otherton", "OTH"))
    call_command("verify_audit")  # both keys listed: old and new events verify
    assert "intact" in capsys.readouterr().out
    settings.AUDIT_HMAC_KEYS = [("test-2", b"the-new-key")]  # the old key dropped too soon
    with pytest.raises(SystemExit):
        call_command("verify_audit")
    err = capsys.readouterr().err
    assert case.reference in err
    assert later.reference not in err


def test_unkeyed_events_count_only_before_the_keys_were_introduced(case, settings):
    import datetime

    _reseal_with_plain_sha256(case)
    settings.AUDIT_UNKEYED_UNTIL = timezone_now() + datetime.timedelta(minutes=1)
    from protocol_site.audit_chain import verify_audit_chains

    assert verify_audit_chains().intact  # an upgrade: events from before the key stand
    settings.AUDIT_UNKEYED_UNTIL = timezone_now() - datetime.timedelta(days=1)
    assert not verify_audit_chains().intact


def timezone_now():
    from django.utils import timezone

    return timezone.now()
