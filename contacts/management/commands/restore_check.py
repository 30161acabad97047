"""`manage.py restore_check`: is this (restored) database fit to serve?

Run it against a database restored from a backup before pointing the service at it
(docs/operations.md, "Backups"). It checks that:

1. the database answers and every migration in the code has been applied to it;
2. every case's audit trail is intact: each event's hash is recomputed from its fields and each
   event's `previous_hash` is the hash of the event before it (cases.models.CaseEvent).

It prints ids and references only, and exits non-zero with a message when anything is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


@dataclass(frozen=True)
class ChainBreak:
    case_reference: str
    event_id: int
    problem: str

    def __str__(self) -> str:
        return f"case {self.case_reference}, event {self.event_id}: {self.problem}"


def unapplied_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    connection = connections[database]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan]


def audit_chain_breaks(
    *, database: str = DEFAULT_DB_ALIAS, limit: int = 50
) -> tuple[int, list[ChainBreak]]:
    """(events checked, breaks found) for every case's chain, in one streamed query."""
    from cases.models import CaseEvent

    breaks: list[ChainBreak] = []
    checked = 0
    current_case: int | None = None
    previous_hash = ""
    events = (
        CaseEvent.objects.using(database)
        .select_related("case")
        .order_by("case_id", "at", "pk")
        .iterator(chunk_size=2000)
    )
    for event in events:
        checked += 1
        if event.case_id != current_case:
            current_case, previous_hash = event.case_id, ""
        reference = event.case.reference
        if event.previous_hash != previous_hash:
            breaks.append(
                ChainBreak(reference, event.pk, "previous_hash does not match the event before")
            )
        if not event.hash_matches():
            breaks.append(ChainBreak(reference, event.pk, "hash does not match the event's fields"))
        previous_hash = event.hash
        if len(breaks) >= limit:
            break
    return checked, breaks


def _external_verify_audit() -> list[str]:
    """The cases app's own verifier, when it has one (issue #11's `verify_audit`)."""
    try:
        from cases import audit
    except ImportError:
        return []
    verify = getattr(audit, "verify_audit", None)
    if verify is None:
        return []
    import inspect

    required = [
        p
        for p in inspect.signature(verify).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    if required:  # a signature this command does not know how to call
        return []
    result: Any = verify()
    if not result:
        return []
    if isinstance(result, str | bytes):
        return [str(result)]
    try:
        return [str(item) for item in result]
    except TypeError:
        return [str(result)]


class Command(BaseCommand):
    help = "Verify a restored database: migrations applied and every case's audit chain intact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--max-breaks", type=int, default=50, help="Stop listing audit breaks after this many."
        )

    def handle(self, *args: Any, database: str, max_breaks: int, **options: Any) -> None:
        problems: list[str] = []
        try:
            connections[database].ensure_connection()
        except Exception as exc:
            raise CommandError(f"The database cannot be reached ({type(exc).__name__}).") from exc

        pending = unapplied_migrations(database)
        if pending:
            problems.append(
                f"{len(pending)} migration(s) not applied: {', '.join(pending[:20])}"
                + (" …" if len(pending) > 20 else "")
                + ". Restore a newer backup or run `manage.py migrate` first."
            )
        else:
            self.stdout.write("Migrations: all applied.")

        checked, breaks = audit_chain_breaks(database=database, limit=max_breaks)
        external = _external_verify_audit() if database == DEFAULT_DB_ALIAS else []
        if breaks or external:
            problems.append(
                f"Audit chain broken ({len(breaks) + len(external)} problem(s) found):\n  "
                + "\n  ".join([str(b) for b in breaks] + external)
            )
        else:
            self.stdout.write(f"Audit chain: {checked} case event(s) checked, intact.")

        if problems:
            raise CommandError("Restore check FAILED.\n" + "\n".join(problems))
        self.stdout.write(self.style.SUCCESS("Restore check passed."))
