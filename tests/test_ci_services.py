"""With CI=true an unreachable PostgreSQL or Redis fails the test run, naming the service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_pytest_with(env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_nothing():\n    assert True\n")
    env = {**os.environ, **env_overrides}
    return subprocess.run(  # noqa: S603 - our own interpreter and test file
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "pyproject.toml"),
            "--confcutdir",
            str(ROOT / "tests"),
            str(ROOT / "tests" / "conftest.py"),
            str(probe),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/protocol"}, "PostgreSQL"),
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}, "Redis"),
    ],
    ids=["postgres-down", "redis-down"],
)
def test_an_unreachable_service_fails_the_run_under_ci(overrides, named, tmp_path):
    result = _run_pytest_with({"CI": "true", **overrides}, tmp_path)
    assert result.returncode != 0
    assert f"{named} is not reachable" in result.stdout + result.stderr


def test_without_ci_it_only_warns(tmp_path):
    result = _run_pytest_with(
        {"CI": "false", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}, tmp_path
    )
    assert "Redis is not reachable" in result.stdout + result.stderr
