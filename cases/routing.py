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
- "Their Director", "the relevant Service Head", "the appropriate Chief Officer" (a step whose
  role is in `SERVICE_ROLES`) is a head of the service the case belongs to (`ServiceScope`): the
  service of the officer the case is about, or the one asked for when it was opened (issue #20).
  Never a guess: with no service, or a service nobody heads, nobody is assigned and the reason
  says why, so a clerk triages it.
- The subject, and anyone the subject manages (directly or further down the line), never
  handles the case: a manager's report does not judge their manager.
- A step's subject rules ("when the case is about the holder of role X, it goes to Y",
  `apply_subject_rules`) change the step's role before anyone is chosen (Hounslow 11.2: a
  complaint about the Chief Executive is raised with the Monitoring Officer).
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

# Step roles answered by the heads of the case's service, not by any holder of the role.
SERVICE_ROLES: frozenset[str] = frozenset({"chief_officer", "director", "service_head"})

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
    service: str = ""  # the service this head heads (a `SERVICE_ROLES` candidate), by name

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


@dataclass(frozen=True)
class ServiceScope:
    """The service a case belongs to, and how that was decided (for the routing reason).

    `name` is None when nobody could say (a case about a member, opened without naming one).
    """

    name: str | None
    basis: str = ""


@dataclass(frozen=True)
class SubjectRule:
    """A step's "when the case is about the holder of `subject_role`, it goes to `handler_role`"."""

    subject_role: str
    handler_role: str
    protocol_reference: str = ""

    @classmethod
    def from_data(cls, data: dict[str, str]) -> SubjectRule:
        return cls(
            subject_role=data["subject_role"],
            handler_role=data["handler_role"],
            protocol_reference=data.get("protocol_reference", ""),
        )

    @property
    def explained(self) -> str:
        about = ROLE_TITLES.get(self.subject_role, self.subject_role.replace("_", " "))
        to = ROLE_TITLES.get(self.handler_role, self.handler_role.replace("_", " "))
        cite = f" ({self.protocol_reference})" if self.protocol_reference else ""
        return f"This case is about the {about}, so this step goes to the {to}{cite}."


def apply_subject_rules(
    handler_role: str, rules: Sequence[SubjectRule], subject_roles: Iterable[str]
) -> tuple[str, SubjectRule | None]:
    """The role that handles a step given the roles the case's subject holds, and the rule that
    changed it (None when the step's own role stands). The first matching rule wins."""
    held = set(subject_roles)
    for rule in rules:
        if rule.subject_role in held:
            return rule.handler_role, rule
    return handler_role, None


def needs_service(handler_role: str) -> bool:
    return handler_role in SERVICE_ROLES


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
    managed_ids: frozenset[int] = frozenset(),
) -> str | None:
    if candidate.person_id == subject_id:
        return "is the subject of this case"
    if candidate.person_id in party_ids:
        return "raised this case"
    if candidate.person_id in related_ids:
        # Never the relationship itself: the reason is shown to whoever can see the case, and a
        # declared relationship is confidential to its register (Maldon 5.1, issue #23).
        return "cannot handle this case"
    if candidate.person_id in managed_ids:
        return "is line-managed by the subject of this case"
    return None


def _role_title(role: str) -> str:
    return ROLE_TITLES.get(role, role.replace("_", " "))


def _no_service_reason(handler_role: str, scope: ServiceScope | None) -> str:
    title = _role_title(handler_role)
    why = f" ({scope.basis})" if scope is not None and scope.basis else ""
    return (
        f"This step goes to the {title} of the service the case belongs to, and no service is "
        f"known for it{why}: a clerk must name the service or assign a handler."
    )


def choose_handler(
    *,
    handler_role: str,
    candidates: Sequence[Candidate],
    party_ids: Iterable[int],
    related_ids: Iterable[int] = (),
    subject_id: int | None = None,
    managed_ids: Iterable[int] = (),
    scope: ServiceScope | None = None,
    rule: SubjectRule | None = None,
) -> Decision:
    """Pick the first candidate who is neither a party, related to one, nor managed by the
    subject, and say why.

    `candidates` come in `roles_to_consult(handler_role)` order; for a `SERVICE_ROLES` step the
    step's own rung holds only the heads of the case's service (`scope`). `rule` is the subject
    rule that set `handler_role`, if any. Returns `Decision(None, why)` when nobody can act, so
    a clerk assigns by hand.
    """
    managed = frozenset(managed_ids)
    if rule is not None:
        # The protocol names this role for a case about this subject (Hounslow 11.2: the
        # Monitoring Officer for a complaint about the Chief Executive, who manages everyone):
        # its holders act although the subject heads their line.
        managed -= {
            c.person_id
            for c in candidates
            if c.is_deputy or _role_group(handler_role, c.role) == handler_role
        }
    decision = _choose(
        handler_role=handler_role,
        candidates=candidates,
        parties=frozenset(party_ids),
        related=frozenset(related_ids),
        managed=managed,
        subject_id=subject_id,
        scope=scope,
    )
    if rule is None:
        return decision
    return Decision(decision.person_id, f"{rule.explained} {decision.reason}", decision.role)


def _choose(
    *,
    handler_role: str,
    candidates: Sequence[Candidate],
    parties: frozenset[int],
    related: frozenset[int],
    managed: frozenset[int],
    subject_id: int | None,
    scope: ServiceScope | None,
) -> Decision:
    skipped: list[str] = []
    if needs_service(handler_role):
        if scope is None or scope.name is None:
            return Decision(None, _no_service_reason(handler_role, scope), None)
        if not any(_role_group(handler_role, c.role) == handler_role for c in candidates):
            # The Head of Paid Service heads whatever nobody below heads (FALLBACK_ROLES).
            skipped.append(
                f"Nobody heads {scope.name} as {_role_title(handler_role)} ({scope.basis})"
            )
    for candidate in candidates:
        why_not = _exclusion(candidate, parties, subject_id, related, managed)
        if why_not is not None:
            skipped.append(f"The {candidate.described}, {candidate.name}, {why_not}")
            continue
        chosen = f"the {candidate.described}, {candidate.name}"
        if candidate.service and scope is not None:
            chosen += f", who heads {candidate.service} ({scope.basis})"
        group = _role_group(handler_role, candidate.role)
        if not skipped:
            if candidate.is_deputy:
                reason = f"Assigned to {chosen}, as deputy."
            elif candidate.service:
                reason = f"Assigned to {chosen}."
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


# -- committee panels -------------------------------------------------------------------------
# A rung whose handler role is a committee's membership is handled by the committee's members
# together, never by one councillor: the smallest panel each committee may sit as.
PANEL_ROLES: dict[str, int] = {
    # Maldon 5.1, Hounslow 11.3, Lancaster 13.2: the Standards Committee.
    "standards_committee_member": 1,
    # West Lavington 4.2: "The chairman of the council should not attempt to deal with
    # grievances ... on their own. The council should delegate authority to a small group of
    # councillors to deal with all personnel matters": at least two.
    "personnel_committee_member": 2,
}
PANEL_CITATIONS: dict[str, str] = {
    "standards_committee_member": "Maldon 5.1",
    "personnel_committee_member": "West Lavington 4.2",
}


def is_panel_role(handler_role: str) -> bool:
    """Whether a step of `handler_role` is handled by a committee panel, not one person."""
    return handler_role in PANEL_ROLES


@dataclass(frozen=True)
class PanelDecision:
    """The members seated on a committee rung (empty when no lawful panel can be formed)."""

    member_ids: tuple[int, ...]
    reason: str


def choose_panel(
    *,
    handler_role: str,
    candidates: Sequence[Candidate],
    party_ids: Iterable[int],
    related_ids: Iterable[int] = (),
    subject_id: int | None = None,
    chairman_ids: Iterable[int] = (),
) -> PanelDecision:
    """Seat every holder of the committee role who is independent of the parties.

    Refuses (no members, so a clerk decides) when fewer than the committee's minimum remain, or
    when the chairman of the council would be the panel's only member (West Lavington 4.2)."""
    parties = frozenset(party_ids)
    related = frozenset(related_ids)
    chairmen = frozenset(chairman_ids)
    title = ROLE_TITLES.get(handler_role, handler_role.replace("_", " "))
    committee = title.removesuffix(" member")
    citation = PANEL_CITATIONS.get(handler_role, "")
    cite = f" ({citation})" if citation else ""
    minimum = PANEL_ROLES.get(handler_role, 1)
    seated: list[Candidate] = []
    skipped: list[str] = []
    seen: set[int] = set()
    for candidate in candidates:
        if candidate.person_id in seen:
            continue
        seen.add(candidate.person_id)
        why_not = _exclusion(candidate, parties, subject_id, related)
        if why_not is not None:
            skipped.append(f"{candidate.name} {why_not}")
            continue
        seated.append(candidate)
    left_out = ("; ".join(skipped) + ". ") if skipped else ""
    if seated and all(c.person_id in chairmen for c in seated):
        names = ", ".join(c.name for c in seated)
        return PanelDecision(
            (),
            f"{left_out}The chairman ({names}) would sit alone, and the chairman never deals "
            f"with a grievance alone (West Lavington 4.2): a clerk or the Monitoring Officer must "
            f"arrange a panel.",
        )
    if len(seated) < minimum:
        have = f"only {len(seated)}" if seated else "no"
        return PanelDecision(
            (),
            f"{left_out}The {committee} sits as a panel of at least {minimum}, and {have} "
            f"independent member{'s' if len(seated) != 1 else ''} can sit{cite}: a clerk or the "
            "Monitoring Officer must arrange a panel.",
        )
    names = ", ".join(c.name for c in seated)
    return PanelDecision(
        tuple(c.person_id for c in seated),
        f"{left_out}Handled by the {committee} as a panel: {names}. Any member may act{cite}.",
    )
