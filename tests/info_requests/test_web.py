"""The web journeys: the member asks and tracks; the decider and the MO act; letters print."""

from __future__ import annotations

import pytest
from django.urls import reverse

from info_requests import services
from info_requests.models import InfoRequest, InfoRequestState, Route

from .factories import make_cast, make_request, received

pytestmark = pytest.mark.django_db


@pytest.fixture
def lan():
    return make_cast("lancaster")


def _detail(r):
    return reverse("info_requests:detail", args=[r.reference])


def _action(r, name):
    return reverse("info_requests:action", args=[r.reference, name])


def test_member_asks_and_sees_the_request(client, lan):
    client.force_login(lan.member.user)
    page = client.get(reverse("info_requests:new"))
    assert page.status_code == 200
    assert "Service Head" in page.content.decode()
    response = client.post(
        reverse("info_requests:new"),
        {
            "description": "Car park income for 2025",
            "items": "Income report\nContract with operator",
            "own_committee_business": "no",
            "reasons": "",
        },
    )
    r = InfoRequest.objects.get()
    assert response.status_code == 302
    assert response.url == _detail(r)
    assert r.requested_by == lan.member
    assert r.items.count() == 2
    page = client.get(_detail(r)).content.decode()
    assert "Car park income for 2025" in page
    assert "Not decided yet" in page
    assert "Withdraw the request" in page
    # The member cannot decide their own request.
    assert "Provide: a member of the public" not in page


def test_maldon_form_requires_reasons_outside_own_committees(client):
    mal = make_cast("maldon")
    client.force_login(mal.member.user)
    response = client.post(
        reverse("info_requests:new"),
        {"description": "Staffing review", "own_committee_business": "no", "reasons": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Give your reasons in writing" in page
    assert not InfoRequest.objects.exists()


def test_clerk_logs_for_a_member(client, lan):
    client.force_login(lan.clerk.user)
    response = client.post(
        reverse("info_requests:new"),
        {
            "requested_by": lan.member.pk,
            "description": "Planning file 25/0001",
            "own_committee_business": "yes",
            "received_on": "2026-03-02",
        },
    )
    assert response.status_code == 302
    r = InfoRequest.objects.get()
    assert r.created_by == lan.clerk.user
    assert r.received_at.date().isoformat() == "2026-03-02"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("clerk", 200),
        ("decider", 200),
        ("mo", 200),
        ("other_member", 404),
        ("officer", 404),
        ("hops", 404),
    ],
)
def test_visibility(client, lan, who, status):
    r = make_request(lan)
    client.force_login(lan.user(who))
    assert client.get(_detail(r)).status_code == status
    listed = client.get(reverse("info_requests:list")).content.decode()
    assert (r.reference in listed) is (status == 200)
    letter = reverse("info_requests:letter", args=[r.reference, "acknowledgement"])
    assert client.get(letter).status_code == status
    assert client.get(_action(r, "withdraw")).status_code == status


def test_borrowed_mo_sees_parish_requests_and_other_councils_do_not(client):
    from contacts.models import Tier

    hal = make_cast("halstead", tier=Tier.PARISH)
    lan = make_cast("lancaster")
    r = make_request(hal)
    client.force_login(hal.mo.user)  # the lending district's MO
    assert client.get(_detail(r)).status_code == 200
    client.force_login(lan.mo.user)
    assert client.get(_detail(r)).status_code == 404
    client.force_login(lan.clerk.user)
    assert client.get(_detail(r)).status_code == 404


def test_decider_and_mo_walk_need_to_know_on_the_web(client, lan):
    r = make_request(lan)
    client.force_login(lan.decider.user)
    page = client.get(_detail(r)).content.decode()
    assert "Provide: a member of the public would get this" in page
    confirm = client.get(_action(r, "consider_member_rights")).content.decode()
    assert "Lancaster 8.7" in confirm
    assert client.post(_action(r, "consider_member_rights"), {}).status_code == 302
    # The Service Head is not offered the need-to-know decision; a forced POST is refused.
    page = client.get(_detail(r)).content.decode()
    assert "Need to know shown" not in page
    assert client.post(_action(r, "provide_on_need_to_know"), {"note": "x"}).status_code == 403
    client.force_login(lan.mo.user)
    page = client.get(_detail(r)).content.decode()
    assert "Need to know shown: provide with the caveat" in page
    form = client.get(_action(r, "provide_on_need_to_know")).content.decode()
    assert "should not be made public" in form
    response = client.post(_action(r, "provide_on_need_to_know"), {"note": ""})
    assert response.status_code == 200
    assert "Enter why the councillor needs to know" in response.content.decode()
    response = client.post(_action(r, "provide_on_need_to_know"), {"note": "Ward member."})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.route == Route.NEED_TO_KNOW
    client.force_login(lan.member.user)
    page = client.get(_detail(r)).content.decode()
    assert "govuk-notification-banner" in page
    assert "should not be made public" in page
    letter = client.get(reverse("info_requests:letter", args=[r.reference, "decision"]))
    assert letter.status_code == 200
    assert "Caveat." in letter.content.decode()
    assert "@media print" in letter.content.decode()


def test_action_not_allowed_now_shows_an_error_and_409(client, lan):
    r = make_request(lan)
    client.force_login(lan.member.user)
    response = client.post(_action(r, "request_internal_review"), {"reason": "Please"})
    assert response.status_code == 409
    assert "is not possible while the request is" in response.content.decode()
    assert InfoRequest.objects.get().state == InfoRequestState.RECEIVED


def test_unknown_action_is_404(client, lan):
    r = make_request(lan)
    client.force_login(lan.decider.user)
    assert client.get(_action(r, "delete_everything")).status_code == 404


def test_foi_review_and_letters(client, lan):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    r = services.refuse_access(info_request=r, actor=lan.mo.user, reason="mere_curiosity")
    r = services.treat_as_foi(info_request=r, actor=lan.decider.user)
    client.force_login(lan.member.user)
    refusal = client.get(reverse("info_requests:letter", args=[r.reference, "refusal"]))
    body = refusal.content.decode()
    assert "mere curiosity is not sufficient" in body
    assert "internal review" in body
    page = client.get(_detail(r)).content.decode()
    assert "FOI response" in page
    assert "a pause to agree resources does not stop it" in page
    r = services.decide_foi(
        info_request=r, actor=lan.decider.user, outcome="refused", exemptions=["s40"]
    )
    response = client.post(_action(r, "request_internal_review"), {"reason": "Please review"})
    assert response.status_code == 302
    r = services.decide_internal_review(
        info_request=InfoRequest.objects.get(), actor=lan.mo.user, outcome="upheld", note="Still"
    )
    letter = client.get(reverse("info_requests:letter", args=[r.reference, "review-outcome"]))
    assert "Information Commissioner" in letter.content.decode()
    missing = reverse("info_requests:letter", args=[r.reference, "nonsense"])
    assert client.get(missing).status_code == 404


def test_item_page_explains_s100f(client, lan):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    client.force_login(lan.decider.user)
    response = client.post(
        reverse("info_requests:add_item", args=[r.reference]),
        {
            "description": "Tender prices",
            "schedule_12a_paragraph": "3",
            "contract_negotiation_terms": "on",
        },
    )
    assert response.status_code == 302
    page = client.get(_detail(r)).content.decode()
    assert "Tender prices" in page
    assert "No access" in page
    assert "negotiations for a contract" in page


def test_hounslow_pause_page_says_the_foi_clock_keeps_running(client, time_machine):
    time_machine.move_to(received(2026, 3, 5), tick=False)
    hou = make_cast("hounslow")
    r = services.treat_as_foi(info_request=make_request(hou), actor=hou.mo.user)
    client.force_login(hou.hops.user)
    confirm = client.get(_action(r, "pause_for_resource_agreement")).content.decode()
    assert "does not stop the Freedom of Information clock" in confirm
    client.post(_action(r, "pause_for_resource_agreement"), {"reason": "Ten years of files"})
    page = client.get(_detail(r)).content.decode()
    assert "The FOI clock keeps running" in page
    # The FOI clock row itself still reads "Running", not paused for clarification.
    assert ": awaiting clarification</td>" not in page
    assert '<td class="govuk-table__cell">Running</td>' in page


def test_a_parish_members_review_page_says_the_parish_reviews_it(client):
    """FOIA Schedule 1 Part II: the member of a parish is told their internal review is the
    parish's own (the Clerk's), not the Monitoring Officer's (Lancaster 8.8's wording)."""
    from contacts.models import Tier

    parish = make_cast("west-lavington", tier=Tier.PARISH)
    r = services.consider_member_rights(
        info_request=make_request(parish), actor=parish.decider.user
    )
    r = services.refuse_access(info_request=r, actor=parish.decider.user, reason="not_necessary")
    r = services.treat_as_foi(info_request=r, actor=parish.decider.user)
    services.decide_foi(
        info_request=r, actor=parish.decider.user, outcome="refused", exemptions=["s43"]
    )
    client.force_login(parish.member.user)
    page = client.get(_action(r, "request_internal_review")).content.decode()
    assert "a public authority in its own right" in page
    assert "by the Clerk" in page
    assert "carried out by the Monitoring Officer" not in page
