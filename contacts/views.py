"""Pages for signing in, the home page per role, and the council pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from worklist.selectors import home_work

from .forms import SignInForm
from .models import Council, Person, PersonKind, Role, ServiceMembership
from .selectors import (
    UserGroup,
    current_roles,
    held_on,
    people_of,
    person_for,
    role_holders,
    served_councils,
    service_membership,
    services_of,
    user_group_names,
    visible_councils_for,
)

PEOPLE_PER_PAGE = 25


@dataclass
class Action:
    label: str
    href: str
    hint: str = ""


@dataclass
class RoleSection:
    """One block of "what you can do" on the home page, for one of the user's groups."""

    heading: str
    actions: list[Action] = field(default_factory=list)


class LoginView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        from protocol_site.passwords import flag_demo_password

        response = super().form_valid(form)
        flag_demo_password(self.request, str(form.cleaned_data.get("password") or ""))
        return response


class LogoutView(auth_views.LogoutView):
    """Logging out is a POST (Django 5 refuses GET): the nav's "Sign out" is a form button."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, "You have signed out.")
        return response


def _council_link(council: Council) -> str:
    return reverse("contacts:council_detail", args=[council.slug])


def _sections_for(
    request: HttpRequest,
    groups: set[str],
    person: Person | None = None,
    served: list[tuple[int, str, str]] | None = None,
) -> list[RoleSection]:
    """What each of the user's roles lets them do. Other apps' pages are linked by literal path."""
    user = request.user
    person = person if person is not None else person_for(user)
    sections: list[RoleSection] = []
    if UserGroup.CLERK in groups:
        sections.append(
            RoleSection(
                "As clerk",
                [
                    Action(
                        "Open a case",
                        "/cases/new/",
                        "Record a concern or complaint a councillor or officer has brought to you.",
                    ),
                    Action("Case list", "/cases/", "Every case of your council and where it is."),
                    Action("Information requests", "/information-requests/"),
                    Action("Clocks due", "/clocks/", "Acknowledgements and responses falling due."),
                ],
            )
        )
    if UserGroup.COUNCILLOR in groups:
        sections.append(
            RoleSection(
                "As a councillor",
                [
                    Action(
                        "Raise a concern or complaint about an officer",
                        "/cases/new/",
                        "Start informally where your council's protocol says so.",
                    ),
                    Action(
                        "Make an information request",
                        "/information-requests/new/",
                        "Ask for information you need for your work as a councillor.",
                    ),
                    Action(
                        "My cases",
                        "/cases/",
                        "Concerns and complaints you raised or are about you.",
                    ),
                    Action("My information requests", "/information-requests/"),
                ],
            )
        )
    if UserGroup.OFFICER in groups:
        sections.append(
            RoleSection(
                "As an officer",
                [
                    Action(
                        "Raise a concern about a member",
                        "/cases/new/",
                        "A concern about a councillor's conduct towards you or your colleagues.",
                    ),
                    Action("My cases", "/cases/", "Cases you raised, are about you, or handle."),
                ],
            )
        )
    if UserGroup.MONITORING_OFFICER in groups:
        actions = [
            Action(
                "Escalation queue",
                "/cases/?queue=mine",
                "Cases waiting for the Monitoring Officer.",
            ),
            Action("All cases of the councils you serve", "/cases/"),
            Action("Clocks due", "/clocks/"),
        ]
        if person is not None:
            if served is None:
                served = list(
                    Council.objects.filter(pk__in=served_councils(person))
                    .order_by("name")
                    .values_list("pk", "name", "slug")
                )
            actions += [
                Action(
                    name,
                    reverse("contacts:council_detail", args=[slug]),
                    "Council you serve as Monitoring Officer",
                )
                for _, name, slug in served
            ]
        sections.append(RoleSection("As Monitoring Officer", actions))
    if UserGroup.COUNCIL_ADMIN in groups:
        sections.append(
            RoleSection(
                "As council administrator",
                [
                    Action("Case list", "/cases/"),
                    Action("Clocks due", "/clocks/"),
                    Action("Councils", reverse("contacts:council_list")),
                ],
            )
        )
    if person is not None and _kept_informed_of_any(person):
        sections.append(
            RoleSection(
                "Kept informed",
                [
                    Action(
                        "Cases I am kept informed of",
                        "/cases/kept-informed/",
                        "Cases your council's protocol keeps you informed of: you can read them.",
                    )
                ],
            )
        )
    if user.is_superuser:
        sections.append(
            RoleSection(
                "As administrator",
                [
                    Action(
                        "Django admin",
                        reverse("admin:index"),
                        "Councils, people, roles and protocol variants.",
                    ),
                    Action("Councils", reverse("contacts:council_list")),
                    Action("All cases", "/cases/"),
                ],
            )
        )
    return sections


def _kept_informed_of_any(person: Person) -> bool:
    from cases.models import KeptInformed  # cases depends on contacts, not the reverse

    return KeptInformed.objects.filter(person=person).exists()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    # The person with what the page shows of them, in one statement.
    person = (
        Person.objects.select_related("council", "ward", "political_group")
        .filter(user_id=user.pk or 0)
        .first()
    )
    if person is not None:
        user.person = person  # type: ignore[union-attr]  # person_for reads it from here
    groups = user_group_names(user)
    # Issue #24: the home page is the person's work, each count linking to its list.
    work = home_work(user, groups=groups)
    # An MO's councils are those home_work read (administered_council_ids, one statement).
    served = work.councils if UserGroup.MONITORING_OFFICER in groups else None
    context = {
        "person": person,
        "roles": list(current_roles(person)) if person else [],
        "sections": _sections_for(request, groups, person, served),
        "work": work,
    }
    return render(request, "home.html", context)


@login_required
def council_list(request: HttpRequest) -> HttpResponse:
    councils = visible_councils_for(request.user).select_related("monitoring_officer_council")
    return render(request, "contacts/council_list.html", {"councils": councils})


@login_required
def council_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Out of scope is a 404, never a 403: existence is not leaked.
    council = get_object_or_404(
        visible_councils_for(request.user).select_related("monitoring_officer_council"), slug=slug
    )
    # One row per holder of each role, in the order of the Role enumeration; a parish's
    # Monitoring Officer comes back from its lending council, marked borrowed.
    holdings = [
        (role.label, holding)
        for role in Role
        for holding in role_holders(council=council, role=role, include_deputies=False)
    ]
    kind = request.GET.get("kind", "")
    people = people_of(council).filter(anonymised_at__isnull=True).order_by("kind", "name")
    if kind in PersonKind.values:
        people = people.filter(kind=kind)
    else:
        kind = ""
    page_obj = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    visible_ids = set(visible_councils_for(request.user).values_list("pk", flat=True))
    borrowers = [(c, c.pk in visible_ids) for c in council.borrowing_councils.all()]
    context = {
        "council": council,
        "holdings": holdings,
        "page_obj": page_obj,
        "kind": kind,
        "kinds": PersonKind.choices,
        "page_query": f"kind={kind}&" if kind else "",
        "borrowers": borrowers,
        "services": services_of(council),
    }
    service_names = {
        m.person_id: m.service.name
        for m in ServiceMembership.objects.filter(
            held_on(timezone.localdate()), person__in=[p.pk for p in page_obj.object_list]
        ).select_related("service")
    }
    for person in page_obj.object_list:
        person.service_name = service_names.get(person.pk, "")
    return render(request, "contacts/council_detail.html", context)


@login_required
def person_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Issue #20: a person's roles, service and line manager, for anyone who sees the council."""
    council = get_object_or_404(visible_councils_for(request.user), slug=slug)
    person = get_object_or_404(
        council.people.filter(anonymised_at__isnull=True).select_related("ward", "political_group"),
        pk=pk,
    )
    today = timezone.localdate()
    membership = service_membership(person, today)
    roles = (
        person.role_assignments.filter(held_on(today))
        .select_related("council", "service")
        .order_by("role", "starts_on")
    )
    reports = (
        ServiceMembership.objects.filter(held_on(today), line_manager=person)
        .select_related("person", "service")
        .order_by("person__name")
    )
    return render(
        request,
        "contacts/person_detail.html",
        {
            "council": council,
            "person": person,
            "membership": membership,
            "roles": roles,
            "reports": reports,
        },
    )
