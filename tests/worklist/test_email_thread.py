"""The email thread on the case (issue #24): a clerk emails the parties from the case page, the
email carries the reference so a reply threads back through inbound ingest, and both appear on
the case with their text, recipients and delivery state."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.urls import reverse

from cases.models import Note, NoteVisibility
from inbound.services import ingest_email
from tests.cases.factories import open_test_case
from worklist.forms import ReplyTemplateAdminForm
from worklist.models import OutboundEmail, ReplyTemplate

pytestmark = pytest.mark.django_db


def _reply_raw(sender: str, subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "protocol@example.gov.uk"
    message["Subject"] = subject
    message["Message-ID"] = "<reply-1@example.gov.uk>"
    message["Date"] = "Fri, 04 Dec 2026 10:00:00 +0000"
    message.set_content(body)
    return bytes(message)


def test_clerk_emails_the_raiser_and_the_reply_threads_back(
    world, as_user, mailoutbox, django_capture_on_commit_callbacks
):
    case = open_test_case(world)
    raiser = world["councillor"]
    client = as_user("clerk")
    page = client.get(reverse("cases:reply", args=[case.reference]))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:reply", args=[case.reference]),
            {
                "to": [str(raiser.pk)],
                "subject": "A time to talk",
                "body": "Could we meet on Monday?",
            },
        )
    assert response.status_code == 302
    sent = [m for m in mailoutbox if m.to == [raiser.email]]
    assert len(sent) == 1
    assert case.reference in sent[0].subject
    email = OutboundEmail.objects.get(case=case)
    assert email.sent_at is not None
    assert email.to == [raiser.email]

    result = ingest_email(
        raw=_reply_raw(raiser.email, f"Re: {sent[0].subject}", "Monday at 10 suits me.")
    )
    assert result.email.case_id == case.pk
    assert Note.objects.filter(case=case, visibility=NoteVisibility.SHARED).exists()

    body = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Could we meet on Monday?" in body
    assert "Monday at 10 suits me." in body
    assert f"to {raiser.email}" in body
    assert "Handed to the mail server" in body


def test_the_parties_neither_reply_from_the_case_nor_see_the_thread(world, as_user):
    case = open_test_case(world)
    client = as_user("councillor")
    response = client.post(
        reverse("cases:reply", args=[case.reference]),
        {"to": [str(world["officer"].pk)], "subject": "x", "body": "y"},
    )
    assert response.status_code == 403
    assert not OutboundEmail.objects.exists()
    assert (
        'id="emails"'
        not in client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    )


def test_informal_stage_wording_is_checked(world, as_user, mailoutbox):
    """Maldon 1.2: "avoid terminology such as 'investigation' or 'accusation'"."""
    case = open_test_case(world)
    case.variant.informal_wording_check = True
    case.variant.save()
    # The first rung of the test ladder is not "informal": make it so.
    from cases.models import Case

    Case.objects.filter(pk=case.pk).update(state="informal")
    url = reverse("cases:reply", args=[case.reference])
    data = {
        "to": [str(world["councillor"].pk)],
        "subject": "Next steps",
        "body": "We will start an investigation.",
    }
    refused = as_user("clerk").post(url, data)
    assert refused.status_code == 400
    assert "investigation" in refused.content.decode()
    assert not OutboundEmail.objects.exists()
    accepted = as_user("clerk").post(url, {**data, "wording_checked": "on"})
    assert accepted.status_code == 302
    assert OutboundEmail.objects.count() == 1


def test_a_council_template_fills_the_email(world, as_user):
    template = ReplyTemplate.objects.create(
        council=world.council, name="Acknowledge", subject="We have your concern", body="Thank you."
    )
    case = open_test_case(world)
    page = as_user("clerk").get(
        reverse("cases:reply", args=[case.reference]) + f"?template={template.pk}"
    )
    body = page.content.decode()
    assert "We have your concern" in body
    assert "Thank you." in body


def test_reply_templates_are_wording_checked_when_saved(world):
    data = {"council": world.council.pk, "name": "Formal", "subject": "", "body": "Your accusation"}
    form = ReplyTemplateAdminForm(data)
    assert not form.is_valid()
    assert "accusation" in str(form.errors["body"])
    assert ReplyTemplateAdminForm({**data, "not_for_informal_stage": "on"}).is_valid()
