"""`manage.py apply_retention [--dry-run]`: anonymise closed cases, decided information
requests, finished register entries and received emails that never became part of a case, older
than their council's retention period (close + `Council.retention_years`), keeping the
statistics (protocol_site/gdpr.py, SECURITY.md). Safe to run repeatedly: nothing anonymised is
picked again. Beat runs it daily (CELERY_BEAT_SCHEDULE["apply-retention"])."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from protocol_site.gdpr import apply_retention


class Command(BaseCommand):
    help = (
        "Anonymise closed cases, information requests, register entries and received emails "
        "that never became part of a case, past their council's retention period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be anonymised; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        result = apply_retention(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(
            f"{verb} {len(result.anonymised)} case(s), {len(result.info_requests)} "
            f"information request(s), {len(result.register_entries)} register entr(y/ies) and "
            f"{len(result.inbound_emails)} received email(s) that never became part of a case."
        )
        for slug in sorted(
            {
                *result.by_council,
                *result.info_requests_by_council,
                *result.register_entries_by_council,
                *result.inbound_emails_by_council,
            }
        ):
            cases = result.by_council.get(slug, 0)
            requests = result.info_requests_by_council.get(slug, 0)
            entries = result.register_entries_by_council.get(slug, 0)
            emails = result.inbound_emails_by_council.get(slug, 0)
            self.stdout.write(
                f"  {slug or '(no council)'}: {cases} case(s), {requests} information "
                f"request(s), {entries} register entr(y/ies), {emails} received email(s)"
            )
