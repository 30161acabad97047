"""Each council's briefing rule, from its protocol and its YAML configuration.

Maldon 7.1: "A service or facility made available to one political group shall be made
available to all groups". Lancaster 3.1: "Briefing of political groups should only be undertaken
by the Chief Executive, or Service Heads, or otherwise with the approval of the Chief Executive,
and any information provided to the group will not as a matter of routine be passed on to other
groups" (only "at the written request of that group").
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Council
from registers import selectors, services
from registers.models import BriefingPolicy, RegisterEvent

DAY = datetime.date(2026, 11, 2)


@pytest.mark.parametrize(
    ("slug", "offer_to_all", "written_only", "givers", "approval", "reference"),
    [
        ("maldon", True, False, [], "", "Maldon 7.1"),
        (
            "lancaster",
            False,
            True,
            ["head_of_paid_service", "service_head"],
            "head_of_paid_service",
            "Lancaster 3.1",
        ),
        ("hounslow", False, False, [], "", "Hounslow 5.2"),
        ("halstead", True, False, [], "", "Halstead 1.8"),
        ("west-lavington", False, False, [], "", "West Lavington 3.1"),
    ],
)
def test_each_council_ships_its_own_briefing_rule(
    councils, slug, offer_to_all, written_only, givers, approval, reference
):
    policy = selectors.briefing_policy_for(councils[slug])
    assert policy.pk is not None  # from the council's YAML file, not a code default
    assert policy.offer_to_all_groups is offer_to_all
    assert policy.share_only_on_written_request is written_only
    assert policy.giver_roles == givers
    assert policy.approval_role == approval
    assert policy.protocol_reference == reference


def _brief(world, who="officer", **kwargs):
    return services.record_briefing(
        actor=world.users["clerk"],
        group=world.groups["a"],
        officer=world.person(who),
        topic="Local plan",
        given_on=DAY,
        advice="Site allocations",
        **kwargs,
    )


def _lancaster_rule(world) -> BriefingPolicy:
    return BriefingPolicy.objects.create(
        council=world.council,
        offer_to_all_groups=False,
        share_only_on_written_request=True,
        giver_roles=["head_of_paid_service", "service_head"],
        approval_role="head_of_paid_service",
        protocol_reference="Lancaster 3.1",
    )


def test_maldon_7_1_offers_the_same_to_every_other_group(world):
    briefing = _brief(world)
    assert {o.group.name for o in briefing.offers.all()} == {"Group B", "Group C"}


def test_lancaster_3_1_not_passed_on_as_a_matter_of_routine(world):
    _lancaster_rule(world)
    briefing = _brief(world)  # a Service Head briefs on their own
    assert not briefing.offers.exists()
    event = RegisterEvent.objects.filter(object_id=briefing.pk, action="recorded").get()
    assert "not passed on to other groups as a matter of routine" in event.description
    assert not selectors.briefing_advice_visible(world.users["member_b"], briefing)
    # At the briefed group's written request it is passed on, and only then offered.
    services.record_written_request(actor=world.users["clerk"], briefing=briefing, received_on=DAY)
    briefing = services.share_briefing_information(actor=world.users["clerk"], briefing=briefing)
    assert {o.group.name for o in briefing.offers.all()} == {"Group B", "Group C"}
    assert selectors.briefing_advice_visible(world.users["member_b"], briefing)


def test_lancaster_3_1_another_officer_briefs_only_with_the_chief_executives_approval(world):
    _lancaster_rule(world)
    with pytest.raises(ValidationError, match="only with the approval of the Head of Paid"):
        _brief(world, who="officer2")
    with pytest.raises(ValidationError, match="was not the Head of Paid Service"):
        _brief(world, who="officer2", approved_by=world.person("mo"))
    briefing = _brief(world, who="officer2", approved_by=world.person("hops"))
    assert briefing.approved_by == world.person("hops")


def test_a_council_without_an_approver_refuses_other_officers(world):
    BriefingPolicy.objects.create(
        council=world.council, giver_roles=["head_of_paid_service"], protocol_reference="Rule"
    )
    with pytest.raises(ValidationError, match="only the Head of Paid Service"):
        _brief(world, who="officer")
    assert _brief(world, who="hops").approved_by is None


def test_the_record_page_states_the_councils_rule_and_asks_for_the_approver(client, world):
    _lancaster_rule(world)
    client.force_login(world.users["clerk"])
    page = client.get("/registers/briefings/new/").content.decode()
    assert "not passed on to other groups as a matter of routine" in page
    assert "Who approved the briefing" in page
    response = client.post(
        "/registers/briefings/new/",
        {
            "group": world.groups["a"].pk,
            "officer": world.person("officer2").pk,
            "topic": "Local plan",
            "given_on": DAY.isoformat(),
            "advice": "Site allocations",
            "approved_by": world.person("hops").pk,
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "Approved by" in detail
    assert world.person("hops").name in detail


def test_the_maldon_record_page_does_not_ask_for_an_approver(client, world):
    client.force_login(world.users["clerk"])
    page = client.get("/registers/briefings/new/").content.decode()
    assert "Who approved the briefing" not in page
    assert "made available to all" in page


def test_the_briefing_rule_round_trips_through_the_yaml_configuration(councils):
    from contacts.config_io import export_council, import_council

    lancaster = councils["lancaster"]
    data = export_council(lancaster)
    assert data["briefing_policy"]["giver_roles"] == ["head_of_paid_service", "service_head"]
    data["briefing_policy"]["offer_to_all_groups"] = True
    import_council(data)
    assert selectors.briefing_policy_for(Council.objects.get(slug="lancaster")).offer_to_all_groups


def test_the_api_records_the_approver_and_states_the_rule(world):
    """Lancaster 3.1 through the API: refused without the Chief Executive's approval, then
    recorded with it; the briefing says it is not offered to every group."""
    from rest_framework.test import APIClient

    _lancaster_rule(world)
    api = APIClient()
    api.force_authenticate(world.users["clerk"])
    body = {
        "group": world.groups["a"].pk,
        "officer": world.person("officer2").pk,
        "topic": "Local plan",
        "given_on": DAY.isoformat(),
        "advice": "Site allocations",
    }
    refused = api.post("/api/registers/briefings/", body, format="json")
    assert refused.status_code == 400
    assert "approved_by" in refused.json()
    done = api.post(
        "/api/registers/briefings/",
        {**body, "approved_by": world.person("hops").pk},
        format="json",
    )
    assert done.status_code == 201, done.json()
    assert done.json()["approved_by"]["id"] == world.person("hops").pk
    assert done.json()["offer_to_all_groups"] is False
    assert done.json()["offers"] == []
