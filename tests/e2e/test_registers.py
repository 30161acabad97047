"""The registers in a browser: each list passes axe, and each form submitted empty answers with
the GOV.UK error summary (focused, every link landing on a field in error)."""

from __future__ import annotations

import pytest

from . import journeys

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_every_register_form_shows_the_error_summary(open_tab):
    tab = open_tab()
    checked = journeys.clerk_submits_every_register_form_empty(tab)
    # The clerk may add to every register except interest advice (member and MO only).
    assert "/registers/relationships/new/" in checked
    assert len(checked) >= 5, checked
    assert tab.console_errors == []
