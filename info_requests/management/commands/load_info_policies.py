"""Create or update the information policies of the shipped councils (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from contacts.models import Council
from info_requests.fixtures_data import INFO_POLICIES
from info_requests.models import InformationPolicy


class Command(BaseCommand):
    help = "Load each shipped council's members' information policy (run after load_councils)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        created = updated = 0
        for slug, values in INFO_POLICIES.items():
            council = Council.objects.filter(slug=slug).first()
            if council is None:
                self.stderr.write(f"Skipped {slug}: load the councils first (load_councils).")
                continue
            _, was_created = InformationPolicy.objects.update_or_create(
                council=council, defaults=values
            )
            created += was_created
            updated += not was_created
        if options["verbosity"]:
            self.stdout.write(f"Information policies: {created} created, {updated} updated.")
