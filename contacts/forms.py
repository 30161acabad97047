"""Forms for councils, people and roles, used by the admin.

The rules live in the models' `clean()` (so the shell and commands share them); a ModelForm runs
`clean()` and shows each message against its field, and nothing is saved while any is wrong.
The forms add the rules that need to look at other rows.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import Council, Person, PersonalRelationship, RoleAssignment, Tier


class CouncilForm(forms.ModelForm):
    class Meta:
        model = Council
        fields = [
            "slug",
            "name",
            "tier",
            "nation",
            "monitoring_officer_council",
            "reference_prefix",
            "retention_years",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A council that lends its Monitoring Officer cannot become a parish: parishes have none
        # to lend (Halstead borrows Braintree's, West Lavington Wiltshire's).
        if cleaned.get("tier") == Tier.PARISH and self.instance.pk:
            borrowers = list(
                Council.objects.filter(monitoring_officer_council=self.instance).values_list(
                    "name", flat=True
                )
            )
            if borrowers:
                self.add_error(
                    "tier",
                    f"{self.instance.name} lends its Monitoring Officer to {', '.join(borrowers)}; "
                    "a parish council has no Monitoring Officer to lend.",
                )
        return cleaned


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "council",
            "kind",
            "name",
            "key",
            "email",
            "ward",
            "political_group",
            "job_title",
            "user",
        ]


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = [
            "person",
            "council",
            "role",
            "service",
            "capacity",
            "starts_on",
            "ends_on",
            "notes",
        ]


class PersonalRelationshipForm(forms.ModelForm):
    class Meta:
        model = PersonalRelationship
        fields = ["council", "person", "related_person", "nature", "declared_on", "ended_on"]


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with messages in the GOV.UK voice."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Enter a correct username and password. Both are case-sensitive: check Caps Lock."
        ),
        "inactive": "This sign-in has been switched off. Ask your council's administrator.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
