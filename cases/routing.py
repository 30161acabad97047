"""Pure ladder routing: who handles a step, and why. No ORM, no settings.

The ORM side (`cases.services`) asks `roles_to_consult(step.handler_role)` which roles to look
up, turns the holders into `Candidate`s in that order, and calls `choose_handler`. Everything
that decides *who* lives here so it can be tested as a table.

Rules:
- A step's `handler_role` is answered by its holders, deputies included (role_holders puts the
  deputy after the substantive and acting holders). `chief_officer` is answered by any Chief
  Officer, Director or Service Head (Maldon 4.2 "their Director", Lancaster 13.1 "the relevant
  Service Head", Hounslow 11.2 "the appropriate Chief Officer").
- A person who is a party to the case, or has declared a personal relationship with a party
  (Maldon 5.1 & 6.2, Hounslow 10, Halstead 4.4), is never assigned.
- When every holder is excluded the case goes to the next independent role: a complaint about
  the Chief Executive goes to the Monitoring Officer (Hounslow 11.2); a chief officer's to the
  Head of Paid Service; the Monitoring Officer's to the deputy, then the Head of Paid Service;
  a parish clerk's to the chairman.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A step role is answered by holders of any of these roles, in this order.
ROLE_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "chief_officer": ("chief_officer", "director", "service_head"),
}

# Where a case goes when nobody holding the role can act. Followed transitively (a complaint
# about both the Chief Executive and the MO's relation ends with whoever is left), cycles ignored.
FALLBACK_ROLES: dict[str, tuple[str, ...]] = {
    # Hounslow 11.2: "Where the complaint relates to the Chief Executive, it should be raised
    # with the Monitoring Officer."
    "head_of_paid_service": ("monitoring_officer",),
    "chief_officer": ("head_of_paid_service",),
    "director": ("head_of_paid_service",),
    "service_head": ("head_of_paid_service",),
    "chief_finance_officer": ("head_of_paid_service",),
    "human_resources": ("head_of_paid_service",),
    # The deputy is consulted with the MO already (role_holders); then the HoPS.
    "monitoring_officer": ("head_of_paid_service",),
    "deputy_monitoring_officer": ("head_of_paid_service",),
    # West Lavington 4.5: a councillor's concern about the clerk goes to the chairman.
    "clerk": ("chairman",),
    "case_administrator": ("clerk",),
    "chairman": ("clerk",),
    # Maldon 2.3: the Leader seeks the Head of Paid Service's feedback; Hounslow 11.2 the same.
    "leader": ("head_of_paid_service",),
    "opposition_leader": ("leader",),
    "group_leader": ("leader",),
    "standards_committee_member": ("monitoring_officer",),
    # West Lavington 4.3: personnel matters go to a small group, never the chairman alone.
    "personnel_committee_member": ("clerk", "chairman"),
}

# Where a fallback comes from a protocol, the reason cites it.
FALLBACK_CITATIONS: dict[tuple[str, str], str] = {
    ("head_of_paid_service", "monitoring_officer"): "Hounslow 11.2",
    ("clerk", "chairman"): "West Lavington 4.5",
    ("leader", "head_of_paid_service"): "Maldon 2.3",
}

ROLE_TITLES: dict[str, str] = {
    "head_of_paid_service": "Head of Paid Service",
    "director": "Director",
    "chief_officer": "Chief Officer",
    "service_head": "Service Head",
    "monitoring_officer": "Monitoring Officer",
    "deputy_monitoring_officer": "Deputy Monitoring Officer",
    "chief_finance_officer": "Chief Finance Officer",
    "clerk": "Clerk",
    "case_administrator": "case administrator",
    "leader": "Leader of the Council",
    "opposition_leader": "Leader of the Opposition",
    "group_leader": "Group Leader",
    "chairman": "Chairman",
    "standards_committee_member": "Standards Committee member",
    "personnel_committee_member": "Personnel Committee member",
    "human_resources": "Head of HR",
}


@dataclass(frozen=True)
class Candidate:
    """Somebody who could handle the step: a holder of `role`, best first."""

    person_id: int
    name: str
    role: str
    title: str = ""  # how the council calls them, e.g. "Chief Executive"; else the role's title
    is_deputy: bool = False

    @property
    def described(self) -> str:
        return self.title or ROLE_TITLES.get(self.role, self.role.replace("_", " "))


@dataclass(frozen=True)
class Decision:
    person_id: int | None
    reason: str
    role: str | None = None

    def __iter__(self):  # type: ignore[no-untyped-def]
        # Lets callers unpack `person_id, reason = choose_handler(...)`.
        return iter((self.person_id, self.reason))


def roles_to_consult(handler_role: str) -> list[str]:
    """The roles whose holders may handle a step of `handler_role`, in the order to try them."""
    order: list[str] = []
    queue = [handler_role]
    while queue:
        role = queue.pop(0)
        for equivalent in ROLE_EQUIVALENTS.get(role, (role,)):
            if equivalent not in order:
                order.append(equivalent)
        for fallback in FALLBACK_ROLES.get(role, ()):
            if fallback not in order and fallback not in queue:
                queue.append(fallback)
    return order


def _role_group(handler_role: str, role: str) -> str:
    """Which rung of `roles_to_consult` a role belongs to (equivalents count as the step role)."""
    if role in ROLE_EQUIVALENTS.get(handler_role, (handler_role,)):
        return handler_role
    return role


def _exclusion(
    candidate: Candidate,
    party_ids: frozenset[int],
    subject_id: int | None,
    related_ids: frozenset[int],
) -> str | None:
    if candidate.person_id == subject_id:
        return "is the subject of this case"
    if candidate.person_id in party_ids:
        return "raised this case"
    if candidate.person_id in related_ids:
        # Never the relationship itself: the reason is shown to whoever can see the case, and a
        # declared relationship is confidential to its register (Maldon 5.1, issue #23).
        return "cannot handle this case"
    return None


def choose_handler(
    *,
    handler_role: str,
    candidates: Sequence[Candidate],
    party_ids: Iterable[int],
    related_ids: Iterable[int] = (),
    subject_id: int | None = None,
) -> Decision:
    """Pick the first candidate who is neither a party nor related to one, and say why.

    `candidates` come in `roles_to_consult(handler_role)` order. Returns `Decision(None, why)`
    when nobody can act, so a clerk assigns by hand.
    """
    parties = frozenset(party_ids)
    related = frozenset(related_ids)
    skipped: list[str] = []
    for candidate in candidates:
        why_not = _exclusion(candidate, parties, subject_id, related)
        if why_not is not None:
            skipped.append(f"The {candidate.described}, {candidate.name}, {why_not}")
            continue
        chosen = f"the {candidate.described}, {candidate.name}"
        group = _role_group(handler_role, candidate.role)
        if not skipped:
            if candidate.is_deputy:
                reason = f"Assigned to {chosen}, as deputy."
            else:
                reason = f"Assigned to {chosen}, who handles this step."
        else:
            citation = FALLBACK_CITATIONS.get((handler_role, group))
            cite = f" ({citation})" if citation else ""
            reason = "; ".join(skipped) + f", so it goes to {chosen}{cite}."
        return Decision(candidate.person_id, reason, candidate.role)
    title = ROLE_TITLES.get(handler_role, handler_role.replace("_", " "))
    if skipped:
        reason = "; ".join(skipped) + (
            ", and nobody else independent holds the role: a clerk or the Monitoring Officer "
            "must assign a handler."
        )
    else:
        reason = (
            f"Nobody currently holds the role of {title}: a clerk or the Monitoring Officer must "
            "assign a handler."
        )
    return Decision(None, reason, None)
