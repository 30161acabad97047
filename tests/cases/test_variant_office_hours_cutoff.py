"""Issue #21: a council's office-hours cut-off is an opt-in variant setting, off by default,
shown with its consequence on the route's page and in the editor, and never for FOI clocks."""

from __future__ import annotations

import datetime

import pytest

from cases import variant_services as vs
from cases.models import ProtocolVariant
from contacts import config_io
from contacts.selectors import UserGroup
from tests.cases.factories import build_world
from tests.cases.test_variant_editor import CONCERN, text, url
from tests.factories import OfficerFactory, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    world.council.refresh_from_db()
    return world


@pytest.fixture
def council_admin(world):
    person = OfficerFactory(council=world.council, job_title="Democratic Services Manager")
    return user_for(person, UserGroup.COUNCIL_ADMIN)


@pytest.fixture
def draft(world, council_admin):
    return vs.start_draft(
        council=world.council,
        case_type=CONCERN,
        actor=council_admin,
        source=world.variants[CONCERN],
    )


def _details(draft: ProtocolVariant, **changes: str) -> dict[str, str]:
    data = {
        "title": draft.title,
        "protocol_reference": draft.protocol_reference,
        "office_hours_cutoff": "",
        "informed_view": draft.informed_view,
    }
    data.update(changes)
    return data


def test_off_by_default_and_the_page_says_clocks_count_from_the_day_of_arrival(
    client, draft, council_admin
):
    assert draft.office_hours_cutoff is None
    client.force_login(council_admin)
    page = text(client.get(url("variant", draft)))
    assert "Office-hours cut-off None Every clock counts from the day a concern arrives" in page


def test_the_editor_explains_the_consequence_and_saves_a_cutoff(client, draft, council_admin):
    client.force_login(council_admin)
    form = text(client.get(url("details", draft)))
    assert "Office-hours cut-off (optional)" in form
    assert "end a working day later" in form
    assert "never applies to FOI or internal-review clocks" in form.replace("It never", "never")
    response = client.post(url("details", draft), _details(draft, office_hours_cutoff="17:00"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.office_hours_cutoff == datetime.time(17, 0)
    page = text(client.get(url("variant", draft)))
    assert "Office-hours cut-off 17:00 A concern received at or after 17:00" in page
    assert "FOI and internal-review clocks, and clocks on the all-UK calendar, still count" in page
    assert draft.events.filter(summary__contains="office hours cutoff").exists()


def test_a_cutoff_that_is_not_a_time_is_refused(client, draft, council_admin):
    client.force_login(council_admin)
    response = client.post(url("details", draft), _details(draft, office_hours_cutoff="5pm-ish"))
    assert response.status_code == 400
    assert "Enter the cut-off as a time, like 17:00" in text(response)
    draft.refresh_from_db()
    assert draft.office_hours_cutoff is None


def test_a_new_draft_copies_the_cutoff_and_the_diff_shows_it(world, council_admin):
    published = world.variants[CONCERN]
    published.office_hours_cutoff = datetime.time(16, 30)
    published.save(update_fields=["office_hours_cutoff"])
    copy = vs.start_draft(
        council=world.council, case_type=CONCERN, actor=council_admin, source=published
    )
    assert copy.office_hours_cutoff == datetime.time(16, 30)
    vs.update_variant_details(variant=copy, actor=council_admin, data={"office_hours_cutoff": None})
    copy.refresh_from_db()
    change = next(c for c in vs.diff_variants(published, copy).details)
    assert (change.field, change.before, change.after) == ("Office-hours cut-off", "16:30", "None")


def test_the_cutoff_survives_export_and_import(world):
    variant = world.variants[CONCERN]
    variant.office_hours_cutoff = datetime.time(17, 0)
    variant.save(update_fields=["office_hours_cutoff"])
    exported = config_io.export_council(world.council)
    rows = [v for v in exported["variants"] if v["case_type"] == CONCERN]
    assert rows[0]["office_hours_cutoff"] == "17:00"
    config_io.import_council(exported)
    variant.refresh_from_db()
    assert variant.office_hours_cutoff == datetime.time(17, 0)


def test_the_editor_shows_a_saved_cutoff_as_hours_and_minutes(client, draft, council_admin):
    vs.update_variant_details(
        variant=draft, actor=council_admin, data={"office_hours_cutoff": datetime.time(17, 0)}
    )
    client.force_login(council_admin)
    form = client.get(url("details", draft)).content.decode()
    assert 'value="17:00"' in form
    assert "govuk-input--width-5" in form
