"""`manage.py apply_retention [--dry-run]`: anonymise closed cases and decided information
requests older than their council's retention period (close + `Council.retention_years`),
keeping the statistics (protocol_site/gdpr.py, SECURITY.md). Safe to run repeatedly: an
anonymised case or request is never picked again. Beat runs it daily
(CELERY_BEAT_SCHEDULE["apply-retention"])."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from protocol_site.gdpr import apply_retention


class Command(BaseCommand):
    help = "Anonymise closed cases and information requests past their council's retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be anonymised; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        result = apply_retention(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(
            f"{verb} {len(result.anonymised)} case(s) and {len(result.info_requests)} "
            "information request(s)."
        )
        for slug in sorted({*result.by_council, *result.info_requests_by_council}):
            cases = result.by_council.get(slug, 0)
            requests = result.info_requests_by_council.get(slug, 0)
            self.stdout.write(f"  {slug}: {cases} case(s), {requests} information request(s)")
