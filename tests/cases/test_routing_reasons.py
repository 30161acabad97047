"""The exact reasons cases.routing gives, and the role it chose (issue #26: these kill the
mutants of `cases.routing` that the tables in test_routing.py let survive; docs/testing.md)."""

from __future__ import annotations

from cases.routing import Candidate, Decision, ServiceScope, choose_handler, roles_to_consult

CEO = Candidate(1, "Niall Bolger", "head_of_paid_service", title="Chief Executive")
MO = Candidate(2, "Thomas Ribbits", "monitoring_officer")
DIRECTOR = Candidate(4, "Dora Rector", "director")
SERVICE_HEAD = Candidate(5, "Sam Head", "service_head")
# "Their Director" needs the case's service (issue #20); the candidates are its heads.
RESOURCES = ServiceScope("Resources", "the service named for this case")


def test_a_role_with_no_fallback_is_consulted_alone():
    assert roles_to_consult("returning_officer") == ["returning_officer"]


def test_nobody_holding_an_untitled_role_names_it_in_words():
    decision = choose_handler(handler_role="returning_officer", candidates=[], party_ids=[])
    assert decision == Decision(
        None,
        "Nobody currently holds the role of returning officer: a clerk or the Monitoring "
        "Officer must assign a handler.",
        None,
    )


def test_the_first_holder_handles_and_the_decision_names_their_role():
    decision = choose_handler(
        handler_role="chief_officer",
        candidates=[DIRECTOR, SERVICE_HEAD],
        party_ids=[9],
        scope=RESOURCES,
    )
    assert decision == Decision(
        4, "Assigned to the Director, Dora Rector, who handles this step.", "director"
    )


def test_a_raiser_is_skipped_in_so_many_words_and_a_fallback_without_a_citation_cites_nothing():
    decision = choose_handler(
        handler_role="chief_officer",
        candidates=[DIRECTOR, CEO],
        party_ids=[4, 9],
        subject_id=9,
        scope=RESOURCES,
    )
    assert decision == Decision(
        1,
        "The Director, Dora Rector, raised this case, so it goes to the Chief Executive, "
        "Niall Bolger.",
        "head_of_paid_service",
    )


def test_several_skipped_are_listed_and_the_fallback_cites_its_clause():
    """Hounslow 11.2: a complaint about the Chief Executive goes to the Monitoring Officer. The
    related candidate is skipped without naming the relationship (Maldon 5.1, issue #23)."""
    other_ceo = Candidate(3, "Acting Chief", "head_of_paid_service", title="Acting Chief Executive")
    decision = choose_handler(
        handler_role="head_of_paid_service",
        candidates=[CEO, other_ceo, MO],
        party_ids=[1, 7],
        related_ids=[3],
        subject_id=1,
    )
    assert decision == Decision(
        2,
        "The Chief Executive, Niall Bolger, is the subject of this case; The Acting Chief "
        "Executive, Acting Chief, cannot handle this case, "
        "so it goes to the Monitoring Officer, Thomas Ribbits (Hounslow 11.2).",
        "monitoring_officer",
    )


def test_when_everyone_is_excluded_the_reason_lists_them_all_and_asks_for_a_hand():
    decision = choose_handler(
        handler_role="head_of_paid_service",
        candidates=[CEO, MO],
        party_ids=[1, 2],
        subject_id=1,
    )
    assert decision == Decision(
        None,
        "The Chief Executive, Niall Bolger, is the subject of this case; The Monitoring "
        "Officer, Thomas Ribbits, raised this case, and nobody else independent holds the "
        "role: a clerk or the Monitoring Officer must assign a handler.",
        None,
    )
