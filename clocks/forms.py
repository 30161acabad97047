from __future__ import annotations

import datetime
from typing import Any

from django import forms

from cases.wording import WordingFlag, adversarial_words
from protocol_site.validators import validate_single_line


class AcknowledgementForm(forms.Form):
    subject = forms.CharField(
        max_length=200,
        # An email subject is one line: with a break the email could never be sent (issue #23).
        validators=[validate_single_line],
        error_messages={"required": "Enter a subject."},
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
    )
    body = forms.CharField(
        label="Message",
        error_messages={"required": "Enter the message to the member."},
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 12}),
    )
    confirm_wording = forms.BooleanField(required=False, label="Send it with this wording anyway")

    def __init__(self, *args: Any, check_wording: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_wording = check_wording
        self.wording_flags: list[WordingFlag] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        body = data.get("body") or ""
        if self.check_wording and body:
            # Maldon 1.2: constructive language, no "investigation" or "accusation".
            self.wording_flags = adversarial_words(body)
            if self.wording_flags and not data.get("confirm_wording"):
                words = ", ".join(f"'{f.word}' (try '{f.suggestion}')" for f in self.wording_flags)
                self.add_error(
                    "body",
                    "This uses words that can make an issue harder to resolve informally: "
                    f"{words}. Change the wording, or confirm you want to send it",
                )
        return data


class HoldingReplyForm(forms.Form):
    """Maldon 2.2: tell the member when they can expect a response (GOV.UK date input)."""

    day = forms.IntegerField(
        min_value=1,
        max_value=31,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                "inputmode": "numeric",
            }
        ),
    )
    month = forms.IntegerField(
        min_value=1,
        max_value=12,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                "inputmode": "numeric",
            }
        ),
    )
    year = forms.IntegerField(
        min_value=2000,
        max_value=2100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-date-input__input govuk-input--width-4",
                "inputmode": "numeric",
            }
        ),
    )
    reason = forms.CharField(
        label="Why a full response is not possible yet",
        error_messages={"required": "Say why a response is not possible yet."},
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        day, month, year = data.get("day"), data.get("month"), data.get("year")
        if not (day and month and year):
            self.add_error("day", "Enter the date the member will hear by, as day, month and year.")
            return data
        try:
            data["new_due_date"] = datetime.date(year, month, day)
        except ValueError:
            self.add_error("day", "Enter a real date.")
        return data
