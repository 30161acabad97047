"""Checking a refusal (issue #26): the service raises the expected error with the message a
person reads, and leaves no trace — no row written, changed or removed, nothing queued for after
the commit, no email sent.

    def test_something(refuses):  # the fixture, in tests/conftest.py
        refuses(PermissionRefused, "Only the clerk", services.thing, actor=..., ...)

`refuses` compares a fingerprint of every table of the project's apps (its row count and a hash
of its rows) before and after the call, so a refusal that half-wrote something fails even though
the test's own transaction would later roll it back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

APPS = (
    "auth",
    "cases",
    "clocks",
    "contacts",
    "guardian",
    "inbound",
    "info_requests",
    "registers",
    "reports",
)


def _tables() -> list[str]:
    names: set[str] = set()
    for label in APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        names.update(
            model._meta.db_table
            for model in config.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        )
    return sorted(names)


def db_fingerprint() -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of every row in primary-key order)} for the apps' tables."""
    result: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for table in _tables():
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "  # noqa: S608 - table names from the models
                f"FROM {quoted} t"
            )
            count, digest = cursor.fetchone()
            result[table] = (count, digest)
    return result


def _messages(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [table for table in before if before[table] != after.get(table)]


def refusal_checker(capture_on_commit: Any) -> Callable[..., BaseException]:
    """The `refuses` fixture (tests/conftest.py): `refuses(error, message, service, **kwargs)`
    calls `service(**kwargs)`, expects `error` whose text contains `message` (for a
    ValidationError, `field=` names the field it is on), and nothing written, queued or emailed.
    Returns the error for any further checks."""

    def check(
        error: type[BaseException],
        message: str,
        service: Callable[..., Any],
        *args: Any,
        field: str | None = None,
        **kwargs: Any,
    ) -> BaseException:
        before = db_fingerprint()
        sent = len(mail.outbox)
        with capture_on_commit() as queued, pytest.raises(error) as caught:
            service(*args, **kwargs)
        exc = caught.value
        assert message in _messages(exc), f"{message!r} not in {_messages(exc)!r}"
        if field is not None:
            assert isinstance(exc, ValidationError), exc
            assert hasattr(exc, "error_dict"), exc
            assert field in exc.error_dict, f"{field!r} not among {sorted(exc.error_dict)}"
        assert queued == [], f"a refused call queued {queued}"
        assert len(mail.outbox) == sent, "a refused call sent an email"
        changed = _changed(before, db_fingerprint())
        assert changed == [], f"a refused call changed {changed}"
        return exc

    return check
