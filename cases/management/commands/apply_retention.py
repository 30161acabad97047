"""`manage.py apply_retention [--dry-run]`: anonymise closed cases older than their council's
retention period (close + `Council.retention_years`), keeping the statistics (protocol_site/
gdpr.py, SECURITY.md). Safe to run repeatedly: an anonymised case is never picked again. Beat
runs it daily (CELERY_BEAT_SCHEDULE["apply-retention"])."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from protocol_site.gdpr import apply_retention


class Command(BaseCommand):
    help = "Anonymise closed cases past their council's retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be anonymised; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        result = apply_retention(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(f"{verb} {len(result.anonymised)} case(s).")
        for slug, count in sorted(result.by_council.items()):
            self.stdout.write(f"  {slug}: {count}")
