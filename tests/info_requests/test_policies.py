"""The shipped information policies and the command that loads them."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from contacts.models import Role
from info_requests import services
from info_requests.fixtures_data import INFO_POLICIES
from info_requests.models import InformationPolicy
from info_requests.permissions import available_actions
from tests.factories import CouncilFactory

from .factories import make_cast, make_request

pytestmark = pytest.mark.django_db


def test_load_info_policies_is_idempotent_and_skips_missing_councils(capsys):
    for slug in ("lancaster", "maldon", "hounslow"):
        CouncilFactory(slug=slug)
    call_command("load_info_policies")
    call_command("load_info_policies")
    assert InformationPolicy.objects.count() == 3
    out = capsys.readouterr()
    assert "0 created, 3 updated" in out.out
    assert "Skipped halstead" in out.err


MO = Role.MONITORING_OFFICER


@pytest.mark.parametrize(
    ("slug", "decider", "need_to_know", "dispute", "reasons", "pause", "s100f", "review"),
    [
        # Lancaster 8.8: "a right of internal review by the Monitoring Officer".
        ("lancaster", Role.SERVICE_HEAD, Role.MONITORING_OFFICER, "", False, False, True, MO),
        ("maldon", Role.DIRECTOR, Role.DIRECTOR, Role.HEAD_OF_PAID_SERVICE, True, False, True, MO),
        ("hounslow", Role.DIRECTOR, Role.MONITORING_OFFICER, "", False, True, True, MO),
        # FOIA Schedule 1 Part II: a parish is its own public authority and reviews its own
        # FOI decisions, never the lending council's Monitoring Officer.
        ("halstead", Role.CLERK, Role.CLERK, "", False, False, False, Role.CLERK),
        ("west-lavington", Role.CLERK, Role.CLERK, "", False, False, False, Role.CLERK),
    ],
)
def test_shipped_policies_follow_the_protocols(
    slug, decider, need_to_know, dispute, reasons, pause, s100f, review
):
    p = INFO_POLICIES[slug]
    assert p["decider_role"] == decider
    assert p["need_to_know_role"] == need_to_know
    assert p["dispute_role"] == dispute
    assert p["reasons_required_outside_committee"] is reasons
    assert p["resource_pause"] is pause
    assert p["s100f_applies"] is s100f
    assert p["review_role"] == review


def test_default_policy_for_an_unconfigured_council():
    council = CouncilFactory(slug="elsewhere")
    policy = InformationPolicy.default_for(council)
    assert policy.decider_role == Role.SERVICE_HEAD
    assert policy.need_to_know_role == Role.MONITORING_OFFICER


def test_s100f_is_not_offered_while_an_item_blocks_it():
    lan = make_cast("lancaster")
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    assert "provide_under_s100f" in {a.name for a in available_actions(lan.decider.user, r)}
    services.add_requested_item(
        info_request=r,
        actor=lan.decider.user,
        description="Legal advice",
        schedule_12a_paragraph="5",
    )
    assert "provide_under_s100f" not in {a.name for a in available_actions(lan.decider.user, r)}
