"""The administrator edits a council's route in the variant editor (/variants/), in a browser."""

from __future__ import annotations

import pytest

from cases.models import ClockRule, ProtocolVariant, VariantStatus

from . import journeys

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_edits_a_variant_and_publishes_it(open_tab):
    tab = open_tab()
    journeys.admin_edits_a_variant(tab)

    versions = dict(
        ProtocolVariant.objects.filter(
            council__slug="maldon", case_type="member_concern_about_officer"
        ).values_list("version", "status")
    )
    assert versions == {1: VariantStatus.RETIRED, 2: VariantStatus.PUBLISHED}
    lengths = dict(
        ClockRule.objects.filter(
            step__variant__council__slug="maldon",
            step__variant__case_type="member_concern_about_officer",
            kind="response",
        ).values_list("step__variant__version", "length")
    )
    # Published versions never change: version 1 keeps Maldon 2.2's 7 days.
    assert lengths == {1: 7, 2: 10}
    assert tab.console_errors == []
