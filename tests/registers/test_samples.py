"""The demo register entries load on the shipped councils, and load once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from contacts.models import PersonalRelationship
from registers.models import Briefing, RegisterEvent, WardNotification

pytestmark = pytest.mark.django_db


def test_load_register_samples(demo):
    call_command("load_register_samples", verbosity=0)
    call_command("load_register_samples", verbosity=0)  # idempotent
    assert PersonalRelationship.objects.count() == 2
    assert Briefing.objects.count() == 2
    assert WardNotification.objects.count() == 3
    lancaster = Briefing.objects.get(council__slug="lancaster")
    assert lancaster.offers.count() == lancaster.council.political_groups.count() - 1
    assert RegisterEvent.objects.filter(action="declared").count() == 2
