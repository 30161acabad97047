"""UK GDPR: a subject-access export of everything about one person (JSON and readable HTML,
audited), and the per-council retention sweep that anonymises old closed cases while keeping
the statistics and an intact, re-sealed audit chain."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import Attachment, Case, CaseEvent, CaseState, EventAction, Note
from contacts.models import Person, RoleAssignment
from info_requests import services as info_services
from info_requests.models import (
    InfoRequest,
    InfoRequestEvent,
    InfoRequestState,
    RefusalReason,
    RequestedItem,
    Route,
)
from info_requests.services import ItemDecision
from protocol_site import gdpr
from protocol_site.audit_chain import verify_audit_chains
from registers import services as register_services
from tests.cases.factories import build_world, open_test_case
from tests.info_requests.factories import InformationPolicyFactory, make_cast

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def history(world):
    """The councillor raised a case (with notes and a PDF), asked for information and declared
    a relationship; another case between other people does not involve them."""
    case = open_test_case(world, summary="Cllr raised the planning delay with the officer.")
    case_services.add_note(
        case=case,
        actor=world.user("clerk"),
        body="Internal: the officer is on leave.",
        visibility="internal",
        files=[SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter", "application/pdf")],
    )
    case_services.add_note(
        case=case, actor=world.user("clerk"), body="Shared: meeting booked.", visibility="shared"
    )
    other = open_test_case(
        world, raised_by="councillor2", about="officer2", summary="Not about the councillor."
    )
    InformationPolicyFactory(council=world.council)
    request = info_services.create_info_request(
        council=world.council,
        requested_by=world["councillor"],
        description="Background papers to the car parks report",
        received_at=NOW - datetime.timedelta(days=1),
        actor=world.user("councillor"),
    )
    relationship = register_services.declare_relationship(
        actor=world.user("councillor"),
        person=world["councillor"],
        related_person=world["officer2"],
        nature="Sibling",
        declared_on=datetime.date(2026, 1, 5),
    )
    return {"case": case, "other": other, "request": request, "relationship": relationship}


# -- subject access ------------------------------------------------------------------------------
def test_the_export_holds_everything_about_the_person(world, history):
    person = world["councillor"]
    export = gdpr.subject_access_export(person=person, actor=world.user("mo"))

    assert export["person"]["name"] == person.name
    assert export["person"]["login"] == world.user("councillor").username
    refs = [c["reference"] for c in export["cases"]]
    assert refs == [history["case"].reference]
    assert history["other"].reference not in json.dumps(export)
    case = export["cases"][0]
    assert case["your_part"] == ["raised_by"]
    assert case["summary"] == "Cllr raised the planning delay with the officer."
    assert {n["visibility"] for n in case["notes"]} == {"internal", "shared"}
    assert ["letter.pdf"] in [n["attachments"] for n in case["notes"]]
    assert [e["action"] for e in case["events"]][0] == EventAction.OPENED
    assert [r["reference"] for r in export["info_requests"]] == [history["request"].reference]
    assert export["info_requests"][0]["events"]
    entries = {(e["register"], e["id"]) for e in export["register_entries"]}
    assert ("Personal relationships", history["relationship"].pk) in entries
    relationship = next(e for e in export["register_entries"] if e["register"].startswith("Pers"))
    assert "person" in relationship["named_as"]
    assert relationship["events"][0]["action"] == "declared"
    json.dumps(export)  # JSON-ready


def test_the_handler_sees_the_cases_they_handled(world, history):
    export = gdpr.subject_access_export(person=world["director"], actor=None)
    parts = {c["reference"]: c["your_part"] for c in export["cases"]}
    assert "handler" in parts[history["case"].reference]


def test_the_export_is_audited(world, history):
    gdpr.subject_access_export(person=world["councillor"], actor=world.user("mo"))
    entry = LogEntry.objects.get(
        object_id=str(world["councillor"].pk), content_type__model="person"
    )
    assert entry.user == world.user("mo")
    assert "Subject access export: 1 case(s), 1 information request(s)" in entry.change_message


def test_the_command_writes_json_and_html(world, history, tmp_path, capsys):
    person = world["councillor"]
    call_command(
        "subject_access_export", person=person.pk, by=world.user("mo").username, out=tmp_path
    )

    data = json.loads((tmp_path / f"subject-access-{person.pk}.json").read_text())
    assert data["cases"][0]["reference"] == history["case"].reference
    html = (tmp_path / f"subject-access-{person.pk}.html").read_text()
    assert f"Personal data held about {person.name}" in html
    assert history["case"].reference in html
    assert "Internal: the officer is on leave." in html
    assert history["request"].reference in html
    assert "Personal relationships" in html
    assert "<script" not in html
    assert "Wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "message"),
    [({"person": 999999, "by": "nobody"}, "no person"), ({"by": "nobody"}, "no active login")],
)
def test_the_command_refuses_unknown_people_and_logins(world, tmp_path, options, message):
    from django.core.management import CommandError

    options = {"person": world["councillor"].pk, **options}
    with pytest.raises(CommandError, match=message):
        call_command("subject_access_export", out=tmp_path, **options)


# -- retention ----------------------------------------------------------------------------------
def _closed(world, *, years_ago: float, **kwargs) -> Case:
    case = open_test_case(world, **kwargs)
    case_services.add_note(
        case=case,
        actor=world.user("clerk"),
        body="Spoke to Cllr about their health.",
        visibility="internal",
        files=[SimpleUploadedFile("gp.pdf", b"%PDF-1.4 sick note", "application/pdf")],
    )
    case_services.escalate_case(case=case, actor=world.user("mo"), reason="Named reason text.")
    case = case_services.resolve_case(
        case=Case.objects.get(pk=case.pk), actor=world.user("mo"), outcome="Apology given."
    )
    closed_at = NOW - datetime.timedelta(days=int(365.25 * years_ago))
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    return Case.objects.get(pk=case.pk)


def test_cases_closed_longer_than_the_council_keeps_them_are_anonymised(world):
    old = _closed(world, years_ago=6.2)
    recent = _closed(world, years_ago=5.5)
    stats_before = (old.council_id, old.case_type, old.state, old.channel, old.received_at)
    closed_before = old.closed_at
    events_before = list(CaseEvent.objects.filter(case=old).values_list("action", "at"))

    result = gdpr.apply_retention(now=NOW)

    assert result.anonymised == [old.reference]
    assert result.by_council == {world.council.slug: 1}
    old.refresh_from_db()
    # Statistics are kept.
    assert (old.council_id, old.case_type, old.state, old.channel, old.received_at) == (
        stats_before
    )
    assert old.state == CaseState.RESOLVED
    assert old.closed_at == closed_before
    kept = list(CaseEvent.objects.filter(case=old).values_list("action", "at"))
    assert kept[: len(events_before)] == events_before
    assert kept[-1][0] == EventAction.ANONYMISED
    # Personal data is gone.
    assert old.summary == gdpr.ANONYMISED
    assert old.outcome == gdpr.ANONYMISED
    assert old.raised_by.name == "Anonymised councillor"
    assert old.about.name == "Anonymised officer"
    assert old.handler.name == "Anonymised officer"
    assert old.raised_by.anonymised_at is not None
    assert set(Note.objects.filter(case=old).values_list("body", flat=True)) == {gdpr.ANONYMISED}
    assert not Attachment.objects.filter(note__case=old).exists()
    texts = " ".join(
        f"{e.reason} {e.actor_name} {json.dumps(e.data)}"
        for e in CaseEvent.objects.filter(case=old).exclude(action=EventAction.ANONYMISED)
    )
    for secret in ("Named reason text", "Apology given", "health", world["councillor"].name):
        assert secret not in texts
    assert not CaseEvent.objects.filter(case=old, actor__isnull=False).exists()
    # The recent case is untouched.
    recent.refresh_from_db()
    assert recent.summary != gdpr.ANONYMISED
    assert Attachment.objects.filter(note__case=recent).count() == 1
    # The chain was re-sealed and says so.
    assert verify_audit_chains().intact
    anonymised = CaseEvent.objects.get(case=old, action=EventAction.ANONYMISED)
    assert anonymised.data["retention_years"] == 6
    assert len(anonymised.data["replaced_chain_head"]) == 64
    assert "retention policy" in anonymised.reason
    # Audited per council.
    assert (
        "Retention: anonymised 1 closed case(s), 0 decided information request(s), 0 "
        "finished register entr(y/ies) and 0 received email(s)"
        in LogEntry.objects.get(
            object_id=str(world.council.pk), content_type__model="council"
        ).change_message
    )


def test_retention_follows_the_councils_setting_and_runs_once(world):
    world.council.retention_years = 2
    world.council.save()
    case = _closed(world, years_ago=3)

    assert gdpr.apply_retention(now=NOW).anonymised == [case.reference]
    assert gdpr.apply_retention(now=NOW).anonymised == []
    assert CaseEvent.objects.filter(case=case, action=EventAction.ANONYMISED).count() == 1


def test_open_cases_are_never_anonymised(world):
    case = open_test_case(world, received_at=NOW - datetime.timedelta(days=365 * 10))
    assert gdpr.apply_retention(now=NOW).anonymised == []
    case.refresh_from_db()
    assert case.summary != gdpr.ANONYMISED


def test_the_person_export_no_longer_lists_an_anonymised_case(world):
    case = _closed(world, years_ago=7)
    gdpr.apply_retention(now=NOW)
    export = gdpr.subject_access_export(person=world["councillor"], actor=None)
    assert case.reference not in [c["reference"] for c in export["cases"]]


def test_the_command_has_a_dry_run(world, capsys):
    case = _closed(world, years_ago=7)
    call_command("apply_retention", dry_run=True)
    assert (
        "Would anonymise 1 case(s), 0 information request(s), 0 register entr(y/ies) and 0 "
        "received email(s)"
    ) in capsys.readouterr().out
    assert Case.objects.get(pk=case.pk).summary != gdpr.ANONYMISED
    call_command("apply_retention")
    assert (
        "Anonymised 1 case(s), 0 information request(s), 0 register entr(y/ies) and 0 received "
        "email(s)"
    ) in capsys.readouterr().out
    assert Case.objects.get(pk=case.pk).summary == gdpr.ANONYMISED


def test_the_trigger_bypass_ends_with_the_retention_run(world):
    """After the sweep, the same transaction cannot edit events any more."""
    case = _closed(world, years_ago=7)
    gdpr.apply_retention(now=NOW)
    event = CaseEvent.objects.filter(case=case).first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_caseevent SET reason = 'x' WHERE id = %s", [event.pk])


def test_placeholders_are_not_offered_in_pickers(world):
    _closed(world, years_ago=7)
    gdpr.apply_retention(now=NOW)
    placeholders = Person.objects.filter(key__startswith="anonymised-")
    assert placeholders.count() == 2
    assert not placeholders.filter(anonymised_at__isnull=True).exists()


def test_beat_runs_the_retention_sweep_daily(world, settings):
    from protocol_site.tasks import apply_retention

    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == apply_retention.name == "protocol_site.tasks.apply_retention"
    assert entry["schedule"] == 24 * 60 * 60
    case = _closed(world, years_ago=7)
    # apply(): run here, whichever Celery app another test left current.
    assert apply_retention.apply().get() == 1
    assert Case.objects.get(pk=case.pk).summary == gdpr.ANONYMISED


# -- retention: members' information requests ---------------------------------------------------
SECRETS = ("car parks", "Councillor's divorce", "Legal said no", "Cllr Mira Member")


@pytest.fixture
def cast():
    cast = make_cast("lancaster")  # retention_years: the default 6
    # The roles held since long before the old requests (the tests travel back in time).
    RoleAssignment.objects.filter(council=cast.council).update(starts_on=datetime.date(2000, 1, 1))
    return cast


def _years_ago(years: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=int(365.25 * years))


def _provided(cast, *, years_ago: float) -> InfoRequest:
    """Received, an item added and provided as public, all `years_ago`."""
    with time_machine.travel(_years_ago(years_ago), tick=False):
        r = info_services.create_info_request(
            council=cast.council,
            requested_by=cast.member,
            description="Background papers to the car parks report",
            received_at=timezone.now(),
            actor=cast.user("member"),
            service=cast.service,
            reasons="Councillor's divorce makes it urgent.",
            items=["The car parks consultants' report"],
        )
        item = r.items.get()
        r = info_services.provide_as_public(
            info_request=r,
            actor=cast.user("decider"),
            note="Legal said no objection.",
            letter_text="You asked as ward member for the car park's ward.",
            items=[ItemDecision(item_id=item.pk, paragraph=None)],
        )
    return InfoRequest.objects.get(pk=r.pk)


def _refused(cast, *, years_ago: float) -> InfoRequest:
    with time_machine.travel(_years_ago(years_ago), tick=False):
        r = info_services.create_info_request(
            council=cast.council,
            requested_by=cast.member,
            description="Minutes naming the car parks contractor",
            received_at=timezone.now(),
            actor=cast.user("member"),
            service=cast.service,
        )
        r = info_services.consider_member_rights(info_request=r, actor=cast.user("decider"))
        r = info_services.refuse_access(
            info_request=InfoRequest.objects.get(pk=r.pk),
            actor=cast.user("mo"),
            reason=RefusalReason.MERE_CURIOSITY,
            detail="Legal said no: Councillor's divorce.",
        )
    return InfoRequest.objects.get(pk=r.pk)


def _texts(r: InfoRequest) -> str:
    events = InfoRequestEvent.objects.filter(info_request=r).exclude(
        action=gdpr.INFO_ANONYMISED_ACTION
    )
    return " ".join(
        [
            r.description,
            r.requested_by.name,
            *(getattr(r, name) for name in gdpr.INFO_REQUEST_TEXT_FIELDS),
            *RequestedItem.objects.filter(info_request=r).values_list("description", flat=True),
            *(f"{e.reason} {e.actor_name} {json.dumps(e.data)}" for e in events),
        ]
    )


@pytest.mark.parametrize(
    ("close", "state", "route"),
    [
        (_provided, InfoRequestState.PROVIDED, Route.PUBLIC),
        (_refused, InfoRequestState.REFUSED, None),
    ],
)
def test_decided_information_requests_past_retention_are_anonymised(cast, close, state, route):
    old = close(cast, years_ago=7)
    recent = close(cast, years_ago=5)
    stats = (old.council_id, old.state, old.route, old.received_at, old.provided_at)
    dates = (old.refused_at, old.refusal_reason, old.created_at)
    events_before = list(
        InfoRequestEvent.objects.filter(info_request=old).values_list(
            "action", "at", "from_state", "to_state"
        )
    )
    items_before = RequestedItem.objects.filter(info_request=old).count()
    assert any(secret in _texts(old) for secret in SECRETS)

    result = gdpr.apply_retention(now=NOW)

    assert result.info_requests == [old.reference]
    assert result.info_requests_by_council == {cast.council.slug: 1}
    assert result.anonymised == []
    old.refresh_from_db()
    # Statistics are kept.
    assert (old.council_id, old.state, old.route, old.received_at, old.provided_at) == stats
    assert (old.refused_at, old.refusal_reason, old.created_at) == dates
    assert (old.state, old.route) == (state, route)
    assert RequestedItem.objects.filter(info_request=old).count() == items_before
    kept = list(
        InfoRequestEvent.objects.filter(info_request=old).values_list(
            "action", "at", "from_state", "to_state"
        )
    )
    assert kept[: len(events_before)] == events_before
    assert kept[-1][0] == gdpr.INFO_ANONYMISED_ACTION
    # Personal data is gone.
    assert old.description == gdpr.ANONYMISED
    assert old.requested_by == gdpr.placeholder(cast.council, "councillor")
    assert old.decider == gdpr.placeholder(cast.council, "officer")
    assert old.created_by is None
    texts = _texts(old)
    for secret in SECRETS:
        assert secret not in texts
    assert not InfoRequestEvent.objects.filter(info_request=old, actor__isnull=False).exists()
    # The recent one is untouched.
    recent_before = recent.description
    recent.refresh_from_db()
    assert recent.description == recent_before
    assert recent.requested_by == cast.member
    # The chain is re-sealed, and says what it replaced.
    report = verify_audit_chains()
    assert report.intact, report.breaks
    assert report.checked
    anonymised = InfoRequestEvent.objects.get(info_request=old, action=gdpr.INFO_ANONYMISED_ACTION)
    assert anonymised.data["retention_years"] == 6
    assert anonymised.data["events_resealed"] == len(events_before)
    assert len(anonymised.data["replaced_chain_head"]) == 64
    assert "retention policy" in anonymised.reason
    # Audited per council.
    assert (
        "Retention: anonymised 0 closed case(s), 1 decided information request(s), 0 "
        "finished register entr(y/ies) and 0 received email(s)"
        in LogEntry.objects.get(
            object_id=str(cast.council.pk), content_type__model="council"
        ).change_message
    )
    # The member's subject-access export no longer lists it.
    export = gdpr.subject_access_export(person=cast.member, actor=None)
    assert [r["reference"] for r in export["info_requests"]] == [recent.reference]


def test_open_information_requests_are_never_anonymised(cast):
    with time_machine.travel(_years_ago(10), tick=False):
        r = info_services.create_info_request(
            council=cast.council,
            requested_by=cast.member,
            description="Background papers to the car parks report",
            received_at=timezone.now(),
            actor=cast.user("member"),
        )
    assert gdpr.apply_retention(now=NOW).info_requests == []
    r.refresh_from_db()
    assert (r.state, r.description) == (
        InfoRequestState.RECEIVED,
        "Background papers to the car parks report",
    )


def test_information_request_retention_is_idempotent_and_follows_the_council(cast):
    cast.council.retention_years = 2
    cast.council.save()
    r = _provided(cast, years_ago=3)

    assert gdpr.apply_retention(now=NOW).info_requests == [r.reference]
    head = InfoRequestEvent.objects.filter(info_request=r).order_by("-at", "-pk").first()
    assert gdpr.apply_retention(now=NOW).info_requests == []
    assert (
        InfoRequestEvent.objects.filter(info_request=r, action=gdpr.INFO_ANONYMISED_ACTION).count()
        == 1
    )
    assert InfoRequestEvent.objects.filter(info_request=r).order_by("-at", "-pk").first() == head
    assert verify_audit_chains().intact


def test_the_dry_run_changes_no_information_request(cast, capsys):
    r = _provided(cast, years_ago=7)
    call_command("apply_retention", dry_run=True)
    out = capsys.readouterr().out
    assert (
        "Would anonymise 0 case(s), 1 information request(s), 0 register entr(y/ies) and 0 "
        "received email(s)"
    ) in out
    assert f"{cast.council.slug}: 0 case(s), 1 information request(s), 0 register " in out
    after = InfoRequest.objects.get(pk=r.pk)
    assert (after.description, after.requested_by, after.reasons) == (
        r.description,
        r.requested_by,
        r.reasons,
    )
    assert not InfoRequestEvent.objects.filter(action=gdpr.INFO_ANONYMISED_ACTION).exists()
    assert not LogEntry.objects.filter(content_type__model="council").exists()

    call_command("apply_retention")
    assert (
        "Anonymised 0 case(s), 1 information request(s), 0 register entr(y/ies) and 0 received "
        "email(s)"
    ) in capsys.readouterr().out
    assert InfoRequest.objects.get(pk=r.pk).description == gdpr.ANONYMISED


def test_verify_audit_passes_after_information_request_retention(cast, capsys):
    _provided(cast, years_ago=7)
    _refused(cast, years_ago=8)
    gdpr.apply_retention(now=NOW)
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out.lower()


# -- retention: register entries ----------------------------------------------------------------
def _back_then(years_ago: float):
    return time_machine.travel(_years_ago(years_ago), tick=False)


@pytest.fixture
def old_world(world):
    RoleAssignment.objects.filter(council=world.council).update(starts_on=datetime.date(2000, 1, 1))
    return world


def _relationship(world, *, years_ago: float, ended: bool = True):
    with _back_then(years_ago):
        relationship = register_services.declare_relationship(
            actor=world.user("councillor"),
            person=world["councillor"],
            related_person=world["officer2"],
            nature="Sibling: Councillor's divorce",
            declared_on=timezone.localdate(),
        )
        if ended:
            relationship = register_services.end_relationship(
                actor=world.user("councillor"),
                relationship=relationship,
                ended_on=timezone.localdate(),
            )
    return type(relationship).objects.get(pk=relationship.pk)


def _advice(world, *, years_ago: float, advised: bool = True):
    from registers.models import InterestAdvice

    with _back_then(years_ago):
        item = register_services.ask_interest_advice(
            actor=world.user("councillor"),
            member=world["councillor"],
            question="Must I declare my brother's car parks contract?",
        )
        if advised:
            item = register_services.give_interest_advice(
                actor=world.user("mo"), item=item, advice="Yes: Councillor's divorce aside."
            )
    return InterestAdvice.objects.get(pk=item.pk)


def test_finished_register_entries_past_retention_are_anonymised(old_world):
    from registers.models import RegisterEvent

    world = old_world
    old_relationship = _relationship(world, years_ago=7)
    ongoing = _relationship(world, years_ago=10, ended=False)
    old_advice = _advice(world, years_ago=7)
    recent_advice = _advice(world, years_ago=5)
    unanswered = _advice(world, years_ago=9, advised=False)

    result = gdpr.apply_retention(now=NOW)

    assert sorted(result.register_entries) == sorted(
        [f"relationship #{old_relationship.pk}", f"interest_advice #{old_advice.pk}"]
    )
    assert result.register_entries_by_council == {world.council.slug: 2}
    # Statistics kept, text and people gone.
    rel = type(old_relationship).objects.get(pk=old_relationship.pk)
    assert (rel.declared_on, rel.ended_on, rel.council_id) == (
        old_relationship.declared_on,
        old_relationship.ended_on,
        old_relationship.council_id,
    )
    assert rel.nature == gdpr.ANONYMISED
    assert rel.person.name == "Anonymised councillor"
    assert rel.related_person.name == "Anonymised officer"
    assert not rel.recipients.exists()
    advice = type(old_advice).objects.get(pk=old_advice.pk)
    assert (advice.state, advice.asked_at, advice.advised_at) == (
        old_advice.state,
        old_advice.asked_at,
        old_advice.advised_at,
    )
    assert (advice.question, advice.advice) == (gdpr.ANONYMISED, gdpr.ANONYMISED)
    assert advice.member == gdpr.placeholder(world.council, "councillor")
    for entry, key in ((rel, "relationship"), (advice, "interest_advice")):
        events = RegisterEvent.objects.filter(register=key, object_id=entry.pk)
        assert events.last().action == gdpr.INFO_ANONYMISED_ACTION
        texts = " ".join(
            f"{e.description} {e.actor_name} {json.dumps(e.data)}"
            for e in events.exclude(action=gdpr.INFO_ANONYMISED_ACTION)
        )
        for secret in ("divorce", "car parks", world["councillor"].name):
            assert secret not in texts
        assert not events.filter(actor__isnull=False).exists()
    # Still open, unanswered, or too recent: untouched.
    for kept in (ongoing, recent_advice, unanswered):
        fresh = type(kept).objects.get(pk=kept.pk)
        assert gdpr.ANONYMISED not in (
            getattr(fresh, "nature", ""),
            getattr(fresh, "question", ""),
        )
    report = verify_audit_chains()
    assert report.intact, report.breaks
    # Idempotent.
    assert gdpr.apply_retention(now=NOW).register_entries == []


def test_a_dry_run_changes_no_register_entry(old_world):
    relationship = _relationship(old_world, years_ago=7)
    result = gdpr.apply_retention(now=NOW, dry_run=True)
    assert result.register_entries == [f"relationship #{relationship.pk}"]
    assert type(relationship).objects.get(pk=relationship.pk).nature.startswith("Sibling")


# == received emails that never became part of a case ============================================
def _email(council, *, status, decided_years_ago, case=None, number=[0]):  # noqa: B006
    from inbound.models import InboundEmail, InboundOutcome

    number[0] += 1
    decided = NOW - datetime.timedelta(days=round(365.25 * decided_years_ago))
    return InboundEmail.objects.create(
        message_id=f"<retention-{number[0]}@example.org>",
        status=status,
        outcome=InboundOutcome.TRIAGE,
        raw=b"From: Sam Sender <sam@example.org>\r\n\r\nAbout Cllr Jones...",
        from_address="sam@example.org",
        from_name="Sam Sender",
        to_addresses=["protocol@testshire.gov.uk"],
        subject="A complaint about Cllr Jones",
        sent_at=decided,
        body_text="Cllr Jones shouted at me.",
        council=council,
        case=case,
        rejection_reason="Sam's third complaint this week" if status == "rejected" else "",
        decided_at=None if status == "new" else decided,
        source="api",
    )


def test_emails_that_never_became_a_case_are_anonymised_after_the_retention_period(world):
    old = _email(world.council, status="rejected", decided_years_ago=7)
    unaddressed = _email(None, status="processed", decided_years_ago=7)
    recent = _email(world.council, status="rejected", decided_years_ago=5)
    waiting = _email(world.council, status="new", decided_years_ago=10)
    on_a_case = _email(
        world.council, status="triaged", decided_years_ago=10, case=open_test_case(world)
    )

    result = gdpr.apply_retention(now=NOW)

    assert sorted(result.inbound_emails) == sorted([old.pk, unaddressed.pk])
    assert result.inbound_emails_by_council == {world.council.slug: 1, "": 1}
    old.refresh_from_db()
    assert (old.from_address, old.from_name, old.subject) == (
        "anonymised@invalid",
        "",
        gdpr.ANONYMISED,
    )
    assert old.body_text == gdpr.ANONYMISED
    assert bytes(old.raw) == b""
    assert old.to_addresses == []
    assert old.rejection_reason == gdpr.ANONYMISED
    # The statistics stay: which council, what was decided and when.
    assert (old.council, old.status) == (world.council, "rejected")
    for kept in (recent, waiting, on_a_case):
        kept.refresh_from_db()
        assert kept.from_address == "sam@example.org"
    assert gdpr.apply_retention(now=NOW).inbound_emails == []
    log = LogEntry.objects.filter(object_id=str(world.council.pk)).latest("action_time")
    assert "1 received email(s) that never became part of a case" in log.change_message


def test_a_dry_run_lists_the_emails_and_changes_nothing(world):
    old = _email(world.council, status="rejected", decided_years_ago=7)

    assert gdpr.apply_retention(now=NOW, dry_run=True).inbound_emails == [old.pk]

    old.refresh_from_db()
    assert old.from_address == "sam@example.org"


def test_a_cases_conciliator_and_panel_go_with_its_personal_data(world):
    """West Lavington 4.1's conciliator is a named third party, and a committee panel names
    councillors: both are removed when the case is anonymised."""
    from cases.models import PanelSeat

    old = _closed(world, years_ago=6.2)
    Case.objects.filter(pk=old.pk).update(conciliator="Jo Bloggs, SLCC independent person")
    PanelSeat.objects.create(
        case=old,
        person=world["councillor"],
        step_position=old.step_position,
        role="standards_committee_member",
        seated_at=old.closed_at,
    )
    gdpr.apply_retention(now=NOW)
    old.refresh_from_db()
    assert old.conciliator == gdpr.ANONYMISED
    assert not PanelSeat.objects.filter(case=old).exists()


def test_retention_also_strips_the_decision_letter_words_signatory_and_pdfs(cast):
    """Issue #22's fields: the words to the member, the signatory and the issued PDF letters
    hold personal data too."""
    from info_requests.models import InfoRequestLetter

    old = _provided(cast, years_ago=7)
    assert old.decided_by == cast.decider
    InfoRequestLetter.objects.create(
        info_request=old, kind="decision", pdf=b"%PDF Cllr Mira Member", sha256="0", issued_at=NOW
    )
    gdpr.anonymise_info_request(info_request=old)
    old = InfoRequest.objects.get(pk=old.pk)
    assert old.letter_text == gdpr.ANONYMISED
    assert old.decided_by == gdpr.placeholder(cast.council, "officer")
    assert not InfoRequestLetter.objects.filter(info_request=old).exists()
    assert all(i.assessed_by_id is None for i in old.items.all())
