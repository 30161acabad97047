"""Forms for the register pages. They collect input; the services decide and validate."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from contacts.models import Council, Person, PersonKind, PoliticalGroup, RoleAssignment, Ward
from contacts.selectors import held_on
from protocol_site.validators import validate_single_line

from . import selectors
from .models import ApproachKind, OfferStatus, SharingConsent, WardNotificationKind

User = AuthUser | AnonymousUser


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        person: Person = obj
        if person.kind == PersonKind.OFFICER:
            return f"{person.name} ({person.job_title})" if person.job_title else person.name
        return f"{person.name} (councillor)"


def _people(council_ids: set[int], kind: str | None = None) -> QuerySet[Person]:
    qs = Person.objects.filter(council_id__in=council_ids, anonymised_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("council").order_by("name")


class RegisterForm(forms.Form):
    """Knows the user; offers an "on behalf of" field to the clerk and the Monitoring Officer."""

    on_behalf_field: str | None = None
    on_behalf_kind: str | None = None
    on_behalf_label = "Person"
    on_behalf_mo_only = False

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.viewer = selectors.viewer_for(user)
        self.me = self.viewer.person
        if self.on_behalf_field:
            ids = self.viewer.mo_ids if self.on_behalf_mo_only else self.viewer.administered_ids
            if ids:
                field = PersonChoiceField(
                    queryset=_people(ids, self.on_behalf_kind),
                    label=self.on_behalf_label,
                    help_text="You are recording this for someone else at a council you serve.",
                    required=False,
                    empty_label="Myself",
                )
                self.fields = {self.on_behalf_field: field, **self.fields}

    def acting_for(self) -> Person:
        chosen = self.cleaned_data.get(self.on_behalf_field or "") if self.on_behalf_field else None
        person = chosen or self.me
        if person is None:  # the views 404 before a person-less user reaches a form
            raise ValueError("This form needs a person.")
        return person

    def home_council_ids(self) -> set[int]:
        ids = set(self.viewer.administered_ids)
        if self.me is not None:
            ids.add(self.me.council_id)
        return ids


# -- Personal relationships ------------------------------------------------------------------


class RelationshipForm(RegisterForm):
    on_behalf_field = "person"
    on_behalf_label = "Who is declaring the relationship"

    related_person = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Who is the relationship with?",
        help_text="The member or officer you have a personal relationship with.",
        empty_label="Choose a person",
    )
    nature = forms.CharField(
        label="What is the relationship?",
        help_text="For example, family member, partner or close friend.",
        max_length=200,
    )
    declared_on = forms.DateField(label="Date of the declaration", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        related = cast(forms.ModelChoiceField, self.fields["related_person"])
        qs = _people(self.home_council_ids())
        if self.me is not None:
            qs = qs.exclude(pk=self.me.pk)
        related.queryset = qs


class EndRelationshipForm(forms.Form):
    ended_on = forms.DateField(label="When did the relationship end?", widget=DateInput())


# -- Briefings -------------------------------------------------------------------------------


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.council.name})"


class BriefingForm(RegisterForm):
    group = GroupChoiceField(
        queryset=PoliticalGroup.objects.none(),
        label="Which group was briefed?",
        empty_label="Choose a group",
    )
    officer = PersonChoiceField(
        queryset=Person.objects.none(), label="Officer who gave the briefing", empty_label=None
    )
    topic = forms.CharField(label="Topic", max_length=200)
    given_on = forms.DateField(label="Date of the briefing", widget=DateInput())
    advice = forms.CharField(
        label="Information and advice given",
        help_text="Council business only: officers do not advise on party political matters.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    decision_meeting = forms.CharField(
        label="Decision meeting (optional)",
        help_text="The formal meeting that will decide the matter, e.g. Cabinet.",
        required=False,
        max_length=200,
    )
    decision_meeting_on = forms.DateField(
        label="Date of the decision meeting (optional)", required=False, widget=DateInput()
    )

    approved_by = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Who approved the briefing (if the officer needed approval)?",
        required=False,
        empty_label="Nobody: the officer may brief groups themself",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = self.home_council_ids()
        group = cast(forms.ModelChoiceField, self.fields["group"])
        officer = cast(forms.ModelChoiceField, self.fields["officer"])
        group.queryset = PoliticalGroup.objects.filter(council_id__in=ids).select_related("council")
        officer.queryset = _people(ids, PersonKind.OFFICER)
        if self.me is not None and self.me.kind == PersonKind.OFFICER:
            officer.initial = self.me.pk
        # Lancaster 3.1: only where a council limits who briefs, the approver is asked for.
        policies = [selectors.briefing_policy_for(c) for c in Council.objects.filter(pk__in=ids)]
        approvals = {
            (p.council_id, p.approval_role) for p in policies if p.giver_roles and p.approval_role
        }
        if approvals:
            approver = cast(forms.ModelChoiceField, self.fields["approved_by"])
            approver.queryset = _people(ids, PersonKind.OFFICER).filter(
                Exists(
                    RoleAssignment.objects.filter(
                        held_on(timezone.localdate()),
                        person_id=OuterRef("pk"),
                        council_id__in=[c for c, _ in approvals],
                        role__in=[r for _, r in approvals],
                    )
                )
            )
            approver.help_text = (
                "Lancaster 3.1: briefings are given only by the Chief Executive or Service "
                "Heads, or with the Chief Executive's approval."
            )
        else:
            del self.fields["approved_by"]


class OfferResponseForm(forms.Form):
    status = forms.ChoiceField(
        label="The group's answer",
        choices=[(OfferStatus.ACCEPTED, "Accepted"), (OfferStatus.DECLINED, "Declined")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)


class WrittenRequestForm(forms.Form):
    received_on = forms.DateField(label="Date the written request was received", widget=DateInput())
    reference = forms.CharField(
        label="Reference (optional)",
        help_text="For example, the letter or email it came in.",
        required=False,
        max_length=200,
    )


class DeclinedAttendanceForm(BriefingForm):
    """Reuses the group and officer choices of the briefing form."""

    meeting_on = forms.DateField(label="Date of the group meeting", widget=DateInput())
    reason = forms.CharField(
        label="Why was it too political to attend?", widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("topic", "given_on", "advice", "decision_meeting", "decision_meeting_on"):
            del self.fields[name]
        self.fields["group"].label = "Which group's meeting?"
        self.fields["officer"].label = "Officer who declined"


# -- Improper approaches ---------------------------------------------------------------------


class ApproachForm(RegisterForm):
    on_behalf_field = "reported_by"
    on_behalf_label = "Who is reporting it"

    kind = forms.ChoiceField(
        label="What happened?", choices=ApproachKind.choices, widget=forms.RadioSelect
    )
    about = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Who made the approach or applied the pressure?",
        empty_label="Choose a person",
    )
    occurred_on = forms.DateField(label="When did it happen?", widget=DateInput())
    description = forms.CharField(label="What happened", widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        about = cast(forms.ModelChoiceField, self.fields["about"])
        qs = _people(self.home_council_ids())
        if self.me is not None:
            qs = qs.exclude(pk=self.me.pk)
        about.queryset = qs


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label="Outcome", widget=forms.Textarea(attrs={"rows": 4}))


class CaseReferenceForm(forms.Form):
    reference = forms.CharField(label="Case reference", max_length=30)


# -- Officer help ------------------------------------------------------------------------------


class HelpRequestForm(RegisterForm):
    on_behalf_field = "requested_by"
    on_behalf_kind = PersonKind.COUNCILLOR
    on_behalf_label = "Member asking"

    officer = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Which officer would you like help from?",
        empty_label="Choose an officer",
    )
    description = forms.CharField(
        label="What would you like the officer to do?", widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officer = cast(forms.ModelChoiceField, self.fields["officer"])
        officer.queryset = _people(self.home_council_ids(), PersonKind.OFFICER)


YES_NO = [("yes", "Yes"), ("no", "No")]


class HelpDecisionForm(forms.Form):
    within_workload = forms.ChoiceField(
        label="Is the task in line with the officer's workload?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    appropriate = forms.ChoiceField(
        label="Is the request appropriate?", choices=YES_NO, widget=forms.RadioSelect
    )
    inform_all_members = forms.ChoiceField(
        label="Should all members be informed of the request?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}))


# -- Ward notifications ------------------------------------------------------------------------


class WardNotificationForm(RegisterForm):
    kind = forms.ChoiceField(
        label="What is the notification about?",
        choices=WardNotificationKind.choices,
        widget=forms.RadioSelect,
    )
    wards = forms.ModelMultipleChoiceField(
        queryset=Ward.objects.none(),
        label="Wards affected",
        widget=forms.CheckboxSelectMultiple,
    )
    subject = forms.CharField(label="Subject", max_length=200, validators=[validate_single_line])
    details = forms.CharField(
        label="Details",
        help_text="Lancaster 10.3: describe the issue in general terms, without naming the "
        "resident.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    location = forms.CharField(label="Location (optional)", required=False, max_length=200)
    event_on = forms.DateField(
        label="Date of the meeting or event (optional)", required=False, widget=DateInput()
    )
    resident_name = forms.CharField(
        label="Resident's name (optional)", required=False, max_length=200
    )
    resident_contact = forms.CharField(
        label="Resident's contact details (optional)", required=False, max_length=200
    )
    resident_consents_to_identity_sharing = forms.BooleanField(
        label="The resident consents to their identity being shared with the ward councillors",
        required=False,
    )
    raised_via_councillor = PersonChoiceField(
        queryset=Person.objects.none(),
        label="Councillor acting for the resident (optional)",
        help_text="Lancaster 10.5: in a multi-member ward the other ward councillors are not "
        "told without consent.",
        required=False,
        empty_label="Nobody: the council is telling the ward members",
    )
    sharing_consent = forms.ChoiceField(
        label="Who consented to telling the other ward councillors?",
        choices=SharingConsent.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=SharingConsent.NONE,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = self.staff_council_ids()
        wards = cast(forms.ModelChoiceField, self.fields["wards"])
        via = cast(forms.ModelChoiceField, self.fields["raised_via_councillor"])
        wards.queryset = Ward.objects.filter(council_id__in=ids)
        via.queryset = _people(ids, PersonKind.COUNCILLOR)

    def staff_council_ids(self) -> set[int]:
        ids = set(self.viewer.administered_ids)
        if self.viewer.is_officer and self.me is not None:
            ids.add(self.me.council_id)
        return ids

    def council(self) -> Council | None:
        wards = self.cleaned_data.get("wards")
        if wards:
            return wards[0].council
        return self.me.council if self.me is not None else None


class WardConsentForm(forms.Form):
    resident_consents_to_identity_sharing = forms.BooleanField(
        label="The resident consents to their identity being shared with the ward councillors",
        required=False,
    )
    sharing_consent = forms.ChoiceField(
        label="Who consented to telling the other ward councillors?",
        choices=SharingConsent.choices,
        widget=forms.RadioSelect,
        required=False,
    )


# -- Interest advice ---------------------------------------------------------------------------


class InterestAdviceForm(RegisterForm):
    on_behalf_field = "member"
    on_behalf_kind = PersonKind.COUNCILLOR
    on_behalf_label = "Member asking"
    on_behalf_mo_only = True

    question = forms.CharField(
        label="What would you like advice on?",
        help_text="Maldon 8.1: the Monitoring Officer's advice is given in confidence.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AdviceForm(forms.Form):
    advice = forms.CharField(label="Advice", widget=forms.Textarea(attrs={"rows": 6}))
