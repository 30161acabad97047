"""The "new council" wizard's service: create a council, its Monitoring Officer arrangement and
draft copies of a similar council's routes, all at once or not at all (issue #12).

A parish or town council has no Monitoring Officer of its own: it borrows the district or
unitary council's (Halstead → Braintree, West Lavington → Wiltshire). Only a council that is not
a parish, does not itself borrow, and has a Monitoring Officer today can lend one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from .models import Council, Nation, Role, Service, Tier
from .selectors import role_holders

User = AuthUser | AnonymousUser

# Paths the variant pages use under /variants/ that a council slug must not take.
RESERVED_SLUGS = frozenset({"new-council", "new", "import"})


def possible_lenders() -> QuerySet[Council]:
    """Councils that could lend their Monitoring Officer: not a parish, not borrowing, and
    somebody holds the role there today."""
    candidates = Council.objects.exclude(tier=Tier.PARISH).filter(
        monitoring_officer_council__isnull=True
    )
    ids = [
        c.pk
        for c in candidates
        if role_holders(council=c, role=Role.MONITORING_OFFICER, include_deputies=False)
    ]
    return Council.objects.filter(pk__in=ids).order_by("name")


def councils_with_routes() -> QuerySet[Council]:
    """Councils with a published route to copy."""
    from cases.models import VariantStatus

    return (
        Council.objects.filter(variants__status=VariantStatus.PUBLISHED).distinct().order_by("name")
    )


@dataclass(frozen=True)
class NewCouncil:
    slug: str
    name: str
    tier: str
    nation: str
    reference_prefix: str
    monitoring_officer_council: Council | None
    copy_from: Council | None
    services: tuple[str, ...] = ()  # issue #20: service names, one top-level service each


def check_new_council(data: NewCouncil) -> Council:
    """The unsaved council, validated as the model and the wizard's rules require.

    Raises one ValidationError naming every problem, keyed by field.
    """
    errors: dict[str, list[str]] = {}
    if data.slug in RESERVED_SLUGS:
        errors.setdefault("slug", []).append(f"“{data.slug}” is reserved: choose another.")
    if Council.objects.filter(slug=data.slug).exists():
        errors.setdefault("slug", []).append(f"A council already uses the slug “{data.slug}”.")
    prefix = data.reference_prefix.upper()
    if Council.objects.filter(reference_prefix=prefix).exists():
        errors.setdefault("reference_prefix", []).append(
            f"Another council's case references already start {prefix}: choose another prefix."
        )
    lender = data.monitoring_officer_council
    if lender is not None and not possible_lenders().filter(pk=lender.pk).exists():
        errors.setdefault("monitoring_officer_council", []).append(
            f"{lender.name} has no Monitoring Officer of its own to lend."
        )
    council = Council(
        slug=data.slug,
        name=data.name.strip(),
        tier=data.tier,
        nation=data.nation,
        reference_prefix=prefix,
        monitoring_officer_council=lender,
    )
    try:
        council.full_clean(validate_unique=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                if message not in errors.get(key, []):
                    errors.setdefault(key, []).append(message)
    if errors:
        raise ValidationError(errors)
    return council


@transaction.atomic
def create_council(*, data: NewCouncil, actor: User | None) -> Council:
    """Create the council and draft copies of `copy_from`'s published routes. All or nothing.

    The copies are drafts: the new council's people and roles do not exist yet, so its admin
    records them (or imports them) and publishes each route once it validates.
    """
    from cases.models import ProtocolVariant, VariantEventAction, VariantStatus
    from cases.variant_services import record_variant_event, start_draft

    council = check_new_council(data)
    council.save()
    for name in data.services:
        Service.objects.create(council=council, name=name, slug=slugify(name)[:80])
    record_variant_event(
        council=council,
        actor=actor,
        action=VariantEventAction.COUNCIL_CREATED,
        summary=(
            f"Created {council.name} ({Tier(council.tier).label.lower()}, "
            f"{Nation(council.nation).label})"
            + (
                f", borrowing {data.monitoring_officer_council.name}'s Monitoring Officer"
                if data.monitoring_officer_council
                else ""
            )
            + (f", copying {data.copy_from.name}'s routes." if data.copy_from else ".")
        ),
        data={"copy_from": data.copy_from.slug if data.copy_from else None},
    )
    if data.copy_from is not None:
        sources = ProtocolVariant.objects.filter(
            council=data.copy_from, status=VariantStatus.PUBLISHED
        ).order_by("case_type")
        for source in sources:
            start_draft(council=council, case_type=source.case_type, actor=actor, source=source)
    return council


def as_new_council(values: Mapping[str, Any]) -> NewCouncil:
    """The wizard's answers (plain values kept in the session) as a NewCouncil."""
    lender_pk = values.get("monitoring_officer_council")
    copy_pk = values.get("copy_from")
    return NewCouncil(
        slug=values["slug"],
        name=values["name"],
        tier=values["tier"],
        nation=values["nation"],
        reference_prefix=values["reference_prefix"],
        monitoring_officer_council=Council.objects.filter(pk=lender_pk).first()
        if lender_pk
        else None,
        copy_from=Council.objects.filter(pk=copy_pk).first() if copy_pk else None,
        services=tuple(n for n in (values.get("services") or "").splitlines() if n.strip()),
    )
