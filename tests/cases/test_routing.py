"""cases.routing is pure: these tables need no database."""

from __future__ import annotations

import pytest

from cases.routing import (
    Candidate,
    ServiceScope,
    SubjectRule,
    apply_subject_rules,
    choose_handler,
    roles_to_consult,
)

CEO = Candidate(1, "Niall Bolger", "head_of_paid_service", title="Chief Executive")
MO = Candidate(2, "Thomas Ribbits", "monitoring_officer")
DEPUTY_MO = Candidate(3, "Dee Puty", "deputy_monitoring_officer", is_deputy=True)
DIRECTOR = Candidate(4, "Dora Rector", "director", service="Place")
SERVICE_HEAD = Candidate(5, "Sam Head", "service_head", service="Planning")
CLERK = Candidate(6, "Clara Clerk", "clerk", title="Town Clerk")
CHAIRMAN = Candidate(7, "Cllr Chair", "chairman")
LEADER = Candidate(8, "Cllr Leader", "leader")
PLANNING = ServiceScope("Planning", "the service of Ann Officer, the officer this case is about")


@pytest.mark.parametrize(
    ("handler_role", "expected"),
    [
        ("head_of_paid_service", ["head_of_paid_service", "monitoring_officer"]),
        (
            "chief_officer",
            [
                "chief_officer",
                "director",
                "service_head",
                "head_of_paid_service",
                "monitoring_officer",
            ],
        ),
        ("monitoring_officer", ["monitoring_officer", "head_of_paid_service"]),
        ("clerk", ["clerk", "chairman"]),
        ("leader", ["leader", "head_of_paid_service", "monitoring_officer"]),
        ("personnel_committee_member", ["personnel_committee_member", "clerk", "chairman"]),
        ("service_head", ["service_head", "head_of_paid_service", "monitoring_officer"]),
    ],
)
def test_roles_to_consult(handler_role, expected):
    assert roles_to_consult(handler_role) == expected


@pytest.mark.parametrize(
    ("handler_role", "candidates", "parties", "related", "subject", "expected_id", "reason_has"),
    [
        # The holder handles it.
        ("head_of_paid_service", [CEO, MO], {10, 11}, set(), 11, 1, "who handles this step"),
        # Hounslow 11.2: a complaint about the Chief Executive goes to the Monitoring Officer.
        (
            "head_of_paid_service",
            [CEO, MO],
            {10, 1},
            set(),
            1,
            2,
            "The Chief Executive, Niall Bolger, is the subject of this case, so it goes to the "
            "Monitoring Officer, Thomas Ribbits (Hounslow 11.2).",
        ),
        # The MO raised it: the deputy handles it.
        ("monitoring_officer", [MO, DEPUTY_MO, CEO], {2, 11}, set(), 11, 3, "raised this case"),
        # The MO is related to a party (Maldon 6.2): deputy.
        (
            "monitoring_officer",
            [MO, DEPUTY_MO, CEO],
            {10, 11},
            {2},
            11,
            3,
            # Maldon 5.1: never the relationship itself, which is confidential to its register.
            "cannot handle this case",
        ),
        # MO and deputy both conflicted: the Chief Executive.
        ("monitoring_officer", [MO, DEPUTY_MO, CEO], {2, 11}, {3}, 11, 1, "Chief Executive"),
        # chief_officer is answered by a Director before a Service Head.
        ("chief_officer", [DIRECTOR, SERVICE_HEAD, CEO], {10, 11}, set(), 11, 4, "Director"),
        ("chief_officer", [DIRECTOR, SERVICE_HEAD, CEO], {10, 4}, set(), 4, 5, "subject"),
        # West Lavington 4.5: a concern about the clerk goes to the chairman.
        ("clerk", [CLERK, CHAIRMAN], {20, 6}, set(), 6, 7, "(West Lavington 4.5)"),
        # A deputy assigned without anyone skipped says so.
        ("monitoring_officer", [DEPUTY_MO], {10, 11}, set(), 11, 3, "as deputy"),
        # The Leader raised the concern (Maldon 2.3): the Head of Paid Service takes it.
        ("leader", [LEADER, CEO], {8, 11}, set(), 11, 1, "(Maldon 2.3)"),
    ],
)
def test_choose_handler(
    handler_role, candidates, parties, related, subject, expected_id, reason_has
):
    decision = choose_handler(
        handler_role=handler_role,
        candidates=candidates,
        party_ids=parties,
        related_ids=related,
        subject_id=subject,
        scope=PLANNING,
    )
    assert decision.person_id == expected_id
    assert reason_has in decision.reason
    person_id, reason = decision
    assert (person_id, reason) == (decision.person_id, decision.reason)


@pytest.mark.parametrize(
    ("candidates", "parties", "related", "reason_has"),
    [
        ([], {10, 11}, set(), "Nobody currently holds the role of Head of Paid Service"),
        ([CEO], {1, 11}, set(), "nobody else independent holds the role"),
        ([CEO, MO], {1, 11}, {2}, "cannot handle this case"),
    ],
)
def test_nobody_can_handle(candidates, parties, related, reason_has):
    decision = choose_handler(
        handler_role="head_of_paid_service",
        candidates=candidates,
        party_ids=parties,
        related_ids=related,
        subject_id=1,
    )
    assert decision.person_id is None
    assert reason_has in decision.reason
    assert "must assign a handler" in decision.reason


def test_party_never_assigned_whatever_the_order():
    everyone = [CEO, MO, DEPUTY_MO, DIRECTOR, SERVICE_HEAD]
    for party in everyone:
        decision = choose_handler(
            handler_role="chief_officer",
            candidates=everyone,
            party_ids={party.person_id, 99},
            subject_id=party.person_id,
            scope=PLANNING,
        )
        assert decision.person_id not in (party.person_id, 99)


# -- issue #20: the service a case belongs to, the subject's line, the subject's role ------------
HOUNSLOW_11_2 = SubjectRule("head_of_paid_service", "monitoring_officer", "Hounslow 11.2")
HALSTEAD_4_2 = SubjectRule("clerk", "personnel_committee_member", "Halstead 4.2, 1.6")


@pytest.mark.parametrize(
    ("step_role", "rules", "subject_roles", "expected_role", "rule"),
    [
        # Hounslow 11.2: "Where the complaint relates to the Chief Executive, it should be
        # raised with the Monitoring Officer."
        ("chief_officer", [HOUNSLOW_11_2], {"head_of_paid_service"}, "monitoring_officer", 0),
        ("chief_officer", [HOUNSLOW_11_2], {"director"}, "chief_officer", None),
        ("chief_officer", [HOUNSLOW_11_2], set(), "chief_officer", None),
        # Halstead 4.2: concerns go to the Clerk; one about the Clerk cannot.
        (
            "head_of_paid_service",
            [HALSTEAD_4_2],
            {"clerk", "head_of_paid_service"},
            "personnel_committee_member",
            0,
        ),
        # The first matching rule wins.
        (
            "head_of_paid_service",
            [HALSTEAD_4_2, HOUNSLOW_11_2],
            {"head_of_paid_service"},
            "monitoring_officer",
            1,
        ),
    ],
)
def test_apply_subject_rules(step_role, rules, subject_roles, expected_role, rule):
    role, matched = apply_subject_rules(step_role, rules, subject_roles)
    assert role == expected_role
    assert matched == (rules[rule] if rule is not None else None)


def test_a_service_rung_with_no_service_assigns_nobody_and_says_why():
    decision = choose_handler(
        handler_role="director",
        candidates=[CEO],
        party_ids={10, 11},
        subject_id=11,
        scope=ServiceScope(None, "no officer is a party and no service was named"),
    )
    assert decision.person_id is None
    assert decision.reason == (
        "This step goes to the Director of the service the case belongs to, and no service is "
        "known for it (no officer is a party and no service was named): a clerk must name the "
        "service or assign a handler."
    )


def test_a_service_nobody_heads_goes_to_the_head_of_paid_service_saying_so():
    decision = choose_handler(
        handler_role="service_head", candidates=[CEO], party_ids={10, 11}, scope=PLANNING
    )
    assert decision.person_id == CEO.person_id
    assert decision.reason.startswith("Nobody heads Planning as Service Head (the service of Ann")


def test_someone_the_subject_manages_never_handles_the_case():
    """Issue #20: the subject, and anyone below them in the line, never handles the case."""
    decision = choose_handler(
        handler_role="chief_officer",
        candidates=[SERVICE_HEAD, DIRECTOR, CEO],
        party_ids={10, 4},
        subject_id=4,
        managed_ids={5},
        scope=PLANNING,
    )
    assert decision.person_id == CEO.person_id
    assert "Sam Head, is line-managed by the subject of this case" in decision.reason


def test_a_subject_rule_lets_the_named_role_act_though_the_subject_heads_its_line():
    """Hounslow 11.2 names the Monitoring Officer for a complaint about the Chief Executive,
    who manages every officer: the clause decides, the line does not exclude the MO."""
    decision = choose_handler(
        handler_role="monitoring_officer",
        candidates=[MO, DEPUTY_MO, CEO],
        party_ids={10, 1},
        subject_id=1,
        managed_ids={2, 3},
        rule=HOUNSLOW_11_2,
    )
    assert decision.person_id == MO.person_id
    assert decision.reason.startswith(
        "This case is about the Head of Paid Service, so this step goes to the Monitoring "
        "Officer (Hounslow 11.2). Assigned to the Monitoring Officer, Thomas Ribbits"
    )


def test_without_the_rule_the_line_excludes_the_monitoring_officer():
    decision = choose_handler(
        handler_role="monitoring_officer",
        candidates=[MO, DEPUTY_MO, CEO],
        party_ids={10, 1},
        subject_id=1,
        managed_ids={2, 3},
    )
    assert decision.person_id is None
    assert "is line-managed by the subject of this case" in decision.reason
