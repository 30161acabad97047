"""Audit events are append-only in the database itself (issue #11, SECURITY.md).

A BEFORE UPDATE OR DELETE trigger on the three hash-chained audit tables raises an exception, so
neither a bug that bypasses the models' `save()`/`delete()` guard (a queryset `.update()`, raw
SQL, a careless admin action) nor a person with the application's database login can rewrite
history without disabling the trigger first — which `manage.py verify_audit` then exposes,
because the edited row's hash no longer matches.

One exception: the retention sweep (`manage.py apply_retention`, protocol_site/gdpr.py) may
UPDATE (never DELETE) events of a case it anonymises, and only inside a transaction that has
run `SET LOCAL protocol.retention = 'on'`. It blanks the free text, re-seals the chain and
records an `anonymised` event naming the chain head it replaced.

PostgreSQL only: SQLite (the embedded development default) has no plpgsql; there the models'
own guards remain the only protection.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TABLES = ("cases_caseevent", "info_requests_inforequestevent", "registers_registerevent")
FUNCTION = "protocol_audit_append_only"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('protocol.retention', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'Write a new event instead (SECURITY.md).';
END;
$$;
"""


def _trigger(table: str) -> str:
    return f"{table}_append_only"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)  # no %-interpolation of the body
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {_trigger(table)} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_variantevent"),
        ("info_requests", "0001_initial"),
        ("registers", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
