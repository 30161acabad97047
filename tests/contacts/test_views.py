"""Sign in and out, the home page per role, and the council pages (scoped, 404 outside scope)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model

from contacts.models import Capacity, Role, Tier
from contacts.selectors import UserGroup
from tests.factories import (
    PASSWORD,
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    PoliticalGroupFactory,
    RoleAssignmentFactory,
    UserFactory,
    user_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def braintree():
    return CouncilFactory(slug="braintree", name="Braintree District Council")


@pytest.fixture
def halstead(braintree):
    return CouncilFactory(
        slug="halstead",
        name="Halstead Town Council",
        tier=Tier.PARISH,
        monitoring_officer_council=braintree,
    )


@pytest.fixture
def maldon():
    return CouncilFactory(slug="maldon", name="Maldon District Council")


@pytest.fixture
def braintree_mo(braintree):
    mo = OfficerFactory(council=braintree, name="Dana Lee", job_title="Director of Governance")
    RoleAssignmentFactory(person=mo, role=Role.MONITORING_OFFICER)
    return mo


def sign_in(client, person, *groups):
    user = user_for(person, *groups)
    client.force_login(user)
    return user


# --- Sign in / sign out ----------------------------------------------------------------------


def test_sign_in_page_renders_as_govuk(client):
    response = client.get("/sign-in/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en-GB" class="govuk-template">' in html
    assert 'class="govuk-skip-link"' in html
    assert "govuk-phase-banner" in html
    assert 'class="govuk-service-navigation"' in html
    assert '<label class="govuk-label" for="id_username">Username</label>' in html
    assert "govuk-error-summary" not in html
    # No inline script: JS comes from static files only.
    assert "<script>" not in html


def test_bad_credentials_show_the_error_summary(client, braintree):
    user_for(OfficerFactory(council=braintree), UserGroup.OFFICER)

    response = client.post("/sign-in/", {"username": "nobody", "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Sign in – Protocol</title>" in html
    assert 'class="govuk-error-summary"' in html
    message = "Enter a correct username and password. Both are case-sensitive: check Caps Lock."
    assert f'<a href="#id_username">{message}</a>' in html  # in the summary, linked to the field
    assert f"Error:</span> {message}</p>" in html  # and by the field
    assert 'href="#id_username"' in html
    assert "_auth_user_id" not in client.session


def test_missing_fields_are_each_reported(client):
    response = client.post("/sign-in/", {"username": "", "password": ""})

    html = response.content.decode()
    assert 'href="#id_username">Enter your username</a>' in html
    assert 'href="#id_password">Enter your password</a>' in html


def test_sign_in_works_and_goes_home(client, braintree):
    person = OfficerFactory(council=braintree, name="Pat Officer")
    user = user_for(person, UserGroup.OFFICER)

    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert "Pat Officer" in home.content.decode()


def test_sign_out_is_a_post(client, braintree):
    sign_in(client, OfficerFactory(council=braintree), UserGroup.OFFICER)

    assert client.get("/sign-out/").status_code == 405
    response = client.post("/sign-out/", follow=True)

    assert response.redirect_chain[-1][0] == "/sign-in/"
    assert "You have signed out." in response.content.decode()
    assert client.get("/").status_code == 302


def test_pages_need_sign_in(client, braintree):
    for path in ("/", "/councils/", "/councils/braintree/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/?next=")


# --- Home page per role ----------------------------------------------------------------------


HOME_LINKS = {
    UserGroup.CLERK: [("Open a case", "/cases/new/"), ("Case list", "/cases/")],
    UserGroup.COUNCILLOR: [
        ("Raise a concern or complaint about an officer", "/cases/new/"),
        ("Make an information request", "/information-requests/new/"),
        ("My cases", "/cases/"),
    ],
    UserGroup.OFFICER: [("Raise a concern about a member", "/cases/new/"), ("My cases", "/cases/")],
    UserGroup.MONITORING_OFFICER: [("Escalation queue", "/cases/?queue=mine")],
    UserGroup.COUNCIL_ADMIN: [("Case list", "/cases/"), ("Councils", "/councils/")],
}


def link(label, href):
    return f'href="{href}">{label}</a>'


def main(response):
    """The page's <main>, without the navigation and footer."""
    return response.content.decode().split('id="main-content">')[1].split("</main>")[0]


@pytest.mark.parametrize("group", list(HOME_LINKS))
def test_home_page_shows_the_links_for_the_users_role(client, braintree, group):
    if group == UserGroup.COUNCILLOR:
        person = CouncillorFactory(council=braintree, name="Cllr Robin Hale")
    else:
        person = OfficerFactory(council=braintree, name="Robin Hale")
    sign_in(client, person, group)

    response = client.get("/")

    assert response.status_code == 200
    html = main(response)
    assert "Robin Hale" in html
    assert "Braintree District Council" in html
    for label, href in HOME_LINKS[group]:
        assert link(label, href) in html
    others = {pair for g, pairs in HOME_LINKS.items() if g != group for pair in pairs}
    for label, href in others - set(HOME_LINKS[group]):
        assert link(label, href) not in html


def test_home_shows_current_roles_only(client, braintree, halstead):
    person = OfficerFactory(council=braintree, name="Dana Lee")
    RoleAssignmentFactory(person=person, role=Role.MONITORING_OFFICER)
    RoleAssignmentFactory(person=person, council=halstead, role=Role.DEPUTY_MONITORING_OFFICER)
    RoleAssignmentFactory(
        person=person,
        role=Role.HEAD_OF_PAID_SERVICE,
        capacity=Capacity.ACTING,
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2021, 1, 1),
    )
    sign_in(client, person, UserGroup.MONITORING_OFFICER)

    html = client.get("/").content.decode()

    assert "Monitoring Officer" in html
    assert "Deputy Monitoring Officer, Halstead Town Council" in html
    assert "Head of Paid Service" not in html  # ended in 2021


def test_monitoring_officer_home_lists_the_councils_served(
    client, braintree, halstead, maldon, braintree_mo
):
    sign_in(client, braintree_mo, UserGroup.MONITORING_OFFICER)

    html = client.get("/").content.decode()

    assert link("Braintree District Council", "/councils/braintree/") in html
    assert link("Halstead Town Council", "/councils/halstead/") in html
    assert "Maldon District Council" not in html


def test_superuser_home_links_to_the_admin(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.gov.uk", PASSWORD)
    client.force_login(admin)

    html = client.get("/").content.decode()

    assert link("Django admin", "/admin/") in html
    assert link("Councils", "/councils/") in html


def test_user_without_a_person_is_told_so(client):
    client.force_login(UserFactory())

    html = client.get("/").content.decode()

    assert "not linked to a councillor or officer" in html


@pytest.mark.parametrize(
    ("group", "shown", "hidden"),
    [
        (
            UserGroup.COUNCILLOR,
            ["/", "/cases/", "/information-requests/", "/councils/"],
            ["/clocks/", "/admin/"],
        ),
        (
            UserGroup.CLERK,
            ["/", "/cases/", "/information-requests/", "/clocks/", "/councils/"],
            ["/admin/"],
        ),
        (
            UserGroup.MONITORING_OFFICER,
            ["/", "/cases/", "/information-requests/", "/clocks/", "/councils/"],
            ["/admin/"],
        ),
    ],
)
def test_service_navigation_depends_on_the_role(client, braintree, group, shown, hidden):
    if group == UserGroup.COUNCILLOR:
        person = CouncillorFactory(council=braintree)
    else:
        person = OfficerFactory(council=braintree)
    sign_in(client, person, group)

    html = client.get("/councils/").content.decode()
    nav = html.split('<ul class="govuk-service-navigation__list"')[1].split("</ul>")[0]

    for href in shown:
        assert f'class="govuk-service-navigation__link" href="{href}"' in nav, href
    for href in hidden:
        assert f'href="{href}"' not in nav, href
    assert 'href="/councils/" aria-current="page"' in nav
    assert '<form method="post" action="/sign-out/"' in nav


def test_no_navigation_before_sign_in(client):
    html = client.get("/sign-in/").content.decode()

    assert "govuk-service-navigation__list" not in html
    assert "Sign out" not in html


# --- Council pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("braintree_officer", {"braintree"}),
        ("halstead_clerk", {"halstead"}),
        ("braintree_mo", {"braintree", "halstead"}),
        ("superuser", {"braintree", "halstead", "maldon"}),
    ],
)
def test_council_list_is_scoped(client, braintree, halstead, maldon, braintree_mo, who, visible):
    if who == "braintree_officer":
        sign_in(client, OfficerFactory(council=braintree), UserGroup.OFFICER)
    elif who == "halstead_clerk":
        sign_in(client, OfficerFactory(council=halstead, job_title="Town Clerk"), UserGroup.CLERK)
    elif who == "braintree_mo":
        sign_in(client, braintree_mo, UserGroup.MONITORING_OFFICER)
    else:
        client.force_login(
            get_user_model().objects.create_superuser("root", "r@example.gov.uk", PASSWORD)
        )

    list_html = client.get("/councils/").content.decode()

    for slug in ("braintree", "halstead", "maldon"):
        shown = f'href="/councils/{slug}/"' in list_html
        assert shown is (slug in visible), slug
        status = client.get(f"/councils/{slug}/").status_code
        assert status == (200 if slug in visible else 404), slug


def test_unknown_council_is_404_in_govuk_style(client, braintree):
    sign_in(client, OfficerFactory(council=braintree), UserGroup.OFFICER)

    response = client.get("/councils/nowhere/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_parish_page_shows_its_borrowed_monitoring_officer(
    client, braintree, halstead, braintree_mo
):
    clerk = OfficerFactory(council=halstead, name="Jo Town", job_title="Town Clerk")
    RoleAssignmentFactory(person=clerk, role=Role.CLERK)
    RoleAssignmentFactory(person=clerk, role=Role.HEAD_OF_PAID_SERVICE, capacity=Capacity.ACTING)
    gone = OfficerFactory(council=halstead, name="Former Clerk", job_title="Clerk")
    RoleAssignmentFactory(person=gone, role=Role.CLERK, ends_on=datetime.date(2020, 12, 31))
    sign_in(client, clerk, UserGroup.CLERK)

    html = client.get("/councils/halstead/").content.decode()

    assert "Parish or town council" in html
    assert "Lent by Braintree District Council" in html
    rows = html.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0]
    assert "Monitoring Officer" in rows
    assert "Dana Lee" in rows
    assert "Borrowed</strong>" in rows
    assert "Jo Town" in rows
    assert "Acting</strong>" in rows
    assert "Former Clerk" not in rows  # ended role


def test_lender_page_says_who_borrows_its_monitoring_officer(
    client, braintree, halstead, braintree_mo
):
    sign_in(client, braintree_mo, UserGroup.MONITORING_OFFICER)

    html = client.get("/councils/braintree/").content.decode()

    assert "Lends its Monitoring Officer to" in html
    assert link("Halstead Town Council", "/councils/halstead/") in html
    assert "Borrowed</strong>" not in html


def test_council_people_show_ward_group_and_job_title(client, braintree):
    group = PoliticalGroupFactory(council=braintree, name="Green Party")
    cllr = CouncillorFactory(council=braintree, name="Cllr Ash Bee", political_group=group)
    OfficerFactory(council=braintree, name="Cam Dee", job_title="Head of Planning")
    sign_in(client, OfficerFactory(council=braintree, name="Viewer"), UserGroup.OFFICER)

    html = client.get("/councils/braintree/").content.decode()
    assert "Cllr Ash Bee" in html
    assert cllr.ward.name in html
    assert "Green Party" in html
    assert "Head of Planning" in html

    officers_only = client.get("/councils/braintree/?kind=officer").content.decode()
    assert "Cam Dee" in officers_only
    assert "Cllr Ash Bee" not in officers_only


def test_council_people_are_paginated(client, braintree, django_assert_max_num_queries):
    OfficerFactory.create_batch(30, council=braintree)
    sign_in(client, OfficerFactory(council=braintree), UserGroup.OFFICER)

    with django_assert_max_num_queries(40):
        first = client.get("/councils/braintree/").content.decode()
    second = client.get("/councils/braintree/?page=2").content.decode()

    assert first.count('<td class="govuk-table__cell">Officer</td>') == 25
    assert second.count('<td class="govuk-table__cell">Officer</td>') == 6
    assert 'aria-label="Page 2"' in first
    assert 'rel="next"' in first


DEMO_LOGINS = [
    "admin",
    *(
        f"{s}-{r}"
        for s in ("maldon", "hounslow", "lancaster", "halstead", "west-lavington")
        for r in ("clerk", "councillor", "officer")
    ),
    *(f"{s}-mo" for s in ("maldon", "hounslow", "lancaster", "braintree", "wiltshire")),
]


def test_every_demo_login_signs_in_and_sees_its_home_page(client, demo):
    for username in DEMO_LOGINS:
        response = client.post("/sign-in/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, username
        home = client.get("/")
        assert home.status_code == 200, username
        user = get_user_model().objects.get(username=username)
        person = getattr(user, "person", None)
        if person is not None:
            assert person.name in main(home), username
        own_council = "maldon" if username == "admin" else username.rsplit("-", 1)[0]
        assert client.get(f"/councils/{own_council}/").status_code == 200, username
        client.post("/sign-out/")
