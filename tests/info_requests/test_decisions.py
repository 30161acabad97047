"""Issue #22: the decider marks each item, partial decisions, the letter tells the truth and is
signed by whoever decided; the member sees only what is meant for them; letters are PDFs."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from info_requests import services
from info_requests.models import (
    InfoEventAction,
    InfoRequest,
    InfoRequestLetter,
    InfoRequestState,
    ItemOutcome,
)
from info_requests.services import ItemDecision

from .factories import make_cast, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def lan():
    return make_cast("lancaster")


def _reload(r):
    return InfoRequest.objects.get(pk=r.pk)


def _action(r, name):
    return reverse("info_requests:action", args=[r.reference, name])


def _detail(r):
    return reverse("info_requests:detail", args=[r.reference])


def _two_items(cast):
    r = make_request(cast, items=["Car park income report", "Legal advice on the car park lease"])
    return r, list(r.items.all())


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_listed_item_reads_not_yet_assessed_until_the_decider_marks_it(client, lan):
    """The defect: an item nobody had assessed showed "Not exempt / Gives access" in green, to
    the councillor too."""
    r, _ = _two_items(lan)
    client.force_login(lan.member.user)
    page = client.get(_detail(r)).content.decode()
    assert page.count("Not yet assessed") == 2
    assert "Gives access" not in page
    api = client.get(f"/api/info-requests/{r.pk}/").json()
    assert [i["s100f_gives_access"] for i in api["items"]] == [None, None]


def test_providing_with_an_unassessed_item_is_refused_naming_it(lan):
    r, _ = _two_items(lan)
    with pytest.raises(ValidationError, match="Car park income report' is not yet assessed"):
        services.provide_as_public(info_request=r, actor=lan.decider.user)
    assert _reload(r).state == InfoRequestState.RECEIVED


def test_decision_page_empty_submit_lists_every_item_error_at_once(client, lan):
    r, items = _two_items(lan)
    r = services.consider_member_rights(info_request=r, actor=lan.decider.user)
    client.force_login(lan.mo.user)
    response = client.post(_action(r, "provide_on_need_to_know"), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    for item in items:
        assert f"Say whether “{item.description}” is exempt information." in page
        assert f"Say whether “{item.description}” is provided." in page
    assert "Enter why the councillor needs to know (for the file)" in page
    assert _reload(r).state == InfoRequestState.DETERMINING


def test_partial_need_to_know_decision_on_the_web_letter_lists_both_and_is_signed_by_the_mo(
    client, lan
):
    """Lancaster 8.7: the Monitoring Officer's need-to-know determination is final, so the
    letter is signed by the MO in that role, not by the Service Head the request went to."""
    r, (report, advice) = _two_items(lan)
    r = services.consider_member_rights(info_request=r, actor=lan.decider.user)
    client.force_login(lan.mo.user)
    page = client.get(_action(r, "provide_on_need_to_know")).content.decode()
    assert "Provide the information with the confidentiality caveat" in page
    assert "Confirm:" not in page
    response = client.post(
        _action(r, "provide_on_need_to_know"),
        {
            f"item-{report.pk}-paragraph": "none",
            f"item-{report.pk}-outcome": "provide",
            f"item-{advice.pk}-paragraph": "5",
            f"item-{advice.pk}-outcome": "withhold",
            f"item-{advice.pk}-reason": "It is legally privileged advice to the council.",
            "note": "Ward member: the car park is in her ward. FILE-ONLY-WORDS",
            "letter_text": "You asked as ward member for the Castle ward.",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "The information is provided on the councillor&#x27;s need to know" in page
    assert ": done." not in page
    r = _reload(r)
    assert r.state == InfoRequestState.PROVIDED
    assert (r.decided_by, r.decided_by_role) == (lan.mo, "monitoring_officer")
    assert r.decision_note.endswith("FILE-ONLY-WORDS")
    assert [i.outcome for i in r.items.all()] == [ItemOutcome.PROVIDE, ItemOutcome.WITHHOLD]
    assert all(i.is_assessed for i in r.items.all())
    assert r.events.filter(action=InfoEventAction.ITEM_ASSESSED).count() == 2

    letter = client.get(reverse("info_requests:letter", args=[r.reference, "decision"]))
    text = letter.content.decode()
    assert "Provided to you" in text
    assert "Car park income report" in text
    assert "Withheld from you, and why" in text
    assert "It is legally privileged advice to the council." in text
    assert "You asked as ward member" in text
    assert "FILE-ONLY-WORDS" not in text
    assert "Morgan Monitoring<br>Monitoring Officer" in text
    assert "Dana Decider" not in text
    assert "We are providing you with the information you asked for" not in text

    # The councillor's own view: the decision and the words for them, never the file note.
    client.force_login(lan.member.user)
    member_page = client.get(_detail(r)).content.decode()
    assert "You asked as ward member" in member_page
    assert "It is legally privileged advice to the council." in member_page
    assert "FILE-ONLY-WORDS" not in member_page
    assert "Reason for the file" not in member_page
    client.force_login(lan.mo.user)
    assert "FILE-ONLY-WORDS" in client.get(_detail(r)).content.decode()


def test_withholding_needs_a_reason_and_withholding_everything_is_a_refusal(lan):
    r, (report, advice) = _two_items(lan)
    with pytest.raises(ValidationError) as exc:
        services.provide_as_public(
            info_request=r,
            actor=lan.decider.user,
            items=[
                ItemDecision(item_id=report.pk, paragraph=None, provide=False),
                ItemDecision(item_id=advice.pk, paragraph=None, provide=False),
            ],
        )
    assert set(exc.value.message_dict) == {f"item-{report.pk}-reason", f"item-{advice.pk}-reason"}
    with pytest.raises(ValidationError, match="record a refusal instead"):
        services.provide_as_public(
            info_request=r,
            actor=lan.decider.user,
            items=[
                ItemDecision(item_id=report.pk, paragraph=None, provide=False, withheld_reason="x"),
                ItemDecision(item_id=advice.pk, paragraph=None, provide=False, withheld_reason="y"),
            ],
        )
    assert _reload(r).state == InfoRequestState.RECEIVED


def test_public_route_cannot_provide_exempt_information(lan):
    """Lancaster 8.6: only what a member of the public would get is provided as public."""
    r, (report, advice) = _two_items(lan)
    with pytest.raises(ValidationError, match="a member of the public would not be given it"):
        services.provide_as_public(
            info_request=r,
            actor=lan.decider.user,
            items=[
                ItemDecision(item_id=report.pk, paragraph=None),
                ItemDecision(item_id=advice.pk, paragraph="5"),
            ],
        )


def test_s100f_provides_what_it_reaches_and_withholds_the_rest(lan):
    """Lancaster 8.3: s.100F does not reach paragraph 5 (legal privilege); that item is withheld
    with its reason and the paragraph 3 item provided."""
    r, (report, advice) = _two_items(lan)
    r = services.consider_member_rights(info_request=r, actor=lan.decider.user)
    with pytest.raises(ValidationError, match="Legal advice on the car park lease"):
        services.provide_under_s100f(
            info_request=r,
            actor=lan.decider.user,
            items=[
                ItemDecision(item_id=report.pk, paragraph="3"),
                ItemDecision(item_id=advice.pk, paragraph="5"),
            ],
        )
    r = services.provide_under_s100f(
        info_request=_reload(r),
        actor=lan.decider.user,
        items=[
            ItemDecision(item_id=report.pk, paragraph="3"),
            ItemDecision(
                item_id=advice.pk,
                paragraph="5",
                provide=False,
                withheld_reason="Section 100F does not reach legally privileged advice.",
            ),
        ],
    )
    r = _reload(r)
    assert r.state == InfoRequestState.PROVIDED
    assert (r.decided_by, r.decided_by_role) == (lan.decider, "service_head")


def test_pdf_letter_is_kept_on_the_record_and_says_what_the_html_says(client, lan):
    r, (report, advice) = _two_items(lan)
    r = services.consider_member_rights(info_request=r, actor=lan.decider.user)
    services.provide_on_need_to_know(
        info_request=r,
        actor=lan.mo.user,
        note="Ward member.",
        items=[
            ItemDecision(item_id=report.pk, paragraph=None),
            ItemDecision(
                item_id=advice.pk,
                paragraph="5",
                provide=False,
                withheld_reason="It is legally privileged.",
            ),
        ],
    )
    client.force_login(lan.member.user)
    url = reverse("info_requests:letter_pdf", args=[r.reference, "decision"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{r.reference}-decision.pdf" in response["Content-Disposition"]
    text = _pdf_text(response.content)
    assert "Morgan Monitoring" in text
    assert "Monitoring Officer" in text
    assert "Car park income report" in text
    assert "Legal advice on the car park lease: It is legally privileged." in text
    assert "Withheld from you" in text
    stored = InfoRequestLetter.objects.get(info_request=r, kind="decision")
    assert bytes(stored.pdf) == response.content
    # Served again unchanged, issued once in the history.
    assert client.get(url).content == response.content
    assert r.events.filter(action=InfoEventAction.LETTER_ISSUED).count() == 1
    html = client.get(reverse("info_requests:letter", args=[r.reference, "decision"]))
    assert url in html.content.decode()


def test_pdf_letter_is_404_for_people_who_cannot_see_the_request(client, lan):
    r = make_request(lan)
    client.force_login(lan.other_member.user)
    url = reverse("info_requests:letter_pdf", args=[r.reference, "acknowledgement"])
    assert client.get(url).status_code == 404
    assert not InfoRequestLetter.objects.exists()


def test_maldon_hints_cite_maldon_not_lancaster(client):
    """Maldon 10.2 names the Director: its forms cite Maldon's clauses, not Lancaster's."""
    mal = make_cast("maldon")
    client.force_login(mal.member.user)
    page = client.get(reverse("info_requests:new")).content.decode()
    assert "Maldon 10.1-10.3" in page
    assert "Lancaster" not in page
    r = make_request(mal)
    client.force_login(mal.decider.user)
    page = client.get(_action(r, "provide_as_public")).content.decode()
    assert "Lancaster" not in page
    assert "Maldon 10.1-10.3" in page


def test_member_history_hides_officers_notes(client, lan):
    r = make_request(lan)
    services.consider_member_rights(info_request=r, actor=lan.decider.user)
    r = services.treat_as_foi(info_request=_reload(r), actor=lan.mo.user)
    services.note_legal_advice(
        info_request=r, actor=lan.decider.user, advice="SECRET-ADVICE: s.42 applies"
    )
    client.force_login(lan.member.user)
    page = client.get(_detail(r)).content.decode()
    assert "Legal advice noted" in page
    assert "SECRET-ADVICE" not in page
    api = client.get(f"/api/info-requests/{r.pk}/").json()
    assert "legal_advice_noted" in [h["action"] for h in api["history"]]
    assert "SECRET-ADVICE" not in str(api)
    client.force_login(lan.decider.user)
    assert "SECRET-ADVICE" in client.get(_detail(r)).content.decode()
    assert "SECRET-ADVICE" in str(client.get(f"/api/info-requests/{r.pk}/").json())


def test_admin_asking_for_information_chooses_a_council_instead_of_a_404(client, lan):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root22", "root22@example.com", "x")
    client.force_login(admin)
    page = client.get(reverse("info_requests:new"))
    assert page.status_code == 200
    assert "Which council is the request to?" in page.content.decode()
    link = f"{reverse('info_requests:new')}?council={lan.council.slug}"
    assert link in page.content.decode()
    assert client.get(link).status_code == 200


def test_withdrawing_a_request_needs_a_reason_and_a_confirmation(client, lan):
    r = make_request(lan)
    client.force_login(lan.member.user)
    empty = client.post(_action(r, "withdraw"), {})
    assert "Enter why the request is being withdrawn" in empty.content.decode()
    data = {"reason": "I found the papers on the council's website."}
    asked = client.post(_action(r, "withdraw"), data)
    page = asked.content.decode()
    assert "Are you sure? Withdraw the request" in page
    assert "I found the papers on the council" in page
    assert _reload(r).state == InfoRequestState.RECEIVED
    client.post(_action(r, "withdraw"), {**data, "confirmed": "yes"})
    assert _reload(r).state == InfoRequestState.WITHDRAWN


def test_refusal_confirmation_shows_the_reason_in_words(client, lan):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    client.force_login(lan.mo.user)
    page = client.post(_action(r, "refuse_access"), {"reason": "mere_curiosity"}).content.decode()
    assert "Mere curiosity is not sufficient" in page
    assert _reload(r).state == InfoRequestState.DETERMINING
    client.post(_action(r, "refuse_access"), {"reason": "mere_curiosity", "confirmed": "yes"})
    r = _reload(r)
    assert r.state == InfoRequestState.REFUSED
    assert (r.decided_by, r.decided_by_role) == (lan.mo, "monitoring_officer")
