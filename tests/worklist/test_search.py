"""One search box over cases, information requests and register entries (issue #24): what the
person may see only, ranked, by reference, name, summary, notes and email text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import services
from cases.models import NoteVisibility
from tests.cases.factories import build_world, open_test_case
from worklist.search import search

pytestmark = pytest.mark.django_db


def _refs(user, query: str, kind: str = "Cases") -> list[str]:
    return [h.reference for h in search(user, query).get(kind, [])]


def test_a_word_of_the_summary_finds_the_case_stemmed(world):
    case = open_test_case(world, summary="The planning officer ignored three emails")
    open_test_case(world, summary="Bins were not collected")
    assert _refs(world.user("clerk"), "email") == [case.reference]


def test_a_partial_reference_ranks_the_exact_reference_first(world):
    cases = [open_test_case(world) for _ in range(3)]
    clerk = world.user("clerk")
    assert _refs(clerk, cases[1].reference)[0] == cases[1].reference
    assert set(_refs(clerk, "TST-2026")) == {c.reference for c in cases}


def test_a_name_finds_the_cases_of_that_person(world):
    case = open_test_case(world, about="officer2")
    open_test_case(world, about="officer")
    assert _refs(world.user("clerk"), "Housing Officer") == [case.reference]


def test_search_respects_the_visibility_selector(world):
    mine = open_test_case(world, summary="Rudeness at the planning committee")
    elsewhere = build_world(slug="othershire", prefix="OTH")
    open_test_case(elsewhere, summary="Rudeness at the licensing committee")
    assert _refs(world.user("clerk"), "rudeness") == [mine.reference]
    # A councillor who is not a party sees nothing of it.
    assert _refs(world.user("councillor2"), "rudeness") == []


def test_an_internal_note_is_searched_only_for_those_who_may_read_it(world):
    case = open_test_case(world, summary="Late replies")
    services.add_note(
        case=case,
        actor=world.user("clerk"),
        body="Spoke to the director about capacity",
        visibility=NoteVisibility.INTERNAL,
    )
    assert _refs(world.user("clerk"), "capacity") == [case.reference]
    assert _refs(world.user("councillor"), "capacity") == []  # the raiser: a party


def test_information_requests_are_found_by_description(client):
    from tests.info_requests.factories import make_cast, make_request

    cast = make_cast()
    request = make_request(cast, description="Background papers to the car parks report")
    assert _refs(cast.user("clerk"), "car parks", "Information requests") == [request.reference]
    assert _refs(cast.user("other_member"), "car parks", "Information requests") == []


def test_the_search_page(world, as_user):
    case = open_test_case(world, summary="Missed bins on Tuesday")
    client = as_user("clerk")
    body = client.get(reverse("worklist:search") + "?q=bins").content.decode()
    assert f'href="/cases/{case.reference}/"' in body
    assert "Enter at least 2 characters" in client.get("/search/?q=b").content.decode()
    assert "Nothing you can see matches" in client.get("/search/?q=zzzzz").content.decode()
