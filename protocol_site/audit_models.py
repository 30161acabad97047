"""What the three hash-chained audit trails share (issue #11, SECURITY.md).

`cases.CaseEvent`, `info_requests.InfoRequestEvent` and `registers.RegisterEvent` each store
`hash` = HMAC-SHA256 (with `AUDIT_HMAC_KEYS`' current key, which the database never holds;
plain SHA-256 where none is configured) of their own fields plus `previous_hash`, the hash of
the event before on the same object; `protocol_site.audit_chain.verify_audit_chains`
recomputes both. The behaviour lives here once; the fields stay on each concrete model so its
columns, and the order its fields are listed in (admin pages, serializers), are exactly as
they were.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    import datetime


def audit_keys() -> list[tuple[str, bytes]]:
    """(key id, secret) pairs from `AUDIT_HMAC_KEYS`, the current key first."""
    return [(kid, secret) for kid, secret in getattr(settings, "AUDIT_HMAC_KEYS", [])]


def _digest(payload: str, key: bytes | None) -> str:
    if key is None:
        return hashlib.sha256(payload.encode()).hexdigest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


class ImmutableEvent(models.Model):
    """A row written once and never changed nor deleted through the ORM.

    Each app keeps its own exception class (callers and tests catch it by name).
    """

    immutable_error: ClassVar[type[Exception]] = Exception
    immutable_noun: ClassVar[str] = "Audit events"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise self.immutable_error(f"{self.immutable_noun} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise self.immutable_error(f"{self.immutable_noun} cannot be deleted.")


class HashChainedEvent(ImmutableEvent):
    """An immutable event whose hash covers its fields and its predecessor's hash.

    Concrete models declare `at`, `actor`, `actor_name`, `action`, `data`, `previous_hash` and
    `hash`, and name what else the hash covers in `chain_payload()`.
    """

    if TYPE_CHECKING:
        at: datetime.datetime
        actor_id: int | None
        actor_name: str
        action: str
        data: Any
        previous_hash: str
        hash: str

    class Meta:
        abstract = True

    def chain_payload(self) -> dict[str, Any]:
        """The model's own fields the hash covers, besides the ones every trail has."""
        raise NotImplementedError

    def compute_hash(self) -> str:
        """The hash to store: HMAC-SHA256 with the current audit key (issue #23), or plain
        SHA-256 where no key is configured (development)."""
        keys = audit_keys()
        return _digest(self._payload(), keys[0][1] if keys else None)

    def hash_matches(self) -> bool:
        """Whether the stored hash is this event's, under any configured key (a retired key
        stays listed to verify what it signed). An unkeyed hash counts only where no key is
        configured, or for an event from before `AUDIT_UNKEYED_UNTIL` (written before the
        keys were introduced): a chain re-sealed with the public hash function fails."""
        payload = self._payload()
        keys = audit_keys()
        if any(hmac.compare_digest(self.hash, _digest(payload, key)) for _id, key in keys):
            return True
        until = getattr(settings, "AUDIT_UNKEYED_UNTIL", None)
        unkeyed_allowed = not keys or (until is not None and self.at <= until)
        return unkeyed_allowed and hmac.compare_digest(self.hash, _digest(payload, None))

    def _payload(self) -> str:
        return json.dumps(
            {
                **self.chain_payload(),
                "at": self.at.isoformat(),
                "actor": self.actor_id,
                "actor_name": self.actor_name,
                "action": self.action,
                "data": self.data,
                "previous": self.previous_hash,
            },
            sort_keys=True,
            default=str,
        )

    @classmethod
    def append(cls, *, chain: dict[str, Any], **fields: Any) -> Self:
        """Write the next event on the chain `chain` picks out (e.g. `{"case": case}`).

        Callers hold the owning row (their service's transaction), so the chain cannot fork.
        """
        previous = (
            cls._default_manager.filter(**chain)
            .order_by("-at", "-pk")
            .values_list("hash", flat=True)
            .first()
        )
        event = cls(**chain, **fields, previous_hash=previous or "")
        event.hash = event.compute_hash()
        event.save()
        return event
