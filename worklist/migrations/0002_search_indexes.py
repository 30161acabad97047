"""Indexes for search (issue #24), on PostgreSQL only: SQLite keeps its plain `contains`.

Each full-text index is on exactly the expression worklist.search queries
(`to_tsvector('english'::regconfig, COALESCE(field, ''))`, as Django's SearchVector writes it),
and each trigram index on `UPPER(field::text)`, as Django writes `icontains`, so the planner
can use them. CONCURRENTLY is not used: run during a quiet period on a large database
(docs/operations.md)."""

from django.db import migrations

FTS = "to_tsvector('english'::regconfig, COALESCE({col}, ''))"
TRGM = "(UPPER({col}::text)) gin_trgm_ops"

INDEXES = [
    ("search_case_reference_trgm", "cases_case", TRGM.format(col="reference")),
    ("search_case_summary_fts", "cases_case", FTS.format(col="summary")),
    ("search_note_body_fts", "cases_note", FTS.format(col="body")),
    ("search_person_name_trgm", "contacts_person", TRGM.format(col="name")),
    ("search_inforequest_reference_trgm", "info_requests_inforequest", TRGM.format(col="reference")),
    ("search_inforequest_description_fts", "info_requests_inforequest", FTS.format(col="description")),
    ("search_inbound_body_fts", "inbound_inboundemail", FTS.format(col="body_text")),
    ("search_approach_description_fts", "registers_improperapproach", FTS.format(col="description")),
    ("search_help_description_fts", "registers_officerhelprequest", FTS.format(col="description")),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression})'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("worklist", "0001_worklist_saved_views_and_case_seen"),
        ("cases", "0006_partial_fk_indexes_and_event_chain_order"),
        ("contacts", "0004_person_key_unique_per_council"),
        ("info_requests", "0002_event_action_anonymised"),
        ("inbound", "0002_clerks_notified_at"),
        ("registers", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
