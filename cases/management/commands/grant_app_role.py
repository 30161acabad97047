"""`manage.py grant_app_role ROLE`: give the application's database role what it needs, and no
more (issue #23, docs/operations.md).

Run it as the owner role that migrates, after every `migrate` (compose.prod.yaml's `migrate`
service does). The application role then has SELECT, INSERT, UPDATE and DELETE on every table
except the three audit tables, where it has SELECT and INSERT only; no TRUNCATE anywhere; the
sequences it inserts with; and EXECUTE on `protocol_audit_reseal`, the retention sweep's one
way to rewrite an event. It owns nothing, so it can neither drop nor disable the triggers.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

AUDIT_TABLES = ("cases_caseevent", "info_requests_inforequestevent", "registers_registerevent")
RESEAL = "protocol_audit_reseal(text, bigint, text, jsonb, text, text)"


def grant_statements(role: str, tables: list[str]) -> list[str]:
    """The SQL, `role` already quoted."""
    statements = [
        "GRANT USAGE ON SCHEMA public TO {role}",
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
    ]
    for table in tables:
        privileges = "SELECT, INSERT" if table in AUDIT_TABLES else "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f'GRANT {privileges} ON TABLE "{table}" TO {{role}}')
    statements += [
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"GRANT EXECUTE ON FUNCTION {RESEAL} TO {{role}}",
    ]
    return [s.format(role=role) for s in statements]


class Command(BaseCommand):
    help = "Grant the application's database role its privileges (audit tables: read and append)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="The role the web and worker processes log in as.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--create",
            action="store_true",
            help="Create the role (LOGIN, password from $APP_DATABASE_PASSWORD) if it is missing.",
        )

    def handle(self, *args: Any, role: str, database: str, create: bool, **options: Any) -> None:
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are PostgreSQL's: nothing to grant on SQLite.")
        with connection.cursor() as cursor:
            quoted = connection.ops.quote_name(role)
            if create:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone() is None:
                    password = os.environ.get("APP_DATABASE_PASSWORD", "")
                    if not password:
                        raise CommandError("Set APP_DATABASE_PASSWORD to create the role.")
                    # CREATE ROLE takes no bind parameters: quote the literal the server's way.
                    cursor.execute("SELECT quote_literal(%s)", [password])
                    literal = cursor.fetchone()[0]
                    cursor.execute(f"CREATE ROLE {quoted} LOGIN PASSWORD {literal}")
            tables = connection.introspection.table_names(cursor)
            for statement in grant_statements(quoted, tables):
                cursor.execute(statement)
        self.stdout.write(f"Granted {role}: append-only on the audit tables, no TRUNCATE.")
