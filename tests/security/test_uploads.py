"""Uploads: a size cap, the type sniffed from the bytes (never the name or the browser's word),
stored under a random name outside any served folder, and read back only through the
permission-checked download view as an attachment with nosniff."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve

from cases import services
from cases.models import Attachment, Note
from tests.cases.factories import build_world, open_test_case

pytestmark = pytest.mark.django_db
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _docx(with_document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def case(world):
    return open_test_case(world)


def _post_note(world, case, upload, who: str = "clerk"):
    client = Client()
    client.force_login(world.user(who))
    return client.post(
        f"/cases/{case.reference}/notes/new/",
        {"body": "See the attached.", "visibility": "internal", "attachments": [upload]},
    )


REFUSED = [
    ("oversize.pdf", b"%PDF-1.4 " + b"x" * 3000, "attachments can be at most"),
    ("invoice.pdf", EXE, "is not an allowed file"),  # an executable dressed as a PDF
    ("invoice.pdf", b"Just some text.", "is not an allowed file"),  # name and bytes disagree
    ("photo.png", b"%PDF-1.4 really a pdf", "is not an allowed file"),
    ("report.docx", _docx(with_document=False), "is not an allowed file"),  # a bare zip
    ("script.html", b"<script>alert(1)</script>", "is not an allowed file"),
    ("empty.txt", b"", "is empty"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_uploads_leave_nothing_behind(world, case, settings, name, content, message):
    settings.ATTACHMENT_MAX_BYTES = 2000
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = _post_note(world, case, upload)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "govuk-error-summary" in page
    assert not Note.objects.filter(case=case).exists()
    assert not Attachment.objects.exists()


ACCEPTED = [
    ("letter.pdf", b"%PDF-1.4 a letter", "application/pdf"),
    ("notes.txt", "Plain text, with a £ sign.".encode(), "text/plain"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
    (
        "report.docx",
        _docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
]


@pytest.mark.parametrize(("name", "content", "sniffed"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_allowed_files_are_stored_with_the_sniffed_type_under_a_random_name(
    world, case, name, content, sniffed
):
    # The browser claims something else: the stored type is what the bytes are.
    upload = SimpleUploadedFile(name, content, content_type="text/html")

    response = _post_note(world, case, upload)

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == sniffed
    assert attachment.original_name == name
    assert name not in attachment.file.name
    assert attachment.file.name.startswith(f"attachments/{case.council_id}/")


def test_the_download_is_an_attachment_with_nosniff(world, case):
    services.add_note(
        case=case,
        actor=world.user("clerk"),
        body="Internal.",
        visibility="internal",
        files=[SimpleUploadedFile("a.txt", b"<html><script>alert(1)</script>", "text/html")],
    )
    attachment = Attachment.objects.get()
    client = Client()
    client.force_login(world.user("mo"))

    response = client.get(f"/cases/{case.reference}/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"  # as sniffed, never text/html
    assert response["Content-Disposition"] == 'attachment; filename="a.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("who", "visibility", "status"),
    [
        ("mo", "internal", 200),
        ("clerk", "shared", 200),
        ("councillor", "shared", 200),  # a party reads shared notes
        ("councillor", "internal", 404),  # ... never internal ones
        ("officer", "internal", 404),
        ("officer2", "shared", 404),  # not involved at all
        # Kept informed by the route (Maldon 4.3), in the parties' view (issue #20).
        ("leader", "shared", 200),
        ("leader", "internal", 404),
    ],
)
def test_the_download_is_permission_checked(world, case, who, visibility, status):
    services.add_note(
        case=case,
        actor=world.user("clerk"),
        body="With a file.",
        visibility=visibility,
        files=[SimpleUploadedFile("f.pdf", b"%PDF-1.4 file", "application/pdf")],
    )
    attachment = Attachment.objects.get()
    client = Client()
    client.force_login(world.user(who))
    url = f"/cases/{case.reference}/attachments/{attachment.pk}/"
    assert client.get(url).status_code == status
    # And an attachment id from another case is never reachable through this one.
    other = open_test_case(world, raised_by="councillor2", about="officer2")
    assert client.get(f"/cases/{other.reference}/attachments/{attachment.pk}/").status_code == 404


def test_no_url_serves_uploads_directly(world, case):
    services.add_note(
        case=case,
        actor=world.user("clerk"),
        body="With a file.",
        visibility="shared",
        files=[SimpleUploadedFile("f.pdf", b"%PDF-1.4 file", "application/pdf")],
    )
    stored = Attachment.objects.get().file.name
    assert not settings.MEDIA_URL  # MEDIA_URL = None: uploads have no public address
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))
    client = Client()
    client.force_login(world.user("mo"))
    for url in (f"/media/{stored}", f"/{stored}", f"/static/{stored}", f"/uploads/{stored}"):
        assert client.get(url).status_code == 404, url
        with pytest.raises(Resolver404):
            resolve(url)
