"""Council admins configure their own protocol routes (issue #12): drafts, steps, clocks,
validation, publishing, diffs and a preview of who would handle each rung today.

Published versions are immutable: a change is a new draft (version = the highest + 1), and
publishing it retires the version before it. Open cases keep the version they were opened under
(`Case.variant`), so a ladder never changes under a case that is already climbing it.

Every change is audited as a `VariantEvent` (who, what, when). Views call these services; none of
them change a variant directly.

Which councils a user may configure is decided in one place: `manageable_councils(user)`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from contacts.models import Council, Person, Role, Service
from contacts.selectors import (
    Holding,
    UserGroup,
    administered_council_ids,
    role_holders,
    user_group_names,
)
from protocol_site.errors import ActionNotAllowed

from . import routing, services
from .audit import actor_name
from .models import CaseState as State
from .models import (
    Channel,
    ClockCalendar,
    ClockKind,
    ClockRule,
    ClockUnit,
    InformedView,
    ProtocolVariant,
    VariantEvent,
    VariantEventAction,
    VariantStatus,
    VariantStep,
)

User = AuthUser | AnonymousUser

# -- who may configure which council ------------------------------------------------------------


def manageable_councils(user: User) -> QuerySet[Council]:
    """Councils whose routes `user` may configure: every council for a superuser; for a member
    of the `council_admin` group, the councils `administered_council_ids` gives them. Anyone
    else configures nothing (their pages are 404, never 403)."""
    if not user.is_authenticated:
        return Council.objects.none()
    if getattr(user, "is_superuser", False):
        return Council.objects.all()
    groups = user_group_names(user)
    if UserGroup.COUNCIL_ADMIN not in groups:
        return Council.objects.none()
    return Council.objects.filter(pk__in=administered_council_ids(user))


def may_create_councils(user: User) -> bool:
    """A new council has no admins yet: only a superuser starts one."""
    return bool(user.is_authenticated and getattr(user, "is_superuser", False))


# -- validation (pure) --------------------------------------------------------------------------

# The rungs that can decide a matter and so may end a ladder. A ladder ends where the protocol
# puts the last word: the Leader (Maldon 2.3, Hounslow 11.2), the Head of Paid Service (Maldon
# 3.1, Lancaster 6.3, Halstead 4.2), the Monitoring Officer, or a committee (Lancaster 13.2 "as
# a last resort", Maldon 5.1, West Lavington 4.3). `informal` and `chief_officer` are where a
# matter starts; a ladder ending there leaves an unresolved case with nowhere to go.
DECIDING_STATES: frozenset[str] = frozenset(
    {
        State.LEADER,
        State.HEAD_OF_PAID_SERVICE,
        State.MONITORING_OFFICER,
        State.STANDARDS_COMMITTEE,
        State.PERSONNEL_COMMITTEE,
    }
)


@dataclass(frozen=True)
class ClockSpec:
    kind: str
    length: int
    unit: str = ClockUnit.CALENDAR_DAYS


@dataclass(frozen=True)
class StepSpec:
    position: int
    state: str
    label: str
    handler_role: str
    clocks: tuple[ClockSpec, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One reason a draft cannot be published. `position` is the step's, None for the ladder."""

    code: str
    message: str
    position: int | None = None


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value.replace("_", " ")


def validate_variant(
    *, steps: Sequence[StepSpec], held_roles: Collection[str], council_name: str = "the council"
) -> list[Problem]:
    """Every reason the ladder `steps` cannot be published, in step order. Pure.

    `held_roles` are the handler roles somebody holds for the council today (borrowed MO
    included: that is `role_holders`' job, see `roles_held_today`).
    """
    problems: list[Problem] = []
    if not steps:
        return [
            Problem(
                "no_steps",
                "Add at least one step: a ladder with no steps has no end.",
            )
        ]
    ordered = sorted(steps, key=lambda s: s.position)
    first_at: dict[str, int] = {}
    for step in ordered:
        where = f"Step {step.position}"
        if not step.label.strip():
            problems.append(
                Problem(
                    "no_label",
                    f"{where}: say in your council's words who handles it.",
                    step.position,
                )
            )
        if step.state in first_at:
            problems.append(
                Problem(
                    "duplicate_state",
                    f"{where} repeats the rung “{_label(State, step.state)}” of step "
                    f"{first_at[step.state]}: each rung appears once in a ladder.",
                    step.position,
                )
            )
        else:
            first_at[step.state] = step.position
        if step.handler_role not in held_roles:
            problems.append(
                Problem(
                    "no_holder",
                    f"{where}: nobody holds the role of {_label(Role, step.handler_role)} for "
                    f"{council_name} today, so nobody could handle this step. Record who holds "
                    "it, or choose another role.",
                    step.position,
                )
            )
        kinds_seen: set[str] = set()
        for clock in step.clocks:
            if clock.length < 1:
                problems.append(
                    Problem(
                        "zero_clock",
                        f"{where}: the {_label(ClockKind, clock.kind).lower()} clock runs for "
                        f"{clock.length} days; a clock must run for at least 1 day.",
                        step.position,
                    )
                )
            if clock.kind in kinds_seen:
                problems.append(
                    Problem(
                        "duplicate_clock",
                        f"{where} has two {_label(ClockKind, clock.kind).lower()} clocks: "
                        "keep one.",
                        step.position,
                    )
                )
            kinds_seen.add(clock.kind)
    last = ordered[-1]
    if last.state not in DECIDING_STATES:
        deciders = ", ".join(_label(State, s) for s in sorted(DECIDING_STATES))
        problems.append(
            Problem(
                "no_end",
                f"The ladder ends at step {last.position}, “{_label(State, last.state)}”, "
                f"which cannot decide the matter: end it with one of {deciders}.",
                last.position,
            )
        )
    return problems


# -- validation (ORM side) ----------------------------------------------------------------------


def roles_held_today(
    council: Council, roles: Iterable[str], on: datetime.date | None = None
) -> set[str]:
    """Which of `roles` somebody could answer for at `council` on `on`.

    A role counts as held when any of its routing equivalents is (a `chief_officer` step is
    answered by a Director or Service Head too: `routing.ROLE_EQUIVALENTS`), deputies included,
    and for a parish the lending council's Monitoring Officer counts (`role_holders`).
    """
    held: set[str] = set()
    for role in set(roles):
        equivalents = routing.ROLE_EQUIVALENTS.get(role, (role,))
        if any(role_holders(council=council, role=r, on=on) for r in equivalents):
            held.add(role)
    return held


def step_specs(variant: ProtocolVariant) -> list[StepSpec]:
    return [
        StepSpec(
            position=s.position,
            state=s.state,
            label=s.label,
            handler_role=s.handler_role,
            clocks=tuple(ClockSpec(c.kind, c.length, c.unit) for c in s.clocks.all()),
        )
        for s in variant.steps.prefetch_related("clocks").order_by("position")
    ]


def variant_problems(variant: ProtocolVariant, on: datetime.date | None = None) -> list[Problem]:
    specs = step_specs(variant)
    held = roles_held_today(variant.council, [s.handler_role for s in specs], on=on)
    return validate_variant(steps=specs, held_roles=held, council_name=variant.council.name)


# -- audit --------------------------------------------------------------------------------------


def record_variant_event(
    *,
    council: Council,
    actor: User | None,
    action: str,
    summary: str,
    variant: ProtocolVariant | None = None,
    data: Mapping[str, Any] | None = None,
) -> VariantEvent:
    return VariantEvent.objects.create(
        council=council,
        variant=variant,
        case_type=variant.case_type if variant is not None else "",
        version=variant.version if variant is not None else None,
        at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor_name(actor),  # type: ignore[arg-type]
        action=action,
        summary=summary,
        data=dict(data or {}),
    )


# -- drafts -------------------------------------------------------------------------------------


def _lock_draft(variant: ProtocolVariant) -> ProtocolVariant:
    """The variant's row, locked; refused unless it is a draft (published ones never change)."""
    current = (
        ProtocolVariant.objects.select_for_update(of=("self",))
        .select_related("council")
        .get(pk=variant.pk)
    )
    if current.status != VariantStatus.DRAFT:
        raise ActionNotAllowed(
            f"Version {current.version} is {current.get_status_display().lower()} and cannot be "
            "changed: start a new draft instead."
        )
    return current


def _copy_steps(source: ProtocolVariant, target: ProtocolVariant) -> int:
    steps = list(source.steps.prefetch_related("clocks").order_by("position"))
    for step in steps:
        clocks = list(step.clocks.all())
        copy = VariantStep.objects.create(
            variant=target,
            position=step.position,
            state=step.state,
            label=step.label,
            handler_role=step.handler_role,
            inform_roles=list(step.inform_roles),
            protocol_reference=step.protocol_reference,
            guidance=step.guidance,
            subject_rules=list(step.subject_rules or []),
            subject_responds=step.subject_responds,
            participant_roles=list(step.participant_roles),
        )
        ClockRule.objects.bulk_create(
            ClockRule(
                step=copy,
                kind=c.kind,
                length=c.length,
                unit=c.unit,
                calendar=c.calendar,
                only_channel=c.only_channel,
                protocol_reference=c.protocol_reference,
            )
            for c in clocks
        )
    return len(steps)


def _next_version(council: Council, case_type: str) -> int:
    latest = ProtocolVariant.objects.filter(council=council, case_type=case_type).aggregate(
        v=Max("version")
    )["v"]
    return (latest or 0) + 1


@transaction.atomic
def start_draft(
    *,
    council: Council,
    case_type: str,
    actor: User | None,
    source: ProtocolVariant | None = None,
    title: str = "",
) -> ProtocolVariant:
    """A new draft route for `case_type`: a copy of `source` (any version, any council) or blank.

    One draft per council and case type at a time, so two admins never edit rival drafts.
    """
    # Lock the council row so two "start a draft" clicks cannot both take the next version.
    Council.objects.select_for_update().get(pk=council.pk)
    existing = ProtocolVariant.objects.filter(
        council=council, case_type=case_type, status=VariantStatus.DRAFT
    ).first()
    if existing is not None:
        raise ActionNotAllowed(
            f"{council.name} already has a draft (version {existing.version}) of this route: "
            "edit or discard it first."
        )
    if source is not None and source.case_type != case_type:
        raise ValidationError({"source": "Copy a route for the same kind of case."})
    draft = ProtocolVariant.objects.create(
        council=council,
        case_type=case_type,
        version=_next_version(council, case_type),
        status=VariantStatus.DRAFT,
        title=title or (source.title if source else _label_case_type(case_type)),
        protocol_reference=source.protocol_reference if source else "",
        parties_may_escalate=source.parties_may_escalate if source else True,
        auto_acknowledge=source.auto_acknowledge if source else False,
        informal_wording_check=source.informal_wording_check if source else False,
        office_hours_cutoff=source.office_hours_cutoff if source else None,
        informed_view=source.informed_view if source else InformedView.PARTY,
    )
    copied = _copy_steps(source, draft) if source is not None else 0
    if source is None:
        summary = f"Started a blank draft, version {draft.version}."
    elif source.council_id == council.pk:
        summary = f"Started draft version {draft.version} from version {source.version}."
    else:
        summary = (
            f"Started draft version {draft.version} from {source.council.name}'s version "
            f"{source.version}."
        )
    record_variant_event(
        council=council,
        actor=actor,
        action=VariantEventAction.DRAFTED,
        variant=draft,
        summary=summary,
        data={"source": source.pk if source else None, "steps": copied},
    )
    return draft


def _label_case_type(case_type: str) -> str:
    from .models import CaseType

    return _label(CaseType, case_type)


DETAIL_FIELDS = (
    "title",
    "protocol_reference",
    "parties_may_escalate",
    "auto_acknowledge",
    "informal_wording_check",
    "office_hours_cutoff",
    "informed_view",
)


@transaction.atomic
def update_variant_details(
    *, variant: ProtocolVariant, actor: User | None, data: Mapping[str, Any]
) -> ProtocolVariant:
    variant = _lock_draft(variant)
    changed = [f for f in DETAIL_FIELDS if f in data and getattr(variant, f) != data[f]]
    for name in changed:
        setattr(variant, name, data[name])
    if changed:
        variant.full_clean(exclude=["council", "published_by"], validate_constraints=False)
        variant.save(update_fields=changed)
        _edited(variant, actor, f"Changed the route's {', '.join(changed).replace('_', ' ')}.")
    return variant


def _edited(variant: ProtocolVariant, actor: User | None, summary: str) -> None:
    record_variant_event(
        council=variant.council,
        actor=actor,
        action=VariantEventAction.EDITED,
        variant=variant,
        summary=summary,
    )


STEP_FIELDS = (
    "state",
    "label",
    "handler_role",
    "inform_roles",
    "participant_roles",
    "subject_responds",
    "protocol_reference",
    "guidance",
    "subject_rules",
)


STEP_DEFAULTS: dict[str, Any] = {
    "inform_roles": [],
    "participant_roles": [],
    "subject_responds": False,
    "subject_rules": [],
}


def _check_step(variant: ProtocolVariant, data: Mapping[str, Any], *, exclude: int | None) -> None:
    others = variant.steps.exclude(pk=exclude) if exclude else variant.steps.all()
    clash = others.filter(state=data["state"]).first() if "state" in data else None
    if clash is not None:
        raise ValidationError(
            {
                "state": f"Step {clash.position} already uses the rung "
                f"“{_label(State, data['state'])}”: each rung appears once in a ladder."
            }
        )
    for name in ("inform_roles", "participant_roles"):
        unknown = set(data.get(name) or []) - set(Role.values)
        if unknown:
            raise ValidationError({name: f"Unknown roles: {', '.join(sorted(unknown))}."})
    for rule in data.get("subject_rules") or []:
        roles = {rule.get("subject_role"), rule.get("handler_role")}
        if not roles <= set(Role.values):
            raise ValidationError({"subject_rules": "A subject rule names a role that is unknown."})


@transaction.atomic
def add_step(
    *, variant: ProtocolVariant, actor: User | None, data: Mapping[str, Any]
) -> VariantStep:
    """Add a rung at the top of the ladder (reorder with `move_step`)."""
    variant = _lock_draft(variant)
    _check_step(variant, data, exclude=None)
    position = (variant.steps.aggregate(p=Max("position"))["p"] or 0) + 1
    step = VariantStep(variant=variant, position=position)
    for name in STEP_FIELDS:
        setattr(step, name, data.get(name, STEP_DEFAULTS.get(name, "")))
    step.inform_roles = sorted(set(step.inform_roles or []), key=Role.values.index)
    step.participant_roles = sorted(set(step.participant_roles or []), key=Role.values.index)
    step.full_clean(exclude=["variant"], validate_constraints=False)
    step.save()
    _edited(variant, actor, f"Added step {position}: {step.label}.")
    return step


@transaction.atomic
def update_step(*, step: VariantStep, actor: User | None, data: Mapping[str, Any]) -> VariantStep:
    variant = _lock_draft(step.variant)
    step = variant.steps.get(pk=step.pk)
    _check_step(variant, data, exclude=step.pk)
    changed = []
    for name in STEP_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("inform_roles", "participant_roles"):
            value = sorted(set(value or []), key=Role.values.index)
        if getattr(step, name) != value:
            setattr(step, name, value)
            changed.append(name)
    if changed:
        step.full_clean(exclude=["variant"], validate_constraints=False)
        step.save(update_fields=changed)
        _edited(
            variant,
            actor,
            f"Changed step {step.position}'s {', '.join(changed).replace('_', ' ')}.",
        )
    return step


def _renumber(variant: ProtocolVariant, ordered: list[VariantStep]) -> None:
    """Write positions 1..n in `ordered`'s order without ever breaking the unique position.

    Park every step above the highest position first, then set each one's final place.
    """
    offset = (max((s.position for s in ordered), default=0)) + len(ordered) + 1
    for i, step in enumerate(ordered):
        VariantStep.objects.filter(pk=step.pk).update(position=offset + i)
    for i, step in enumerate(ordered, start=1):
        VariantStep.objects.filter(pk=step.pk).update(position=i)
        step.position = i


@transaction.atomic
def remove_step(*, step: VariantStep, actor: User | None) -> None:
    variant = _lock_draft(step.variant)
    step = variant.steps.get(pk=step.pk)
    label, position = step.label, step.position
    step.delete()
    _renumber(variant, list(variant.steps.order_by("position")))
    _edited(variant, actor, f"Removed step {position}: {label}.")


@transaction.atomic
def move_step(*, step: VariantStep, actor: User | None, direction: str) -> VariantStep:
    """Swap a step with the one above ("up", nearer the start) or below ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a step up or down."})
    variant = _lock_draft(step.variant)
    ordered = list(variant.steps.order_by("position"))
    index = next(i for i, s in enumerate(ordered) if s.pk == step.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        end = "first" if direction == "up" else "last"
        raise ActionNotAllowed(f"Step {ordered[index].position} is already the {end} step.")
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(variant, ordered)
    moved = ordered[other]
    _edited(variant, actor, f"Moved “{moved.label}” {direction} to step {moved.position}.")
    return moved


CLOCK_FIELDS = ("kind", "length", "unit", "calendar", "only_channel", "protocol_reference")


def _check_clock(step: VariantStep, data: Mapping[str, Any], *, exclude: int | None) -> None:
    errors: dict[str, str] = {}
    length = data.get("length")
    if length is None or int(length) < 1:
        errors["length"] = "A clock must run for at least 1 day."
    others = step.clocks.exclude(pk=exclude) if exclude else step.clocks.all()
    if others.filter(kind=data["kind"]).exists():
        errors["kind"] = (
            f"Step {step.position} already has a {_label(ClockKind, data['kind']).lower()} "
            "clock: change that one instead."
        )
    for name, choices in (
        ("kind", ClockKind),
        ("unit", ClockUnit),
        ("calendar", ClockCalendar),
    ):
        if data.get(name) not in choices.values:
            errors[name] = f"Choose the clock's {name}."
    if data.get("only_channel") and data["only_channel"] not in Channel.values:
        errors["only_channel"] = "Choose a channel, or any channel."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_clock(*, step: VariantStep, actor: User | None, data: Mapping[str, Any]) -> ClockRule:
    variant = _lock_draft(step.variant)
    step = variant.steps.get(pk=step.pk)
    _check_clock(step, data, exclude=None)
    clock = ClockRule(step=step, **{k: data.get(k) or "" for k in CLOCK_FIELDS})
    clock.length = int(data["length"])
    clock.save()
    _edited(variant, actor, f"Added a clock to step {step.position}: {describe_clock(clock)}.")
    return clock


@transaction.atomic
def update_clock(*, clock: ClockRule, actor: User | None, data: Mapping[str, Any]) -> ClockRule:
    variant = _lock_draft(clock.step.variant)
    clock = ClockRule.objects.select_related("step").get(pk=clock.pk, step__variant=variant)
    _check_clock(clock.step, data, exclude=clock.pk)
    for name in CLOCK_FIELDS:
        setattr(clock, name, data.get(name) or "")
    clock.length = int(data["length"])
    # A draft has no cases, so no open clock counts from this rule (clocks.signals would
    # recompute them on save otherwise).
    clock.save()
    _edited(
        variant, actor, f"Changed a clock on step {clock.step.position}: {describe_clock(clock)}."
    )
    return clock


@transaction.atomic
def remove_clock(*, clock: ClockRule, actor: User | None) -> None:
    variant = _lock_draft(clock.step.variant)
    clock = ClockRule.objects.select_related("step").get(pk=clock.pk, step__variant=variant)
    text, position = describe_clock(clock), clock.step.position
    clock.delete()
    _edited(variant, actor, f"Removed a clock from step {position}: {text}.")


@transaction.atomic
def discard_draft(*, variant: ProtocolVariant, actor: User | None) -> None:
    variant = _lock_draft(variant)
    record_variant_event(
        council=variant.council,
        actor=actor,
        action=VariantEventAction.DISCARDED,
        variant=variant,
        summary=f"Discarded draft version {variant.version}.",
    )
    variant.delete()


@transaction.atomic
def publish_draft(*, variant: ProtocolVariant, actor: User | None) -> ProtocolVariant:
    """Check the draft, publish it and retire the version it replaces; audit both.

    Cases already open on the retired version keep it (`Case.variant` is pinned); new cases
    open on this one (`services.open_case` takes the published version).
    """
    variant = _lock_draft(variant)
    problems = variant_problems(variant)
    if problems:
        raise ValidationError([p.message for p in problems])
    previous = ProtocolVariant.objects.filter(
        council=variant.council, case_type=variant.case_type, status=VariantStatus.PUBLISHED
    ).first()
    published = services.publish_variant(variant=variant, actor=actor)
    if previous is not None:
        record_variant_event(
            council=variant.council,
            actor=actor,
            action=VariantEventAction.RETIRED,
            variant=previous,
            summary=(
                f"Retired version {previous.version}, replaced by version {published.version}; "
                f"its {previous.cases.exclude(state__in=['resolved', 'withdrawn']).count()} "
                "open cases keep it."
            ),
            data={"replaced_by": published.pk},
        )
    record_variant_event(
        council=variant.council,
        actor=actor,
        action=VariantEventAction.PUBLISHED,
        variant=published,
        summary=f"Published version {published.version}: {len(step_specs(published))} steps.",
        data={"retired": previous.pk if previous else None},
    )
    return published


# -- describing ---------------------------------------------------------------------------------


def describe_clock(clock: ClockRule | Mapping[str, Any]) -> str:
    """'3 working days (council's calendar), email only' — how the pages and the diff say it."""
    get: Callable[[str], Any] = (
        clock.get if isinstance(clock, Mapping) else lambda n: getattr(clock, n)  # type: ignore[union-attr]
    )
    length = get("length")
    unit = "working day" if get("unit") == ClockUnit.WORKING_DAYS else "calendar day"
    text = f"{_label(ClockKind, get('kind'))}: {length} {unit}{'' if length == 1 else 's'}"
    if get("unit") == ClockUnit.WORKING_DAYS:
        text += " (all-UK bank holidays)" if get("calendar") == ClockCalendar.ALL_UK else ""
    if get("only_channel"):
        text += f", only when received by {_label(Channel, get('only_channel')).lower()}"
    return text


def _step_data(step: VariantStep) -> dict[str, Any]:
    return {
        "position": step.position,
        "state": step.state,
        "label": step.label,
        "handler_role": step.handler_role,
        "inform_roles": list(step.inform_roles or []),
        "protocol_reference": step.protocol_reference,
        "guidance": step.guidance,
        "subject_rules": list(step.subject_rules or []),
        "subject_responds": step.subject_responds,
        "participant_roles": list(step.participant_roles or []),
        "clocks": {
            c.kind: {
                "kind": c.kind,
                "length": c.length,
                "unit": c.unit,
                "calendar": c.calendar,
                "only_channel": c.only_channel,
            }
            for c in step.clocks.all()
        },
    }


# -- diff ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass
class StepDiff:
    state: str
    status: str  # added | removed | changed | unchanged
    label: str
    changes: list[Change] = field(default_factory=list)

    @property
    def rung(self) -> str:
        return _label(State, self.state)


@dataclass
class VariantDiff:
    old: ProtocolVariant
    new: ProtocolVariant
    details: list[Change]
    steps: list[StepDiff]

    @property
    def has_changes(self) -> bool:
        return bool(self.details) or any(s.status != "unchanged" for s in self.steps)


def describe_subject_rules(rules: Iterable[Mapping[str, str]]) -> str:
    """ "When about the Head of Paid Service: Monitoring Officer (Hounslow 11.2)"; or "None"."""
    texts = []
    for rule in rules:
        cite = f" ({rule['protocol_reference']})" if rule.get("protocol_reference") else ""
        texts.append(
            f"When about the {_label(Role, rule['subject_role'])}: "
            f"{_label(Role, rule['handler_role'])}{cite}"
        )
    return "; ".join(texts) or "None"


def _roles_text(roles: Iterable[str]) -> str:
    return ", ".join(_label(Role, r) for r in roles) or "None"


def _step_fields(step: Mapping[str, Any]) -> dict[str, str]:
    """A step's fields as a reader compares them."""
    fields = {
        "Position": f"Step {step['position']}",
        "Label": step["label"],
        "Handled by": _label(Role, step["handler_role"]),
        "Kept informed": _roles_text(step["inform_roles"]),
        "The officer concerned answers": "Yes" if step.get("subject_responds") else "No",
        "May bring in": _roles_text(step.get("participant_roles") or []),
        "Protocol reference": step.get("protocol_reference") or "None",
        "Guidance": step.get("guidance") or "None",
        "Subject rules": describe_subject_rules(step.get("subject_rules") or []),
    }
    for kind in sorted(step["clocks"]):
        fields[f"{_label(ClockKind, kind)} clock"] = describe_clock(step["clocks"][kind])
    return fields


def diff_steps(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[StepDiff]:
    """Compare two ladders rung by rung (a rung is its state: it appears once per ladder). Pure.

    Steps come in the new ladder's order, with removed ones after.
    """
    before = {s["state"]: s for s in old}
    after = {s["state"]: s for s in new}
    result: list[StepDiff] = []
    for step in sorted(new, key=lambda s: s["position"]):
        state = step["state"]
        if state not in before:
            result.append(StepDiff(state, "added", step["label"]))
            continue
        old_fields, new_fields = _step_fields(before[state]), _step_fields(step)
        changes = [
            Change(name, old_fields.get(name, "None"), new_fields.get(name, "None"))
            for name in dict.fromkeys([*old_fields, *new_fields])
            if old_fields.get(name) != new_fields.get(name)
        ]
        result.append(
            StepDiff(state, "changed" if changes else "unchanged", step["label"], changes)
        )
    for step in sorted(old, key=lambda s: s["position"]):
        if step["state"] not in after:
            result.append(StepDiff(step["state"], "removed", step["label"]))
    return result


def _detail_text(variant: ProtocolVariant, name: str) -> str:
    value = getattr(variant, name)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    return str(value) or "None"


def diff_variants(old: ProtocolVariant, new: ProtocolVariant) -> VariantDiff:
    details = [
        Change(
            ProtocolVariant._meta.get_field(name).verbose_name.capitalize(),  # type: ignore[union-attr]
            _detail_text(old, name),
            _detail_text(new, name),
        )
        for name in DETAIL_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]

    def data(v: ProtocolVariant) -> list[dict[str, Any]]:
        return [_step_data(s) for s in v.steps.prefetch_related("clocks").order_by("position")]

    return VariantDiff(old=old, new=new, details=details, steps=diff_steps(data(old), data(new)))


# -- preview ------------------------------------------------------------------------------------


@dataclass
class PreviewStep:
    step: VariantStep
    handler: Person | None
    reason: str
    as_role: str | None
    borrowed_from: Council | None
    is_deputy: bool
    skipped: list[routing.Candidate]
    informed: list[tuple[str, list[str]]]
    clocks: list[str]
    # A committee rung: the members who would sit as its panel (Maldon 5.1, West Lavington 4.2).
    panel: list[Person] = field(default_factory=list)


def preview_variant(
    *,
    variant: ProtocolVariant,
    raised_by: Person | None = None,
    about: Person | None = None,
    on: datetime.date | None = None,
    service: Service | None = None,
) -> list[PreviewStep]:
    """Walk a sample case up the ladder: who would handle each rung today, and who is skipped.

    The same rules as a real case (`services.plan_step`): the heads of the sample case's service
    (`service`, else the service of the officer it is about or who raised it), the step's
    subject rules, and the skips: a party, someone related to a party (Maldon 6.2), someone the
    subject manages; a parish's Monitoring Officer is the lending council's.
    """
    council = variant.council
    if service is None:
        service = services.default_service(raised_by=raised_by, about=about, on=on)
    rows: list[PreviewStep] = []
    for step in variant.steps.prefetch_related("clocks").order_by("position"):
        plan = services.plan_step(
            council=council, step=step, raised_by=raised_by, about=about, service=service, on=on
        )
        decision = plan.decision
        holdings: dict[int, Holding] = {}
        for holding, _ in plan.pairs:
            holdings.setdefault(holding.person.pk, holding)
        candidates = [candidate for _, candidate in plan.pairs]
        chosen = holdings.get(decision.person_id) if decision.person_id else None
        skipped: list[routing.Candidate] = []
        for candidate in candidates:
            if candidate.person_id == decision.person_id:
                break
            if candidate.person_id not in {s.person_id for s in skipped}:
                skipped.append(candidate)
        informed = []
        for role in step.inform_roles or []:
            names = [
                h.person.name + (f" ({h.person.council.name})" if h.borrowed else "")
                for h in role_holders(council=council, role=role, on=on)
            ]
            informed.append((_label(Role, role), names))
        rows.append(
            PreviewStep(
                step=step,
                handler=chosen.person if chosen else None,
                reason=decision.reason,
                as_role=decision.role,
                borrowed_from=chosen.person.council if chosen and chosen.borrowed else None,
                is_deputy=bool(chosen and chosen.is_deputy),
                skipped=skipped,
                informed=informed,
                clocks=[describe_clock(c) for c in step.clocks.all()],
            )
        )
    subject_id = about.pk if about is not None else None
    party_ids = {p.pk for p in (raised_by, about) if p is not None}
    return _with_panels(rows, council=council, party_ids=party_ids, subject_id=subject_id, on=on)


def _with_panels(
    rows: list[PreviewStep],
    *,
    council: Council,
    party_ids: set[int],
    subject_id: int | None,
    on: datetime.date | None,
) -> list[PreviewStep]:
    """A committee rung shows the panel that would sit, as a real case seats it
    (`services.plan_panel`), not the one member single-handler routing would pick."""
    for row in rows:
        role = row.step.handler_role
        if not routing.is_panel_role(role):
            continue
        decision, people = services.plan_panel(
            council=council, handler_role=role, party_ids=party_ids, subject_id=subject_id, on=on
        )
        row.panel = [people[pid] for pid in decision.member_ids]
        row.handler, row.reason, row.as_role = None, decision.reason, role
        row.borrowed_from, row.is_deputy, row.skipped = None, False, []
    return rows


# -- import -------------------------------------------------------------------------------------


@transaction.atomic
def import_council_config(
    *, council: Council, data: Mapping[str, Any], actor: User | None
) -> Council:
    """Import a YAML configuration into `council` (`contacts.config_io`), audited.

    The file must be for this council: an admin of one council never writes another's.
    All or nothing: a bad file raises ValidationError keyed by the path of each bad item.
    """
    from contacts import config_io

    document = data.get("council")
    slug = document.get("slug") if isinstance(document, Mapping) else None
    if slug != council.slug:
        raise ValidationError(
            {"council.slug": [f"This file configures {slug!r}, not {council.slug!r}."]}
        )
    before = set(council.variants.values_list("case_type", "version", "status"))
    imported = config_io.import_council(data)
    after = set(imported.variants.values_list("case_type", "version", "status"))
    record_variant_event(
        council=imported,
        actor=actor,
        action=VariantEventAction.IMPORTED,
        summary=(
            f"Imported a configuration file: {len(after - before)} route versions added or "
            "changed status."
        ),
        data={"changed": sorted([list(row) for row in after - before])},
    )
    return imported
