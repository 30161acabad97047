"""Triage forms: open the case an email should have opened, or reject the email."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from cases.models import CaseType
from contacts.models import Person


class PersonChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, show_council: bool = False, **kwargs: Any) -> None:
        self.show_council = show_council
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        role = obj.job_title or obj.get_kind_display()
        where = f", {obj.council.name}" if self.show_council else ""
        return f"{obj.name} ({role}{where})"


class TriageCaseForm(forms.Form):
    case_type = forms.ChoiceField(
        choices=CaseType.choices,
        label="What kind of case is it?",
        error_messages={"required": "Select the kind of case"},
    )
    raised_by = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Who raised it?",
        empty_label="Choose a person",
        error_messages={"required": "Select who raised it"},
    )
    about = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Who is it about?",
        empty_label="Choose a person",
        error_messages={"required": "Select who it is about"},
    )
    summary = forms.CharField(
        widget=forms.Textarea,
        label="Summary",
        help_text="Taken from the email. Edit it if the case needs a clearer summary.",
        error_messages={"required": "Enter a summary of the case"},
    )

    def __init__(self, *args: Any, people: QuerySet[Person], show_council: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("raised_by", "about"):
            field = self.fields[name]
            field.queryset = people  # type: ignore[attr-defined]
            field.show_council = show_council  # type: ignore[attr-defined]


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea,
        label="Why is the email rejected?",
        help_text="For example, spam, or not about a member or officer of the council.",
        error_messages={"required": "Enter why the email is rejected"},
    )
