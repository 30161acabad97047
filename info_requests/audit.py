"""Writing an information request's audit trail. Every change goes through `record_event`;
the clock engine (clocks.services) calls it too for the clocks it starts, pauses and meets."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.utils import timezone

from contacts.selectors import person_for

from .models import InfoRequest, InfoRequestEvent

User = AuthUser | AnonymousUser


def actor_name(actor: User | None) -> str:
    if actor is None or not actor.is_authenticated:
        return "Protocol (automatic)"
    person = person_for(actor)
    if person is not None:
        return str(person.name)
    return str(actor.get_username())


def record_event(
    *,
    info_request: InfoRequest,
    actor: User | None,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> InfoRequestEvent:
    """Append an immutable event chained to the previous one.

    Callers hold the request row (the service's transaction), so the chain cannot fork.
    """
    return InfoRequestEvent.append(
        chain={"info_request": info_request},
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor_name(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
