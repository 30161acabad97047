"""The web workers' garbage-collector threshold (issue #10, protocol_site/ops/gc.py)."""

from __future__ import annotations

import gc
import importlib

import pytest

from protocol_site.ops.gc import DEFAULT_THRESHOLD, tune_garbage_collector


@pytest.fixture(autouse=True)
def _restore_threshold():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_the_youngest_generation_waits_for_fifty_thousand_objects_by_default(monkeypatch):
    monkeypatch.delenv("PYTHON_GC_THRESHOLD", raising=False)
    gc.set_threshold(700, 10, 10)

    assert tune_garbage_collector() == (DEFAULT_THRESHOLD, 10, 10)


def test_the_environment_sets_the_threshold_and_zero_keeps_cpythons(monkeypatch):
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("PYTHON_GC_THRESHOLD", "20000")
    assert tune_garbage_collector() == (20_000, 10, 10)

    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("PYTHON_GC_THRESHOLD", "0")
    assert tune_garbage_collector() == (700, 10, 10)


def test_the_wsgi_application_tunes_the_collector(monkeypatch):
    monkeypatch.delenv("PYTHON_GC_THRESHOLD", raising=False)
    gc.set_threshold(700, 10, 10)
    import protocol_site.wsgi

    importlib.reload(protocol_site.wsgi)

    assert gc.get_threshold()[0] == DEFAULT_THRESHOLD
