"""The "new council" wizard: create a council, pick or borrow its MO, copy routes (issue #12)."""

from __future__ import annotations

import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import ProtocolVariant, VariantEvent, VariantEventAction, VariantStatus
from contacts import council_wizard
from contacts.council_wizard import NewCouncil
from contacts.models import Council, Role, Tier
from contacts.selectors import UserGroup
from tests.cases.factories import build_world
from tests.factories import (
    CouncilFactory,
    OfficerFactory,
    RoleAssignmentFactory,
    UserFactory,
    user_for,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    body = re.sub(r"<[^>]+>", "", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def borrower(world):
    """A parish that borrows the district's MO: it cannot lend one."""
    return CouncilFactory(slug="smallton", parish=True, monitoring_officer_council=world.council)


@pytest.fixture
def superuser():
    return UserFactory(username="wizard-admin", is_superuser=True, is_staff=True)


def new(**overrides) -> NewCouncil:
    values = {
        "slug": "newtown",
        "name": "Newtown Town Council",
        "tier": Tier.PARISH,
        "nation": "england",
        "reference_prefix": "NEW",
        "monitoring_officer_council": None,
        "copy_from": None,
        **overrides,
    }
    return NewCouncil(**values)


# -- who may lend -------------------------------------------------------------------------------
def test_only_non_parish_councils_with_their_own_mo_may_lend(world, borrower):
    no_mo = CouncilFactory(slug="nomo")  # a district with nobody recorded as MO
    borrowing_district = CouncilFactory(slug="odd", monitoring_officer_council=world.council)
    lenders = set(council_wizard.possible_lenders())
    assert world.council in lenders
    assert not {borrower, no_mo, borrowing_district} & lenders


# -- the service, one row per rule --------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({}, "monitoring_officer_council", "A parish or town council has no Monitoring Officer"),
        ({"slug": "testshire", "tier": Tier.DISTRICT}, "slug", "already uses the slug"),
        ({"slug": "new-council", "tier": Tier.DISTRICT}, "slug", "is reserved"),
        (
            {"reference_prefix": "TST", "tier": Tier.DISTRICT},
            "reference_prefix",
            "already start TST",
        ),
        ({"tier": "hamlet"}, "tier", "is not a valid choice"),
        ({"name": "", "tier": Tier.DISTRICT}, "name", "cannot be blank"),
    ],
)
def test_create_council_refuses_bad_input_and_saves_nothing(world, overrides, field, message):
    before = Council.objects.count()
    with pytest.raises(ValidationError) as caught:
        council_wizard.create_council(data=new(**overrides), actor=None)
    assert any(message in m for m in caught.value.message_dict[field])
    assert Council.objects.count() == before
    assert not VariantEvent.objects.exists()


def test_a_parish_may_not_borrow_from_a_borrower(world, borrower):
    with pytest.raises(ValidationError) as caught:
        council_wizard.create_council(data=new(monitoring_officer_council=borrower), actor=None)
    assert "has no Monitoring Officer of its own to lend" in str(caught.value)
    assert not Council.objects.filter(slug="newtown").exists()


def test_create_a_parish_that_borrows_and_copies_routes_as_drafts(world, superuser):
    council = council_wizard.create_council(
        data=new(monitoring_officer_council=world.council, copy_from=world.council),
        actor=superuser,
    )
    assert council.monitoring_officer_council == world.council
    drafts = ProtocolVariant.objects.filter(council=council)
    assert {(v.case_type, v.version, v.status) for v in drafts} == {
        (v.case_type, 1, VariantStatus.DRAFT) for v in world.variants.values()
    }
    concern = drafts.get(case_type="member_concern_about_officer")
    assert concern.steps.count() == 4
    actions = list(VariantEvent.objects.filter(council=council).values_list("action", flat=True))
    assert actions.count(VariantEventAction.DRAFTED) == 3
    assert VariantEventAction.COUNCIL_CREATED in actions


def test_a_failure_while_copying_rolls_back_the_council(world, superuser, monkeypatch):
    from cases import variant_services

    def broken(**kwargs):
        raise ValidationError("copy failed")

    monkeypatch.setattr(variant_services, "start_draft", broken)
    with pytest.raises(ValidationError):
        council_wizard.create_council(
            data=new(monitoring_officer_council=world.council, copy_from=world.council),
            actor=superuser,
        )
    assert not Council.objects.filter(slug="newtown").exists()


# -- the pages ----------------------------------------------------------------------------------
def page(name):
    return reverse("variants:wizard_page", args=[name])


CHECK = reverse("variants:wizard_check")


def test_walk_the_wizard_for_a_parish(client, world, borrower, superuser):
    client.force_login(superuser)
    assert client.get(reverse("variants:wizard_start"))["Location"] == page("council")
    response = client.post(
        page("council"),
        {
            "name": "Newtown Town Council",
            "slug": "newtown",
            "tier": Tier.PARISH,
            "nation": "england",
            "reference_prefix": "nwt",
        },
    )
    assert response["Location"] == page("monitoring-officer")

    # A parish must borrow: the question offers only councils with their own MO, no "its own".
    form_page = text(client.get(page("monitoring-officer")))
    assert world.council.name in form_page
    assert borrower.name not in form_page
    assert "Its own" not in form_page
    response = client.post(page("monitoring-officer"), {})
    assert response.status_code == 400
    assert "Select the council whose Monitoring Officer serves this parish" in text(response)
    response = client.post(page("monitoring-officer"), {"monitoring_officer_council": borrower.pk})
    assert response.status_code == 400

    response = client.post(
        page("monitoring-officer"), {"monitoring_officer_council": world.council.pk}
    )
    assert response["Location"] == page("routes")
    response = client.post(page("routes"), {"copy_from": world.council.pk})
    assert response["Location"] == CHECK

    check = text(client.get(CHECK))
    assert "Lent by Testshire District Council" in check
    assert "Case reference prefix NWT" in check
    assert not Council.objects.filter(slug="newtown").exists()  # nothing saved yet

    response = client.post(CHECK)
    council = Council.objects.get(slug="newtown")
    assert response["Location"] == reverse("variants:council", args=["newtown"])
    assert council.reference_prefix == "NWT"
    assert council.is_parish
    assert council.variants.filter(status=VariantStatus.DRAFT).count() == 3


def test_a_district_may_have_its_own_mo(client, world, superuser):
    client.force_login(superuser)
    client.post(
        page("council"),
        {
            "name": "Bigtown District Council",
            "slug": "bigtown",
            "tier": Tier.DISTRICT,
            "nation": "wales",
            "reference_prefix": "BIG",
        },
    )
    assert "Its own Monitoring Officer" in text(client.get(page("monitoring-officer")))
    client.post(page("monitoring-officer"), {"monitoring_officer_council": ""})
    client.post(page("routes"), {"copy_from": ""})
    client.post(CHECK)
    council = Council.objects.get(slug="bigtown")
    assert council.monitoring_officer_council is None
    assert council.nation == "wales"
    assert not council.variants.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slug": "testshire"}, "A council already uses the short name “testshire”"),
        ({"slug": "Not A Slug!"}, "can only use lower-case letters, numbers and hyphens"),
        ({"reference_prefix": "TST"}, "Another council's case references already start TST"),
        ({"reference_prefix": "toolong1"}, "at most 6 characters"),
        ({"tier": ""}, "Select the council's tier"),
        ({"name": ""}, "Enter the council's name"),
    ],
)
def test_council_page_errors(client, world, superuser, data, message):
    client.force_login(superuser)
    values = {
        "name": "Newtown",
        "slug": "newtown",
        "tier": Tier.DISTRICT,
        "nation": "england",
        "reference_prefix": "NEW",
        **data,
    }
    response = client.post(page("council"), values)
    assert response.status_code == 400
    page_text = text(response)
    assert "There is a problem" in page_text
    assert message in page_text


def test_a_clash_found_at_the_end_is_shown_and_nothing_saved(client, world, superuser):
    client.force_login(superuser)
    client.post(
        page("council"),
        {
            "name": "Late",
            "slug": "late",
            "tier": Tier.DISTRICT,
            "nation": "england",
            "reference_prefix": "LAT",
        },
    )
    client.post(page("monitoring-officer"), {"monitoring_officer_council": ""})
    client.post(page("routes"), {"copy_from": ""})
    CouncilFactory(slug="late")  # somebody else took the slug meanwhile
    response = client.post(CHECK)
    assert response.status_code == 400
    assert "A council already uses the slug “late”" in text(response)
    assert Council.objects.filter(slug="late").count() == 1


def test_check_page_without_answers_goes_back_to_the_start(client, superuser):
    client.force_login(superuser)
    assert client.get(CHECK)["Location"] == page("council")


@pytest.mark.parametrize("groups", [(UserGroup.COUNCIL_ADMIN,), (UserGroup.CLERK,)])
def test_only_superusers_may_add_a_council(client, world, groups):
    person = OfficerFactory(council=world.council)
    RoleAssignmentFactory(person=person, council=world.council, role=Role.CLERK)
    client.force_login(user_for(person, *groups))
    for url in (reverse("variants:wizard_start"), page("council"), CHECK):
        assert client.get(url).status_code == 404
    assert client.post(page("council"), {"name": "X"}).status_code == 404


def test_the_wizard_creates_the_councils_services(world):
    """Issue #20: a new council's services, so its routes can find "their Director"."""
    council = council_wizard.create_council(
        data=new(
            tier=Tier.DISTRICT,
            name="Newtown District Council",
            services=("Resources", "Place and Communities"),
        ),
        actor=None,
    )
    assert list(council.services.order_by("slug").values_list("slug", "name")) == [
        ("place-and-communities", "Place and Communities"),
        ("resources", "Resources"),
    ]
