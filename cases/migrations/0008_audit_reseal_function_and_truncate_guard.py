"""The audit trail against the application's own database role (issue #23, SECURITY.md).

- `BEFORE TRUNCATE` triggers on the three hash-chained audit tables: a TRUNCATE skips row
  triggers, so 0003's guard never saw it.
- `protocol_audit_reseal(...)`, a `SECURITY DEFINER` function owned by the role that migrates:
  the retention sweep's one way to rewrite an event (blank its text, actor and personal data,
  re-seal its hash). In production the application logs in as a second role that has only
  SELECT and INSERT on the audit tables (`manage.py grant_app_role`, docs/operations.md), so
  neither UPDATE, DELETE, TRUNCATE nor the `protocol.retention` setting gets it anywhere; the
  function is all it may call, and it only blanks.

PostgreSQL only, like 0003: SQLite keeps the models' own guards.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TABLES = ("cases_caseevent", "info_requests_inforequestevent", "registers_registerevent")
NO_TRUNCATE = "protocol_audit_no_truncate"
RESEAL = "protocol_audit_reseal"

# Refuses a TRUNCATE of an audit table. The test suite's connections set `protocol.test_flush`
# (settings/test.py) because pytest-django empties the database between transactional tests
# with TRUNCATE; in production the application's role has no TRUNCATE privilege at all.
CREATE_NO_TRUNCATE = f"""
CREATE OR REPLACE FUNCTION {NO_TRUNCATE}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('protocol.test_flush', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: TRUNCATE of % is not allowed', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'Audit trails are kept whole (SECURITY.md).';
END;
$$;
"""
CREATE_RESEAL = f"""
CREATE OR REPLACE FUNCTION {RESEAL}(
    target text, event_id bigint, new_actor_name text, new_data jsonb,
    new_previous_hash text, new_hash text
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    text_column text;
BEGIN
    text_column := CASE target
        WHEN 'cases_caseevent' THEN 'reason'
        WHEN 'info_requests_inforequestevent' THEN 'reason'
        WHEN 'registers_registerevent' THEN 'description'
    END;
    IF text_column IS NULL THEN
        RAISE EXCEPTION '% is not an audit table', target USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('protocol.retention', 'on', true);
    EXECUTE format(
        'UPDATE %I SET %I = '''', actor_id = NULL, actor_name = $1, data = $2, '
        'previous_hash = $3, hash = $4 WHERE id = $5',
        target, text_column
    ) USING new_actor_name, new_data, new_previous_hash, new_hash, event_id;
    PERFORM set_config('protocol.retention', 'off', true);
END;
$$;
"""  # noqa: S608 (module constants only; the function quotes its identifiers with %I)


SIGNATURE = "(text, bigint, text, jsonb, text, text)"


def _truncate_trigger(table: str) -> str:
    return f"{table}_no_truncate"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_NO_TRUNCATE, params=None)
    schema_editor.execute(CREATE_RESEAL, params=None)
    schema_editor.execute(f"REVOKE ALL ON FUNCTION {RESEAL}{SIGNATURE} FROM PUBLIC")
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_truncate_trigger(table)} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {_truncate_trigger(table)} BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {NO_TRUNCATE}()"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_truncate_trigger(table)} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {RESEAL}{SIGNATURE}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {NO_TRUNCATE}()")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_idempotency_key_per_council_and_login"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
