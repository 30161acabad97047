"""The "new council" wizard (issue #12): one question per page, check your answers, create.

Answers live in the session until the check page's button; `council_wizard.create_council`
then writes everything in one transaction, so an abandoned or refused wizard saves nothing.
Only a superuser starts a council (it has no admins yet); anyone else gets a 404.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from cases.variant_services import may_create_councils

from . import council_wizard
from .models import Council, Nation, Tier

SESSION_KEY = "new_council_wizard"
PREFIX_PATTERN = re.compile(r"^[A-Z0-9]{2,6}$")


class CouncilDetailsForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        label="Council name",
        help_text="As the council writes it, for example “Halstead Town Council”.",
        error_messages={"required": "Enter the council's name"},
    )
    slug = forms.SlugField(
        max_length=60,
        label="Short name for web addresses",
        help_text="Lower-case letters, numbers and hyphens, for example “halstead”.",
        error_messages={
            "required": "Enter a short name for web addresses",
            "invalid": "The short name can only use lower-case letters, numbers and hyphens",
        },
    )
    tier = forms.ChoiceField(
        choices=Tier.choices,
        widget=forms.RadioSelect,
        label="Tier",
        error_messages={"required": "Select the council's tier"},
    )
    nation = forms.ChoiceField(
        choices=Nation.choices,
        widget=forms.RadioSelect,
        label="Nation",
        help_text="Working-day clocks skip this nation's bank holidays.",
        error_messages={"required": "Select the nation"},
    )
    reference_prefix = forms.CharField(
        max_length=6,
        label="Case reference prefix",
        help_text="2 to 6 capital letters or numbers; case references start with it, like "
        "HAL-2026-0001.",
        error_messages={"required": "Enter a case reference prefix"},
    )

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].lower()
        if slug in council_wizard.RESERVED_SLUGS:
            raise forms.ValidationError(f"“{slug}” is reserved: choose another short name")
        if Council.objects.filter(slug=slug).exists():
            raise forms.ValidationError(f"A council already uses the short name “{slug}”")
        return slug

    def clean_reference_prefix(self) -> str:
        prefix: str = self.cleaned_data["reference_prefix"].strip().upper()
        if not PREFIX_PATTERN.match(prefix):
            raise forms.ValidationError(
                "The prefix must be 2 to 6 capital letters or numbers, like HAL"
            )
        if Council.objects.filter(reference_prefix=prefix).exists():
            raise forms.ValidationError(f"Another council's case references already start {prefix}")
        return prefix


class CouncilChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Council) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.get_tier_display().lower()})"


class MonitoringOfficerForm(forms.Form):
    monitoring_officer_council = CouncilChoice(
        queryset=Council.objects.none(),
        widget=forms.RadioSelect,
        required=False,
        label="Whose Monitoring Officer serves the council?",
    )

    def __init__(self, *args: Any, is_parish: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["monitoring_officer_council"]
        field.queryset = council_wizard.possible_lenders()  # type: ignore[attr-defined]
        self.is_parish = is_parish
        if is_parish:
            field.help_text = (
                "A parish or town council has no Monitoring Officer of its own: choose the "
                "district or unitary council whose Monitoring Officer serves it."
            )
            field.empty_label = None  # type: ignore[attr-defined]
        else:
            field.help_text = (
                "Choose “Its own” unless another council lends its Monitoring Officer."
            )
            field.empty_label = (  # type: ignore[attr-defined]
                "Its own Monitoring Officer (record who after creating the council)"
            )

    def clean_monitoring_officer_council(self) -> Council | None:
        lender: Council | None = self.cleaned_data.get("monitoring_officer_council")
        if self.is_parish and lender is None:
            raise forms.ValidationError(
                "Select the council whose Monitoring Officer serves this parish or town council"
            )
        return lender


class _CopyRoutesBase(forms.Form):
    copy_from = CouncilChoice(
        queryset=Council.objects.none(),
        widget=forms.RadioSelect,
        required=False,
        empty_label="No routes yet (start them in the editor)",
        label="Copy the routes of a similar council",
        help_text="Each published route is copied as a draft: change the labels to your "
        "council's words, then publish.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["copy_from"].queryset = council_wizard.councils_with_routes()  # type: ignore[attr-defined]


class CopyRoutesForm(_CopyRoutesBase):
    """Routes to copy, and (issue #20) the council's services, so "their Director" is a real
    person from day one."""

    services = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="The council's services (optional)",
        help_text="Directorates, departments or teams, one a line, for example “Resources”. "
        "Add their heads and officers afterwards in the admin or by importing the council's "
        "configuration file.",
    )

    def clean_services(self) -> str:
        names = [line.strip() for line in self.cleaned_data["services"].splitlines()]
        names = [n for n in names if n]
        slugs = [slugify(n) for n in names]
        for name, slug in zip(names, slugs, strict=True):
            if not slug:
                raise forms.ValidationError(f"“{name}” needs letters or numbers in its name.")
            if slugs.count(slug) > 1:
                raise forms.ValidationError(f"“{name}” is listed twice.")
        return "\n".join(names)


PAGES: dict[str, dict[str, Any]] = {
    "council": {"form": CouncilDetailsForm, "title": "About the council"},
    "monitoring-officer": {"form": MonitoringOfficerForm, "title": "Monitoring Officer"},
    "routes": {"form": CopyRoutesForm, "title": "Protocol routes and services"},
}
ORDER = list(PAGES)


def _guard(request: HttpRequest) -> None:
    if not may_create_councils(request.user):
        raise Http404("No such page.")


def _answers(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY) or {})


def _form(page_name: str, request: HttpRequest, answers: dict[str, Any]) -> forms.Form:
    form_class = PAGES[page_name]["form"]
    data = request.POST if request.method == "POST" else None
    initial = {k: v for k, v in answers.items() if v is not None}
    if form_class is MonitoringOfficerForm:
        return MonitoringOfficerForm(
            data, initial=initial, is_parish=answers.get("tier") == Tier.PARISH
        )
    form: forms.Form = form_class(data, initial=initial)
    return form


def _plain(value: Any) -> Any:
    return value.pk if isinstance(value, Council) else value


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    _guard(request)
    request.session[SESSION_KEY] = {}
    return redirect("variants:wizard_page", page=ORDER[0])


@login_required
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, page: str) -> HttpResponse:
    _guard(request)
    if page not in PAGES:
        raise Http404("No such page.")
    answers = _answers(request)
    index = ORDER.index(page)
    if index > 0 and "slug" not in answers:
        return redirect("variants:wizard_page", page=ORDER[0])
    form = _form(page, request, answers)
    if request.method == "POST" and form.is_valid():
        answers.update({k: _plain(v) for k, v in form.cleaned_data.items()})
        if page == "council" and answers.get("tier") == Tier.PARISH:
            # A parish always borrows: ask again rather than keep an "its own" answer.
            answers.pop("monitoring_officer_council", None)
        request.session[SESSION_KEY] = answers
        missing = _first_unanswered(answers)
        if request.GET.get("change") and missing is None:
            return redirect("variants:wizard_check")
        following = ORDER[index + 1] if index + 1 < len(ORDER) else None
        if following:
            return redirect("variants:wizard_page", page=following)
        if missing is not None:
            return redirect("variants:wizard_page", page=missing)
        return redirect("variants:wizard_check")
    back = (
        reverse("variants:wizard_page", args=[ORDER[index - 1]])
        if index
        else reverse("variants:index")
    )
    return render(
        request,
        "form.html",
        {
            "form": form,
            "title": PAGES[page]["title"],
            "caption": "Add a council",
            "button": "Continue",
            "back": back,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _first_unanswered(answers: dict[str, Any]) -> str | None:
    for name in ORDER:
        if any(key not in answers for key in PAGES[name]["form"].base_fields):
            return name
    return None


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    _guard(request)
    answers = _answers(request)
    missing = _first_unanswered(answers)
    if missing is not None:
        return redirect("variants:wizard_page", page=missing)
    data = council_wizard.as_new_council(answers)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            council = council_wizard.create_council(data=data, actor=request.user)
        except ValidationError as error:
            errors = [
                (field, message)
                for field, messages_ in error.message_dict.items()
                for message in messages_
            ]
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(
                request,
                f"{council.name} created"
                + (
                    f", with draft copies of {data.copy_from.name}'s routes."
                    if data.copy_from
                    else "."
                ),
            )
            return redirect("variants:council", slug=council.slug)
    page_for = {
        "name": "council",
        "slug": "council",
        "tier": "council",
        "nation": "council",
        "reference_prefix": "council",
        "monitoring_officer_council": "monitoring-officer",
        "copy_from": "routes",
        "services": "routes",
    }
    return render(
        request,
        "variants/wizard_check.html",
        {
            "data": data,
            "tier": Tier(data.tier).label,
            "nation": Nation(data.nation).label,
            "errors": [(page_for.get(f, "council"), m) for f, m in errors],
        },
        status=400 if errors else 200,
    )
