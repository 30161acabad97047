"""Forms for the case journeys. They collect and check input; services do the work."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from contacts.models import Council, Person, Service

from .models import CaseType, Channel, NoteVisibility
from .wording import WordingFlag, adversarial_words

# Channels a clerk logs on someone's behalf. `web` is only for a case filed online by its raiser.
LOGGED_CHANNELS = [(c.value, c.label) for c in Channel if c != Channel.WEB]


# -- the "open a case" journey: one small form per question page ---------------------------------
class CouncilForm(forms.Form):
    council = forms.ModelChoiceField(
        queryset=Council.objects.none(),
        widget=forms.RadioSelect,
        label="Which council is this for?",
        error_messages={"required": "Select the council", "invalid_choice": "Select the council"},
    )

    def __init__(self, *args: Any, councils: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils  # type: ignore[attr-defined]


class CaseTypeForm(forms.Form):
    case_type = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="What kind of case is it?",
        # Issue #24: the difference in plain words.
        help_text=(
            "A concern is something you want sorted out by talking it through, usually "
            "informally first. A formal complaint asks for it to be looked into and decided "
            "under the council's procedure. If you are not sure which, ask the clerk or the "
            "Monitoring Officer."
        ),
        error_messages={"required": "Select what kind of case it is"},
    )

    def __init__(self, *args: Any, case_types: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_type"].choices = case_types  # type: ignore[attr-defined]
        self.fields["case_type"].error_messages["invalid_choice"] = "Select what kind of case it is"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:  # type: ignore[override]
        return f"{obj.name}, {obj.job_title}" if obj.job_title else str(obj.name)


class RaisedByForm(forms.Form):
    raised_by = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Who raised it?",
        empty_label="Choose a person",
        error_messages={
            "required": "Select who raised it",
            "invalid_choice": "Select who raised it",
        },
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["raised_by"].queryset = people  # type: ignore[attr-defined]


class AboutForm(forms.Form):
    about = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Who is it about?",
        empty_label="Choose a person",
        error_messages={
            "required": "Select who it is about",
            "invalid_choice": "Select who it is about",
        },
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["about"].queryset = people  # type: ignore[attr-defined]


UNKNOWN_SERVICE = "unknown"


class ServiceForm(forms.Form):
    """Issue #20: which service a case about a member concerns, so "their Director" / "the
    relevant Service Head" is a real person. Not knowing is an answer: a clerk then decides."""

    service = forms.ChoiceField(
        label="Which service does it concern?",
        error_messages={"required": "Select the service, or that you do not know"},
    )

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a service"),
            *[(s.slug, s.name) for s in services],
            (UNKNOWN_SERVICE, "I do not know: the clerk will decide"),
        ]


class ReceivedForm(forms.Form):
    """How and when the council received it: GOV.UK date input (day, month, year) plus a time."""

    channel = forms.ChoiceField(
        choices=LOGGED_CHANNELS,
        widget=forms.RadioSelect,
        label="How was it received?",
        error_messages={"required": "Select how it was received"},
    )
    day = forms.IntegerField(required=False, label="Day")
    month = forms.IntegerField(required=False, label="Month")
    year = forms.IntegerField(required=False, label="Year")
    time = forms.CharField(required=False, label="Time", help_text="For example, 14:30")

    date_error: str = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, month, year = data.get("day"), data.get("month"), data.get("year")
        if day is None or month is None or year is None:
            missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if v is None]
            self._date_error(f"The date received must include a {' and '.join(missing)}")
            return data
        try:
            date = datetime.date(year, month, day)
        except (ValueError, OverflowError):  # OverflowError: a year too big for C (issue #11)
            self._date_error("The date received must be a real date")
            return data
        time_text = (data.get("time") or "").strip()
        try:
            hour, minute = (int(part) for part in time_text.replace(".", ":").split(":"))
            clock = datetime.time(hour, minute)
        except (ValueError, OverflowError):
            self.add_error("time", "Enter the time received as hours and minutes, like 14:30")
            return data
        received = timezone.make_aware(
            datetime.datetime.combine(date, clock), timezone.get_current_timezone()
        )
        if received > timezone.now() + datetime.timedelta(minutes=5):
            self._date_error("The date received must be today or in the past")
            return data
        data["received_at"] = received
        return data

    def _date_error(self, message: str) -> None:
        self.date_error = message
        self.add_error("day", message)

    @classmethod
    def initial_for(cls, received_at: datetime.datetime | None) -> dict[str, Any]:
        moment = timezone.localtime(received_at or timezone.now())
        return {
            "day": moment.day,
            "month": moment.month,
            "year": moment.year,
            "time": moment.strftime("%H:%M"),
        }


class SummaryForm(forms.Form):
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label="What is it about?",
        help_text="Say what happened and what outcome is hoped for. Keep it factual.",
        max_length=5000,
        error_messages={"required": "Enter a summary of the case"},
    )

    def clean_summary(self) -> str:
        summary = self.cleaned_data["summary"].strip()
        if not summary:
            raise forms.ValidationError("Enter a summary of the case")
        if len(summary) < SUMMARY_MIN_LENGTH:
            raise forms.ValidationError(
                f"Say a little more: at least {SUMMARY_MIN_LENGTH} characters on what happened "
                "and what outcome is hoped for"
            )
        return summary


# A summary the handler can act on: "x" or "help" tells nobody what happened.
SUMMARY_MIN_LENGTH = 15


class CorrectSummaryForm(SummaryForm):
    """The person who raised the case corrects their summary before it is acknowledged."""

    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label="Correct the summary",
        help_text="Until the case is acknowledged you can correct what you wrote. The earlier "
        "wording stays in the case's history.",
        max_length=5000,
        error_messages={"required": "Enter a summary of the case"},
    )


class CheckAnswersForm(forms.Form):
    # One-time key: a second submit of the same page creates no second case.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


# -- case actions -------------------------------------------------------------------------------
ACTION_FIELDS: dict[str, tuple[str, str, str, bool]] = {
    # action: (service keyword, label, hint, required)
    "escalate": (
        "reason",
        "Why does it need to go to the next stage?",
        "The people at the next stage will read this.",
        True,
    ),
    "respond": ("text", "Response", "This is recorded on the case's timeline.", True),
    "resolve": ("outcome", "Outcome", "Say how it was resolved and what was agreed.", True),
    "withdraw": (
        "reason",
        "Why is it being withdrawn?",
        "Recorded on the case's timeline; the parties are told the case is withdrawn.",
        True,
    ),
    "reopen": ("reason", "Why is it being reopened?", "", True),
}


# Irreversible or sent-to-the-parties actions: the text is shown back for a second, explicit
# confirmation before anything happens.
CONFIRMED_ACTIONS = ("withdraw", "respond")


class ActionForm(forms.Form):
    """Confirm one transition. `expected_state` is the state the user saw.

    With `check_wording` (Maldon 1.2, where the variant asks for it) the text is checked for
    adversarial words; the user changes it or ticks `confirm_wording` to keep it.
    """

    expected_state = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, action: str, check_wording: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.check_wording = check_wording
        self.wording_flags: list[WordingFlag] = []
        self.text_field: str | None = None
        if action in ACTION_FIELDS:
            name, label, hint, required = ACTION_FIELDS[action]
            self.text_field = name
            self.fields[name] = forms.CharField(
                label=label,
                help_text=hint,
                required=required,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 5}),
                error_messages={"required": f"Enter {label[0].lower()}{label[1:]}".rstrip("?")},
            )
            if required:
                self.fields[name].error_messages["required"] = _required_message(action)
        if check_wording and self.text_field:
            self.fields["confirm_wording"] = forms.BooleanField(
                required=False, label="Keep this wording anyway"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get(self.text_field) or "") if self.text_field else ""
        if self.check_wording and text:
            self.wording_flags = adversarial_words(text)
            if self.wording_flags and not data.get("confirm_wording"):
                words = ", ".join(f"'{f.word}' (try '{f.suggestion}')" for f in self.wording_flags)
                self.add_error(
                    self.text_field,
                    f"This uses words that can make an issue harder to resolve informally: "
                    f"{words}. Change the wording, or confirm you want to keep it",
                )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        if self.text_field is None:
            return {}
        return {self.text_field: self.cleaned_data.get(self.text_field, "").strip()}


def _required_message(action: str) -> str:
    return {
        "escalate": "Enter why the case needs to go to the next stage",
        "respond": "Enter the response",
        "resolve": "Enter the outcome",
        "reopen": "Enter why the case is being reopened",
        "withdraw": "Enter why the case is being withdrawn",
    }.get(action, "Enter a reason")


# -- assigning a handler by hand ------------------------------------------------------------------
class HandlerChoiceField(PersonChoiceField):
    """A person with their job title, their council when it is not the case's (the borrowed
    Monitoring Officer), and a word when they handle the case already."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.council_id: int | None = None
        self.handler_id: int | None = None

    def label_from_instance(self, obj: Person) -> str:  # type: ignore[override]
        label = super().label_from_instance(obj)
        if self.council_id is not None and obj.council_id != self.council_id:
            label += f" ({obj.council.name})"
        if obj.pk == self.handler_id:
            label += " – handling it now"
        return label


class AssignHandlerForm(forms.Form):
    """Who should handle a case, and why. `services.assign_handler` decides if they may."""

    person = HandlerChoiceField(
        queryset=Person.objects.none(),
        label="Who should handle this case?",
        empty_label="Choose a person",
        error_messages={
            "required": "Select who should handle the case",
            "invalid_choice": "Select who should handle the case",
        },
    )
    reason = forms.CharField(
        label="Why this person?",
        help_text="This is recorded on the case's timeline. The parties to the case do not see it.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter why this person should handle the case",
            "max_length": "Why this person must be 5,000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, case: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: HandlerChoiceField = self.fields["person"]  # type: ignore[assignment]
        field.queryset = people
        field.council_id = case.council_id
        field.handler_id = case.handler_id


# -- notes --------------------------------------------------------------------------------------
class RerouteForm(forms.Form):
    """Issue #20: route an open case again by the rules, optionally naming its service."""

    service: forms.ModelChoiceField[Service] = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        to_field_name="slug",
        label="Service the case belongs to",
        empty_label="Keep the case's service",
        help_text="“Their Director”, “the relevant Service Head” and “the appropriate Chief "
        "Officer” are the heads of this service.",
    )
    reason = forms.CharField(
        label="Why route it again?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the case is being routed again"},
    )

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        error_messages={"required": "Enter the note"},
    )
    visibility = forms.ChoiceField(
        label="Who can see this note?",
        widget=forms.RadioSelect,
        choices=NoteVisibility.choices,
        error_messages={"required": "Select who can see this note"},
    )
    attachments = MultipleFileField(
        label="Attach files (optional)",
        required=False,
        help_text="You can choose more than one file.",
    )
    confirm_wording = forms.BooleanField(
        required=False, label="Save the note with this wording anyway"
    )

    def __init__(
        self, *args: Any, may_write_internal: bool, check_wording: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.check_wording = check_wording
        self.wording_flags: list[WordingFlag] = []
        if not may_write_internal:
            # Parties only ever write notes the other side can read.
            self.fields["visibility"].choices = [  # type: ignore[attr-defined]
                (NoteVisibility.SHARED.value, NoteVisibility.SHARED.label)
            ]
            self.fields["visibility"].initial = NoteVisibility.SHARED
        else:
            self.fields["visibility"].initial = NoteVisibility.INTERNAL

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        body = data.get("body") or ""
        if self.check_wording and body:
            # Maldon 1.2: in informal resolution, avoid "investigation" or "accusation".
            self.wording_flags = adversarial_words(body)
            if self.wording_flags and not data.get("confirm_wording"):
                self.add_error(
                    "body",
                    "This note uses words that can sound adversarial while the case is being "
                    "resolved informally. Change the wording, or confirm you want to save it",
                )
        return data


__all__ = ["CaseType"]


class ConciliatorForm(forms.Form):
    """West Lavington 4.1: who conciliates, a person or body outside the council."""

    conciliator = forms.CharField(
        label="Who is conciliating?",
        help_text="An appropriate third party outside the council: for example the Monitoring "
        "Officer of the district or unitary council, or an independent person from the Society "
        "of Local Council Clerks (West Lavington 4.1-4.2).",
        max_length=200,
        error_messages={
            "required": "Enter the person or body conciliating",
            "max_length": "The conciliator must be 200 characters or fewer",
        },
    )


class ReformPanelForm(forms.Form):
    """Why a clerk or the MO seats a committee rung's panel again."""

    reason = forms.CharField(
        label="Why re-form the panel?",
        help_text="For example, a member has left the committee. This is recorded on the case's "
        "timeline.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter why the panel is being re-formed",
            "max_length": "The reason must be 5,000 characters or fewer",
        },
    )


class BulkAssignForm(forms.Form):
    """Several cases to one handler with one reason (issue #24). Each case still goes through
    `services.assign_handler`, which may refuse it; the form only checks the answers."""

    MAX_CASES = 200

    person = HandlerChoiceField(
        queryset=Person.objects.none(),
        label="Who should handle these cases?",
        empty_label="Choose a person",
        error_messages={
            "required": "Select who should handle the cases",
            "invalid_choice": "Select who should handle the cases",
        },
    )
    reason = forms.CharField(
        label="Why this person?",
        help_text="Recorded on each case's timeline. The parties to the cases do not see it.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter why this person should handle the cases",
            "max_length": "Why this person must be 5,000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: HandlerChoiceField = self.fields["person"]  # type: ignore[assignment]
        field.queryset = people
