"""Mutation testing with mutmut over the modules whose guards the product relies on (issue #26).

    python scripts/mutation.py                 # the modules changed since MUTATION_BASE (main)
    python scripts/mutation.py --all           # every module in MODULES
    python scripts/mutation.py cases/routing.py clocks/calendar.py

Each module runs in a scratch copy of the working tree, var/mutation/<module>/, with its own
narrow test selection (MODULES), so one slow module never re-runs another's tests. The copy is
kept between runs: mutmut then re-tests only the functions whose code changed (incremental).
The report, var/mutation/report.md, gives each module's score (killed and timed-out mutants over
all mutants) and every survivor with its diff; docs/testing.md keeps the measured scores and the
survivors reasoned to be equivalent. Exit status 1 when a module scores under --min-score.

mutmut forks per mutant: on a shared machine pass --children 1 (the default here).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"
APPS = ["cases", "clocks", "contacts", "inbound", "info_requests", "registers", "reports"]

# Module -> the tests that exercise it (narrow on purpose: mutmut runs them per mutant).
MODULES: dict[str, list[str]] = {
    "cases/routing.py": ["tests/cases/test_routing.py", "tests/cases/test_routing_reasons.py"],
    "clocks/calendar.py": ["tests/clocks/test_calendar.py", "tests/clocks/test_calendar_edges.py"],
    "cases/permissions.py": ["tests/cases/test_refusals.py", "tests/cases/test_services.py"],
    "cases/services.py": ["tests/cases/test_refusals.py", "tests/cases/test_services.py"],
    "cases/selectors.py": ["tests/cases/test_selectors.py"],
    "cases/variant_services.py": [
        "tests/cases/test_variant_refusals.py",
        "tests/cases/test_variant_versions.py",
    ],
    "clocks/services.py": ["tests/clocks/test_refusals.py", "tests/clocks/test_services.py"],
    "clocks/selectors.py": ["tests/clocks/test_views.py"],
    "contacts/selectors.py": ["tests/contacts/test_models.py", "tests/cases/test_selectors.py"],
    "inbound/services.py": ["tests/inbound/test_refusals.py", "tests/inbound/test_triage.py"],
    "inbound/selectors.py": ["tests/inbound/test_triage.py"],
    "info_requests/services.py": [
        "tests/info_requests/test_refusals.py",
        "tests/info_requests/test_routes.py",
    ],
    "info_requests/permissions.py": [
        "tests/info_requests/test_refusals.py",
        "tests/info_requests/test_routes.py",
    ],
    "info_requests/selectors.py": ["tests/info_requests/test_web.py"],
    "registers/services.py": [
        "tests/registers/test_refusals.py",
        "tests/registers/test_services.py",
    ],
    "registers/selectors.py": [
        "tests/registers/test_services.py",
        "tests/registers/test_confidentiality.py",
    ],
}


def changed_modules(base: str) -> list[str]:
    """MODULES touched between `base` and the working tree (committed or not)."""
    names: set[str] = set()
    for args in (["diff", "--name-only", f"{base}...HEAD"], ["diff", "--name-only", "HEAD"]):
        result = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        names.update(result.stdout.split())
    return [m for m in MODULES if m in names]


def _copy_tree(target: Path) -> None:
    """The tracked and new (not ignored) files of the working tree, into `target`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        name = raw.decode()
        source = ROOT / name
        if not source.is_file():
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists() or destination.read_bytes() != source.read_bytes():
            shutil.copy2(source, destination)


def _setup_cfg(module: str, tests: list[str]) -> str:
    lines = ["[mutmut]", "source_paths="]
    lines += [f"    {app}" for app in [*APPS, "protocol_site"]]
    lines += ["only_mutate=", f"    {module}"]
    lines += ["pytest_add_cli_args=", "    -p", "    no:randomly", "    -q"]
    lines += ["pytest_add_cli_args_test_selection="] + [f"    {t}" for t in tests]
    return "\n".join(lines) + "\n"


def run_module(module: str, children: int) -> dict[str, Any]:
    scratch = WORK / module.replace("/", "__").removesuffix(".py")
    scratch.mkdir(parents=True, exist_ok=True)
    _copy_tree(scratch)
    (scratch / "setup.cfg").write_text(_setup_cfg(module, MODULES[module]))
    venv = scratch / ".venv"
    if not venv.exists():
        venv.symlink_to(ROOT / ".venv")
    mutmut = str(venv / "bin" / "mutmut")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "protocol_site.settings.test"}
    log = scratch / "mutmut.log"
    with log.open("w") as out:
        subprocess.run(  # noqa: S603
            [mutmut, "run", "--max-children", str(children)],
            cwd=scratch,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    subprocess.run(  # noqa: S603
        [mutmut, "export-cicd-stats"], cwd=scratch, env=env, capture_output=True, check=False
    )
    stats_file = scratch / "mutants" / "mutmut-cicd-stats.json"
    if not stats_file.exists():
        return {"module": module, "error": f"mutmut did not finish: see {log}"}
    stats = json.loads(stats_file.read_text())
    results = subprocess.run(  # noqa: S603
        [mutmut, "results"], cwd=scratch, env=env, capture_output=True, text=True, check=False
    ).stdout
    survivors = []
    for line in results.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if status == "survived":
            diff = subprocess.run(  # noqa: S603
                [mutmut, "show", name], cwd=scratch, env=env, capture_output=True, text=True
            ).stdout
            changed = [
                row
                for row in diff.splitlines()
                if row[:1] in "+-" and not row.startswith(("+++", "---"))
            ]
            survivors.append({"name": name, "diff": changed})
    detected = int(stats["killed"]) + int(stats["timeout"])
    total = int(stats["total"])
    return {
        "module": module,
        "tests": MODULES[module],
        "killed": stats["killed"],
        "timeout": stats["timeout"],
        "survived": stats["survived"],
        "no_tests": stats["no_tests"],
        "total": total,
        "score": round(100 * detected / total, 1) if total else 100.0,
        "survivors": survivors,
    }


def write_report(rows: list[dict[str, Any]]) -> Path:
    report = WORK / "report.md"
    out = ["# Mutation report (scripts/mutation.py)", ""]
    out += ["| Module | Mutants | Killed | Timed out | Survived | No tests | Score |"]
    out += ["|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if "error" in row:
            out.append(f"| {row['module']} | – | – | – | – | – | {row['error']} |")
            continue
        out.append(
            f"| {row['module']} | {row['total']} | {row['killed']} | {row['timeout']} | "
            f"{row['survived']} | {row['no_tests']} | {row['score']} % |"
        )
    for row in rows:
        for survivor in row.get("survivors", []):
            out += ["", f"## {survivor['name']}", "", "```diff", *survivor["diff"], "```"]
    report.write_text("\n".join(out) + "\n")
    (WORK / "report.json").write_text(json.dumps(rows, indent=2))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: the changed ones)")
    parser.add_argument("--all", action="store_true", help="every module in MODULES")
    parser.add_argument("--base", default=os.environ.get("MUTATION_BASE", "main"))
    parser.add_argument("--children", type=int, default=int(os.environ.get("MUTATION_CHILDREN", 1)))
    parser.add_argument("--min-score", type=float, default=float(os.environ.get("MUTATION_MIN", 0)))
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"not in MODULES: {', '.join(unknown)} (choose from {', '.join(MODULES)})")
    modules = list(MODULES) if args.all else args.modules or changed_modules(args.base)
    if not modules:
        print(f"No module of the mutation set changed since {args.base}: nothing to mutate.")
        return 0
    rows = []
    for module in modules:
        print(f"== mutating {module} with {' '.join(MODULES[module])}", flush=True)
        row = run_module(module, args.children)
        rows.append(row)
        print(f"   {row.get('score', row.get('error'))} % of mutants killed", flush=True)
    report = write_report(rows)
    print(f"Report: {report.relative_to(ROOT)}")
    low = [r for r in rows if "error" in r or float(r["score"]) < args.min_score]
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
