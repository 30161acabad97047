"""Give every shipped officer a service (issue #20).

"Existing cases keep working: a data migration gives every shipped officer a service, and open
cases keep their handler unless a clerk re-routes them."

For each council that has a file in fixtures/councils/*.yaml and exists in the database, this
creates the services the file lists (never changing one that exists), gives each officer who
exists (matched by council and person key) and works in no service yet the memberships the file
lists, and links a head's role assignment (matched by person, role and start date) to the
service it heads where it names none. It reads the YAML directly, as config_io works on the
current models, not these historical ones. Cases and their handlers are never touched. Running
it twice changes nothing; on a fresh database with no councils it does nothing.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml
from django.db import migrations

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "councils"


def _date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _services(service_model: Any, council: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """The file's services for `council`, created where missing; parents before children."""
    services = {s.slug: s for s in service_model.objects.filter(council=council)}
    rows = list(doc.get("services") or [])
    pending = [r for r in rows if r["slug"] not in services]
    while pending:
        ready = [r for r in pending if not r.get("parent") or r["parent"] in services]
        if not ready:  # a parent the file does not list: create them at the top level
            ready = pending
        for row in ready:
            services[row["slug"]] = service_model.objects.create(
                council=council,
                slug=row["slug"],
                name=row["name"],
                kind=row.get("kind") or "directorate",
                parent=services.get(row.get("parent") or ""),
            )
        pending = [r for r in pending if r["slug"] not in services]
    return services


def give_shipped_officers_their_services(apps: Any, schema_editor: Any) -> int:
    """Returns how many rows it created or linked (0 on a second run)."""
    Council = apps.get_model("contacts", "Council")
    Person = apps.get_model("contacts", "Person")
    RoleAssignment = apps.get_model("contacts", "RoleAssignment")
    Service = apps.get_model("contacts", "Service")
    ServiceMembership = apps.get_model("contacts", "ServiceMembership")
    changed = 0
    for path in sorted(FIXTURES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        council = Council.objects.filter(slug=(doc.get("council") or {}).get("slug")).first()
        if council is None or not (doc.get("services") or doc.get("service_memberships")):
            continue
        before = Service.objects.filter(council=council).count()
        services = _services(Service, council, doc)
        changed += Service.objects.filter(council=council).count() - before
        people = {p.key: p for p in Person.objects.filter(council=council).exclude(key="")}
        already = set(
            ServiceMembership.objects.filter(person__council=council).values_list(
                "person_id", flat=True
            )
        )
        for row in doc.get("service_memberships") or []:
            person = people.get(row["person"])
            service = services.get(row["service"])
            if person is None or service is None or person.kind != "officer":
                continue
            if person.pk in already:
                continue  # works in a service already: keep what the council recorded
            ServiceMembership.objects.create(
                person=person,
                service=service,
                starts_on=_date(row["starts_on"]),
                ends_on=_date(row.get("ends_on")),
                line_manager=people.get(row.get("line_manager") or ""),
            )
            changed += 1
        for row in doc.get("role_assignments") or []:
            service = services.get(row.get("service") or "")
            person = people.get(row["person"])
            if service is None or person is None:
                continue
            changed += RoleAssignment.objects.filter(
                person=person,
                council=council,
                role=row["role"],
                starts_on=_date(row["starts_on"]),
                service__isnull=True,
            ).update(service=service)
    return changed


def run(apps: Any, schema_editor: Any) -> None:
    give_shipped_officers_their_services(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_organisation_services"),
    ]

    operations = [
        migrations.RunPython(run, migrations.RunPython.noop, elidable=True),
    ]
