"""Only the named decider takes the decider's steps (issue #20).

Maldon 10.2: "Requests for information should be made to the Director holding the
information". Lancaster 8.6: the request "will be considered by the relevant Service Head".
Routing names that person on the request; another Director / Service Head of the same council
neither sees the request nor gets its buttons.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from contacts.models import Role
from contacts.selectors import UserGroup
from info_requests.models import InfoRequestState
from info_requests.permissions import available_actions, may_take
from info_requests.selectors import visible_info_requests_for
from tests.factories import (
    OfficerFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    ServiceMembershipFactory,
    user_for,
)

from .factories import LONG_AGO, make_cast, make_request

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _other_head(cast):
    """Another head of service of the same council, in the same role as the decider."""
    service = ServiceFactory(council=cast.council, name="Housing")
    other = OfficerFactory(council=cast.council, name="Otis Otherhead", job_title="Director")
    ServiceMembershipFactory(person=other, service=service, starts_on=LONG_AGO)
    RoleAssignmentFactory(
        person=other,
        council=cast.council,
        role=cast.policy.decider_role,
        service=service,
        starts_on=LONG_AGO,
    )
    user_for(other, UserGroup.OFFICER)
    return other


@pytest.mark.parametrize("slug", ["maldon", "lancaster"])
def test_another_head_of_service_cannot_see_or_act_on_the_named_deciders_request(client, slug):
    """Maldon 10.2 "the Director holding the information" / Lancaster 8.6 "the relevant
    Service Head": the other head gets a 404 on the web and the API, and no buttons."""
    cast = make_cast(slug)
    other = _other_head(cast)
    r = make_request(cast)
    assert r.decider == cast.decider
    assert r not in visible_info_requests_for(other.user)
    assert not may_take(other.user, r, "provide_as_public")
    assert available_actions(other.user, r) == []
    client.force_login(other.user)
    assert client.get(reverse("info_requests:detail", args=[r.reference])).status_code == 404
    action = reverse("info_requests:action", args=[r.reference, "provide_as_public"])
    assert client.post(action, {}).status_code == 404
    assert api(other.user).get(f"/api/info-requests/{r.pk}/").status_code == 404
    posted = api(other.user).post(f"/api/info-requests/{r.pk}/provide_as_public/", {})
    assert posted.status_code == 404
    r.refresh_from_db()
    assert r.state == InfoRequestState.RECEIVED


@pytest.mark.parametrize("slug", ["maldon", "lancaster"])
def test_the_named_decider_acts_on_the_web_and_the_api(client, slug):
    """Maldon 10.2 / Lancaster 8.6: the head of the service holding the information decides."""
    cast = make_cast(slug)
    _other_head(cast)
    r = make_request(cast)
    assert {a.name for a in available_actions(cast.decider.user, r)} >= {
        "provide_as_public",
        "consider_member_rights",
    }
    client.force_login(cast.decider.user)
    page = client.get(reverse("info_requests:detail", args=[r.reference])).content.decode()
    assert "Provide: a member of the public would get this" in page
    names = {
        t["name"]
        for t in api(cast.decider.user).get(f"/api/info-requests/{r.pk}/transitions/").json()
    }
    assert names >= {"provide_as_public", "consider_member_rights"}
    action = reverse("info_requests:action", args=[r.reference, "consider_member_rights"])
    assert client.post(action, {}).status_code == 302
    r.refresh_from_db()
    assert r.state == InfoRequestState.DETERMINING


def test_maldon_need_to_know_is_the_named_directors_alone():
    """Maldon 10.2: "the Director ... will determine whether the Member has a need to know" -
    the Director holding the information, not every Director of the council."""
    cast = make_cast("maldon")
    other = _other_head(cast)
    # The other Director also sees the request as the council's Head of Paid Service (the
    # dispute role), so the refusal is a 403, not a 404.
    RoleAssignmentFactory(person=other, council=cast.council, role=Role.HEAD_OF_PAID_SERVICE)
    r = make_request(cast)
    from info_requests import services

    services.consider_member_rights(info_request=r, actor=cast.decider.user)
    r.refresh_from_db()
    assert r in visible_info_requests_for(other.user)
    assert not may_take(other.user, r, "provide_on_need_to_know")
    assert not may_take(other.user, r, "refuse_access")
    response = api(other.user).post(
        f"/api/info-requests/{r.pk}/provide_on_need_to_know/", {"note": "Ward"}, format="json"
    )
    assert response.status_code == 403
    client = APIClient()
    client.force_authenticate(cast.decider.user)
    response = client.post(
        f"/api/info-requests/{r.pk}/provide_on_need_to_know/", {"note": "Ward"}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_the_clerk_sees_the_request_but_cannot_take_the_deciders_step(client):
    """Lancaster 8.6: the Service Head considers the request; the clerk administers it (403)."""
    cast = make_cast("lancaster")
    r = make_request(cast)
    client.force_login(cast.clerk.user)
    assert client.get(reverse("info_requests:detail", args=[r.reference])).status_code == 200
    action = reverse("info_requests:action", args=[r.reference, "provide_as_public"])
    assert client.post(action, {}).status_code == 403
    posted = api(cast.clerk.user).post(f"/api/info-requests/{r.pk}/provide_as_public/", {})
    assert posted.status_code == 403
    # The clerk keeps the administrative steps open to them (the member may withdraw via them).
    assert may_take(cast.clerk.user, r, "withdraw")


def test_without_a_named_decider_the_role_still_decides(client):
    """Maldon 10.2: with no service named nobody is the "Director holding the information" yet;
    the clerk triages and the council's Directors still see and may act, as before."""
    cast = make_cast("maldon")
    other = _other_head(cast)
    r = make_request(cast, service=None)
    assert r.decider is None
    assert r in visible_info_requests_for(other.user)
    assert may_take(other.user, r, "provide_as_public")
    assert may_take(cast.decider.user, r, "provide_as_public")
