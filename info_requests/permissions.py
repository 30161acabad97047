"""Who may take each step of an information request, from the council's InformationPolicy.

Visibility is decided in selectors.py; this decides actions on a request the user can see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django_fsm import can_proceed

from contacts.models import BORROWED_ROLES, DEPUTY_ROLE, SERVICE_HEAD_ROLES, Role
from contacts.selectors import person_for

from .models import InfoRequest, InfoRequestState
from .selectors import administers, held_roles

User = AuthUser | AnonymousUser

# Pseudo-roles for the people a policy does not name.
MEMBER = "member"  # the member who made the request
ADMIN = "admin"  # a clerk or council administrator of the request's council
# The person named as decider where the decider is the head of the service holding the
# information (Maldon 10.2 "the Director holding the information", Lancaster 8.6 "the relevant
# Service Head"): the decider's steps are that person's, not every holder of the role.
DECIDER = "decider"


def decided_by_person(info_request: InfoRequest) -> bool:
    """Whether the request's service-head steps belong to its named decider alone. Without a
    named decider (the service is unknown: the clerk triages) the role decides, as before."""
    return (
        info_request.decider_id is not None
        and info_request.policy.decider_role in SERVICE_HEAD_ROLES
    )


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    target: str | None
    # Lancaster 8.6-8.8 / Maldon 10.2 / Hounslow 5.3 in one line, shown on the action page.
    guidance: str
    destructive: bool = False


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "provide_as_public",
            "Provide: a member of the public would get this",
            InfoRequestState.PROVIDED,
            "Lancaster 8.6: if all the information would be made available as a matter of course "
            "to a member of the public making a similar request, it is provided to the member.",
        ),
        Action(
            "consider_member_rights",
            "Not public: consider s.100F and need to know",
            InfoRequestState.DETERMINING,
            "Lancaster 8.7: consider whether the information can be provided under section 100F "
            "or the common-law need to know, consulting the Monitoring Officer.",
        ),
        Action(
            "provide_under_s100f",
            "Provide under section 100F, with the caveat",
            InfoRequestState.PROVIDED,
            "Lancaster 8.3: any member may inspect documents about business at a meeting, "
            "unless they disclose exempt information other than paragraphs 3 and 6.",
        ),
        Action(
            "provide_on_need_to_know",
            "Need to know shown: provide with the caveat",
            InfoRequestState.PROVIDED,
            "Lancaster 8.7 and 8.9: the Monitoring Officer's determination of need to know is "
            "final; the information carries the caveat.",
        ),
        Action(
            "refuse_access",
            "Neither s.100F nor need to know is met",
            InfoRequestState.REFUSED,
            "Lancaster 8.4: mere curiosity is not sufficient, and members have no right to a "
            "roving commission to examine documents.",
            destructive=True,
        ),
        Action(
            "dispute_refusal",
            "Dispute the refusal",
            InfoRequestState.DISPUTED,
            "Maldon 10.2: any dispute should be referred to the Head of Paid Service.",
        ),
        Action(
            "uphold_refusal",
            "Uphold the refusal",
            InfoRequestState.REFUSED,
            "Maldon 10.2: the Head of Paid Service decides the dispute.",
            destructive=True,
        ),
        Action(
            "treat_as_foi",
            "Handle as a Freedom of Information request",
            InfoRequestState.FOI,
            "Lancaster 8.8: the request is dealt with under the Freedom of Information Act "
            "without the member making a separate request. The 20 working day clock counts from "
            "the day the request was received.",
        ),
        Action(
            "seek_clarification",
            "Ask the member to clarify (pauses the FOI clock)",
            None,
            "FOIA s.1(3): while the council reasonably needs more information to find what is "
            "asked for, the 20 working day clock stands still.",
        ),
        Action(
            "record_clarification",
            "Record the member's clarification (restarts the FOI clock)",
            None,
            "The FOI clock runs again from the day the clarification arrives.",
        ),
        Action(
            "note_legal_advice",
            "Note Legal Services' advice",
            None,
            "Lancaster 8.8: the FOI request is dealt with in the normal way with advice from "
            "Legal Services.",
        ),
        Action(
            "decide_foi",
            "Record the FOI decision",
            InfoRequestState.FOI_DECIDED,
            "Lancaster 8.8: the information may be provided in full, in part with an exemption "
            "applying to the remainder, or refused as a result of an exemption.",
        ),
        Action(
            "request_internal_review",
            "Ask for an internal review",
            InfoRequestState.INTERNAL_REVIEW,
            "Lancaster 8.8: there is a right of internal review, carried out by the Monitoring "
            "Officer, within 20 working days.",
        ),
        Action(
            "decide_internal_review",
            "Record the internal review decision",
            InfoRequestState.REVIEW_DECIDED,
            "Lancaster 8.8: following the review the member is told of the right to pursue the "
            "matter with the Information Commissioner.",
        ),
        Action(
            "record_ico_complaint",
            "Record whether the member complained to the Information Commissioner",
            InfoRequestState.CLOSED,
            "Lancaster 8.8: the member may pursue the matter with the Information Commissioner.",
        ),
        Action(
            "pause_for_resource_agreement",
            "Pause for the group leaders and Head of Paid Service to agree",
            None,
            "Hounslow 5.3: where the resource implications are considerable, the group leaders "
            "and the Head of Paid Service agree what is provided. This pause does NOT stop the "
            "FOI clock: the law allows that only while awaiting clarification (FOIA s.1(3)).",
        ),
        Action(
            "record_resource_agreement",
            "Record what the group leaders and Head of Paid Service agreed",
            None,
            "Hounslow 5.3: record what information the officers will provide.",
        ),
        Action(
            "withdraw",
            "Withdraw the request",
            InfoRequestState.WITHDRAWN,
            "The member no longer wants the information; any running clock stops.",
            destructive=True,
        ),
    ]
}


PARISH_REVIEW_GUIDANCE = (
    "A parish or town council is a public authority in its own right under the Freedom of "
    "Information Act (Schedule 1, Part II): the internal review is the council's own, by the "
    "{reviewer}, within 20 working days, never by the Monitoring Officer another council lends "
    "it. After the review the member may go to the Information Commissioner."
)


def _parish_review_guidance(action: str, info_request: InfoRequest) -> str | None:
    """A parish's internal review is its own (FOIA Schedule 1, Part II)."""
    if info_request.council.is_parish and action in {
        "request_internal_review",
        "decide_internal_review",
    }:
        return PARISH_REVIEW_GUIDANCE.format(reviewer=info_request.policy.review_label)
    return None


# What each step's submit button says, and what the page says once it is done: what happened
# and what happens next. Names the step in plain words, never "Confirm: <label>" or "<label>: done".
BUTTONS: dict[str, tuple[str, str]] = {
    "provide_as_public": (
        "Provide the information",
        "The information is provided. The decision letter is ready under Letters.",
    ),
    "consider_member_rights": (
        "Consider section 100F and need to know",
        "The request is now being considered under section 100F and need to know.",
    ),
    "provide_under_s100f": (
        "Provide the information under section 100F with the caveat",
        "The information is provided under section 100F, with the caveat. The decision letter "
        "is ready under Letters.",
    ),
    "provide_on_need_to_know": (
        "Provide the information with the confidentiality caveat",
        "The information is provided on the councillor's need to know, with the caveat. The "
        "decision letter is ready under Letters.",
    ),
    "refuse_access": (
        "Refuse access under section 100F and need to know",
        "Access is refused. The refusal letter is ready under Letters; the request can now be "
        "handled under the Freedom of Information Act.",
    ),
    "dispute_refusal": ("Send my dispute", "Your dispute of the refusal is recorded."),
    "uphold_refusal": ("Uphold the refusal", "The refusal is upheld."),
    "treat_as_foi": (
        "Handle it as a Freedom of Information request",
        "The request is now handled under the Freedom of Information Act; the 20 working day "
        "clock is running.",
    ),
    "seek_clarification": (
        "Ask the councillor to clarify",
        "Clarification asked for. The FOI clock is paused until the answer arrives.",
    ),
    "record_clarification": (
        "Record the clarification",
        "The clarification is recorded and the FOI clock runs again, 20 working days from today.",
    ),
    "note_legal_advice": ("Save the advice", "Legal Services' advice is noted on the file."),
    "decide_foi": (
        "Record the FOI decision",
        "The FOI decision is recorded. The decision letter is ready under Letters.",
    ),
    "request_internal_review": (
        "Ask for the internal review",
        "Your request for an internal review is recorded; it is due within 20 working days.",
    ),
    "decide_internal_review": (
        "Record the review decision",
        "The review decision is recorded. The outcome letter is ready under Letters.",
    ),
    "record_ico_complaint": ("Record it and close the request", "Recorded; the request is closed."),
    "pause_for_resource_agreement": (
        "Pause for agreement",
        "Paused for the group leaders and the Head of Paid Service to agree what is provided.",
    ),
    "record_resource_agreement": ("Record the agreement", "The agreement is recorded."),
    "withdraw": ("Withdraw the request", "The request is withdrawn and any clock has stopped."),
}


_CITATION = re.compile(
    r"^(Lancaster|Maldon|Hounslow|Halstead|West Lavington) [\d.]+(?: and [\d.]+)?: "
)


def guidance_for(action: str, info_request: InfoRequest) -> str:
    """The step's guidance for this council: a parish's internal review is its own, and a
    clause of another council's protocol is replaced by the reference this council's policy
    gives (Maldon's form cited a Lancaster clause)."""
    parish = _parish_review_guidance(action, info_request)
    if parish is not None:
        return parish
    policy = info_request.policy
    text = ACTIONS[action].guidance
    match = _CITATION.match(text)
    if match is None or policy.protocol_reference.startswith(match.group(1)):
        return text
    text = text[match.end() :]
    text = text[0].upper() + text[1:]
    if policy.protocol_reference:
        text += f" ({policy.protocol_reference})"
    return text


def button_label(action: str) -> str:
    return BUTTONS.get(action, (ACTIONS[action].label, ""))[0]


def done_message(action: str) -> str:
    return BUTTONS.get(action, ("", f"{ACTIONS[action].label}."))[1]


def _roles_for(action: str, info_request: InfoRequest) -> set[str]:
    """The roles (and pseudo-roles) that may take `action` on `info_request` now."""
    policy = info_request.policy
    decider = policy.decider_role
    need_to_know = policy.need_to_know_role
    state = info_request.state
    reviewer = policy.review_role
    if info_request.council.is_parish and reviewer in BORROWED_ROLES:
        # FOIA Schedule 1 Part II: a parish is its own public authority and reviews its own FOI
        # decisions; a policy naming the lent Monitoring Officer is refused, not followed.
        reviewer = ""
    by_action: dict[str, set[str]] = {
        "provide_as_public": {decider},
        "consider_member_rights": {decider},
        # Lancaster 8.7: the Service Head considers s.100F, consulting the MO.
        "provide_under_s100f": {decider, need_to_know},
        # Lancaster 8.7: need to know is the MO's final determination (Maldon 10.2: the
        # Director's, with a dispute going to the Head of Paid Service).
        "provide_on_need_to_know": (
            {policy.dispute_role} if state == InfoRequestState.DISPUTED else {need_to_know}
        ),
        "refuse_access": {need_to_know},
        "dispute_refusal": {MEMBER},
        "uphold_refusal": {policy.dispute_role} if policy.dispute_role else set(),
        # From a refusal anyone handling the request passes it on; before one, only the holder
        # of the final need-to-know determination may conclude that neither right applies.
        "treat_as_foi": (
            {decider, need_to_know, ADMIN} if state == InfoRequestState.REFUSED else {need_to_know}
        ),
        "seek_clarification": {decider, ADMIN},
        "record_clarification": {decider, ADMIN},
        "note_legal_advice": {decider, ADMIN},
        "decide_foi": {decider, need_to_know},
        "request_internal_review": {MEMBER},
        "decide_internal_review": {reviewer} if reviewer else set(),
        "record_ico_complaint": {reviewer, ADMIN, MEMBER} - {""},
        "pause_for_resource_agreement": {decider, Role.HEAD_OF_PAID_SERVICE, ADMIN},
        "record_resource_agreement": {Role.HEAD_OF_PAID_SERVICE, ADMIN},
        "withdraw": {MEMBER, ADMIN},
    }
    allowed = by_action.get(action, set())
    if decided_by_person(info_request) and decider in allowed:
        # Maldon 10.2 / Lancaster 8.6: the head of the service holding the information, named
        # on the request, takes these steps; another Director or Service Head does not.
        allowed = (allowed - {decider}) | {DECIDER}
    return allowed


def user_roles(user: User, info_request: InfoRequest) -> set[str]:
    roles = held_roles(user, info_request.council)
    person = person_for(user)
    if person is not None and person.pk == info_request.requested_by_id:
        roles.add(MEMBER)
    if administers(user, info_request.council):
        roles.add(ADMIN)
    if person is not None and person.pk == info_request.decider_id:
        roles.add(DECIDER)
    return roles


def may_take(user: User, info_request: InfoRequest, action: str) -> bool:
    """Whether `user` holds a role that may take `action` (state is checked separately)."""
    if action not in ACTIONS:
        return False
    allowed = _roles_for(action, info_request)
    if MEMBER in allowed:
        # The member's own steps are theirs alone (Lancaster 8.8: the member asks for review).
        person = person_for(user)
        if person is not None and person.pk == info_request.requested_by_id:
            return True
        allowed = allowed - {MEMBER}
    if user.is_superuser:
        return bool(allowed)
    return bool(allowed & user_roles(user, info_request))


def decision_role(user: User, info_request: InfoRequest, action: str) -> str:
    """The council role in which `user` takes `action` (the letter is signed in it): the first
    role the action allows that the user holds, a Monitoring Officer's deputy signing as deputy.
    Blank for a superuser acting in no role."""
    allowed = _roles_for(action, info_request) - {MEMBER, ADMIN}
    held = held_roles(user, info_request.council)
    if DECIDER in allowed:
        person = person_for(user)
        if person is not None and person.pk == info_request.decider_id:
            return info_request.policy.decider_role
    for role in Role:
        if role in allowed and role in held:
            # held_roles lets a deputy stand in for the role: they sign as the deputy.
            deputy = DEPUTY_ROLE.get(role)
            return deputy if deputy and deputy in held else role.value
    return ""


def available_actions(user: User, info_request: InfoRequest) -> list[Action]:
    """The actions `user` may take now: allowed from the current state, conditions met, and a
    role that may take them."""
    result = []
    for name, action in ACTIONS.items():
        method = getattr(info_request, name)
        if not (can_proceed(method) and may_take(user, info_request, name)):
            continue
        if name == "provide_under_s100f" and s100f_reaches_nothing(info_request):
            # Lancaster 8.3: not offered when every listed item is exempt information it does
            # not reach (one such item among others is withheld on the decision page).
            continue
        result.append(action)
    return result


def s100f_blocked_items(info_request: InfoRequest) -> list[tuple[str, str]]:
    """(item, explanation) for each assessed item section 100F does not reach."""
    blocked = []
    for item in info_request.items.all():
        if not item.is_assessed:
            continue
        gives, explanation = item.s100f_access()
        if not gives:
            blocked.append((item.description, explanation))
    return blocked


def s100f_reaches_nothing(info_request: InfoRequest) -> bool:
    """Every listed item is assessed as exempt information section 100F does not reach."""
    items = list(info_request.items.all())
    return bool(items) and len(s100f_blocked_items(info_request)) == len(items)
