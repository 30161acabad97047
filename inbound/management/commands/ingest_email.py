"""`manage.py ingest_email FILE.eml [FILE.eml …]`: read emails into cases, notes or triage.

`-` reads one message from standard input (for a mail server's pipe transport). Exits 1 if any
message was malformed; the others are still read, each in its own transaction.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inbound.parsing import MalformedEmail
from inbound.services import ingest_email


class Command(BaseCommand):
    help = "Turn RFC 822 email files into cases, notes on cases, or triage items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="email files (.eml); - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        failures = 0
        for name in options["files"]:
            try:
                raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            except OSError as exc:
                raise CommandError(f"{name}: cannot be read ({exc.strerror}).") from exc
            try:
                result = ingest_email(raw=raw, source="command")
            except MalformedEmail as exc:
                failures += 1
                self.stderr.write(f"{name}: rejected: {exc}")
                continue
            email = result.email
            where = f" {email.case.reference}" if email.case else ""
            if result.duplicate:
                line = f"{name}: already received ({email.get_status_display().lower()}){where}"
            elif email.outcome == "triage":
                line = f"{name}: sent to triage: {email.triage_reason}"
            else:
                line = f"{name}: {email.get_outcome_display().lower()}{where}"
            self.stdout.write(line)
        if failures:
            raise CommandError(f"{failures} message(s) rejected as malformed.")
