"""Variant validation, drafts, publish/retire, version pinning, diffs and preview (issue #12)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases import variant_services as vs
from cases.models import (
    CaseState,
    CaseType,
    ClockKind,
    ClockRule,
    ClockUnit,
    ProtocolVariant,
    VariantEvent,
    VariantEventAction,
    VariantStatus,
    VariantStep,
)
from cases.variant_services import ClockSpec, StepSpec, validate_variant
from contacts.models import Role
from protocol_site.errors import ActionNotAllowed
from tests.cases.factories import build_world, open_test_case, relate, reload
from tests.factories import (
    CouncilFactory,
    OfficerFactory,
    RoleAssignmentFactory,
    UserFactory,
)

CONCERN = CaseType.MEMBER_CONCERN_ABOUT_OFFICER
HELD = {Role.HEAD_OF_PAID_SERVICE, Role.MONITORING_OFFICER, Role.LEADER, Role.CHIEF_OFFICER}


def step(position, state, role=Role.HEAD_OF_PAID_SERVICE, label="A rung", clocks=()):
    return StepSpec(position, state, label, role, tuple(clocks))


# -- the pure rules, one row per rule ------------------------------------------------------------
@pytest.mark.parametrize(
    ("steps", "codes"),
    [
        pytest.param([], ["no_steps"], id="no-steps"),
        pytest.param(
            [step(1, "informal", Role.CHIEF_OFFICER), step(2, "leader", Role.LEADER)],
            [],
            id="valid-maldon-like",
        ),
        pytest.param(
            [step(1, "head_of_paid_service"), step(2, "head_of_paid_service")],
            ["duplicate_state"],
            id="duplicate-state",
        ),
        pytest.param(
            [step(1, "leader", Role.PERSONNEL_COMMITTEE_MEMBER)],
            ["no_holder"],
            id="role-with-no-holder",
        ),
        pytest.param(
            [step(1, "leader", Role.LEADER, clocks=[ClockSpec(ClockKind.RESPONSE, 0)])],
            ["zero_clock"],
            id="zero-day-clock",
        ),
        pytest.param(
            [
                step(
                    1,
                    "leader",
                    Role.LEADER,
                    clocks=[ClockSpec(ClockKind.RESPONSE, 7), ClockSpec(ClockKind.RESPONSE, 3)],
                )
            ],
            ["duplicate_clock"],
            id="duplicate-clock-kind",
        ),
        pytest.param(
            [step(1, "leader", Role.LEADER), step(2, "informal", Role.CHIEF_OFFICER)],
            ["no_end"],
            id="ends-informally",
        ),
        pytest.param([step(1, "chief_officer", Role.CHIEF_OFFICER)], ["no_end"], id="ends-chief"),
        pytest.param([step(1, "leader", label="  ")], ["no_label"], id="blank-label"),
        pytest.param(
            [step(1, "informal", Role.CLERK), step(2, "informal", Role.CLERK)],
            ["duplicate_state", "no_holder", "no_holder", "no_end"],
            id="several-at-once",
        ),
    ],
)
def test_validate_variant_rules(steps, codes):
    problems = validate_variant(steps=steps, held_roles=HELD, council_name="Testshire")
    assert sorted(p.code for p in problems) == sorted(codes)


@pytest.mark.parametrize("state", sorted(vs.DECIDING_STATES))
def test_every_deciding_rung_may_end_a_ladder(state):
    problems = validate_variant(steps=[step(1, "informal"), step(2, state)], held_roles=HELD)
    assert problems == []


def test_messages_name_the_step_and_the_council():
    problems = validate_variant(
        steps=[step(1, "informal", Role.CLERK), step(2, "leader", Role.LEADER)],
        held_roles={Role.LEADER},
        council_name="Testshire District Council",
    )
    assert [p.position for p in problems] == [1]
    assert problems[0].message.startswith("Step 1: nobody holds the role of Clerk for Testshire")


# -- the ORM side: who holds what today ---------------------------------------------------------
@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def admin(db):
    return UserFactory(username="editor-admin", is_superuser=True, is_staff=True)


def test_borrowed_monitoring_officer_counts_as_a_holder(world):
    parish = CouncilFactory(slug="smallton", parish=True, monitoring_officer_council=world.council)
    clerk = OfficerFactory(council=parish, job_title="Clerk")
    RoleAssignmentFactory(person=clerk, council=parish, role=Role.HEAD_OF_PAID_SERVICE)
    held = vs.roles_held_today(
        parish, [Role.MONITORING_OFFICER, Role.HEAD_OF_PAID_SERVICE, Role.LEADER]
    )
    assert held == {Role.MONITORING_OFFICER, Role.HEAD_OF_PAID_SERVICE}


def test_a_chief_officer_step_is_held_by_a_director(world):
    assert Role.CHIEF_OFFICER in vs.roles_held_today(world.council, [Role.CHIEF_OFFICER])


def test_an_ended_role_is_not_held_today(world):
    council = CouncilFactory(slug="endtown")
    person = OfficerFactory(council=council)
    RoleAssignmentFactory(
        person=person, council=council, role=Role.LEADER, ends_on=datetime.date(2021, 1, 1)
    )
    assert vs.roles_held_today(council, [Role.LEADER]) == set()


# -- drafts -------------------------------------------------------------------------------------
def test_clone_copies_steps_and_clocks_as_the_next_version(world, admin):
    v1 = world.variants[CONCERN]
    draft = vs.start_draft(council=world.council, case_type=CONCERN, actor=admin, source=v1)
    assert (draft.version, draft.status) == (2, VariantStatus.DRAFT)
    assert [(s.position, s.state, s.handler_role) for s in draft.ordered_steps()] == [
        (s.position, s.state, s.handler_role) for s in v1.ordered_steps()
    ]
    assert ClockRule.objects.filter(step__variant=draft).count() == 2
    event = VariantEvent.objects.get(variant=draft)
    assert event.action == VariantEventAction.DRAFTED
    assert event.actor == admin
    assert "from version 1" in event.summary


def test_blank_draft_has_no_steps_and_cannot_publish(world, admin):
    draft = vs.start_draft(council=world.council, case_type=CONCERN, actor=admin)
    assert draft.version == 2
    assert draft.steps.count() == 0
    with pytest.raises(ValidationError, match="no steps has no end"):
        vs.publish_draft(variant=draft, actor=admin)
    assert reload(open_test_case(world)).variant.version == 1


def test_only_one_draft_at_a_time(world, admin):
    vs.start_draft(council=world.council, case_type=CONCERN, actor=admin)
    with pytest.raises(ActionNotAllowed, match="already has a draft"):
        vs.start_draft(council=world.council, case_type=CONCERN, actor=admin)


def _draft(world, admin):
    return vs.start_draft(
        council=world.council, case_type=CONCERN, actor=admin, source=world.variants[CONCERN]
    )


def test_reorder_add_and_remove_steps_keep_positions_contiguous(world, admin):
    draft = _draft(world, admin)
    steps = draft.ordered_steps()
    vs.move_step(step=steps[2], actor=admin, direction="up")  # CE before the MO
    assert [s.state for s in ProtocolVariant.objects.get(pk=draft.pk).ordered_steps()] == [
        "chief_officer",
        "head_of_paid_service",
        "monitoring_officer",
        "standards_committee",
    ]
    with pytest.raises(ActionNotAllowed, match="already the first"):
        vs.move_step(
            step=VariantStep.objects.get(variant=draft, position=1), actor=admin, direction="up"
        )
    vs.remove_step(step=VariantStep.objects.get(variant=draft, position=2), actor=admin)
    added = vs.add_step(
        variant=draft,
        actor=admin,
        data={
            "state": "leader",
            "label": "The Leader of the Council",
            "handler_role": Role.LEADER,
            "inform_roles": [Role.MONITORING_OFFICER, Role.HEAD_OF_PAID_SERVICE],
        },
    )
    assert added.position == 4
    assert added.inform_roles == [Role.HEAD_OF_PAID_SERVICE, Role.MONITORING_OFFICER]
    assert list(draft.steps.order_by("position").values_list("position", "state")) == [
        (1, "chief_officer"),
        (2, "monitoring_officer"),
        (3, "standards_committee"),
        (4, "leader"),
    ]


def test_a_duplicate_state_is_refused_with_a_clear_error(world, admin):
    draft = _draft(world, admin)
    with pytest.raises(ValidationError) as caught:
        vs.add_step(
            variant=draft,
            actor=admin,
            data={"state": "monitoring_officer", "label": "Again", "handler_role": Role.LEADER},
        )
    assert "Step 2 already uses the rung" in caught.value.message_dict["state"][0]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "response", "length": 0}, "length", "at least 1 day"),
        ({"kind": "response", "length": 5}, "kind", "already has a response clock"),
        (
            {"kind": "decision", "length": 5, "unit": "fortnights"},
            "unit",
            "Choose the clock's unit",
        ),
    ],
)
def test_clock_rules(world, admin, data, field, message):
    draft = _draft(world, admin)
    first = draft.ordered_steps()[0]
    payload = {"unit": ClockUnit.CALENDAR_DAYS, "calendar": "council", **data}
    with pytest.raises(ValidationError) as caught:
        vs.add_clock(step=first, actor=admin, data=payload)
    assert message in caught.value.message_dict[field][0]


def test_published_and_retired_versions_are_immutable(world, admin):
    v1 = world.variants[CONCERN]
    first = v1.ordered_steps()[0]
    calls = [
        lambda: vs.update_variant_details(variant=v1, actor=admin, data={"title": "New"}),
        lambda: vs.add_step(
            variant=v1,
            actor=admin,
            data={"state": "leader", "label": "L", "handler_role": "leader"},
        ),
        lambda: vs.update_step(step=first, actor=admin, data={"label": "Changed"}),
        lambda: vs.remove_step(step=first, actor=admin),
        lambda: vs.move_step(step=first, actor=admin, direction="down"),
        lambda: vs.remove_clock(clock=first.clocks.first(), actor=admin),
        lambda: vs.discard_draft(variant=v1, actor=admin),
        lambda: vs.publish_draft(variant=v1, actor=admin),
    ]
    for call in calls:
        with pytest.raises(ActionNotAllowed, match="cannot be changed"):
            call()
    v1.refresh_from_db()
    assert v1.status == VariantStatus.PUBLISHED
    assert v1.steps.count() == 4
    assert first.clocks.count() == 2
    assert v1.title == "Arbitration"


# -- publish, retire, pinning -------------------------------------------------------------------
def test_publish_retires_the_previous_version_and_audits_both(world, admin):
    v1 = world.variants[CONCERN]
    draft = _draft(world, admin)
    published = vs.publish_draft(variant=draft, actor=admin)
    v1.refresh_from_db()
    assert (published.status, v1.status) == (VariantStatus.PUBLISHED, VariantStatus.RETIRED)
    assert published.published_by == admin
    assert published.published_at is not None
    events = {e.action: e for e in VariantEvent.objects.filter(council=world.council)}
    assert events[VariantEventAction.PUBLISHED].variant == published
    assert events[VariantEventAction.PUBLISHED].actor_name == "editor-admin"
    assert events[VariantEventAction.RETIRED].variant == v1


def test_publish_refuses_a_draft_with_problems_and_changes_nothing(world, admin):
    draft = _draft(world, admin)
    vs.update_step(
        step=draft.ordered_steps()[-1],
        actor=admin,
        data={"handler_role": Role.PERSONNEL_COMMITTEE_MEMBER},
    )
    with pytest.raises(ValidationError) as caught:
        vs.publish_draft(variant=draft, actor=admin)
    assert "Step 4: nobody holds the role of Personnel Committee member" in caught.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == VariantStatus.DRAFT
    assert world.variants[CONCERN].__class__.objects.get(pk=world.variants[CONCERN].pk).status == (
        VariantStatus.PUBLISHED
    )
    assert not VariantEvent.objects.filter(action=VariantEventAction.PUBLISHED).exists()


def test_an_open_case_keeps_walking_its_version_after_a_new_one_is_published(world, admin):
    old_case = open_test_case(world)
    assert (old_case.variant.version, old_case.state) == (1, CaseState.CHIEF_OFFICER)

    # Version 2: the Chief Executive straight after the Service Head, then the Leader.
    draft = _draft(world, admin)
    steps = draft.ordered_steps()
    vs.remove_step(step=steps[3], actor=admin)  # standards committee
    vs.remove_step(step=steps[1], actor=admin)  # monitoring officer
    vs.add_step(
        variant=draft,
        actor=admin,
        data={"state": "leader", "label": "The Leader", "handler_role": Role.LEADER},
    )
    vs.publish_draft(variant=draft, actor=admin)

    old_case = services.escalate_case(case=reload(old_case), actor=None, reason="Still unhappy")
    assert old_case.variant.version == 1
    assert old_case.state == CaseState.MONITORING_OFFICER  # v1's second rung

    new_case = open_test_case(world, raised_by="councillor2", about="officer2")
    assert new_case.variant.version == 2
    new_case = services.escalate_case(case=reload(new_case), actor=None, reason="Unhappy")
    assert new_case.state == CaseState.HEAD_OF_PAID_SERVICE
    new_case = services.escalate_case(case=reload(new_case), actor=None, reason="Unhappy")
    assert new_case.state == CaseState.LEADER
    assert not reload(new_case).has_next_step()


def test_discarding_a_draft_keeps_its_history(world, admin):
    draft = _draft(world, admin)
    vs.discard_draft(variant=draft, actor=admin)
    assert not ProtocolVariant.objects.filter(pk=draft.pk).exists()
    event = VariantEvent.objects.get(action=VariantEventAction.DISCARDED)
    assert (event.variant, event.version, event.case_type) == (None, 2, CONCERN)


# -- diff ---------------------------------------------------------------------------------------
def _row(position, state, label="L", role="leader", inform=(), clocks=None):
    return {
        "position": position,
        "state": state,
        "label": label,
        "handler_role": role,
        "inform_roles": list(inform),
        "protocol_reference": "",
        "guidance": "",
        "clocks": clocks or {},
    }


RESPONSE_7 = {
    "response": {
        "kind": "response",
        "length": 7,
        "unit": "calendar_days",
        "calendar": "council",
        "only_channel": "",
    }
}
RESPONSE_10 = {
    "response": {
        "kind": "response",
        "length": 10,
        "unit": "working_days",
        "calendar": "council",
        "only_channel": "",
    }
}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            [_row(1, "leader")], [_row(1, "leader")], [("leader", "unchanged", [])], id="same"
        ),
        pytest.param(
            [_row(1, "leader")],
            [_row(1, "informal"), _row(2, "leader")],
            [("informal", "added", []), ("leader", "changed", ["Position"])],
            id="added-moves-the-rest",
        ),
        pytest.param(
            [_row(1, "informal"), _row(2, "leader")],
            [_row(1, "leader")],
            [("leader", "changed", ["Position"]), ("informal", "removed", [])],
            id="removed",
        ),
        pytest.param(
            [_row(1, "leader", label="The Leader", role="leader")],
            [
                _row(
                    1,
                    "leader",
                    label="Leader of the Council",
                    role="head_of_paid_service",
                    inform=["clerk"],
                )
            ],
            [("leader", "changed", ["Label", "Handled by", "Kept informed"])],
            id="label-role-informed",
        ),
        pytest.param(
            [_row(1, "leader", clocks=RESPONSE_7)],
            [_row(1, "leader", clocks=RESPONSE_10)],
            [("leader", "changed", ["Response clock"])],
            id="clock-changed",
        ),
        pytest.param(
            [_row(1, "leader")],
            [_row(1, "leader", clocks=RESPONSE_7)],
            [("leader", "changed", ["Response clock"])],
            id="clock-added",
        ),
    ],
)
def test_diff_steps(old, new, expected):
    result = vs.diff_steps(old, new)
    assert [(d.state, d.status, [c.field for c in d.changes]) for d in result] == expected


def test_diff_clock_change_reads_as_before_and_after():
    (result,) = vs.diff_steps(
        [_row(1, "leader", clocks=RESPONSE_7)], [_row(1, "leader", clocks=RESPONSE_10)]
    )
    (change,) = result.changes
    assert (change.before, change.after) == (
        "Response: 7 calendar days",
        "Response: 10 working days",
    )


def test_diff_variants_compares_details_and_steps(world, admin):
    v1 = world.variants[CONCERN]
    draft = _draft(world, admin)
    vs.update_variant_details(variant=draft, actor=admin, data={"title": "Arbitration (2026)"})
    vs.update_step(step=draft.ordered_steps()[0], actor=admin, data={"label": "The Service Head"})
    draft.refresh_from_db()
    diff = vs.diff_variants(v1, draft)
    assert [(c.field, c.before, c.after) for c in diff.details] == [
        ("Title", "Arbitration", "Arbitration (2026)")
    ]
    assert [(s.state, s.status) for s in diff.steps][0] == ("chief_officer", "changed")
    assert diff.steps[0].changes == [vs.Change("Label", "Step 1", "The Service Head")]
    assert diff.has_changes


# -- preview ------------------------------------------------------------------------------------
def test_preview_without_a_sample_service_assigns_nobody_to_a_service_rung(world):
    """Issue #20: "the relevant Service Head" is never a guess; with no service, nobody."""
    rows = vs.preview_variant(variant=world.variants[CONCERN])
    assert rows[0].handler is None
    assert "no service is known for it" in rows[0].reason


def test_preview_for_a_chosen_service_shows_its_head(world):
    rows = vs.preview_variant(variant=world.variants[CONCERN], service=world.services["regulatory"])
    assert rows[0].handler == world["service_head"]
    assert "who heads Regulatory Services (the service named for this case)" in rows[0].reason


def test_preview_shows_who_handles_each_rung_today(world):
    rows = vs.preview_variant(variant=world.variants[CONCERN], about=world["officer"])
    assert [r.handler for r in rows] == [
        world["director"],
        world["mo"],
        world["ceo"],
        world["mo"],
    ]
    assert rows[0].informed == [("Leader of the Council", [world["leader"].name])]
    assert rows[0].clocks == [
        "Acknowledgement: 3 working days, only when received by email",
        "Response: 7 calendar days",
    ]


def test_preview_skips_the_subject_and_related_people(world):
    relate(world, "councillor", "mo")  # the raiser is related to the MO
    rows = vs.preview_variant(
        variant=world.variants[CONCERN], raised_by=world["councillor"], about=world["director"]
    )
    # The Director heads their own service and is the subject: the Head of Paid Service handles
    # the first rung, not the head of another service.
    assert rows[0].handler == world["ceo"]
    assert [c.person_id for c in rows[0].skipped] == [world["director"].pk]
    assert "is the subject of this case" in rows[0].reason
    # The MO is related to the raiser: the deputy handles it.
    assert rows[1].handler == world["deputy_mo"]
    assert rows[1].is_deputy
    assert "cannot handle this case" in rows[1].reason  # never the relationship (Maldon 5.1)


def test_preview_of_a_parish_shows_the_borrowed_monitoring_officer(world):
    parish = CouncilFactory(slug="smallton", parish=True, monitoring_officer_council=world.council)
    clerk = OfficerFactory(council=parish, job_title="Town Clerk")
    RoleAssignmentFactory(person=clerk, council=parish, role=Role.HEAD_OF_PAID_SERVICE)
    from tests.factories import make_variant

    variant = make_variant(
        parish,
        CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
        [
            ("head_of_paid_service", Role.HEAD_OF_PAID_SERVICE),
            ("monitoring_officer", Role.MONITORING_OFFICER),
        ],
    )
    rows = vs.preview_variant(variant=variant)
    assert rows[0].handler == clerk
    assert rows[0].borrowed_from is None
    assert rows[1].handler == world["mo"]
    assert rows[1].borrowed_from == world.council
    assert vs.variant_problems(variant) == []
