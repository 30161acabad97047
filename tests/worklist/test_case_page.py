"""The case page tells a borrowed Monitoring Officer whose case it is (issue #24)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseType
from cases.services import open_case
from contacts.models import Role, Tier
from tests.factories import CouncilFactory, CouncillorFactory, OfficerFactory, make_variant

pytestmark = pytest.mark.django_db


def test_a_borrowed_monitoring_officer_sees_which_council_they_act_for(world, as_user):
    """Halstead 1.1-like: a town council borrows the district's Monitoring Officer."""
    parish = CouncilFactory(
        slug="halstead-like",
        name="Halstead-like Town Council",
        tier=Tier.PARISH,
        monitoring_officer_council=world.council,
        reference_prefix="HAL",
    )
    make_variant(
        parish,
        CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        [("monitoring_officer", Role.MONITORING_OFFICER)],
    )
    case = open_case(
        council=parish,
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        raised_by=CouncillorFactory(council=parish),
        about=OfficerFactory(council=parish),
        channel="email",
        received_at=timezone.now(),
        summary="The town clerk did not reply.",
        actor=None,
    )
    url = reverse("cases:detail", args=[case.reference])
    body = as_user("mo").get(url).content.decode()
    assert "You are acting for Halstead-like Town Council as its Monitoring Officer" in body
    own = as_user("mo").get(reverse("cases:list")).content.decode()
    assert "You are acting for" not in own
