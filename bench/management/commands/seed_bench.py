"""Bulk-generate a national-scale data set for `manage.py bench` (issue #10).

20 councils cloned from the shipped ones (their people, roles and protocol variants, through the
same YAML importer the product uses), extra councillors and officers, and then `--cases` cases
with 3-15 audit events each, a handler assignment or two and about one deadline per case.

The bulk rows are written by PostgreSQL itself (`INSERT ... SELECT ... FROM generate_series`):
no Python object per row, no round trip per row, which is what makes a million cases fit in a
few minutes on two cores. Foreign-key triggers are switched off for the bulk statements
(`session_replication_role = replica`, transaction-local) because every id written comes from a
table the same command has just filled.

Bench data is not audit-grade: each `CaseEvent.hash` is a placeholder (two md5s), not the
sha256 chain `cases.audit.record_event` writes, so `verify_audit` reports every bench case as
broken. Never run this against a database holding real cases: it refuses unless the database is
empty, or `--reset` is given (which TRUNCATEs every council and user).
"""

from __future__ import annotations

import contextlib
import copy
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cases.models import ProtocolVariant, VariantStatus
from contacts.config_io import council_files, import_council, lenders_first, load_yaml
from contacts.models import Council, Person, PersonKind, Role, Ward
from contacts.selectors import UserGroup, role_holder

BENCH_PASSWORD = "bench-only-not-a-secret"  # noqa: S105 - a throwaway benchmark database
BIG_COUNCIL = "lancaster"  # the four-rung ladder; it gets one case in five (200,000 of 1M)
LONG_HISTORY_EVENTS = 400  # one case with a long history, for the detail page's query count
# Logins the bench uses: (username, council slug, role or person key, group).
BENCH_LOGINS = (
    ("bench-clerk", BIG_COUNCIL, Role.CLERK, UserGroup.CLERK),
    ("bench-mo", BIG_COUNCIL, Role.MONITORING_OFFICER, UserGroup.MONITORING_OFFICER),
    # Braintree's MO is lent to Halstead: the "borrowed MO" of the budgets.
    ("bench-borrowed-mo", "braintree", Role.MONITORING_OFFICER, UserGroup.MONITORING_OFFICER),
    ("bench-councillor", BIG_COUNCIL, "cllr-beth-ingram", UserGroup.COUNCILLOR),
)
# Tables the bulk phase fills (TRUNCATEd by --reset together with councils and users).
RESET_TABLES = ("contacts_council", "auth_user", "auth_group", "django_session")
EVENT_ACTIONS = [
    *("opened", "assigned", "clock_started", "acknowledged", "note_added", "escalated"),
    *("assigned", "clock_met", "responded", "note_added", "informed", "escalated"),
    *("assigned", "note_added", "clock_met"),
]


class Command(BaseCommand):
    help = "Bulk-generate the benchmark data set (PostgreSQL only): 20 councils, N cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--chunk", type=int, default=100_000, help="Cases per statement.")
        parser.add_argument(
            "--reset", action="store_true", help="TRUNCATE councils, users and everything else."
        )
        parser.add_argument("--seed", type=float, default=0.42, help="setseed() for random().")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("seed_bench needs PostgreSQL (it writes with INSERT ... SELECT).")
        total = options["cases"]
        if total < 100:
            raise CommandError("Give --cases 100 or more.")
        self.verbosity = options["verbosity"]
        self.started = time.monotonic()
        if options["reset"]:
            self._reset()
        elif Council.objects.exists():
            raise CommandError(
                "This database already holds councils. seed_bench fills an empty database "
                "(give --reset to TRUNCATE it first: everything in it is lost)."
            )
        with transaction.atomic():
            councils = self._councils()
            self._extra_people(councils)
            logins = self._logins()
            self._staging(councils)
        self._bulk(total, options["chunk"], options["seed"])
        self._long_history()
        self._analyze()
        self._say(
            f"Done: {total:,} cases in {time.monotonic() - self.started:.0f}s. "
            f"Logins ({BENCH_PASSWORD}): {', '.join(logins)}"
        )

    # -- output --------------------------------------------------------------------------------
    def _say(self, message: str) -> None:
        if self.verbosity:
            elapsed = time.monotonic() - self.started
            self.stdout.write(f"[{elapsed:7.1f}s] {message}")
            self.stdout.flush()

    @staticmethod
    def _bar(done: int, total: int, width: int = 30) -> str:
        filled = int(width * done / total) if total else width
        return "[" + "#" * filled + "." * (width - filled) + f"] {done:,}/{total:,}"

    # -- set-up through the ORM (a few thousand rows) -----------------------------------------
    def _reset(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(RESET_TABLES)} RESTART IDENTITY CASCADE")
        self._say("Truncated councils, users and everything that refers to them.")

    def _councils(self) -> list[Council]:
        """Seven shipped councils, then clones (suffix -2, -3) until there are 20."""
        shipped = lenders_first(load_yaml(path) for path in council_files())
        councils = [import_council(doc) for doc in shipped]
        for round_ in (2, 3):
            for doc in shipped:
                if len(councils) == 20:
                    break
                councils.append(import_council(_clone(doc, round_)))
        self._say(f"{len(councils)} councils with their people, roles and variants")
        return councils

    def _extra_people(self, councils: list[Council]) -> None:
        """More people than the fixtures name: 60 councillors and 300 officers at the big
        council, 30 and 60 elsewhere (parties are spread over them)."""
        rows: list[Person] = []
        for council in councils:
            big = council.slug == BIG_COUNCIL
            wards = list(Ward.objects.filter(council=council)) or [
                Ward.objects.create(council=council, name="Bench ward")
            ]
            for i in range(60 if big else 30):
                rows.append(
                    Person(
                        council=council,
                        kind=PersonKind.COUNCILLOR,
                        name=f"Cllr Bench {council.reference_prefix} {i}",
                        key=f"bench-cllr-{i}",
                        ward=wards[i % len(wards)],
                    )
                )
            for i in range(300 if big else 60):
                rows.append(
                    Person(
                        council=council,
                        kind=PersonKind.OFFICER,
                        name=f"Bench Officer {council.reference_prefix} {i}",
                        key=f"bench-officer-{i}",
                        job_title="Officer",
                    )
                )
        Person.objects.bulk_create(rows, batch_size=2000)
        self._say(f"{len(rows):,} extra people")

    def _logins(self) -> list[str]:
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in UserGroup.ALL}
        user_model = get_user_model()
        names = []
        for username, slug, who, group in BENCH_LOGINS:
            council = Council.objects.get(slug=slug)
            if who == Role.CLERK:
                person = role_holder(council=council, role=Role.CASE_ADMINISTRATOR) or (
                    role_holder(council=council, role=Role.CLERK)
                )
            elif who in Role.values:
                person = role_holder(council=council, role=who)
            else:
                person = Person.objects.filter(council=council, key=who).first()
            if person is None:
                raise CommandError(f"No {who} at {slug} for the {username} login.")
            user = user_model.objects.create_user(username=username, password=BENCH_PASSWORD)
            user.groups.set([groups[group]])
            Person.objects.filter(pk=person.pk).update(user=user)
            names.append(username)
        return names

    def _staging(self, councils: list[Council]) -> None:
        """Temporary lookup tables the bulk statements join: council → people, variants."""
        big = next(c for c in councils if c.slug == BIG_COUNCIL)
        # Councils with published routes first: only they can have cases (Braintree and
        # Wiltshire only lend their Monitoring Officers).
        routed = set(
            ProtocolVariant.objects.filter(status=VariantStatus.PUBLISHED).values_list(
                "council_id", flat=True
            )
        )
        others = sorted((c for c in councils if c.pk != big.pk), key=lambda c: c.pk not in routed)
        ordered = [big, *others]
        self.case_councils = sum(1 for c in ordered if c.pk in routed)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_council, bench_variant")
            cursor.execute(
                "CREATE UNLOGGED TABLE bench_council (idx int PRIMARY KEY, council_id bigint, "
                "prefix text, councillors bigint[], officers bigint[], n_variants int)"
            )
            cursor.execute(
                "CREATE UNLOGGED TABLE bench_variant (council_idx int, vidx int, variant_id "
                "bigint, case_type text, states text[], n_steps int, "
                "PRIMARY KEY (council_idx, vidx))"
            )
            for idx, council in enumerate(ordered):
                people = Person.objects.filter(council=council).order_by("pk")
                variants = list(
                    council.variants.filter(status="published")
                    .prefetch_related("steps")
                    .order_by("case_type")
                )
                cursor.execute(
                    "INSERT INTO bench_council VALUES (%s, %s, %s, %s, %s, %s)",
                    [
                        idx,
                        council.pk,
                        council.reference_prefix,
                        list(
                            people.filter(kind=PersonKind.COUNCILLOR).values_list("pk", flat=True)
                        ),
                        list(people.filter(kind=PersonKind.OFFICER).values_list("pk", flat=True)),
                        len(variants),
                    ],
                )
                for vidx, variant in enumerate(variants):
                    states = [s.state for s in variant.ordered_steps()]
                    cursor.execute(
                        "INSERT INTO bench_variant VALUES (%s, %s, %s, %s, %s, %s)",
                        [idx, vidx, variant.pk, variant.case_type, states, len(states)],
                    )

    # -- bulk rows, written by PostgreSQL -----------------------------------------------------
    def _bulk(self, total: int, chunk: int, seed: float) -> None:
        now = timezone.now()
        self._say(f"Writing {total:,} cases with events, assignments and deadlines ...")
        done = 0
        while done < total:
            size = min(chunk, total - done)
            with transaction.atomic(), connection.cursor() as cursor:
                _fast_session(cursor)
                cursor.execute("SELECT setseed(%s)", [((seed + done / total) % 1.0)])
                cursor.execute(
                    CASES_SQL,
                    {
                        "lo": done + 1,
                        "hi": done + size,
                        "now": now,
                        "others": self.case_councils - 1,
                    },
                )
                lo, hi = cursor.fetchone()
                params = {"lo": lo, "hi": hi, "now": now, "actions": EVENT_ACTIONS}
                cursor.execute(EVENTS_SQL, params)
                cursor.execute(ASSIGNMENTS_SQL, params)
                cursor.execute(DEADLINES_SQL, params)
            done += size
            self._say(self._bar(done, total))

    def _long_history(self) -> None:
        """One open case at the big council with LONG_HISTORY_EVENTS events (detail page)."""
        with transaction.atomic(), connection.cursor() as cursor:
            _fast_session(cursor)
            cursor.execute(
                "SELECT c.id FROM cases_case c JOIN bench_council b ON b.council_id = c.council_id "
                "WHERE b.idx = 0 AND c.state NOT IN ('resolved', 'withdrawn') ORDER BY c.id LIMIT 1"
            )
            (case_id,) = cursor.fetchone()
            cursor.execute(
                "UPDATE cases_case SET summary = 'Bench: the case with the long history' "
                "WHERE id = %s",
                [case_id],
            )
            cursor.execute(
                LONG_HISTORY_SQL,
                {"case": case_id, "n": LONG_HISTORY_EVENTS, "actions": EVENT_ACTIONS},
            )
        self._say(f"Case {case_id} given {LONG_HISTORY_EVENTS} more events")

    def _analyze(self) -> None:
        tables = ["cases_case", "cases_caseevent", "cases_caseassignment", "clocks_deadline"]
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_council, bench_variant")
            for table in tables:
                # VACUUM sets the visibility map (index-only scans); it cannot run inside a
                # transaction (the smoke test runs in one), where ANALYZE alone is enough.
                verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                cursor.execute(f"{verb} {table}")
        self._say("Vacuumed and analysed")


def _fast_session(cursor: Any) -> None:
    # Transaction-local: FK triggers off (ids come from the tables this command just wrote)
    # and no fsync wait per commit. Both revert at COMMIT.
    cursor.execute("SET LOCAL synchronous_commit = off")
    # Not a superuser: keep the triggers, only slower.
    with contextlib.suppress(DatabaseError), transaction.atomic():
        cursor.execute("SET LOCAL session_replication_role = replica")


def _clone(doc: dict[str, Any], round_: int) -> dict[str, Any]:
    """A copy of a shipped council under a new slug, name and reference prefix."""
    clone = copy.deepcopy(doc)
    council = clone["council"]
    council["slug"] = f"{council['slug']}-{round_}"
    council["name"] = f"{council['name']} ({round_})"
    council["reference_prefix"] = f"{council['reference_prefix'][:4]}{round_}"
    lender = council.get("monitoring_officer_council")
    if lender:
        council["monitoring_officer_council"] = f"{lender}-{round_}"
    return clone


# Cases: council 0 (the big one) takes every fifth case, the other councils with published
# routes share the rest. About 45%
# are closed (received over six years); open cases were received in the last 120 days. The step
# is random along the variant's ladder, so every state of every variant is present.
CASES_SQL = """
WITH src AS (
    SELECT g,
           CASE WHEN g %% 5 = 0 THEN 0 ELSE 1 + (g %% %(others)s) END AS cidx,
           random() AS r_step, random() AS r_state, random() AS r_raiser, random() AS r_about,
           random() AS r_handler, random() AS r_when, random() AS r_channel
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
), picked AS (
    SELECT s.*, c.council_id, c.prefix, c.councillors, c.officers, v.variant_id, v.case_type,
           v.states, v.n_steps,
           1 + floor(s.r_step * v.n_steps)::int AS step,
           CASE WHEN s.r_state < 0.35 THEN 'resolved' WHEN s.r_state < 0.45 THEN 'withdrawn'
           END AS closed_state
    FROM src s
    JOIN bench_council c ON c.idx = s.cidx
    JOIN bench_variant v ON v.council_idx = s.cidx AND v.vidx = (s.g / 19) %% c.n_variants
), ins AS (
    INSERT INTO cases_case (
        reference, council_id, case_type, variant_id, step_position, state, raised_by_id,
        about_id, channel, received_at, summary, handler_id, handler_reason, opened_by_id,
        acknowledged_at, responded_at, closed_at, outcome, created_at, updated_at,
        idempotency_key, conciliator)
    SELECT
        p.prefix || '-B' || lpad(p.g::text, 8, '0'),
        p.council_id, p.case_type, p.variant_id, p.step,
        coalesce(p.closed_state, p.states[p.step]),
        CASE WHEN p.case_type LIKE 'member%%'
             THEN p.councillors[1 + floor(p.r_raiser * cardinality(p.councillors))::int]
             ELSE p.officers[1 + floor(p.r_raiser * cardinality(p.officers))::int] END,
        CASE WHEN p.case_type LIKE '%%officer'
             THEN p.officers[1 + floor(p.r_about * cardinality(p.officers))::int]
             ELSE p.councillors[1 + floor(p.r_about * cardinality(p.councillors))::int] END,
        (ARRAY['email','in_person','phone','letter','web'])[1 + floor(p.r_channel * 5)::int],
        p.recv,
        'Bench case ' || p.g || ': a dispute about how a meeting was minuted',
        p.officers[1 + floor(p.r_handler * cardinality(p.officers))::int],
        'Bench: the holder of the rung''s role',
        NULL, p.recv + interval '2 days', NULL,
        CASE WHEN p.closed_state IS NOT NULL THEN p.recv + interval '30 days' END,
        CASE WHEN p.closed_state = 'resolved' THEN 'Resolved informally' ELSE '' END,
        p.recv, p.recv, NULL, ''
    FROM (
        SELECT picked.*,
               CASE WHEN closed_state IS NULL
                    THEN %(now)s::timestamptz - r_when * interval '120 days'
                    ELSE %(now)s::timestamptz - interval '40 days' - r_when * interval '2150 days'
               END AS recv
        FROM picked
    ) p
    ORDER BY p.g
    RETURNING id
)
SELECT min(id), max(id) FROM ins
"""

# 3-15 events per case, a day or so apart; placeholder hashes (see the module docstring).
EVENTS_SQL = """
INSERT INTO cases_caseevent (case_id, at, actor_id, actor_name, action, from_state, to_state,
                             reason, data, previous_hash, hash)
SELECT c.id,
       c.received_at + e * interval '26 hours',
       NULL, 'Bench', (%(actions)s::text[])[e],
       CASE WHEN e = 1 THEN '' ELSE c.state END,
       CASE WHEN e = 1 THEN c.state ELSE c.state END,
       CASE WHEN e %% 4 = 0 THEN 'Bench event ' || e ELSE '' END,
       '{}'::jsonb,
       CASE WHEN e = 1 THEN '' ELSE md5(c.id || ':' || (e - 1)) || md5((e - 1) || ':' || c.id) END,
       md5(c.id || ':' || e) || md5(e || ':' || c.id)
FROM cases_case c
CROSS JOIN LATERAL generate_series(1, 3 + ((c.id * 7) %% 13)::int) AS e
WHERE c.id BETWEEN %(lo)s AND %(hi)s
ORDER BY c.id, e
"""

# The current handler, plus an earlier one for cases past their first rung.
ASSIGNMENTS_SQL = """
INSERT INTO cases_caseassignment (case_id, person_id, step_position, assigned_at, reason)
SELECT c.id, c.handler_id, c.step_position, c.received_at + interval '1 day', 'Bench'
FROM cases_case c WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.handler_id IS NOT NULL
UNION ALL
SELECT c.id, b.officers[1 + (c.id %% cardinality(b.officers))::int], 1, c.received_at, 'Bench'
FROM cases_case c JOIN bench_council b ON b.council_id = c.council_id
WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.step_position > 1
"""

# About one deadline per case. Closed cases: met. Open cases: 55% met, 25% running (due 3-90
# days ahead, so a sweep now finds nothing due), 15% breached, 3% paused, 2% stopped.
DEADLINES_SQL = """
INSERT INTO clocks_deadline (case_id, info_request_id, rule_id, kind, length, working_days,
    calendar, step_position, starts_at, due_at, original_due_at, remind_at, reminded_at, met_at,
    paused_at, pause_reason, paused_days, extended_to, extension_reason, breached_at,
    cancelled_at, created_at)
SELECT d.id, NULL, NULL, d.kind, 7, false, 'council', d.step_position, d.starts, d.due, d.due,
       d.due - interval '1 day',
       CASE WHEN d.status IN ('met', 'breached') THEN d.due - interval '1 day' END,
       CASE WHEN d.status = 'met' THEN d.starts + interval '5 days' END,
       CASE WHEN d.status = 'paused' THEN d.starts + interval '1 day' END,
       CASE WHEN d.status = 'paused' THEN 'Bench: waiting for the member' ELSE '' END,
       0, NULL, '',
       CASE WHEN d.status = 'breached' THEN d.due + interval '1 minute' END,
       CASE WHEN d.status = 'stopped' THEN d.starts + interval '2 days' END,
       d.starts
FROM (
    SELECT x.*,
           CASE WHEN x.status = 'running'
                THEN %(now)s::timestamptz + interval '3 days' + x.r * interval '87 days'
                ELSE x.starts + interval '7 days' END AS due
    FROM (
        SELECT y.id, y.step_position,
               CASE WHEN y.id %% 3 = 0 THEN 'acknowledgement' ELSE 'response' END AS kind,
               CASE WHEN y.state IN ('resolved', 'withdrawn') THEN 'met'
                    WHEN y.v < 0.55 THEN 'met' WHEN y.v < 0.80 THEN 'running'
                    WHEN y.v < 0.95 THEN 'breached' WHEN y.v < 0.98 THEN 'paused'
                    ELSE 'stopped' END AS status,
               y.starts, y.r
        FROM (
            SELECT c.*, random() AS v, random() AS r,
                   least(c.received_at, %(now)s::timestamptz - interval '8 days') AS starts
            FROM cases_case c
            WHERE c.id BETWEEN %(lo)s AND %(hi)s
        ) y
    ) x
) d
ORDER BY d.id
"""

LONG_HISTORY_SQL = """
INSERT INTO cases_caseevent (case_id, at, actor_id, actor_name, action, from_state, to_state,
                             reason, data, previous_hash, hash)
SELECT c.id, c.received_at + interval '20 days' + e * interval '1 hour', NULL, 'Bench',
       (%(actions)s::text[])[1 + e %% 15], c.state, c.state, 'Bench long history ' || e,
       '{}'::jsonb, md5('long' || (e - 1)) || md5((e - 1) || 'long-prev'),
       md5('long' || e) || md5(e || 'long-prev')
FROM cases_case c CROSS JOIN generate_series(1, %(n)s) AS e
WHERE c.id = %(case)s
"""
