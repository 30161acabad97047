"""The case journey forms: what they accept, refuse and say."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from cases.forms import ActionForm, NoteForm, ReceivedForm
from cases.models import NoteVisibility

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("data", "error_field", "message"),
    [
        ({"day": "9", "month": "3", "year": "2026", "time": "14:30"}, None, None),
        ({"day": "9", "month": "3", "year": "2026", "time": "9.05"}, None, None),
        ({"day": "", "month": "3", "year": "2026", "time": "14:30"}, "day", "must include a day"),
        ({"day": "", "month": "", "year": "2026", "time": "1:00"}, "day", "a day and month"),
        ({"day": "31", "month": "2", "year": "2026", "time": "14:30"}, "day", "a real date"),
        (
            {"day": "11", "month": "3", "year": "2026", "time": "10:00"},
            "day",
            "today or in the past",
        ),
        ({"day": "9", "month": "3", "year": "2026", "time": "25:00"}, "time", "hours and minutes"),
        ({"day": "9", "month": "3", "year": "2026", "time": ""}, "time", "hours and minutes"),
    ],
)
def test_received_form(data, error_field, message):
    form = ReceivedForm({"channel": "email", **data})
    if error_field is None:
        assert form.is_valid(), form.errors
        received = form.cleaned_data["received_at"]
        assert timezone.is_aware(received)
        assert timezone.localtime(received).date() == datetime.date(2026, 3, 9)
    else:
        assert not form.is_valid()
        assert message in " ".join(form.errors[error_field])


def test_received_form_refuses_web_channel():
    # `web` is for cases filed online by their raiser, never for a clerk's log.
    form = ReceivedForm(
        {"channel": "web", "day": "1", "month": "1", "year": "2026", "time": "9:00"}
    )
    assert not form.is_valid()
    assert "channel" in form.errors


@time_machine.travel(NOW, tick=False)
def test_received_form_defaults_to_now_in_london():
    initial = ReceivedForm.initial_for(None)
    assert initial == {"day": 10, "month": 3, "year": 2026, "time": "12:00"}


@pytest.mark.parametrize(
    ("action", "field", "required"),
    [
        ("escalate", "reason", True),
        ("respond", "text", True),
        ("resolve", "outcome", True),
        ("withdraw", "reason", True),  # issue #22: an empty submit never withdraws
        ("reopen", "reason", True),
        ("acknowledge", None, False),
    ],
)
def test_action_form_fields(action, field, required):
    form = ActionForm({"expected_state": "informal"}, action=action)
    assert form.text_field == field
    assert form.is_valid() is not required
    if required:
        assert form.errors[field]
    if field is None:
        assert form.service_kwargs() == {}


def test_action_form_passes_the_text_stripped():
    form = ActionForm({"expected_state": "informal", "outcome": "  Agreed  "}, action="resolve")
    assert form.is_valid()
    assert form.service_kwargs() == {"outcome": "Agreed"}


def test_note_form_offers_parties_shared_only():
    form = NoteForm(
        {"body": "hello", "visibility": NoteVisibility.INTERNAL},
        may_write_internal=False,
        check_wording=False,
    )
    assert [v for v, _ in form.fields["visibility"].choices] == [NoteVisibility.SHARED]
    assert not form.is_valid()
    assert "visibility" in form.errors


@pytest.mark.parametrize(
    ("check", "body", "confirm", "valid", "flagged"),
    [
        (True, "Let us meet to talk it through", False, True, []),
        (True, "I want an investigation", False, False, ["investigation"]),
        (True, "I want an investigation", True, True, ["investigation"]),
        (False, "I want an investigation", False, True, []),
    ],
)
def test_note_form_wording_check(check, body, confirm, valid, flagged):
    data = {"body": body, "visibility": NoteVisibility.SHARED}
    if confirm:
        data["confirm_wording"] = "on"
    form = NoteForm(data, may_write_internal=True, check_wording=check)
    assert form.is_valid() is valid
    assert [f.word for f in form.wording_flags] == flagged
