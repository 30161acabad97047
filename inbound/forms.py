"""Triage forms: open the case an email should have opened, or reject the email."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from cases.models import CaseType
from contacts.models import Person, Service


class PersonChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, show_council: bool = False, **kwargs: Any) -> None:
        self.show_council = show_council
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        role = obj.job_title or obj.get_kind_display()
        where = f", {obj.council.name}" if self.show_council else ""
        return f"{obj.name} ({role}{where})"


class ServiceChoiceField(forms.ModelChoiceField):
    show_council = False

    def label_from_instance(self, obj: Service) -> str:  # type: ignore[override]
        return f"{obj.council.name}: {obj.name}" if self.show_council else obj.name


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
    service = ServiceChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label="Which service does it concern? (optional)",
        help_text="For a case about a member: the Director, Chief Officer or Service Head of "
        "this service handles it where the protocol says so. Left blank, the service of the "
        "officer involved; with none, the case waits for a clerk to name one.",
        empty_label="The officer's own service",
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
        councils = people.values("council_id")
        service = self.fields["service"]
        assert isinstance(service, ServiceChoiceField)  # noqa: S101 - narrows the type
        service.queryset = (
            Service.objects.filter(council_id__in=councils)
            .select_related("council")
            .order_by("council__name", "name")
        )
        service.show_council = show_council


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea,
        label="Why is the email rejected?",
        help_text="For example, spam, or not about a member or officer of the council.",
        error_messages={"required": "Enter why the email is rejected"},
    )
