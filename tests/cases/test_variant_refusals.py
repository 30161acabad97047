"""Every refusal of the variant editor's services (issue #26): the message an admin reads, and
nothing written, queued or emailed (the `refuses` fixture, tests/refusals.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cases import variant_services as vs
from cases.models import CaseType, ClockRule
from contacts.models import Role
from protocol_site.errors import ActionNotAllowed

from .factories import build_world

pytestmark = pytest.mark.django_db

CONCERN = CaseType.MEMBER_CONCERN_ABOUT_OFFICER
CLOCK = {"kind": "response", "length": 7, "unit": "calendar_days", "calendar": "council"}


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def draft(world):
    return vs.start_draft(
        council=world.council, case_type=CONCERN, actor=None, source=world.variants[CONCERN]
    )


def test_one_draft_at_a_time(world, refuses, draft):
    refuses(
        ActionNotAllowed,
        f"{world.council.name} already has a draft (version {draft.version}) of this route: "
        "edit or discard it first.",
        vs.start_draft,
        council=world.council,
        case_type=CONCERN,
        actor=None,
    )


def test_a_draft_copies_a_route_of_its_own_kind(world, refuses):
    refuses(
        ValidationError,
        "Copy a route for the same kind of case.",
        vs.start_draft,
        field="source",
        council=world.council,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        actor=None,
        source=world.variants[CONCERN],
    )


@pytest.mark.parametrize(
    ("service", "kwargs"),
    [
        (vs.add_step, {"data": {"state": "informal", "label": "Informal"}}),
        (vs.discard_draft, {}),
    ],
    ids=["add-step", "discard"],
)
def test_a_published_route_never_changes(world, refuses, service, kwargs):
    published = world.variants[CONCERN]
    refuses(
        ActionNotAllowed,
        "Version 1 is published and cannot be changed: start a new draft instead.",
        service,
        variant=published,
        actor=None,
        **kwargs,
    )


def test_a_rung_appears_once_in_a_ladder(refuses, draft):
    refuses(
        ValidationError,
        "Step 1 already uses the rung",
        vs.add_step,
        field="state",
        variant=draft,
        actor=None,
        data={"state": "chief_officer", "label": "Again", "handler_role": Role.CHIEF_OFFICER},
    )


def test_a_step_informs_known_roles_only(refuses, draft):
    step = draft.ordered_steps()[0]
    refuses(
        ValidationError,
        "Unknown roles: astrologer, jester.",
        vs.update_step,
        field="inform_roles",
        step=step,
        actor=None,
        data={"inform_roles": ["jester", Role.LEADER, "astrologer"]},
    )


def test_a_step_moves_up_or_down_only(refuses, draft):
    refuses(
        ValidationError,
        "Move a step up or down.",
        vs.move_step,
        field="direction",
        step=draft.ordered_steps()[1],
        actor=None,
        direction="sideways",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**CLOCK, "length": 0}, "length", "A clock must run for at least 1 day."),
        ({**CLOCK, "unit": "fortnights"}, "unit", "Choose the clock's unit."),
        ({**CLOCK, "calendar": "lunar"}, "calendar", "Choose the clock's calendar."),
        ({**CLOCK, "only_channel": "pigeon"}, "only_channel", "Choose a channel, or any channel."),
        ({**CLOCK, "kind": "egg_timer"}, "kind", "Choose the clock's kind."),
    ],
    ids=["zero", "unit", "calendar", "channel", "kind"],
)
def test_a_clock_with_bad_answers(refuses, draft, data, field, message):
    step = draft.ordered_steps()[1]
    refuses(ValidationError, message, vs.add_clock, field=field, step=step, actor=None, data=data)


def test_one_clock_of_a_kind_per_step(refuses, draft):
    step = draft.ordered_steps()[0]  # the copied first step has a response clock already
    refuses(
        ValidationError,
        "Step 1 already has a response clock: change that one instead.",
        vs.add_clock,
        field="kind",
        step=step,
        actor=None,
        data=CLOCK,
    )


def test_a_published_routes_clock_is_not_removed(world, refuses):
    clock = ClockRule.objects.filter(step__variant=world.variants[CONCERN]).first()
    refuses(
        ActionNotAllowed,
        "is published and cannot be changed",
        vs.remove_clock,
        clock=clock,
        actor=None,
    )


def test_a_file_for_another_council_is_not_imported(world, refuses):
    """An admin of one council never writes another's configuration."""
    refuses(
        ValidationError,
        f"This file configures 'otherton', not '{world.council.slug}'.",
        vs.import_council_config,
        field="council.slug",
        council=world.council,
        data={"council": {"slug": "otherton"}},
        actor=None,
    )
    refuses(
        ValidationError,
        f"This file configures None, not '{world.council.slug}'.",
        vs.import_council_config,
        council=world.council,
        data={"council": ["not", "a", "mapping"]},
        actor=None,
    )


S = vs.StepSpec
C = vs.ClockSpec


@pytest.mark.parametrize(
    ("steps", "code", "message"),
    [
        ([], "no_steps", "Add at least one step: a ladder with no steps has no end."),
        (
            [S(1, "monitoring_officer", " ", Role.MONITORING_OFFICER)],
            "no_label",
            "Step 1: say in your council's words who handles it.",
        ),
        (
            [
                S(1, "monitoring_officer", "MO", Role.MONITORING_OFFICER),
                S(2, "monitoring_officer", "MO again", Role.MONITORING_OFFICER),
            ],
            "duplicate_state",
            "Step 2 repeats the rung",
        ),
        (
            [S(1, "monitoring_officer", "MO", Role.LEADER)],
            "no_holder",
            "Step 1: nobody holds the role of",
        ),
        (
            [S(1, "monitoring_officer", "MO", Role.MONITORING_OFFICER, (C("response", 0),))],
            "zero_clock",
            "Step 1: the response clock runs for 0 days; a clock must run for at least 1 day.",
        ),
        (
            [
                S(
                    1,
                    "monitoring_officer",
                    "MO",
                    Role.MONITORING_OFFICER,
                    (C("response", 7), C("response", 3)),
                )
            ],
            "duplicate_clock",
            "Step 1 has two response clocks: keep one.",
        ),
        (
            [S(1, "informal", "Informal", Role.MONITORING_OFFICER)],
            "no_end",
            "The ladder ends at step 1",
        ),
    ],
    ids=["empty", "no-label", "rung-twice", "no-holder", "zero-clock", "two-clocks", "no-end"],
)
def test_a_route_that_cannot_be_published_says_why(steps, code, message):
    problems = vs.validate_variant(
        steps=steps, held_roles={Role.MONITORING_OFFICER}, council_name="Testshire"
    )
    matching = [p for p in problems if p.code == code]
    assert matching, problems
    assert message in matching[0].message
