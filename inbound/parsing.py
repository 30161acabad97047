"""Reading an RFC 822 message into the fields the service needs. Pure: no database.

A message without a usable From or Date, or one that is not an email at all, raises
`MalformedEmail` with a sentence saying what is wrong, so the gateway (or whoever ran the
command) can tell the sender's system.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from .html_text import html_to_text

# A case reference in a subject: "Re: MAL-2026-0042 …" (Council.reference_prefix, year, number).
REFERENCE_RE = re.compile(r"\b([A-Z][A-Z0-9]{1,5}-\d{4}-\d{4,})\b", re.IGNORECASE)


class MalformedEmail(ValueError):
    """The bytes are not an email the service can act on; nothing was saved."""


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedEmail:
    message_id: str
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    sent_at: datetime.datetime
    body: str
    body_was_html: bool
    attachments: list[ParsedAttachment] = field(default_factory=list)

    @property
    def case_reference(self) -> str | None:
        match = REFERENCE_RE.search(self.subject)
        return match.group(1).upper() if match else None

    @property
    def recipients(self) -> list[str]:
        return self.to + self.cc


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError) as exc:  # a header the parser cannot decode
        raise MalformedEmail(f"The {name} header cannot be read: {exc}.") from exc
    return str(value or "").strip()


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    raw = [str(v) for v in (message.get_all(name) or [])]
    return [
        (display, address.strip().lower())
        for display, address in email.utils.getaddresses(raw)
        if "@" in address
    ]


def _sent_at(value: str) -> datetime.datetime:
    if not value:
        raise MalformedEmail(
            "The email has no Date header: the service cannot tell when it was "
            "sent, and the acknowledgement clock counts from then."
        )
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise MalformedEmail(f"The Date header ({value!r}) is not a date.") from exc
    if moment is None:
        raise MalformedEmail(f"The Date header ({value!r}) is not a date.")
    if moment.tzinfo is None:
        # RFC 5322 "-0000": the sender's zone is unknown, the time is UTC.
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _body(message: EmailMessage) -> tuple[str, bool]:
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return str(part.get_content()).strip(), False
    part = message.get_body(preferencelist=("html",))
    if part is not None:
        return html_to_text(str(part.get_content())), True
    return "", False


def _attachments(message: EmailMessage) -> list[ParsedAttachment]:
    found: list[ParsedAttachment] = []
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage) or part.get_content_maintype() == "multipart":
            continue
        content = part.get_content()
        data = content.encode() if isinstance(content, str) else bytes(content)
        if isinstance(content, EmailMessage):
            data = content.as_bytes()
        name = part.get_filename() or f"attachment-{len(found) + 1}"
        # Only the last path component: a name like "../../x.pdf" is just "x.pdf".
        name = re.split(r"[\\/]", name)[-1].strip() or f"attachment-{len(found) + 1}"
        found.append(ParsedAttachment(name=name, content_type=part.get_content_type(), data=data))
    return found


def parse_message(raw: bytes) -> ParsedEmail:
    if not raw or not raw.strip():
        raise MalformedEmail("The message is empty.")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001 - the stdlib parser raises many kinds
        raise MalformedEmail(f"The message cannot be parsed as an email: {exc}.") from exc
    if not isinstance(message, EmailMessage) or not message.keys():
        raise MalformedEmail("The message has no email headers.")
    senders = _addresses(message, "From")
    if not senders:
        raise MalformedEmail("The email has no From address: the service cannot tell who sent it.")
    from_name, from_address = senders[0]
    sent_at = _sent_at(_header(message, "Date"))
    message_id = _header(message, "Message-ID")
    if not message_id:
        # Without a Message-ID the same bytes still count as the same message.
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@protocol.invalid>"
    try:
        body, was_html = _body(message)
        attachments = _attachments(message)
    except (LookupError, ValueError, AttributeError) as exc:
        raise MalformedEmail(f"The email's content cannot be read: {exc}.") from exc
    return ParsedEmail(
        message_id=message_id[:998],
        from_address=from_address,
        from_name=from_name.strip(),
        to=[address for _, address in _addresses(message, "To")],
        cc=[address for _, address in _addresses(message, "Cc")],
        subject=" ".join(_header(message, "Subject").split()),
        sent_at=sent_at,
        body=body,
        body_was_html=was_html,
        attachments=attachments,
    )
