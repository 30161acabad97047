"""Who sees which inbound email. The one place the triage pages ask.

| who                                      | sees                                        |
|------------------------------------------|---------------------------------------------|
| clerk / council admin of council C       | emails placed with C                        |
| Monitoring Officer (or deputy) serving C | emails placed with C and borrowing parishes |
| superuser (the service administrator)    | everything, and emails placed nowhere       |
| anyone else                              | nothing (404)                               |

An email that could not be placed with a council (an unknown sender writing to no council's
address) is not shown to every council's clerk: it may name people of another council. It waits
for the service administrator, who can see which council it belongs to.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import QuerySet

from contacts.selectors import administered_council_ids

from .models import InboundEmail, InboundStatus

User = AuthUser | AnonymousUser


def visible_inbound_emails_for(
    user: User, *, admin_ids: set[int] | None = None
) -> QuerySet[InboundEmail]:
    """`admin_ids`: `administered_council_ids(user)` when the caller has it already."""
    qs = InboundEmail.objects.select_related("council", "sender", "about", "case", "decided_by")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(
        council_id__in=administered_council_ids(user) if admin_ids is None else admin_ids
    )


def triage_queue_for(user: User, *, admin_ids: set[int] | None = None) -> QuerySet[InboundEmail]:
    """Emails waiting for a person to decide, oldest first."""
    return (
        visible_inbound_emails_for(user, admin_ids=admin_ids)
        .filter(status=InboundStatus.NEW)
        .order_by("received_at", "pk")
    )


def may_triage(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or administered_council_ids(user))
