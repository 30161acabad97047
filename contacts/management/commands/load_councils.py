"""Load the shipped councils (fixtures/councils/*.yaml): lenders of a Monitoring Officer first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from contacts.config_io import council_files, import_files


class Command(BaseCommand):
    help = (
        "Create or update the councils, people, roles and protocol variants in fixtures/councils "
        "(or the files given). Idempotent: running it twice creates nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="YAML files (default: all shipped)")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["files"] or council_files()
        if not paths:
            raise CommandError("No council files found in fixtures/councils.")
        try:
            councils = import_files(paths)
        except ValidationError as error:
            lines = [
                f"  {path}: {msg}" for path, msgs in error.message_dict.items() for msg in msgs
            ]
            raise CommandError("Nothing was loaded:\n" + "\n".join(lines)) from error
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"Loaded {len(councils)} councils: ")
                + ", ".join(c.slug for c in councils)
            )
