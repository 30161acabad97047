"""`manage.py verify_audit`: recompute every audit event's hash and link (SECURITY.md).

Exit status 0 when the case, information request and register trails are all intact; 1 with one
line per break (trail, object reference, event id, what is wrong) otherwise. Prints ids and
references only, never an event's text.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS

from protocol_site.audit_chain import verify_audit_chains


class Command(BaseCommand):
    help = "Check the hash chains of every case, information request and register audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--max-breaks", type=int, default=1000)

    def handle(self, *args: Any, database: str, max_breaks: int, **options: Any) -> None:
        report = verify_audit_chains(database=database, limit=max_breaks)
        counts = ", ".join(f"{n} {trail} event(s)" for trail, n in report.checked.items())
        if report.intact:
            self.stdout.write(self.style.SUCCESS(f"Audit trails intact: {counts} checked."))
            return
        self.stderr.write(f"Audit trail BROKEN: {len(report.breaks)} problem(s) in {counts}.")
        for found in report.breaks:
            self.stderr.write(f"  {found}")
        # A break is a finding, not a crash: exit 1 without a traceback so cron/CI can alert.
        sys.exit(1)
