"""Forms of the worklist: replying to the parties from the case page, reply templates."""

from __future__ import annotations

from typing import Any

from django import forms

from cases.wording import adversarial_words

from .models import ReplyTemplate


class ReplyForm(forms.Form):
    to = forms.MultipleChoiceField(
        label="Who to email",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose who to email"},
    )
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        help_text="The case reference is added so that a reply comes back to this case.",
        error_messages={"required": "Enter a subject"},
    )
    body = forms.CharField(
        label="Email",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "Enter the email"},
    )
    wording_checked = forms.BooleanField(
        label="I have checked the wording is right for the informal stage",
        required=False,
    )

    def __init__(self, *args: Any, recipients: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.MultipleChoiceField = self.fields["to"]  # type: ignore[assignment]
        field.choices = recipients


class ReplyTemplateAdminForm(forms.ModelForm):
    """Maldon 1.2's wording check on a council's reply templates: adversarial words are refused
    unless the administrator confirms the template is not for the informal stage."""

    not_for_informal_stage = forms.BooleanField(
        required=False,
        label="This template is not for the informal stage (skip the wording check)",
    )

    class Meta:
        model = ReplyTemplate
        fields = ["council", "name", "subject", "body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = f"{data.get('subject', '')}\n{data.get('body', '')}"
        flags = adversarial_words(text)
        if flags and not data.get("not_for_informal_stage"):
            words = ", ".join(f"“{f.word}” (try “{f.suggestion}”)" for f in flags)
            self.add_error(
                "body",
                f"Avoid adversarial words in replies at the informal stage (Maldon 1.2): {words}.",
            )
        return data
