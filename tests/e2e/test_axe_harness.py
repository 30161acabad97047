"""The accessibility check itself: axe must really run, with and without JavaScript, and say
what it found. A page with planted faults proves it (so a silent harness cannot pass)."""

from __future__ import annotations

import pytest

from .browser import AccessibilityError

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PLANTED = '<img src="/static/images/favicon.svg"><input id="unlabelled">'


def test_axe_reports_planted_violations_with_and_without_javascript(open_tab):
    for javascript in (True, False):
        tab = open_tab(javascript=javascript)
        tab.go("/sign-in/")  # a clean page passes

        def plant(route):
            page = route.fetch().text().replace("<h1", PLANTED + "<h1", 1)
            route.fulfill(body=page, content_type="text/html; charset=utf-8")

        tab.page.route("**/sign-in/", plant)
        with pytest.raises(AccessibilityError) as found:
            tab.go("/sign-in/")
        report = str(found.value)
        assert "image-alt (critical)" in report, javascript
        assert "label (critical)" in report, javascript
        assert "#unlabelled" in report, javascript
