"""Write a council's configuration as YAML (the format `load_councils` reads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contacts.config_io import dump_yaml, export_council
from contacts.models import Council


class Command(BaseCommand):
    help = "Export a council's configuration (people, roles, calendar, variants) as YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The council's slug, e.g. maldon")
        parser.add_argument("-o", "--output", type=Path, help="Write here instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        council = Council.objects.filter(slug=options["slug"]).first()
        if council is None:
            known = ", ".join(Council.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No council {options['slug']!r}. Known councils: {known}.")
        text = dump_yaml(
            export_council(council),
            header=(
                f"{council.name}: councillors, officers, roles and protocol variants.\n"
                "Fictional people. Load with `manage.py load_councils`; regenerate with\n"
                f"`manage.py export_council {council.slug} -o <this file>`."
            ),
        )
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
