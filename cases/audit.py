"""Writing the audit trail. Every change to a case goes through `record_event`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from .models import Case, CaseEvent


def actor_name(actor: User | AnonymousUser | None) -> str:
    if actor is None or not actor.is_authenticated:
        return "Protocol (automatic)"
    person = getattr(actor, "person", None)
    if person is not None:
        return str(person.name)
    return actor.get_username()


def record_event(
    *,
    case: Case,
    actor: User | AnonymousUser | None,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> CaseEvent:
    """Append an immutable event whose hash chains to the case's previous event.

    Callers hold the case row (the service's transaction), so the chain cannot fork.
    """
    return CaseEvent.append(
        chain={"case": case},
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor_name(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
