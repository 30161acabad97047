"""Who may do what to a case they can see. Visibility itself lives in `cases.selectors`.

- A clerk or council admin of the case's council, and the Monitoring Officer (or deputy) serving
  it, administer the case: they may do everything.
- The current handler may acknowledge, respond, escalate, resolve and add notes; at a rung a
  committee handles (Maldon 5.1, West Lavington 4.2), so may every member of its panel.
- The person who raised the case may withdraw it, and may escalate it only where the council's
  route lets parties escalate (`ProtocolVariant.parties_may_escalate`).
- Parties add shared notes only: they never see, so never write, internal notes.
- Only a clerk or the Monitoring Officer reopens a closed case.
- Where the step says the subject responds (Maldon 2.2: the officer concerned answers a member's
  concern within seven days, and acknowledges an emailed one within three working days), the
  person the case is about may acknowledge and respond too, and bring in the step's optional
  participants (Maldon 2.1), as the handler may.
- People the route keeps informed read the case and do nothing else (`cases.selectors`).
- A party is a party first: the clerk who raised a grievance (West Lavington 4.1) does not
  administer their own case (Maldon 6.2's spirit: nobody judges their own dispute).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser

from contacts.models import Council, Person
from contacts.selectors import administered_council_ids, person_for

from .models import Case, VariantStep

User = AuthUser | AnonymousUser


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESPOND = "respond"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    ASSIGN = "assign"
    ADD_INTERNAL_NOTE = "add_internal_note"
    ADD_SHARED_NOTE = "add_shared_note"
    GRANT_ACCESS = "grant_access"
    RECORD_CONCILIATOR = "record_conciliator"
    BRING_IN = "bring_in"


HANDLER_ACTIONS = frozenset(
    {
        Action.ACKNOWLEDGE,
        Action.RESPOND,
        Action.ESCALATE,
        Action.RESOLVE,
        Action.ADD_INTERNAL_NOTE,
        Action.ADD_SHARED_NOTE,
        Action.RECORD_CONCILIATOR,
        Action.BRING_IN,
    }
)


@dataclass(frozen=True)
class Standing:
    """How a user stands towards one case. Computed once per request, then asked many times."""

    superuser: bool
    administers: bool
    is_handler: bool
    is_raiser: bool
    is_subject: bool
    parties_may_escalate: bool
    is_panel_member: bool = False
    subject_responds: bool = False

    @property
    def is_party(self) -> bool:
        return self.is_raiser or self.is_subject


def standing(user: User, case: Case, *, admin_ids: set[int] | None = None) -> Standing:
    person: Person | None = person_for(user)
    person_id = person.pk if person is not None else None
    if admin_ids is None:
        admin_ids = administered_council_ids(user)
    return Standing(
        superuser=bool(getattr(user, "is_superuser", False)),
        administers=case.council_id in admin_ids,
        is_handler=person_id is not None and case.handler_id == person_id,
        is_raiser=person_id is not None and case.raised_by_id == person_id,
        is_subject=person_id is not None and case.about_id == person_id,
        parties_may_escalate=case.variant.parties_may_escalate,
        is_panel_member=(
            person_id is not None
            and case.handler_id is None
            and person_id in case.panel_member_ids()
        ),
        subject_responds=_subject_responds(case),
    )


def _subject_responds(case: Case) -> bool:
    try:
        return case.current_step.subject_responds
    except VariantStep.DoesNotExist:
        return False


SUBJECT_RESPONDER_ACTIONS = frozenset({Action.ACKNOWLEDGE, Action.RESPOND, Action.BRING_IN})


def allowed(s: Standing, action: str) -> bool:
    """Whether someone of standing `s` may take `action` (the case's state is checked elsewhere)."""
    if s.superuser:
        return True
    if s.is_party:
        if action == Action.ADD_SHARED_NOTE:
            return True
        if action == Action.WITHDRAW:
            return s.is_raiser
        if action == Action.ESCALATE:
            return s.is_raiser and s.parties_may_escalate
        if action in SUBJECT_RESPONDER_ACTIONS:
            return s.is_subject and s.subject_responds
        return False
    if s.administers:
        return True
    if s.is_handler or s.is_panel_member:
        return action in HANDLER_ACTIONS
    return False


def can(user: User, action: str, case: Case, *, admin_ids: set[int] | None = None) -> bool:
    return allowed(standing(user, case, admin_ids=admin_ids), action)


def refusal(s: Standing, action: str, case: Case) -> str:
    """A sentence telling the user why they may not take `action` on `case`."""
    if action == Action.REOPEN:
        return f"Only a clerk or the Monitoring Officer can reopen {case.reference}."
    if action == Action.ASSIGN:
        if s.is_party:
            return f"As a party to {case.reference} you cannot change who handles it."
        # The handler included: choosing who handles a case is not the handler's call.
        return f"Only a clerk or the Monitoring Officer can change who handles {case.reference}."
    if action == Action.ESCALATE and s.is_raiser and not s.parties_may_escalate:
        return (
            f"{case.council.name}'s route does not let the person who raised a case escalate it: "
            "ask the clerk or the Monitoring Officer."
        )
    if action == Action.ADD_INTERNAL_NOTE and s.is_party:
        return "Parties to a case can add shared notes only."
    if s.is_party:
        return f"As a party to {case.reference} you cannot {action.replace('_', ' ')} it."
    return f"You cannot {action.replace('_', ' ')} {case.reference}: you are not handling it."


def may_open_case(user: User, *, council: Council, raised_by: Person) -> bool:
    """A clerk or MO logs a case for anyone of their council; a person raises their own."""
    if getattr(user, "is_superuser", False):
        return True
    if council.pk in administered_council_ids(user):
        return True
    person = person_for(user)
    return person is not None and person.pk == raised_by.pk
