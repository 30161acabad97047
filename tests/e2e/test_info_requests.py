"""A councillor's request for information, through the parish clerk to an FOI decision and the
borrowed Monitoring Officer's internal review, in a real browser with axe on every page."""

from __future__ import annotations

import pytest

from info_requests.models import InfoRequest, InfoRequestState, Route

from . import journeys

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_makes_an_information_request_through_to_an_foi_decision(open_tab):
    tab = open_tab()
    reference = journeys.member_asks_for_information_through_to_an_foi_decision(tab)

    request = InfoRequest.objects.get(reference=reference)
    assert request.council.slug == "halstead"
    assert request.requested_by.user.username == "halstead-councillor"
    assert request.state == InfoRequestState.REVIEW_DECIDED
    assert request.route == Route.FOI
    # FOIA s.10 and the review: both 20 working day clocks ran and were met by the decisions.
    for kind in ("foi_response", "internal_review"):
        assert request.deadlines.get(kind=kind).met_at is not None, kind
    assert tab.console_errors == []
