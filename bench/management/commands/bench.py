"""Time the hot paths against the `seed_bench` data set and check the budgets of issue #10.

Every web and API path goes through the real Django stack (`django.test.Client` with
`force_login`: middleware, sessions, templates, DRF) against the database in DATABASE_URL. Per
path it reports p50/p95 wall time, the SQL statements issued (an execute wrapper) and, where
the path has one, the ratio of the ORM's main statement to a hand-written SQL baseline of the
same question run in the same process. It writes `docs/perf/report.json` and
`docs/perf/report.png`, and exits 1 when a budget is missed (`--no-fail` to only report).

Writes are measured inside a transaction that is rolled back, so the data set can be benched
again and again; except the sweep, whose batches commit as in production (a rolled-back batch
would leave the same 500 rows with one more dead version on every run, and never pay for the
foreign-key checks PostgreSQL defers to the commit). What it wrote is put back afterwards.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import logging
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench.management.commands.seed_bench import BIG_COUNCIL
from cases import selectors, services
from cases.audit import actor_name
from cases.models import Case, CaseState, CaseType, EventAction, ProtocolVariant
from clocks.models import Deadline, NoticeKind
from contacts.models import Council
from contacts.selectors import monitoring_officer_council_ids, person_for
from protocol_site.ops.gc import tune_garbage_collector

OUT_DIR = Path(settings.BASE_DIR) / "docs" / "perf"
# Issue #24 added two statements to the list (closure days for ages, saved views) and one to
# the case page (remembering that the person looked), and one more for its email thread.
LIST_BUDGET: dict[str, float] = {"p95_ms": 150, "max_queries": 10, "max_ratio": 3.0}
DETAIL_BUDGET: dict[str, float] = {"p95_ms": 150, "max_queries": 16}
# Issue #24: the worklist.
HOME_BUDGET: dict[str, float] = {"p95_ms": 60, "max_queries": 10}
SAVED_VIEW_BUDGET: dict[str, float] = {"p95_ms": 150, "max_queries": 10}
SEARCH_BUDGET: dict[str, float] = {"p95_ms": 100, "max_queries": 3}
BULK_ASSIGN_BUDGET: dict[str, float] = {"p95_ms": 2000}
BULK_CASES = 100
VISIBILITY_BUDGET: dict[str, float] = {"p95_ms": 50, "max_queries": 1}
SWEEP_BATCH_BUDGET: dict[str, float] = {"db_ms": 20}
SWEEP_BATCH = 500
SWEEP_IDLE_BUDGET: dict[str, float] = {"p95_ms": 100}
ESCALATE_BUDGET: dict[str, float] = {"p95_ms": 200}


def _pct(values: list[float], pct: float) -> float | None:
    """The nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 2)


@dataclass
class Result:
    name: str
    group: str
    budget: dict[str, float]
    samples_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)  # DB time as seen by Django, per run
    main_sql_ms: list[float] = field(default_factory=list)  # the ORM's main statement
    raw_ms: list[float] = field(default_factory=list)  # the hand-written baseline
    notes: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def p50(self) -> float | None:
        return _pct(self.samples_ms, 50)

    @property
    def p95(self) -> float | None:
        return _pct(self.samples_ms, 95)

    @property
    def ratio(self) -> float | None:
        """The ORM against the hand-written baseline: a list's main statement against one
        statement; a page without one (the case page) by all its SQL against the baseline's."""
        orm = self.main_sql_ms or self.sql_ms
        if not orm or not self.raw_ms:
            return None
        return round(statistics.median(orm) / statistics.median(self.raw_ms), 2)

    @property
    def passed(self) -> bool:
        return all(self.checks.values())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("samples_ms")
        return {
            **data,
            "runs": len(self.samples_ms),
            "p50_ms": self.p50,
            "p95_ms": self.p95,
            "max_queries": max(self.queries) if self.queries else None,
            "sql_p50_ms": round(statistics.median(self.sql_ms), 2) if self.sql_ms else None,
            "main_sql_p50_ms": (
                round(statistics.median(self.main_sql_ms), 3) if self.main_sql_ms else None
            ),
            "raw_p50_ms": round(statistics.median(self.raw_ms), 3) if self.raw_ms else None,
            "ratio_to_raw": self.ratio,
            "passed": self.passed,
            "queries": sorted(set(self.queries)),
            "sql_ms": None,
            "main_sql_ms": None,
            "raw_ms": None,
        }


def _ms(seconds: float) -> float:
    return seconds * 1000.0


class _Statements:
    """The statements one run issued, each with its duration measured by `perf_counter` around
    the driver's `execute` (CaptureQueriesContext rounds to whole milliseconds, too coarse for a
    batch of statements of a few milliseconds each)."""

    def __init__(self) -> None:
        self.executed: list[tuple[str, float]] = []  # (sql, ms)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.executed.append((sql, _ms(time.perf_counter() - started)))

    @property
    def sql_ms(self) -> float:
        return sum(ms for _, ms in self.executed)

    def page_statements(self) -> int:
        """Statements of the page itself. Not counted: the session's activity stamp, which
        protocol_site.middleware rewrites at most once a minute per session (in its own
        transaction or savepoint), so a long run would otherwise see it in a few samples and
        not in others."""
        sqls = [sql for sql, _ in self.executed]
        stamps = [s for s in sqls if s.startswith('UPDATE "django_session"')]
        if not stamps:
            return len(sqls)
        wrappers = [
            s for s in sqls if s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))
        ]
        return len(sqls) - len(stamps) - min(len(wrappers), 2 * len(stamps))

    def main_statement_ms(self, needle: str) -> float | None:
        """The slowest statement containing `needle` (the list query), in ms."""
        times = [ms for sql, ms in self.executed if needle in sql]
        return max(times) if times else None


def _cursor(case: Case) -> str:
    # The same encoding as cases.views._encode_cursor (a page deep in the list).
    raw = f"{case.received_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class Command(BaseCommand):
    help = "Benchmark the hot paths on the seed_bench data; write docs/perf/report.{json,png}."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iterations", type=int, default=40)
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--out", type=Path, default=OUT_DIR)
        parser.add_argument("--no-chart", action="store_true")
        parser.add_argument("--no-fail", action="store_true", help="Exit 0 even if over budget.")
        parser.add_argument("--only", default="", help="Comma-separated path groups to run.")
        parser.add_argument(
            "--sweep-batch",
            type=int,
            default=SWEEP_BATCH,
            help="Deadlines per sweep batch (the budget is for 500; smaller for a tiny data set).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench needs the PostgreSQL database seed_bench filled.")
        self.n = options["iterations"]
        self.warmup = options["warmup"]
        self.sweep_batch = options["sweep_batch"]
        self.results: list[Result] = []
        self.load_before = os.getloadavg()
        # As in production: no debug pages; the execute wrapper still records the SQL.
        settings.DEBUG = False
        # As the web workers run (protocol_site/wsgi.py): the garbage collector's threshold.
        self.gc_threshold = tune_garbage_collector()
        # One line per request would drown the table.
        logging.getLogger("protocol.request").setLevel(logging.WARNING)
        logging.getLogger("axes").setLevel(logging.WARNING)
        if "testserver" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self._load_fixtures()
        groups = [g for g in options["only"].split(",") if g] or [
            "list",
            "detail",
            "api",
            "visibility",
            "sweep",
            "escalate",
            "worklist",
        ]
        for group in groups:
            getattr(self, f"_bench_{group}")()
        report = self._report()
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        if not options["no_chart"]:
            self._chart(out / "report.png")
        readme = out / "README.md"
        if readme.exists():
            _update_readme(readme, report)
        self._print()
        if not report["all_budgets_met"] and not options["no_fail"]:
            raise CommandError("Some budgets were missed (see above).")

    # -- set-up --------------------------------------------------------------------------------
    def _load_fixtures(self) -> None:
        users = get_user_model().objects.filter(username__startswith="bench-")
        self.users = {u.username: u for u in users}
        missing = {"bench-clerk", "bench-mo", "bench-borrowed-mo", "bench-councillor"} - set(
            self.users
        )
        if missing:
            raise CommandError(f"Run seed_bench first (missing logins: {', '.join(missing)}).")
        self.big = Council.objects.get(slug=BIG_COUNCIL)
        self.big_cases = Case.objects.filter(council=self.big).count()
        self.total_cases = Case.objects.count()
        self.clients: dict[str, Client] = {}

    def _client(self, username: str) -> Client:
        if username not in self.clients:
            client = Client()
            client.force_login(self.users[username])
            self.clients[username] = client
        return self.clients[username]

    def _time(
        self,
        result: Result,
        run: Callable[[], Any],
        *,
        needle: str | None = None,
        raw: Callable[[], Any] | None = None,
        check: Callable[[Any], None] | None = None,
    ) -> None:
        for i in range(self.warmup + self.n):
            statements = _Statements()
            with connection.execute_wrapper(statements):
                started = time.perf_counter()
                outcome = run()
                elapsed = _ms(time.perf_counter() - started)
            if check is not None:
                check(outcome)
            if i < self.warmup:
                continue
            result.samples_ms.append(elapsed)
            result.queries.append(statements.page_statements())
            result.sql_ms.append(statements.sql_ms)
            if needle:
                main = statements.main_statement_ms(needle)
                if main is not None:
                    result.main_sql_ms.append(main)
            # The list pages' budget: no COUNT over the cases (keyset pagination).
            if needle and any(
                "COUNT(" in sql.upper() and "cases_case" in sql for sql, _ in statements.executed
            ):
                result.notes.append("a COUNT over cases_case was issued")
            if raw is not None:
                started = time.perf_counter()
                raw()
                result.raw_ms.append(_ms(time.perf_counter() - started))
        self.results.append(result)

    def _say(self, r: Result) -> None:
        self.stdout.write(
            f"{'PASS' if r.passed else 'FAIL'} {r.name:<46} p50 {r.p50 or 0:7.1f} ms  "
            f"p95 {r.p95 or 0:7.1f} ms  queries {max(r.queries) if r.queries else '-':>3}  "
            f"ratio {r.ratio if r.ratio is not None else '-'}"
        )
        self.stdout.flush()

    # -- case list (web) -----------------------------------------------------------------------
    def _page_get(self, username: str, url: str) -> Callable[[], Any]:
        client = self._client(username)

        def run() -> Any:
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} as {username}: {response.status_code}")
            return response

        return run

    def _list_checks(self, result: Result) -> None:
        budget = result.budget
        result.checks = {
            "p95": (result.p95 or 0) < budget["p95_ms"],
            "queries": max(result.queries) <= budget["max_queries"],
            "no COUNT(*)": not result.notes,
        }
        if "max_ratio" in budget:
            result.checks["ratio"] = (result.ratio or 0) <= budget["max_ratio"]

    def _deep_case(self, **filters: Any) -> Case:
        """The case half-way down the big council's list: the cursor of a deep page."""
        qs = Case.objects.filter(council=self.big, **filters).order_by("-received_at", "-pk")
        count = qs.count()
        return qs[count // 2]

    def _bench_list(self) -> None:
        clerk_councils = [self.big.pk]
        mo_person = person_for(self.users["bench-mo"])
        mo_councils = sorted(monitoring_officer_council_ids(mo_person)) if mo_person else []
        deep = _cursor(self._deep_case())
        case_type = CaseType.OFFICER_CONCERN_ABOUT_MEMBER
        state = CaseState.MONITORING_OFFICER
        deep_filtered = _cursor(self._deep_case(state=state, case_type=case_type))
        scenarios: list[tuple[str, str, str, dict[str, Any]]] = [
            ("clerk, first page", "bench-clerk", "/cases/", {"councils": clerk_councils}),
            (
                "clerk, page half-way (200k council)",
                "bench-clerk",
                f"/cases/?after={deep}",
                {"councils": clerk_councils, "after": deep},
            ),
            (
                "clerk, stage + kind filters",
                "bench-clerk",
                f"/cases/?council={BIG_COUNCIL}&state={state}&case_type={case_type}",
                {"councils": clerk_councils, "state": state, "case_type": case_type},
            ),
            (
                "clerk, filters, page half-way",
                "bench-clerk",
                f"/cases/?state={state}&case_type={case_type}&after={deep_filtered}",
                {
                    "councils": clerk_councils,
                    "state": state,
                    "case_type": case_type,
                    "after": deep_filtered,
                },
            ),
            (
                "clerk, overdue only",
                "bench-clerk",
                "/cases/?overdue=1",
                {"councils": clerk_councils, "overdue": True},
            ),
            ("MO, first page", "bench-mo", "/cases/", {"councils": mo_councils}),
            (
                "MO, escalation queue",
                "bench-mo",
                "/cases/?queue=mine",
                {"councils": mo_councils, "queue_person": mo_person.pk if mo_person else 0},
            ),
        ]
        for label, username, url, raw_args in scenarios:
            result = Result(name=f"list: {label}", group="list", budget=LIST_BUDGET)
            self._time(
                result,
                self._page_get(username, url),
                needle='FROM "cases_case"',
                raw=functools.partial(_raw_list, **raw_args),
            )
            self._list_checks(result)
            self._say_checks(result)

    # -- case detail ---------------------------------------------------------------------------
    def _cases_by_history(self) -> dict[str, Case]:
        """Three cases at the same rung of the same route with short, 15-event and long
        histories: only the history differs, so their query counts must be equal."""
        long_id = (
            Case.objects.filter(council=self.big, summary__startswith="Bench: the case with")
            .values_list("pk", flat=True)
            .first()
        )
        if long_id is None:
            raise CommandError("Run seed_bench first (no long-history case).")
        long_case = Case.objects.get(pk=long_id)
        # Clocks count too (a running clock reads the council's closure days): same clocks.
        clocks = (
            "(SELECT string_agg(d.kind || (d.met_at IS NULL) || (d.breached_at IS NULL) || "
            "(d.paused_at IS NULL) || (d.cancelled_at IS NULL), ',' ORDER BY d.kind) "
            "FROM clocks_deadline d WHERE d.case_id = {})"
        )
        with connection.cursor() as cursor:
            same_clocks = f"{clocks.format('c.id')} IS NOT DISTINCT FROM {clocks.format('%s')}"
            cursor.execute(
                "SELECT c.id, (SELECT count(*) FROM cases_caseevent e WHERE e.case_id = c.id) "  # noqa: S608 - constant fragments
                "FROM cases_case c WHERE c.variant_id = %s AND c.state = %s AND "
                "c.step_position = %s AND c.id <> %s AND "
                + same_clocks
                + " ORDER BY c.id LIMIT 300",
                [long_case.variant_id, long_case.state, long_case.step_position, long_id, long_id],
            )
            counts = dict(cursor.fetchall())
            cursor.execute("SELECT count(*) FROM cases_caseevent WHERE case_id = %s", [long_id])
            counts[long_id] = cursor.fetchone()[0]
        peers = {k: n for k, n in counts.items() if k != long_id}
        # A tiny data set (the smoke test) may have no peer: then the long case stands alone.
        picked = (
            [min(peers, key=peers.__getitem__), max(peers, key=peers.__getitem__)] if peers else []
        )
        picked = list(dict.fromkeys([*picked, long_id]))
        cases = {c.pk: c for c in Case.objects.filter(pk__in=picked)}
        return {f"{counts[pk]} events": cases[pk] for pk in picked}

    def _bench_detail(self) -> None:
        results = []
        for label, case in self._cases_by_history().items():
            result = Result(
                name=f"detail: history of {label}", group="detail", budget=DETAIL_BUDGET
            )
            self._time(
                result,
                self._page_get("bench-clerk", f"/cases/{case.reference}/"),
                raw=functools.partial(_raw_detail, case.pk),
            )
            result.checks = {
                "p95": (result.p95 or 0) < DETAIL_BUDGET["p95_ms"],
                "queries": max(result.queries) <= DETAIL_BUDGET["max_queries"],
            }
            results.append(result)
        counts = {max(r.queries) for r in results}
        for result in results:
            result.checks["constant in history"] = len(counts) == 1
            self._say_checks(result)

    # -- API -----------------------------------------------------------------------------------
    def _bench_api(self) -> None:
        client = self._client("bench-clerk")

        def api(url: str) -> Callable[[], Any]:
            def run() -> Any:
                cache.clear()  # the per-user throttle would otherwise stop a long run
                response = client.get(url, HTTP_ACCEPT="application/json")
                if response.status_code != 200:
                    raise CommandError(f"{url}: {response.status_code}")
                return response

            return run

        listing = Result(name="api: case list, first page", group="api", budget=LIST_BUDGET)
        self._time(
            listing,
            api(f"/api/cases/?council={BIG_COUNCIL}"),
            needle='FROM "cases_case"',
            raw=lambda: _raw_list(councils=[self.big.pk]),
        )
        self._list_checks(listing)
        self._say_checks(listing)
        case = self._cases_by_history()
        long_case = list(case.values())[-1]
        detail = Result(
            name=f"api: case detail ({len(case)} histories)", group="api", budget=DETAIL_BUDGET
        )
        per_case = [api(f"/api/cases/{c.pk}/") for c in case.values()]
        index = {"i": 0}

        def rotate() -> Any:
            index["i"] += 1
            return per_case[index["i"] % len(per_case)]()

        self._time(detail, rotate, raw=lambda: _raw_detail(long_case.pk))
        detail.checks = {
            "p95": (detail.p95 or 0) < DETAIL_BUDGET["p95_ms"],
            "queries": max(detail.queries) <= DETAIL_BUDGET["max_queries"],
            "constant in history": len(set(detail.queries)) == 1,
        }
        self._say_checks(detail)

    # -- visibility ----------------------------------------------------------------------------
    def _bench_visibility(self) -> None:
        probe = Case.objects.filter(council=self.big).order_by("pk").first()
        for username, who in (
            ("bench-councillor", "councillor"),
            ("bench-clerk", "clerk"),
            ("bench-borrowed-mo", "borrowed MO"),
        ):
            user = self.users[username]
            page = Result(
                name=f"visible cases: {who}, newest 25",
                group="visibility",
                budget=VISIBILITY_BUDGET,
            )
            self._time(
                page,
                functools.partial(_newest_visible, user),
            )
            member = Result(
                name=f"visible cases: {who}, may see case X",
                group="visibility",
                budget=VISIBILITY_BUDGET,
            )
            self._time(
                member,
                functools.partial(_may_see, user, probe.pk),
            )
            for r in (page, member):
                r.checks = {
                    "p95": (r.p95 or 0) < VISIBILITY_BUDGET["p95_ms"],
                    "one statement": max(r.queries) == 1,
                }
                self._say_checks(r)

    # -- sweep ---------------------------------------------------------------------------------
    def _bench_sweep(self) -> None:
        from clocks import sweep
        from clocks.tasks import send_notice

        future = timezone.now() + datetime.timedelta(days=100)
        size = self.sweep_batch
        batch = Result(
            name=f"sweep: batch of {size} due deadlines", group="sweep", budget=SWEEP_BATCH_BUDGET
        )
        runs = self.warmup + self.n
        # Each run breaches the next 500 due deadlines and commits. Keep what to put back.
        condition, order = sweep._due_filter(NoticeKind.BREACH, future)
        before = list(
            Deadline.objects.filter(condition)
            .order_by(order, "pk")
            .values_list("pk", "reminded_at")[: runs * size]
        )
        if len(before) < runs * size:
            raise CommandError("Not enough running deadlines due within 100 days: re-seed.")
        started = timezone.now()
        handled: list[int] = []
        queued: list[int] = []

        def one_batch() -> Any:
            with transaction.atomic():
                done = sweep._sweep_batch(NoticeKind.BREACH, future, size)
                # The foreign-key checks PostgreSQL defers to the commit, counted as the batch's.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            handled.append(done)
            return done

        try:
            # The notices are queued after each commit; the broker is not what is measured.
            with mock.patch.object(send_notice, "delay_on_commit", side_effect=queued.append):
                self._time(batch, one_batch)
        finally:
            _put_back_sweep(before, started)
        batch.notes.append(
            f"{min(handled, default=0)}-{max(handled, default=0)} deadlines breached per batch, "
            f"{len(queued)} notices queued after commit; committed, then put back"
        )
        batch.checks = {
            f"{size} handled": bool(handled) and min(handled) == size,
            "every notice queued": len(queued) == sum(handled),
            "DB time": statistics.median(batch.sql_ms) < SWEEP_BATCH_BUDGET["db_ms"],
        }
        if size != SWEEP_BATCH:
            batch.checks["batch of 500"] = False  # the budget is for 500 at a time
        self._say_checks(batch)

        idle = Result(
            name="sweep: nothing due, over all deadlines", group="sweep", budget=SWEEP_IDLE_BUDGET
        )
        self._time(idle, lambda: sweep.sweep_due_deadlines(now=timezone.now()))
        plans = _sweep_plans()
        idle.notes.append(json.dumps(plans))
        idle.checks = {
            "p95": (idle.p95 or 0) < SWEEP_IDLE_BUDGET["p95_ms"],
            "index only (no Seq Scan)": all("Seq Scan" not in plan for plan in plans.values()),
        }
        self._say_checks(idle)

    # -- escalate ------------------------------------------------------------------------------
    def _bench_escalate(self) -> None:
        open_states = [s for s in CaseState.values if s not in ("resolved", "withdrawn")]
        variants = {
            v.pk: v.steps.count()
            for v in ProtocolVariant.objects.filter(council=self.big, status="published")
        }
        candidates = []
        for variant_id, steps in variants.items():
            candidates += list(
                Case.objects.filter(
                    council=self.big,
                    variant_id=variant_id,
                    state__in=open_states,
                    step_position__lt=steps,
                ).order_by("pk")[: self.n + self.warmup]
            )
        if not candidates:
            raise CommandError("No open case with a next rung at the big council.")
        actor = self.users["bench-clerk"]
        result = Result(
            name="escalate: transition + audit + queued notice",
            group="escalate",
            budget=ESCALATE_BUDGET,
        )
        index = {"i": 0}
        queued: list[int] = []

        def escalate() -> Any:
            case = Case.objects.get(pk=candidates[index["i"] % len(candidates)].pk)
            index["i"] += 1
            with transaction.atomic():
                services.escalate_case(case=case, actor=actor, reason="Bench escalation")
                # The notification is queued with on_commit: count it, then roll back.
                queued.append(len(connection.run_on_commit))
                transaction.set_rollback(True)

        self._time(result, escalate)
        result.checks = {
            "p95": (result.p95 or 0) < ESCALATE_BUDGET["p95_ms"],
            "notification queued": bool(queued) and min(queued) >= 1,
        }
        self._say_checks(result)

    # -- worklist (issue #24) -------------------------------------------------------------------
    def _bench_worklist(self) -> None:
        for who in ("bench-clerk", "bench-mo"):
            result = Result(name=f"home: {who[6:]}'s work", group="worklist", budget=HOME_BUDGET)
            self._time(result, self._page_get(who, "/"))
            self._list_checks(result)
            self._say_checks(result)
        # The saved views a clerk would keep: each is the list with its query string.
        views = {
            "overdue, by next due": "?work=overdue&sort=next_due",
            "due in 5 working days": "?work=due_soon&sort=next_due",
            "waiting for acknowledgement": "?work=unacknowledged&sort=-age",
            "changed since I looked": "?changed=1",
            "by last activity": "?sort=-last_activity",
            "by handler": "?sort=handler",
        }
        for label, query in views.items():
            result = Result(name=f"saved view: {label}", group="worklist", budget=SAVED_VIEW_BUDGET)
            self._time(result, self._page_get("bench-clerk", f"/cases/{query}"))
            self._list_checks(result)
            self._say_checks(result)
        self._bench_search()
        self._bench_bulk_assign()

    def _bench_search(self) -> None:
        from worklist.search import search

        clerk = get_user_model().objects.get(pk=self.users["bench-clerk"].pk)
        sample = Case.objects.filter(council=self.big).order_by("-pk").first()
        if sample is None:
            raise CommandError("No case at the big council.")
        partial = sample.reference[-7:]  # e.g. "26-0042": a partial reference
        for label, term in (("a word", "officer"), ("a partial reference", partial)):
            result = Result(name=f"search: {label}", group="worklist", budget=SEARCH_BUDGET)
            person_for(clerk)  # the sign-in's person, as the middleware has it on a request
            self._time(result, functools.partial(search, clerk, term))
            result.checks = {
                "p95": (result.p95 or 0) < SEARCH_BUDGET["p95_ms"],
                "queries": max(result.queries) <= SEARCH_BUDGET["max_queries"],
            }
            self._say_checks(result)

    def _bench_bulk_assign(self) -> None:
        from cases.selectors import bulk_handler_candidates

        cases = list(
            Case.objects.filter(council=self.big)
            .exclude(state__in=["resolved", "withdrawn"])
            .select_related("council")
            .order_by("pk")[:BULK_CASES]
        )
        people = list(bulk_handler_candidates(cases)[:20]) if cases else []
        if not people:
            raise CommandError("Need open cases and a possible handler at the big council.")
        client = self._client("bench-clerk")
        result = Result(
            name=f"bulk reassignment of {BULK_CASES} cases",
            group="worklist",
            budget=BULK_ASSIGN_BUDGET,
        )
        index = {"i": 0}
        outcomes: list[int] = []

        def reassign() -> Any:
            person = people[index["i"] % len(people)]
            index["i"] += 1
            with transaction.atomic():
                response = client.post(
                    "/cases/reassign/",
                    {
                        "case": [c.reference for c in cases],
                        "confirm": "1",
                        "person": person.pk,
                        "reason": "Bench: leave cover",
                    },
                )
                # Outside the test runner a response carries no context: count the page's rows.
                body = response.content.decode()
                outcomes.append(
                    body.count('data-outcome="done"') + body.count('data-outcome="refused"')
                )
                transaction.set_rollback(True)

        self._time(result, reassign)
        result.checks = {
            "p95": (result.p95 or 0) < BULK_ASSIGN_BUDGET["p95_ms"],
            "every case answered": bool(outcomes) and min(outcomes) == len(cases),
        }
        if len(cases) < BULK_CASES:
            result.checks[f"{BULK_CASES} cases"] = False  # the budget is for 100 at a time
            result.notes.append(f"only {len(cases)} open cases at {BIG_COUNCIL}")
        self._say_checks(result)

    def _say_checks(self, r: Result) -> None:
        self._say(r)
        failed = [name for name, ok in r.checks.items() if not ok]
        if failed:
            self.stdout.write(self.style.ERROR(f"     missed: {', '.join(failed)}"))

    # -- output --------------------------------------------------------------------------------
    def _report(self) -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            (pg_version,) = cursor.fetchone()
            counts = {}
            for table in ("cases_case", "cases_caseevent", "clocks_deadline"):
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
                counts[table] = cursor.fetchone()[0]
        return {
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "postgresql": pg_version.split(",")[0],
                # Other work on the machine slows every path: keep the conditions with the numbers.
                "load average (1, 5, 15 min) before": [round(x, 2) for x in self.load_before],
                "load average (1, 5, 15 min) after": [round(x, 2) for x in os.getloadavg()],
                "gc threshold (as the web workers)": list(self.gc_threshold),
            },
            "data": {
                "cases": self.total_cases,
                f"cases at {BIG_COUNCIL}": self.big_cases,
                "case events (estimate)": counts["cases_caseevent"],
                "deadlines (estimate)": counts["clocks_deadline"],
            },
            "iterations": self.n,
            "all_budgets_met": all(r.passed for r in self.results),
            "paths": [r.as_dict() for r in self.results],
        }

    def _print(self) -> None:
        passed = sum(r.passed for r in self.results)
        style = self.style.SUCCESS if passed == len(self.results) else self.style.ERROR
        self.stdout.write(style(f"{passed}/{len(self.results)} paths within budget"))

    def _chart(self, path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        rows = [r for r in self.results if r.p95 is not None]
        names = [r.name for r in rows]
        fig, (ax_time, ax_queries) = plt.subplots(
            1, 2, figsize=(13, 0.42 * len(rows) + 1.6), sharey=True
        )
        ypos = list(range(len(rows)))
        colours = ["#00703c" if r.passed else "#d4351c" for r in rows]
        # A path budgeted on database time (the sweep batch) is drawn by its database time.
        bars = [
            statistics.median(r.sql_ms) if "db_ms" in r.budget and r.sql_ms else (r.p95 or 0)
            for r in rows
        ]
        ax_time.barh(ypos, bars, color=colours)
        ax_time.scatter(
            # The sweep batch's dot is its SQL p95, like its bar: its wall time is not budgeted.
            [
                (_pct(r.sql_ms, 95) if "db_ms" in r.budget and r.sql_ms else r.p50) or 0
                for r in rows
            ],
            ypos,
            color="black",
            s=12,
            label="p50 (sweep batch: SQL ms p95)",
            zorder=3,
        )
        for y, r in zip(ypos, rows, strict=True):
            limit = r.budget.get("p95_ms") or r.budget.get("db_ms")
            if limit:
                ax_time.plot([limit, limit], [y - 0.4, y + 0.4], color="#0b0c0c", linewidth=2)
        ax_time.set_xscale("log")
        ax_time.set_xlabel(
            "p95 ms (bar; sweep batch: SQL ms p50), p50 (dot), budget (line); log scale"
        )
        ax_time.set_yticks(ypos, names, fontsize=8)
        ax_time.invert_yaxis()
        ax_time.legend(loc="lower right", fontsize=8)
        ax_queries.barh(ypos, [max(r.queries) for r in rows], color="#1d70b8")
        for y, r in zip(ypos, rows, strict=True):
            limit = r.budget.get("max_queries")
            if limit:
                ax_queries.plot([limit, limit], [y - 0.4, y + 0.4], color="#0b0c0c", linewidth=2)
        ax_queries.set_xlabel("SQL statements per run (bar), budget (line)")
        fig.suptitle(
            f"Protocol hot paths: {self.total_cases:,} cases, {self.big_cases:,} at "
            f"{BIG_COUNCIL} (green = within budget)",
            fontsize=10,
        )
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)


# -- hand-written baselines ----------------------------------------------------------------------
RAW_LIST = """
SELECT c.id, c.reference, c.state, c.case_type, c.received_at, c.variant_id, c.summary,
       co.slug, co.name, rb.name, ab.name, h.name, nd.due_at, nd.kind, od.id IS NOT NULL,
       vs.label
FROM cases_case c
JOIN contacts_council co ON co.id = c.council_id
JOIN contacts_person rb ON rb.id = c.raised_by_id
JOIN contacts_person ab ON ab.id = c.about_id
LEFT JOIN contacts_person h ON h.id = c.handler_id
LEFT JOIN LATERAL (
    SELECT d.due_at, d.kind FROM clocks_deadline d
    WHERE d.case_id = c.id AND d.met_at IS NULL AND d.cancelled_at IS NULL
    ORDER BY d.due_at LIMIT 1
) nd ON true
LEFT JOIN LATERAL (
    SELECT d.id FROM clocks_deadline d
    WHERE d.case_id = c.id AND d.met_at IS NULL AND d.cancelled_at IS NULL
      AND (d.breached_at IS NOT NULL OR d.due_at < now())
    LIMIT 1
) od ON true
LEFT JOIN cases_variantstep vs ON vs.variant_id = c.variant_id AND vs.state = c.state
WHERE c.council_id = ANY(%(councils)s) {extra}
ORDER BY c.received_at DESC, c.id DESC
LIMIT 26
"""


def _raw_list(
    *,
    councils: list[int],
    state: str | None = None,
    case_type: str | None = None,
    after: str | None = None,
    overdue: bool = False,
    queue_person: int | None = None,
) -> list[Any]:
    """The list page's question as a person would write it, knowing the user's councils."""
    extra = ""
    params: dict[str, Any] = {"councils": councils}
    if state:
        extra += " AND c.state = %(state)s"
        params["state"] = state
    if case_type:
        extra += " AND c.case_type = %(case_type)s"
        params["case_type"] = case_type
    if after:
        raw = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()
        moment, pk = raw.split("|")
        extra += " AND (c.received_at, c.id) < (%(at)s, %(pk)s)"
        params["at"], params["pk"] = datetime.datetime.fromisoformat(moment), int(pk)
    if overdue:
        extra += " AND od.id IS NOT NULL"
    if queue_person is not None:
        extra += (
            " AND (c.state IN ('monitoring_officer', 'standards_committee')"
            " OR c.handler_id = %(p)s)"
        )
        params["p"] = queue_person
    with connection.cursor() as cursor:
        cursor.execute(RAW_LIST.format(extra=extra), params)
        return cursor.fetchall()


def _newest_visible(user: Any) -> list[int]:
    return list(
        selectors.visible_cases_for(user)
        .order_by("-received_at", "-pk")
        .values_list("pk", flat=True)[:25]
    )


def _may_see(user: Any, pk: int) -> bool:
    return selectors.visible_cases_for(user).filter(pk=pk).exists()


def _raw_detail(pk: int) -> None:
    """The case page's data in three hand-written statements."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.*, co.name, v.title, rb.name, ab.name, h.name FROM cases_case c "
            "JOIN contacts_council co ON co.id = c.council_id "
            "JOIN cases_protocolvariant v ON v.id = c.variant_id "
            "JOIN contacts_person rb ON rb.id = c.raised_by_id "
            "JOIN contacts_person ab ON ab.id = c.about_id "
            "LEFT JOIN contacts_person h ON h.id = c.handler_id WHERE c.id = %s",
            [pk],
        )
        cursor.fetchall()
        cursor.execute("SELECT * FROM cases_caseevent WHERE case_id = %s ORDER BY at, id", [pk])
        cursor.fetchall()
        cursor.execute("SELECT * FROM clocks_deadline WHERE case_id = %s ORDER BY due_at", [pk])
        cursor.fetchall()


def _put_back_sweep(
    before: list[tuple[int, datetime.datetime | None]], since: datetime.datetime
) -> None:
    """Undo the sweep bench's committed batches: its notices and audit events go, the deadlines
    get their old values back, and VACUUM clears the dead rows so the next run starts clean.

    The audit trail is append-only (a trigger refuses DELETE); on this disposable database the
    trigger is bypassed the way seed_bench writes: `session_replication_role = replica`."""
    pks = [pk for pk, _ in before]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "DELETE FROM cases_caseevent WHERE at >= %s AND actor_id IS NULL AND action = %s"
            " AND actor_name = %s",
            [since, EventAction.CLOCK_BREACHED, actor_name(None)],
        )
        cursor.execute(
            "DELETE FROM clocks_notice WHERE deadline_id = ANY(%s) AND created_at >= %s",
            [pks, since],
        )
        cursor.execute(
            "UPDATE clocks_deadline d SET breached_at = NULL, reminded_at = t.reminded_at"
            " FROM unnest(%s::bigint[], %s::timestamptz[]) AS t(id, reminded_at)"
            " WHERE d.id = t.id",
            [pks, [r for _, r in before]],
        )
    if connection.in_atomic_block:
        return  # a test's transaction: VACUUM cannot run inside one, and it is rolled back
    with connection.cursor() as cursor:
        for table in ("clocks_deadline", "clocks_notice", "cases_caseevent", "cases_case"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _sweep_plans() -> dict[str, str]:
    """EXPLAIN of the sweep's two candidate queries at `now` (nothing due)."""
    from clocks.models import Deadline
    from clocks.sweep import _due_filter

    now = timezone.now()
    plans = {}
    for kind in (NoticeKind.BREACH, NoticeKind.REMINDER):
        condition, order = _due_filter(kind, now)
        qs = (
            Deadline.objects.filter(condition)
            .order_by(order, "pk")
            .values_list("pk", "case_id", "info_request_id")[:500]
        )
        plans[str(kind)] = qs.explain()
    return plans


README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


def _fmt(value: Any, suffix: str = "") -> str:
    return "–" if value is None else f"{value}{suffix}"


def report_markdown(report: dict[str, Any]) -> str:
    """The report as the Markdown table docs/perf/README.md shows (between its markers)."""
    data = report["data"]
    lines = [
        f"Run {report['generated_at']} on {report['machine']['cpus']} CPUs, "
        f"{report['machine']['postgresql']}, {report['iterations']} runs per path, load average "
        f"{report['machine']['load average (1, 5, 15 min) before'][0]} before and "
        f"{report['machine']['load average (1, 5, 15 min) after'][0]} after. Data: "
        + ", ".join(f"{value:,} {name}" for name, value in data.items())
        + ".",
        "",
        "| path | p50 ms | p95 ms | SQL statements | SQL ms (p50) | ratio to raw SQL | budget "
        "| result |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for p in report["paths"]:
        budget = ", ".join(f"{k} {v}" for k, v in p["budget"].items())
        failed = [name for name, ok in p["checks"].items() if not ok]
        result = "pass" if p["passed"] else "**miss**: " + ", ".join(failed)
        lines.append(
            f"| {p['name']} | {_fmt(p['p50_ms'])} | {_fmt(p['p95_ms'])} | "
            f"{_fmt(p['max_queries'])} | {_fmt(p['sql_p50_ms'])} | {_fmt(p['ratio_to_raw'])} | "
            f"{budget} | {result} |"
        )
    met = sum(p["passed"] for p in report["paths"])
    lines += ["", f"**{met} of {len(report['paths'])} paths within budget.**"]
    return "\n".join(lines)


def _update_readme(path: Path, report: dict[str, Any]) -> None:
    text = path.read_text()
    if README_START not in text or README_END not in text:
        return
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(f"{head}{README_START}\n{report_markdown(report)}\n{README_END}{tail}")
