"""Smoke test of the benchmark commands (issue #10) on a tiny data set, so they cannot rot.

The timings of a 200-case run mean nothing; what is checked is that seed_bench writes every
kind of row the benchmark relies on, and that bench runs every path and writes its report.
"""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cases.models import Case, CaseEvent, CaseState
from clocks.models import Deadline, Notice
from contacts.models import Council

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_bench", cases=200, chunk=120, verbosity=0)


def test_seed_bench_writes_councils_cases_history_and_deadlines(seeded):
    assert Council.objects.count() == 20
    assert Case.objects.count() == 200
    # One case in five at the big council.
    assert Case.objects.filter(council__slug="lancaster").count() == 40
    states = set(Case.objects.values_list("state", flat=True))
    assert {CaseState.RESOLVED, CaseState.WITHDRAWN} <= states
    assert len(states) >= 6
    per_case = [c.events.count() for c in Case.objects.exclude(summary__startswith="Bench: the")]
    assert min(per_case) >= 3
    assert max(per_case) <= 15
    assert (
        Case.objects.filter(summary__startswith="Bench: the case with").get().events.count() > 400
    )
    assert Deadline.objects.count() == 200
    assert Deadline.objects.filter(met_at__isnull=False).exists()
    assert Deadline.objects.filter(breached_at__isnull=False).exists()
    assert CaseEvent.objects.exclude(hash="").count() == CaseEvent.objects.count()
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert {"bench-clerk", "bench-mo", "bench-borrowed-mo", "bench-councillor"} <= usernames


def test_seed_bench_refuses_a_database_that_already_has_councils(seeded):
    with pytest.raises(CommandError, match="already holds councils"):
        call_command("seed_bench", cases=200, verbosity=0)


def test_bench_runs_every_path_and_writes_its_report(seeded, tmp_path):
    pytest.importorskip("matplotlib")
    breached = set(Deadline.objects.filter(breached_at__isnull=False).values_list("pk", flat=True))
    audit_rows, notices = CaseEvent.objects.count(), Notice.objects.count()

    call_command(
        "bench",
        iterations=2,
        warmup=1,
        sweep_batch=3,
        out=tmp_path,
        no_fail=True,
        stdout=io.StringIO(),
    )

    report = json.loads((tmp_path / "report.json").read_text())
    assert (tmp_path / "report.png").stat().st_size > 1000
    groups = {p["group"] for p in report["paths"]}
    assert groups == {"list", "detail", "api", "visibility", "sweep", "escalate", "worklist"}
    paths = {p["name"]: p for p in report["paths"]}
    # Every path ran and was measured; the statement budgets of the pages are pinned by
    # tests/perf/test_query_counts.py, and "cases this user may see" is one statement anywhere.
    assert all(path["runs"] == 2 and path["max_queries"] for path in report["paths"])
    for path in report["paths"]:
        if path["group"] == "visibility":
            assert path["checks"]["one statement"]
    assert paths["escalate: transition + audit + queued notice"]["checks"]["notification queued"]
    # Issue #24: every case got an answer (reassigned or refused, with why).
    assert paths["bulk reassignment of 100 cases"]["checks"]["every case answered"]
    # The sweep's batches committed (as in production) and were put back afterwards.
    batch = paths["sweep: batch of 3 due deadlines"]
    assert batch["checks"]["3 handled"]
    assert batch["checks"]["every notice queued"]
    assert batch["checks"]["batch of 500"] is False
    assert (
        set(Deadline.objects.filter(breached_at__isnull=False).values_list("pk", flat=True))
        == breached
    )
    assert (CaseEvent.objects.count(), Notice.objects.count()) == (audit_rows, notices)
    # The plan is kept in the report (on 200 rows PostgreSQL rightly prefers a Seq Scan).
    assert "deadline" in paths["sweep: nothing due, over all deadlines"]["notes"][0]
