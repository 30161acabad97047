"""The registers in the Django admin: superusers only, read-only entries, policy editable."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from contacts.models import PersonalRelationship
from registers import services
from registers.models import BriefingPolicy, RegisterEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456789")


@pytest.mark.parametrize(
    "model",
    [
        "briefing",
        "briefingpolicy",
        "declinedattendance",
        "improperapproach",
        "officerhelprequest",
        "wardnotification",
        "interestadvice",
        "registerevent",
    ],
)
def test_superuser_sees_each_register_in_the_admin(client, world, superuser, model):
    services.ask_interest_advice(
        actor=world.users["member_a"], member=world.person("member_a"), question="Shares"
    )
    client.force_login(superuser)
    assert client.get(reverse(f"admin:registers_{model}_changelist")).status_code == 200


def test_staff_who_are_not_superusers_do_not(client, world):
    user = world.users["mo"]
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:registers_interestadvice_changelist")).status_code == 403


def test_entries_are_read_only_but_the_policy_is_editable(client, world, superuser):
    item = services.ask_interest_advice(
        actor=world.users["member_a"], member=world.person("member_a"), question="Shares"
    )
    client.force_login(superuser)
    assert client.get(reverse("admin:registers_interestadvice_add")).status_code == 403
    change = client.post(
        reverse("admin:registers_interestadvice_change", args=[item.pk]), {"question": "x"}
    )
    assert change.status_code == 403
    response = client.post(
        reverse("admin:registers_briefingpolicy_add"),
        {"council": world.council.pk, "share_only_on_written_request": "on"},
    )
    assert response.status_code == 302
    assert BriefingPolicy.objects.get().share_only_on_written_request


def test_a_relationship_added_in_the_admin_is_routed_and_audited(client, world, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:contacts_personalrelationship_add"),
        {
            "council": world.council.pk,
            "person": world.person("officer").pk,
            "related_person": world.person("member_b").pk,
            "nature": "Partner",
            "declared_on": datetime.date(2026, 11, 1).isoformat(),
        },
    )
    assert response.status_code == 302
    rel = PersonalRelationship.objects.get()
    assert rel.declared_to == world.person("hops")
    assert list(rel.recipients.all()) == [world.person("hops")]
    assert RegisterEvent.objects.get(object_id=rel.pk).action == "declared"
