"""Forms for logging a request and for each step. Services do the real validation; a form's job
is to collect the words and show errors next to the right field."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from contacts.models import SERVICE_HEAD_ROLES, Council, Person, PersonKind, Service

from .models import (
    FoiExemption,
    FoiOutcome,
    InfoRequest,
    InformationPolicy,
    ItemOutcome,
    RefusalReason,
    RequestedItem,
    ReviewOutcome,
)
from .schedule12a import Schedule12AParagraph
from .services import ItemDecision

YES_NO = [("yes", "Yes"), ("no", "No")]


class InfoRequestForm(forms.Form):
    requested_by = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        label="Which councillor is asking?",
        empty_label="Choose a councillor",
        error_messages={"required": "Choose the councillor who made the request."},
    )
    description = forms.CharField(
        label="What information is wanted?",
        help_text="Describe it specifically: which documents, what period, which matter.",
        widget=forms.Textarea,
        error_messages={"required": "Describe the information wanted."},
    )
    items = forms.CharField(
        label="Documents asked for (optional)",
        help_text="One document or piece of information a line.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    own_committee_business = forms.ChoiceField(
        label="Is it about the business of a committee or body the councillor sits on?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it is about a committee the councillor sits on."},
    )
    reasons = forms.CharField(
        label="Why is the information needed?",
        help_text="What it is needed for in the councillor's role, for example as ward member. "
        "Mere curiosity is not enough.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        to_field_name="slug",
        required=False,
        label="Which service holds the information?",
        empty_label="I do not know: the clerk will decide",
        help_text="Its head decides the request first.",
    )
    received_on = forms.DateField(
        label="Date the request was received",
        help_text="For example, 2026-03-27. Leave blank for today.",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self,
        *args: Any,
        council: Council,
        policy: InformationPolicy,
        member: Person | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.council = council
        self.policy = policy
        self.member = member
        if member is not None:
            # A councillor asks for themself.
            del self.fields["requested_by"]
            del self.fields["received_on"]
        else:
            choice = self.fields["requested_by"]
            assert isinstance(choice, forms.ModelChoiceField)  # noqa: S101 - narrows the type
            choice.queryset = Person.objects.filter(
                council=council, kind=PersonKind.COUNCILLOR, anonymised_at__isnull=True
            )
        if policy.protocol_reference:
            # The council's own clause, never another council's (Maldon's form cited Lancaster).
            self.fields["description"].help_text += f" ({policy.protocol_reference})"
        if policy.decider_role in SERVICE_HEAD_ROLES and council.services.exists():
            # Maldon 10.2 "the Director holding the information"; Lancaster 8.6 "the relevant
            # Service Head" (issue #20).
            service = self.fields["service"]
            assert isinstance(service, forms.ModelChoiceField)  # noqa: S101 - narrows the type
            service.queryset = council.services.order_by("name")
            service.help_text = f"Its {policy.decider_label} decides the request first."
        else:
            del self.fields["service"]
        if policy.reasons_required_outside_committee:
            self.fields["reasons"].help_text = (
                f"{policy.protocol_reference}: where it is not about a body the councillor sits "
                "on, give the reasons in writing. " + self.fields["reasons"].help_text
            )

    def clean_received_on(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("received_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError("The date received must be today or in the past.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.policy.reasons_required_outside_committee
            and data.get("own_committee_business") == "no"
            and not (data.get("reasons") or "").strip()
        ):
            self.add_error(
                "reasons",
                f"Give your reasons in writing: {self.council.name} asks for them when the "
                "information is not about a body the councillor sits on.",
            )
        return data

    def received_at(self) -> datetime.datetime:
        day = self.cleaned_data.get("received_on")
        if not day or day == timezone.localdate():
            return timezone.now()
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


class RequestedItemForm(forms.Form):
    description = forms.CharField(
        label="Document or information",
        max_length=500,
        error_messages={"required": "Describe the document."},
    )
    schedule_12a_paragraph = forms.ChoiceField(
        label="Is it exempt information under Schedule 12A?",
        choices=[("", "Not exempt"), *Schedule12AParagraph.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    contract_negotiation_terms = forms.BooleanField(
        label="Paragraph 3 only: it is a term proposed by or to the council in negotiations for "
        "a contract",
        required=False,
    )


def _text(label: str, *, required: bool = True, help_text: str = "", rows: int = 4) -> forms.Field:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter {label[0].lower()}{label[1:].rstrip('?.')}."},
    )


def _choice(label: str, choices: Any, message: str) -> forms.Field:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": message},
    )


PROVIDING = ("provide_as_public", "provide_under_s100f", "provide_on_need_to_know")


def _decision_fields(file_label: str, file_help: str, *, file_required: bool = False) -> dict:
    """A decision keeps the reason for the file apart from the words sent to the councillor."""
    return {
        "letter_text": _text(
            "What to tell the councillor",
            required=False,
            help_text="Printed in the decision letter, written to the councillor as “you”.",
            rows=3,
        ),
        "note": _text(file_label, required=file_required, help_text=file_help, rows=3),
    }


def _withdraw_reason() -> forms.Field:
    field = _text("Why is the request being withdrawn?", rows=2)
    field.error_messages["required"] = "Enter why the request is being withdrawn."
    return field


def action_fields(name: str) -> dict[str, forms.Field]:
    """The fields each step asks for; the keys are the service's keyword arguments."""
    note = {"note": _text("Note for the record", required=False, rows=3)}
    officers_only = "Kept on the file for officers; the councillor does not see it."
    fields: dict[str, dict[str, forms.Field]] = {
        "provide_as_public": _decision_fields("Reason for the file (optional)", officers_only),
        "consider_member_rights": note,
        "provide_under_s100f": _decision_fields("Reason for the file (optional)", officers_only),
        "provide_on_need_to_know": _decision_fields(
            "Why the councillor needs to know (for the file)",
            "For example, the document is about their ward. " + officers_only,
            file_required=True,
        ),
        "refuse_access": {
            "reason": _choice(
                "Why does neither s.100F nor need to know apply?",
                RefusalReason.choices,
                "Choose why access is refused.",
            ),
            "detail": _text("Explanation for the councillor", required=False, rows=3),
        },
        "dispute_refusal": {"reason": _text("Why do you dispute the refusal?")},
        "uphold_refusal": note,
        "treat_as_foi": {},
        "seek_clarification": {"question": _text("What does the councillor need to clarify?")},
        "record_clarification": {"answer": _text("The councillor's clarification")},
        "note_legal_advice": {"advice": _text("Summary of Legal Services' advice")},
        "decide_foi": {
            "outcome": _choice("Outcome", FoiOutcome.choices, "Choose the outcome."),
            "exemptions": forms.MultipleChoiceField(
                label="Exemptions relied on",
                help_text="Required when anything is withheld.",
                choices=FoiExemption.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            ),
            "note": _text("Explanation for the councillor", required=False, rows=3),
        },
        "request_internal_review": {
            "reason": _text(
                "Why do you want the decision reviewed?",
                help_text="The Monitoring Officer will review it within 20 working days.",
            )
        },
        "decide_internal_review": {
            "outcome": _choice("Review outcome", ReviewOutcome.choices, "Choose the outcome."),
            "note": _text("Reasons for the review decision"),
        },
        "record_ico_complaint": {
            "complained": _choice(
                "Did the councillor complain to the Information Commissioner?",
                YES_NO,
                "Say whether the councillor complained.",
            ),
            "note": _text("Note", required=False, rows=2),
        },
        "pause_for_resource_agreement": {
            "reason": _text("What are the resource implications?"),
        },
        "record_resource_agreement": {
            "agreement": _text("What did the group leaders and Head of Paid Service agree?"),
        },
        "withdraw": {"reason": _withdraw_reason()},
    }
    return fields.get(name, {})


NOT_EXEMPT = "none"
ITEM_FIELDS = ("paragraph", "contract", "outcome", "reason")


class ActionForm(forms.Form):
    """One step's fields; a decision to provide also marks every listed item."""

    def __init__(
        self, *args: Any, action: str, info_request: InfoRequest | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields.update(action_fields(action))
        self.items: list[RequestedItem] = []
        if action in PROVIDING and info_request is not None:
            self.items = list(info_request.items.all())
            for item in self.items:
                self._add_item_fields(item)

    def _add_item_fields(self, item: RequestedItem) -> None:
        key = f"item-{item.pk}-"
        initial_paragraph = (
            (item.schedule_12a_paragraph or NOT_EXEMPT) if item.is_assessed else None
        )
        self.fields[key + "paragraph"] = forms.ChoiceField(
            label=f"Is “{item.description}” exempt information under Schedule 12A?",
            choices=[(NOT_EXEMPT, "Not exempt"), *Schedule12AParagraph.choices],
            widget=forms.RadioSelect,
            initial=initial_paragraph,
            error_messages={"required": f"Say whether “{item.description}” is exempt information."},
        )
        self.fields[key + "contract"] = forms.BooleanField(
            label="Paragraph 3 only: it is a term proposed by or to the council in negotiations "
            "for a contract (section 100F does not reach it)",
            required=False,
            initial=item.contract_negotiation_terms,
        )
        self.fields[key + "outcome"] = forms.ChoiceField(
            label=f"Provide or withhold “{item.description}”?",
            choices=ItemOutcome.choices,
            widget=forms.RadioSelect,
            initial=item.outcome or None,
            error_messages={"required": f"Say whether “{item.description}” is provided."},
        )
        self.fields[key + "reason"] = forms.CharField(
            label=f"Why “{item.description}” is withheld, in words for the councillor",
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            initial=item.withheld_reason,
        )

    def item_rows(self) -> list[tuple[RequestedItem, list[forms.BoundField]]]:
        return [(item, [self[f"item-{item.pk}-{n}"] for n in ITEM_FIELDS]) for item in self.items]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for item in self.items:
            key = f"item-{item.pk}-"
            if (
                data.get(key + "outcome") == ItemOutcome.WITHHOLD
                and not (data.get(key + "reason") or "").strip()
            ):
                self.add_error(
                    key + "reason",
                    f"Say why “{item.description}” is withheld, in words for the councillor.",
                )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("item-")}
        if "complained" in data:
            data["complained"] = data["complained"] == "yes"
        if self.items:
            decisions = []
            for item in self.items:
                key = f"item-{item.pk}-"
                paragraph = self.cleaned_data[key + "paragraph"]
                decisions.append(
                    ItemDecision(
                        item_id=item.pk,
                        paragraph=None if paragraph == NOT_EXEMPT else paragraph,
                        contract_negotiation_terms=self.cleaned_data[key + "contract"],
                        provide=self.cleaned_data[key + "outcome"] == ItemOutcome.PROVIDE,
                        withheld_reason=self.cleaned_data[key + "reason"],
                    )
                )
            data["items"] = decisions
        return data
