"""Every demo login signs in through the form and lands on a home page that names them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from contacts.selectors import person_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COUNCILS = ["maldon", "hounslow", "lancaster", "halstead", "west-lavington"]
LOGINS = [
    "admin",
    *(f"{slug}-{role}" for slug in COUNCILS for role in ("clerk", "councillor", "officer")),
    "maldon-mo",
    "hounslow-mo",
    "lancaster-mo",
    "braintree-mo",
    "wiltshire-mo",
]
# One home page screenshot per kind of person.
SHOTS = {
    "admin": "home-admin",
    "maldon-clerk": "home-clerk",
    "lancaster-councillor": "home-councillor",
    "hounslow-officer": "home-officer",
    "braintree-mo": "home-borrowed-mo",
}


def _expected_name(username: str) -> str | None:
    """The councillor or officer the login belongs to (admin belongs to nobody)."""
    person = person_for(get_user_model().objects.get(username=username))
    return person.name if person else None


def test_every_demo_login_reaches_a_home_page_with_their_name(open_tab):
    tab = open_tab()
    for username in LOGINS:
        tab.sign_in(username)
        assert tab.page.url.rstrip("/") == tab.url("/").rstrip("/"), username
        # The home page is the person's work (issue #24); the caption above it names them.
        assert tab.heading() == "Your work", username
        name = _expected_name(username)
        if name is not None:
            caption = tab.page.locator("main .govuk-caption-l").inner_text()
            assert caption.startswith(f"{name}, "), username
        # Signed in: the service navigation offers signing out.
        assert tab.page.get_by_role("button", name="Sign out").is_visible()
        if username in SHOTS:
            tab.shot(SHOTS[username])
    assert tab.console_errors == []


def test_wrong_password_shows_the_error_summary_with_focus(open_tab):
    tab = open_tab()
    tab.go("/sign-in/")
    tab.press("Sign in")
    summary = tab.page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert tab.page.title().startswith("Error:")
    # GOV.UK Frontend's ErrorSummary moves focus to the summary on load (initAll in app.js).
    assert tab.page.evaluate(
        "() => document.activeElement.classList.contains('govuk-error-summary')"
    )
    links = summary.locator("a")
    assert links.count() >= 1
    href = links.first.get_attribute("href")
    assert href == "#id_username"
    tab.shot("sign-in-error")
    # The summary's link moves focus to the field it names.
    links.first.click()
    assert tab.page.evaluate("() => document.activeElement.id") == "id_username"

    tab.fill("Username", "maldon-clerk").fill("Password", "not-the-password")
    tab.press("Sign in")
    assert "/sign-in/" in tab.page.url
    assert summary.is_visible()


def test_every_page_in_the_navigation_passes_axe(open_tab):
    """Each item of the service navigation, as each kind of person sees it (axe runs on every
    page a Journey reaches)."""
    tab = open_tab()
    for username in ["maldon-clerk", "lancaster-councillor", "hounslow-officer", "wiltshire-mo"]:
        tab.sign_in(username)
        menu = tab.page.get_by_role("navigation", name="Menu").get_by_role("link")
        items = [name.strip() for name in menu.all_inner_texts()]
        assert "Cases" in items, username
        for item in items:
            tab.nav(item)
            assert tab.page.locator("h1").count() == 1, f"{username}, {item}: one h1 per page"
            # The navigation marks where you are (aria-current) for screen readers.
            current = tab.page.locator('nav a[aria-current="page"]')
            assert current.count() == 1, f"{username}, {item}"
            assert current.inner_text().strip() == item
    assert tab.console_errors == []
