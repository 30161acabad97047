"""A council's configuration as YAML: council, calendar, wards, groups, people, roles, variants.

`import_council(data)` validates a parsed YAML document against `SCHEMA` (JSON Schema) and then
against the models, and writes it in one transaction: a bad file saves nothing. Every object is
matched by its natural key (council slug, ward / group name, person key, role assignment
(person, council, role, starts_on), variant (council, case_type, version)), so importing the same
file twice changes nothing. `export_council(council)` produces the same structure, so the five
shipped councils round-trip exactly (issue #12).

Import adds and updates; it never deletes people, roles or variants that the file omits (a
shared starting point must not wipe a council's own additions). The one replacement is a
variant's steps, and only while no case is pinned to that variant version.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from cases.models import (
    ESCALATION_STATES,
    CaseType,
    Channel,
    ClockCalendar,
    ClockKind,
    ClockRule,
    ClockUnit,
    InformedView,
    ProtocolVariant,
    VariantStatus,
    VariantStep,
)

from .models import (
    Capacity,
    ClosureDay,
    Council,
    Nation,
    Person,
    PersonKind,
    PoliticalGroup,
    Role,
    RoleAssignment,
    Service,
    ServiceKind,
    ServiceMembership,
    Tier,
    Ward,
)
from .selectors import role_holders

COUNCILS_DIR = Path(settings.BASE_DIR) / "fixtures" / "councils"

_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TEXT = {"type": "string", "minLength": 1}
_OPTIONAL_TEXT = {"type": "string"}
_SLUG = {"type": "string", "pattern": r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 80}
_ROLE = {"type": "string", "enum": list(Role.values)}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }


CLOCK_SCHEMA = _obj(
    {
        "kind": {"type": "string", "enum": list(ClockKind.values)},
        "length": {"type": "integer", "minimum": 1, "maximum": 366},
        "unit": {"type": "string", "enum": list(ClockUnit.values)},
        "calendar": {"type": "string", "enum": list(ClockCalendar.values)},
    },
    {
        "only_channel": {"type": "string", "enum": list(Channel.values)},
        "protocol_reference": _OPTIONAL_TEXT,
    },
)

STEP_SCHEMA = _obj(
    {
        "position": {"type": "integer", "minimum": 1},
        "state": {"type": "string", "enum": [s.value for s in ESCALATION_STATES]},
        "label": _TEXT,
        "handler_role": _ROLE,
        "inform_roles": {"type": "array", "items": _ROLE},
        "protocol_reference": _OPTIONAL_TEXT,
        "clocks": {"type": "array", "items": CLOCK_SCHEMA},
    },
    {
        "guidance": _OPTIONAL_TEXT,
        "subject_rules": {
            "type": "array",
            "items": _obj(
                {"subject_role": _ROLE, "handler_role": _ROLE},
                {"protocol_reference": _OPTIONAL_TEXT},
            ),
        },
        "subject_responds": {"type": "boolean"},
        "participant_roles": {"type": "array", "items": _ROLE},
    },
)

VARIANT_SCHEMA = _obj(
    {
        "case_type": {"type": "string", "enum": list(CaseType.values)},
        "version": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": list(VariantStatus.values)},
        "title": _TEXT,
        "protocol_reference": _OPTIONAL_TEXT,
        "parties_may_escalate": {"type": "boolean"},
        "auto_acknowledge": {"type": "boolean"},
        "informal_wording_check": {"type": "boolean"},
        # A ladder with no rung has no end: at least one step.
        "steps": {"type": "array", "items": STEP_SCHEMA, "minItems": 1},
    },
    # Issue #21: "HH:MM", or null for none (counting from the day a concern arrives).
    {
        "office_hours_cutoff": {
            "type": ["string", "null"],
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        },
        "informed_view": {"type": "string", "enum": list(InformedView.values)},
    },
)

# How the council passes one political group's briefing to the others (registers app):
# Maldon 7.1 offers the same to every group; Lancaster 3.1 does not, as a matter of routine.
BRIEFING_POLICY_SCHEMA = _obj(
    {},
    {
        "offer_to_all_groups": {"type": "boolean"},
        "share_only_on_written_request": {"type": "boolean"},
        "giver_roles": {"type": "array", "items": _ROLE, "uniqueItems": True},
        "approval_role": {"anyOf": [_ROLE, {"const": ""}, {"type": "null"}]},
        "protocol_reference": _OPTIONAL_TEXT,
    },
)

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Protocol council configuration",
    **_obj(
        {
            "council": _obj(
                {
                    "slug": _SLUG,
                    "name": _TEXT,
                    "tier": {"type": "string", "enum": list(Tier.values)},
                    "nation": {"type": "string", "enum": list(Nation.values)},
                    "monitoring_officer_council": {"anyOf": [_SLUG, {"type": "null"}]},
                    "reference_prefix": {"type": "string", "pattern": r"^[A-Z0-9]{2,6}$"},
                },
                {"retention_years": {"type": "integer", "minimum": 1, "maximum": 100}},
            ),
        },
        {
            "closure_days": {
                "type": "array",
                "items": _obj({"date": _DATE}, {"description": _OPTIONAL_TEXT}),
            },
            "wards": {"type": "array", "items": _TEXT},
            "political_groups": {
                "type": "array",
                "items": _obj({"name": _TEXT}, {"leader": {"anyOf": [_SLUG, {"type": "null"}]}}),
            },
            "people": {
                "type": "array",
                "items": _obj(
                    {
                        "key": _SLUG,
                        "kind": {"type": "string", "enum": list(PersonKind.values)},
                        "name": _TEXT,
                    },
                    {
                        "email": _OPTIONAL_TEXT,
                        "ward": {"anyOf": [_TEXT, {"type": "null"}]},
                        "political_group": {"anyOf": [_TEXT, {"type": "null"}]},
                        "job_title": _OPTIONAL_TEXT,
                    },
                ),
            },
            "services": {
                "type": "array",
                "items": _obj(
                    {"slug": _SLUG, "name": _TEXT},
                    {
                        "kind": {"type": "string", "enum": list(ServiceKind.values)},
                        "parent": {"anyOf": [_SLUG, {"type": "null"}]},
                    },
                ),
            },
            "service_memberships": {
                "type": "array",
                "items": _obj(
                    {"person": _SLUG, "service": _SLUG, "starts_on": _DATE},
                    {
                        "ends_on": {"anyOf": [_DATE, {"type": "null"}]},
                        "line_manager": {"anyOf": [_SLUG, {"type": "null"}]},
                    },
                ),
            },
            "role_assignments": {
                "type": "array",
                "items": _obj(
                    {"person": _SLUG, "role": _ROLE, "starts_on": _DATE},
                    {
                        "service": _SLUG,
                        "person_council": _SLUG,
                        "capacity": {"type": "string", "enum": list(Capacity.values)},
                        "ends_on": {"anyOf": [_DATE, {"type": "null"}]},
                        "notes": _OPTIONAL_TEXT,
                    },
                ),
            },
            "variants": {"type": "array", "items": VARIANT_SCHEMA},
            "briefing_policy": BRIEFING_POLICY_SCHEMA,
        },
    ),
}


# -- errors ---------------------------------------------------------------------------------------


class _Errors:
    """Messages keyed by the path of the bad item, e.g. `variants[0].steps[1].state`."""

    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.by_path.setdefault(path or "(document)", []).append(message)

    def add_model_error(self, path: str, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                sub = path if field == "__all__" else f"{path}.{field}"
                for message in messages:
                    self.add(sub, message)
        else:
            for message in error.messages:
                self.add(path, message)

    def raise_if_any(self) -> None:
        if self.by_path:
            raise ValidationError(self.by_path)


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_message(error: jsonschema.ValidationError) -> str:
    field = error.absolute_path[-1] if error.absolute_path else None
    value = error.instance
    if error.validator == "enum":
        if error.schema is _ROLE or error.schema.get("enum") == list(Role.values):
            return f"Unknown role {value!r}. Known roles: {', '.join(Role.values)}."
        return f"{value!r} is not allowed here; choose one of: {', '.join(error.schema['enum'])}."
    if error.validator == "minimum" and field == "length":
        return f"A clock must run for at least one day (got {value})."
    if error.validator == "minItems" and field == "steps":
        return "A variant needs at least one step: a ladder with no rung has no end."
    if error.validator == "additionalProperties" and isinstance(value, dict):
        extras = sorted(set(value) - set(error.schema.get("properties", {})))
        return f"Unknown field(s): {', '.join(extras)}."
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "pattern" and error.schema.get("pattern") == _DATE["pattern"]:
        return f"{value!r} is not a date; write it as YYYY-MM-DD."
    if error.validator == "anyOf":
        return f"{value!r} is not valid here: expected a slug or null."
    return error.message


def _plain(value: Any) -> Any:
    """Dates (as PyYAML parses them) to ISO strings, so JSON Schema can check the document."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def validate_schema(data: Any) -> dict[str, Any]:
    """Check `data` against `SCHEMA`; return it with dates as ISO strings. Lists every problem."""
    plain = _plain(data)
    if not isinstance(plain, dict):
        raise ValidationError(
            {"(document)": ["The configuration must be a mapping (YAML object)."]}
        )
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = _Errors()
    for error in sorted(validator.iter_errors(plain), key=lambda e: list(map(str, e.path))):
        errors.add(_path(error.absolute_path), _schema_message(error))
    errors.raise_if_any()
    return plain


def _date(value: str | None, path: str, errors: _Errors) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors.add(path, f"{value!r} is not a real date.")
        return None


def _duplicates(items: Iterable[Any]) -> set[Any]:
    seen: set[Any] = set()
    dupes: set[Any] = set()
    for item in items:
        (dupes if item in seen else seen).add(item)
    return dupes


# -- import ---------------------------------------------------------------------------------------


_BEFORE = "_config_io_before"


def _snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _remember(instances: Iterable[models.Model]) -> None:
    """Note each stored row's values, so an unchanged row is neither validated nor written."""
    for instance in instances:
        setattr(instance, _BEFORE, _snapshot(instance))


def _save(instance: models.Model, path: str, errors: _Errors) -> bool:
    """Validate like a form would, then save, but only when something changed.

    Re-importing an unchanged file writes nothing, so no save signal fires (e.g. the clocks
    recomputed when a closure day changes) and a second load is cheap. Uniqueness is already
    settled (rows are looked up by their natural keys; duplicates in the file are refused) and
    foreign keys point at rows this import holds, so those checks would only cost queries.
    """
    before = getattr(instance, _BEFORE, None)
    if before is not None and before == _snapshot(instance):
        return True
    relations = [f.name for f in instance._meta.concrete_fields if f.is_relation]
    try:
        instance.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.add_model_error(path, error)
        return False
    instance.save()
    setattr(instance, _BEFORE, _snapshot(instance))
    return True


def _check_people_references(doc: dict[str, Any], errors: _Errors) -> None:
    """Wards, groups and people: no duplicates, and every reference names one that exists."""
    wards = doc.get("wards", [])
    for name in _duplicates(wards):
        errors.add(f"wards[{wards.index(name)}]", f"Ward {name!r} is listed twice.")
    groups = [g["name"] for g in doc.get("political_groups", [])]
    for name in _duplicates(groups):
        errors.add(f"political_groups[{groups.index(name)}]", f"Group {name!r} is listed twice.")
    keys = [p["key"] for p in doc.get("people", [])]
    for key in _duplicates(keys):
        errors.add(f"people[{keys.index(key)}].key", f"Person key {key!r} is used twice.")
    for i, person in enumerate(doc.get("people", [])):
        if person.get("ward") and person["ward"] not in wards:
            errors.add(f"people[{i}].ward", f"Ward {person['ward']!r} is not in `wards`.")
        group = person.get("political_group")
        if group and group not in groups:
            errors.add(
                f"people[{i}].political_group", f"Group {group!r} is not in `political_groups`."
            )
    for i, group in enumerate(doc.get("political_groups", [])):
        leader = group.get("leader")
        if leader and leader not in keys:
            errors.add(f"political_groups[{i}].leader", f"No person with key {leader!r}.")
    slug = doc["council"]["slug"]
    for i, assignment in enumerate(doc.get("role_assignments", [])):
        if assignment.get("person_council", slug) == slug and assignment["person"] not in keys:
            errors.add(
                f"role_assignments[{i}].person", f"No person with key {assignment['person']!r}."
            )


def _check_service_references(doc: dict[str, Any], errors: _Errors) -> None:
    """Services: no slug twice; parents, memberships and heads name services and people that
    exist; an officer's memberships name officers."""
    slugs = [row["slug"] for row in doc.get("services", [])]
    for slug in _duplicates(slugs):
        errors.add(f"services[{slugs.index(slug)}].slug", f"Service {slug!r} is listed twice.")
    known = set(slugs)
    for i, row in enumerate(doc.get("services", [])):
        parent = row.get("parent")
        if parent and parent not in known:
            errors.add(f"services[{i}].parent", f"Service {parent!r} is not in `services`.")
        elif parent == row["slug"]:
            errors.add(f"services[{i}].parent", "A service cannot sit inside itself.")
    _check_membership_references(doc, known, errors)
    for i, row in enumerate(doc.get("role_assignments", [])):
        service = row.get("service")
        if service and service not in known:
            errors.add(
                f"role_assignments[{i}].service", f"Service {service!r} is not in `services`."
            )


def _check_membership_references(doc: dict[str, Any], known: set[str], errors: _Errors) -> None:
    kinds = {p["key"]: p["kind"] for p in doc.get("people", [])}
    for i, row in enumerate(doc.get("service_memberships", [])):
        path = f"service_memberships[{i}]"
        if row["service"] not in known:
            errors.add(f"{path}.service", f"Service {row['service']!r} is not in `services`.")
        for field in ("person", "line_manager"):
            key = row.get(field)
            if not key:
                continue
            if key not in kinds:
                errors.add(f"{path}.{field}", f"No person with key {key!r}.")
            elif kinds[key] != PersonKind.OFFICER:
                errors.add(f"{path}.{field}", f"{key!r} is a councillor: only officers belong.")


def _check_variant_references(doc: dict[str, Any], errors: _Errors) -> None:
    """Variants: one per (case type, version), one published per case type, rungs once each."""
    variants = doc.get("variants", [])
    versions = [(v["case_type"], v["version"]) for v in variants]
    for dupe in _duplicates(versions):
        errors.add(
            f"variants[{versions.index(dupe)}]", f"{dupe[0]} version {dupe[1]} is listed twice."
        )
    published = [v["case_type"] for v in variants if v["status"] == VariantStatus.PUBLISHED]
    for case_type in _duplicates(published):
        errors.add("variants", f"Only one version of {case_type} may be published.")
    for v, variant in enumerate(variants):
        steps = variant["steps"]
        for field in ("position", "state"):
            values = [s[field] for s in steps]
            for dupe in _duplicates(values):
                index = len(values) - 1 - values[::-1].index(dupe)
                errors.add(
                    f"variants[{v}].steps[{index}].{field}",
                    f"Two steps have the {field} {dupe!r}: each rung appears once in a ladder.",
                )
        for s, step in enumerate(steps):
            kinds = [c["kind"] for c in step["clocks"]]
            for dupe in _duplicates(kinds):
                errors.add(
                    f"variants[{v}].steps[{s}].clocks",
                    f"Two {dupe!r} clocks on one step: keep one.",
                )


def _import_council_row(doc: dict[str, Any], errors: _Errors) -> Council | None:
    data = doc["council"]
    council = Council.objects.filter(slug=data["slug"]).first()
    if council is not None:
        _remember([council])
    else:
        council = Council(slug=data["slug"])
    council.name = data["name"]
    council.tier = data["tier"]
    council.nation = data["nation"]
    council.reference_prefix = data["reference_prefix"]
    if "retention_years" in data:
        council.retention_years = data["retention_years"]
    lender_slug = data.get("monitoring_officer_council")
    council.monitoring_officer_council = None
    if lender_slug:
        lender = Council.objects.filter(slug=lender_slug).first()
        if lender is None:
            errors.add(
                "council.monitoring_officer_council",
                f"No council {lender_slug!r}: import the council that lends the Monitoring "
                "Officer first.",
            )
            return None
        council.monitoring_officer_council = lender
    return council if _save(council, "council", errors) else None


class _Stored:
    """The council's rows as they are, keyed by their natural keys: one query per model."""

    def __init__(self, council: Council) -> None:
        self.closures: dict[datetime.date, ClosureDay] = {}
        self.wards: dict[str, Ward] = {}
        self.groups: dict[str, PoliticalGroup] = {}
        self.people: dict[str, Person] = {}
        self.assignments: dict[tuple[int, str, datetime.date], RoleAssignment] = {}
        self.services: dict[str, Service] = {}
        self.memberships: dict[tuple[int, int, datetime.date], ServiceMembership] = {}
        self.variants: dict[tuple[str, int], ProtocolVariant] = {}
        if council.pk is None:
            return
        self.closures = {d.date: d for d in council.closure_days.all()}
        self.wards = {w.name: w for w in council.wards.all()}
        self.groups = {g.name: g for g in council.political_groups.all()}
        people = list(council.people.all())
        # Someone added in the admin has no key yet: adopt them by the key their name gives.
        self.people = {slugify(p.name): p for p in people if not p.key}
        self.people.update({p.key: p for p in people if p.key})
        self.assignments = {
            (a.person_id, a.role, a.starts_on): a for a in council.role_assignments.all()
        }
        self.variants = {
            (v.case_type, v.version): v for v in council.variants.prefetch_related("steps__clocks")
        }
        self.services = {s.slug: s for s in council.services.all()}
        self.memberships = {
            (m.person_id, m.service_id, m.starts_on): m
            for m in ServiceMembership.objects.filter(service__council=council)
        }
        for rows in (
            self.closures,
            self.wards,
            self.groups,
            self.assignments,
            self.variants,
            self.services,
            self.memberships,
        ):
            _remember(rows.values())
        _remember(people)


def _import_people(
    council: Council, doc: dict[str, Any], stored: _Stored, errors: _Errors
) -> dict[str, Person]:
    for i, row in enumerate(doc.get("closure_days", [])):
        day = _date(row["date"], f"closure_days[{i}].date", errors)
        if day is not None:
            closure = stored.closures.get(day) or ClosureDay(council=council, date=day)
            closure.description = row.get("description", "")
            _save(closure, f"closure_days[{i}]", errors)
    wards = {}
    for i, name in enumerate(doc.get("wards", [])):
        ward = stored.wards.get(name) or Ward(council=council, name=name)
        if _save(ward, f"wards[{i}]", errors):
            wards[name] = ward
    groups = {}
    for i, row in enumerate(doc.get("political_groups", [])):
        name = row["name"]
        group = stored.groups.get(name) or PoliticalGroup(council=council, name=name)
        if group.pk is None:  # Saved again with its leader once the people exist.
            _save(group, f"political_groups[{i}]", errors)
        groups[name] = group
    errors.raise_if_any()

    people: dict[str, Person] = {}
    for i, row in enumerate(doc.get("people", [])):
        person = stored.people.get(row["key"]) or Person(council=council)
        person.key = row["key"]
        person.kind = row["kind"]
        person.name = row["name"]
        person.email = row.get("email", "")
        person.ward = wards.get(row.get("ward") or "")
        person.political_group = groups.get(row.get("political_group") or "")
        person.job_title = row.get("job_title", "")
        if _save(person, f"people[{i}]", errors):
            people[row["key"]] = person
    errors.raise_if_any()

    for i, row in enumerate(doc.get("political_groups", [])):
        group = groups[row["name"]]
        group.leader = people.get(row.get("leader") or "")
        _save(group, f"political_groups[{i}].leader", errors)
    return people


def _import_services(
    council: Council,
    doc: dict[str, Any],
    people: dict[str, Person],
    stored: _Stored,
    errors: _Errors,
) -> dict[str, Service]:
    """The organisation structure (issue #20): services, then who works in each."""
    services: dict[str, Service] = {}
    pending = list(enumerate(doc.get("services", [])))
    while pending:  # parents before the services inside them
        ready = [(i, r) for i, r in pending if not r.get("parent") or r["parent"] in services]
        if not ready:
            for i, _ in pending:
                errors.add(f"services[{i}].parent", "These services sit inside one another.")
            break
        for i, row in ready:
            service = stored.services.get(row["slug"]) or Service(council=council, slug=row["slug"])
            service.name = row["name"]
            service.kind = row.get("kind", ServiceKind.DIRECTORATE)
            service.parent = services.get(row.get("parent") or "")
            _save(service, f"services[{i}]", errors)
            services[row["slug"]] = service  # even if refused (reported), so the loop ends
        pending = [(i, r) for i, r in pending if r["slug"] not in services]
    errors.raise_if_any()
    for i, row in enumerate(doc.get("service_memberships", [])):
        path = f"service_memberships[{i}]"
        person = people[row["person"]]
        service = services[row["service"]]
        starts_on = _date(row["starts_on"], f"{path}.starts_on", errors)
        if starts_on is None:
            continue
        membership = stored.memberships.get(
            (person.pk, service.pk, starts_on)
        ) or ServiceMembership(person=person, service=service, starts_on=starts_on)
        membership.ends_on = _date(row.get("ends_on"), f"{path}.ends_on", errors)
        membership.line_manager = people.get(row.get("line_manager") or "")
        _save(membership, path, errors)
    errors.raise_if_any()
    return services


def _import_assignments(
    council: Council,
    doc: dict[str, Any],
    people: dict[str, Person],
    stored: _Stored,
    errors: _Errors,
    services: dict[str, Service] | None = None,
) -> None:
    for i, row in enumerate(doc.get("role_assignments", [])):
        path = f"role_assignments[{i}]"
        person: Person | None = people.get(row["person"])
        if row.get("person_council", council.slug) != council.slug:
            person = Person.objects.filter(
                council__slug=row["person_council"], key=row["person"]
            ).first()
            if person is None:
                errors.add(
                    f"{path}.person",
                    f"No person {row['person']!r} at council {row['person_council']!r}.",
                )
                continue
        if person is None:  # pragma: no cover - _check_people_references caught it
            continue
        starts_on = _date(row["starts_on"], f"{path}.starts_on", errors)
        ends_on = _date(row.get("ends_on"), f"{path}.ends_on", errors)
        if starts_on is None:
            continue
        assignment = stored.assignments.get((person.pk, row["role"], starts_on)) or RoleAssignment(
            person=person, council=council, role=row["role"], starts_on=starts_on
        )
        assignment.capacity = row.get("capacity", Capacity.SUBSTANTIVE)
        assignment.ends_on = ends_on
        assignment.notes = row.get("notes", "")
        assignment.service = (services or {}).get(row.get("service") or "")
        _save(assignment, path, errors)
    errors.raise_if_any()


def _steps_as_data(variant: ProtocolVariant) -> list[dict[str, Any]]:
    return [_export_step(step) for step in variant.ordered_steps()]


def _import_variant_row(
    council: Council, row: dict[str, Any], path: str, stored: _Stored, errors: _Errors
) -> ProtocolVariant | None:
    variant = stored.variants.get((row["case_type"], row["version"])) or ProtocolVariant(
        council=council, case_type=row["case_type"], version=row["version"]
    )
    if row["status"] == VariantStatus.PUBLISHED:
        other = (
            ProtocolVariant.objects.filter(
                council=council, case_type=row["case_type"], status=VariantStatus.PUBLISHED
            )
            .exclude(version=row["version"])
            .first()
        )
        if other is not None:
            errors.add(
                f"{path}.status",
                f"{council.name} already publishes {row['case_type']} version "
                f"{other.version}: retire it first or import this as a draft.",
            )
            return None
        if variant.published_at is None:
            variant.published_at = timezone.now()
    for field in (
        "status",
        "title",
        "protocol_reference",
        "parties_may_escalate",
        "auto_acknowledge",
        "informal_wording_check",
    ):
        setattr(variant, field, row[field])
    cutoff = row.get("office_hours_cutoff")
    variant.office_hours_cutoff = datetime.time.fromisoformat(cutoff) if cutoff else None
    # Optional in a file (older files lack it): the people a route keeps informed see the
    # parties' view unless the file says otherwise.
    variant.informed_view = row.get("informed_view", InformedView.PARTY)
    return variant if _save(variant, path, errors) else None


def _replace_steps(
    variant: ProtocolVariant,
    rows: list[dict[str, Any]],
    path: str,
    errors: _Errors,
    *,
    created: bool,
) -> None:
    """Write the ladder; a version that cases are pinned to never changes under them."""
    if not created and _steps_as_data(variant) == [_normalise_step(step) for step in rows]:
        return
    if not created and variant.cases.exists():
        errors.add(
            f"{path}.steps",
            f"{variant.case_type} version {variant.version} has cases pinned to it; its steps "
            "cannot change. Import the new ladder as a new version.",
        )
        return
    if not created:
        variant.steps.all().delete()
    for s, step_row in enumerate(rows):
        step = VariantStep(
            variant=variant,
            position=step_row["position"],
            state=step_row["state"],
            label=step_row["label"],
            handler_role=step_row["handler_role"],
            inform_roles=list(step_row["inform_roles"]),
            protocol_reference=step_row["protocol_reference"],
            guidance=step_row.get("guidance", ""),
            subject_rules=[dict(r) for r in step_row.get("subject_rules", [])],
            subject_responds=step_row.get("subject_responds", False),
            participant_roles=list(step_row.get("participant_roles", [])),
        )
        if not _save(step, f"{path}.steps[{s}]", errors):
            continue
        for c, clock_row in enumerate(step_row["clocks"]):
            clock = ClockRule(
                step=step,
                kind=clock_row["kind"],
                length=clock_row["length"],
                unit=clock_row["unit"],
                calendar=clock_row["calendar"],
                only_channel=clock_row.get("only_channel", ""),
                protocol_reference=clock_row.get("protocol_reference", ""),
            )
            _save(clock, f"{path}.steps[{s}].clocks[{c}]", errors)


def _check_handlers(council: Council, doc: dict[str, Any], errors: _Errors) -> None:
    """Issue #12: a published rung nobody holds would strand every case that reaches it."""
    today = timezone.localdate()
    held: dict[str, bool] = {}
    for v, row in enumerate(doc.get("variants", [])):
        if row["status"] != VariantStatus.PUBLISHED:
            continue
        for s, step_row in enumerate(row["steps"]):
            role = step_row["handler_role"]
            if role not in held:
                # As routing answers a step: a chief_officer step by a Director or Service Head too.
                from cases.routing import ROLE_EQUIVALENTS

                held[role] = any(
                    role_holders(council=council, role=r, on=today)
                    for r in ROLE_EQUIVALENTS.get(role, (role,))
                )
            if not held[role]:
                errors.add(
                    f"variants[{v}].steps[{s}].handler_role",
                    f"Nobody holds {Role(role).label!r} for {council.name} today, so nobody "
                    "could handle this step.",
                )


def _import_variants(
    council: Council, doc: dict[str, Any], stored: _Stored, errors: _Errors
) -> None:
    variants = list(enumerate(doc.get("variants", [])))
    # Retire and draft first, so publishing another version never meets the one-published rule.
    variants.sort(key=lambda item: item[1]["status"] == VariantStatus.PUBLISHED)
    for v, row in variants:
        created = (row["case_type"], row["version"]) not in stored.variants
        variant = _import_variant_row(council, row, f"variants[{v}]", stored, errors)
        if variant is not None:
            _replace_steps(variant, row["steps"], f"variants[{v}]", errors, created=created)
    errors.raise_if_any()
    _check_handlers(council, doc, errors)
    errors.raise_if_any()


def import_council(data: Mapping[str, Any]) -> Council:
    """Create or update one council's whole configuration; all or nothing."""
    doc = validate_schema(data)
    errors = _Errors()
    _check_people_references(doc, errors)
    _check_service_references(doc, errors)
    _check_variant_references(doc, errors)
    errors.raise_if_any()
    with transaction.atomic():
        council = _import_council_row(doc, errors)
        errors.raise_if_any()
        if council is None:  # pragma: no cover - raise_if_any raised
            raise ValidationError({"council": ["The council could not be saved."]})
        stored = _Stored(council)
        people = _import_people(council, doc, stored, errors)
        services = _import_services(council, doc, people, stored, errors)
        _import_assignments(council, doc, people, stored, errors, services)
        _import_variants(council, doc, stored, errors)
        _import_briefing_policy(council, doc, errors)
    return council


def _import_briefing_policy(council: Council, doc: dict[str, Any], errors: _Errors) -> None:
    """The council's briefing rule (Maldon 7.1 / Lancaster 3.1), when the file states one."""
    from registers.models import BriefingPolicy

    data = doc.get("briefing_policy")
    if data is None:
        return
    policy = BriefingPolicy.objects.filter(council=council).first()
    if policy is not None:
        _remember([policy])
    else:
        policy = BriefingPolicy(council=council)
    for field in ("offer_to_all_groups", "share_only_on_written_request", "protocol_reference"):
        if field in data:
            setattr(policy, field, data[field])
    if "giver_roles" in data:
        policy.giver_roles = list(data["giver_roles"])
    if "approval_role" in data:
        policy.approval_role = data["approval_role"] or ""
    _save(policy, "briefing_policy", errors)
    errors.raise_if_any()


def _export_briefing_policy(council: Council) -> dict[str, Any] | None:
    from registers.models import BriefingPolicy

    policy = BriefingPolicy.objects.filter(council=council).first()
    if policy is None:
        return None
    return {
        "offer_to_all_groups": policy.offer_to_all_groups,
        "share_only_on_written_request": policy.share_only_on_written_request,
        "giver_roles": list(policy.giver_roles or []),
        "approval_role": policy.approval_role,
        "protocol_reference": policy.protocol_reference,
    }


# -- export ---------------------------------------------------------------------------------------


def _normalise_step(row: Mapping[str, Any]) -> dict[str, Any]:
    """A step as export writes it: optional fields only when they carry something."""
    step = {
        "position": row["position"],
        "state": row["state"],
        "label": row["label"],
        "handler_role": row["handler_role"],
        "inform_roles": list(row["inform_roles"]),
        "protocol_reference": row["protocol_reference"],
    }
    if row.get("guidance"):
        step["guidance"] = row["guidance"]
    if row.get("subject_rules"):
        step["subject_rules"] = [
            {
                "subject_role": r["subject_role"],
                "handler_role": r["handler_role"],
                **(
                    {"protocol_reference": r["protocol_reference"]}
                    if r.get("protocol_reference")
                    else {}
                ),
            }
            for r in row["subject_rules"]
        ]
    if row.get("subject_responds"):
        step["subject_responds"] = True
    if row.get("participant_roles"):
        step["participant_roles"] = list(row["participant_roles"])
    clocks = []
    for clock_row in sorted(row["clocks"], key=lambda c: c["kind"]):
        clock = {k: clock_row[k] for k in ("kind", "length", "unit", "calendar")}
        for optional in ("only_channel", "protocol_reference"):
            if clock_row.get(optional):
                clock[optional] = clock_row[optional]
        clocks.append(clock)
    step["clocks"] = clocks
    return step


def _export_step(step: VariantStep) -> dict[str, Any]:
    return _normalise_step(
        {
            "position": step.position,
            "state": step.state,
            "label": step.label,
            "handler_role": step.handler_role,
            "inform_roles": step.inform_roles,
            "protocol_reference": step.protocol_reference,
            "guidance": step.guidance,
            "subject_rules": step.subject_rules,
            "subject_responds": step.subject_responds,
            "participant_roles": step.participant_roles,
            "clocks": [
                {
                    "kind": c.kind,
                    "length": c.length,
                    "unit": c.unit,
                    "calendar": c.calendar,
                    "only_channel": c.only_channel,
                    "protocol_reference": c.protocol_reference,
                }
                for c in step.clocks.all()
            ],
        }
    )


def person_key(person: Person) -> str:
    return person.key or slugify(person.name)


_ROLE_ORDER = {role: i for i, role in enumerate(Role.values)}


def _export_services(council: Council) -> list[dict[str, Any]]:
    rows = []
    for service in council.services.select_related("parent").order_by("slug"):
        row: dict[str, Any] = {"slug": service.slug, "name": service.name, "kind": service.kind}
        if service.parent is not None:
            row["parent"] = service.parent.slug
        rows.append(row)
    return rows


def _export_memberships(council: Council) -> list[dict[str, Any]]:
    memberships = ServiceMembership.objects.filter(service__council=council).select_related(
        "person", "service", "line_manager"
    )
    rows = []
    for m in sorted(memberships, key=lambda m: (m.service.slug, m.starts_on, person_key(m.person))):
        row: dict[str, Any] = {
            "person": person_key(m.person),
            "service": m.service.slug,
            "starts_on": m.starts_on,
        }
        if m.ends_on:
            row["ends_on"] = m.ends_on
        if m.line_manager is not None:
            row["line_manager"] = person_key(m.line_manager)
        rows.append(row)
    return rows


def export_council(council: Council) -> dict[str, Any]:
    """The council's configuration in the structure `import_council` reads (dates as dates)."""
    people = sorted(
        council.people.select_related("ward", "political_group"),
        key=lambda p: (p.kind != PersonKind.OFFICER, person_key(p)),
    )
    people_rows = []
    for person in people:
        row: dict[str, Any] = {
            "key": person_key(person),
            "kind": person.kind,
            "name": person.name,
            "email": person.email,
        }
        if person.kind == PersonKind.COUNCILLOR:
            row["ward"] = person.ward.name if person.ward else None
            row["political_group"] = person.political_group.name if person.political_group else None
        else:
            row["job_title"] = person.job_title
        people_rows.append(row)

    assignments = sorted(
        council.role_assignments.select_related("person__council", "service"),
        key=lambda a: (_ROLE_ORDER[a.role], a.starts_on, person_key(a.person)),
    )
    assignment_rows = []
    for a in assignments:
        row = {"person": person_key(a.person)}
        if a.person.council_id != council.pk:
            row["person_council"] = a.person.council.slug
        row.update({"role": a.role, "capacity": a.capacity, "starts_on": a.starts_on})
        if a.ends_on:
            row["ends_on"] = a.ends_on
        if a.notes:
            row["notes"] = a.notes
        if a.service is not None:
            row["service"] = a.service.slug
        assignment_rows.append(row)

    variants = council.variants.prefetch_related("steps__clocks").order_by("case_type", "version")
    briefing_policy = _export_briefing_policy(council)
    exported: dict[str, Any] = {
        "council": {
            "slug": council.slug,
            "name": council.name,
            "tier": council.tier,
            "nation": council.nation,
            "monitoring_officer_council": (
                council.monitoring_officer_council.slug
                if council.monitoring_officer_council
                else None
            ),
            "reference_prefix": council.reference_prefix,
            "retention_years": council.retention_years,
        },
        "closure_days": [
            {"date": d.date, "description": d.description} for d in council.closure_days.all()
        ],
        "wards": [w.name for w in council.wards.order_by("name")],
        "political_groups": [
            {"name": g.name, "leader": person_key(g.leader) if g.leader else None}
            for g in council.political_groups.select_related("leader").order_by("name")
        ],
        "people": people_rows,
        "services": _export_services(council),
        "service_memberships": _export_memberships(council),
        "role_assignments": assignment_rows,
        "variants": [
            {
                "case_type": v.case_type,
                "version": v.version,
                "status": v.status,
                "title": v.title,
                "protocol_reference": v.protocol_reference,
                "parties_may_escalate": v.parties_may_escalate,
                "auto_acknowledge": v.auto_acknowledge,
                "informal_wording_check": v.informal_wording_check,
                # Written only when set: most councils count from the day of arrival.
                **(
                    {"office_hours_cutoff": f"{v.office_hours_cutoff:%H:%M}"}
                    if v.office_hours_cutoff
                    else {}
                ),
                "informed_view": v.informed_view,
                "steps": [_export_step(s) for s in v.ordered_steps()],
            }
            for v in variants
        ],
    }
    if briefing_policy is not None:
        exported["briefing_policy"] = briefing_policy
    return exported


# -- files ----------------------------------------------------------------------------------------


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value shared by two keys out twice: the import refuses aliases (issue #23)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Mapping[str, Any], *, header: str = "") -> str:
    body = yaml.dump(
        dict(data), Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=100
    )
    comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comment + body


# Limits checked on the parser's event stream before anything is built (issue #23): a
# configuration file has no use for aliases, and nests a handful of levels.
MAX_YAML_BYTES = 1024 * 1024
MAX_YAML_DEPTH = 20
MAX_YAML_EVENTS = 200_000


class UnsafeYAML(ValueError):
    """A document refused before it was built: an alias, too deep, too many nodes, too big."""


def check_yaml_shape(text: str) -> None:
    """Refuse aliases (`*name`, the "billion laughs" bomb), nesting deeper than
    `MAX_YAML_DEPTH`, more than `MAX_YAML_EVENTS` nodes or more than `MAX_YAML_BYTES`, reading
    only the parser's events (linear in the text). `yaml.YAMLError` for text that is not YAML."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise UnsafeYAML(f"The file must be smaller than {MAX_YAML_BYTES // (1024 * 1024)} MB")
    depth = 0
    for count, event in enumerate(yaml.parse(text, Loader=yaml.SafeLoader)):
        if isinstance(event, yaml.AliasEvent):
            raise UnsafeYAML("The file must not use YAML aliases (*name): write the values out")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise UnsafeYAML(f"The file nests more than {MAX_YAML_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if count > MAX_YAML_EVENTS:
            raise UnsafeYAML(f"The file has more than {MAX_YAML_EVENTS:,} values")


def safe_load_yaml(text: str) -> Any:
    """`yaml.safe_load` after `check_yaml_shape`."""
    check_yaml_shape(text)
    return yaml.safe_load(text)


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = safe_load_yaml(path.read_text(encoding="utf-8"))
    except UnsafeYAML as error:
        raise ValidationError({path.name: [str(error)]}) from error
    except yaml.YAMLError as error:
        raise ValidationError({path.name: [f"Not valid YAML: {error}"]}) from error
    if not isinstance(data, dict):
        raise ValidationError({path.name: ["The file must hold a YAML mapping."]})
    return data


def lenders_first(documents: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Councils that lend a Monitoring Officer before the councils that borrow one."""
    return sorted(
        documents,
        key=lambda d: (
            bool((d.get("council") or {}).get("monitoring_officer_council")),
            str((d.get("council") or {}).get("slug", "")),
        ),
    )


def council_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or COUNCILS_DIR).glob("*.yaml"))


def import_files(paths: Iterable[Path]) -> list[Council]:
    """Import several files in one transaction, lenders first; a bad file names itself."""
    loaded = [(path, load_yaml(path)) for path in paths]
    by_id = {id(doc): path for path, doc in loaded}
    councils = []
    with transaction.atomic():
        for doc in lenders_first(doc for _, doc in loaded):
            try:
                councils.append(import_council(doc))
            except ValidationError as error:
                name = by_id[id(doc)].name
                raise ValidationError(
                    {f"{name}: {path}": msgs for path, msgs in error.message_dict.items()}
                ) from error
    return councils
