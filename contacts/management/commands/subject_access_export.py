"""`manage.py subject_access_export --person ID --by USERNAME --out DIR`: a subject access
request (UK GDPR Article 15). Writes `<DIR>/subject-access-<id>.json` and `.html` with everything
held about the person (protocol_site/gdpr.py) and records the export in the admin log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from contacts.models import Person
from protocol_site.gdpr import render_export_html, subject_access_export


class Command(BaseCommand):
    help = "Export everything held about one person as JSON and a readable HTML page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", type=int, required=True, help="The person's id.")
        parser.add_argument(
            "--by", required=True, help="Username of the officer handling the request (audited)."
        )
        parser.add_argument("--out", default=".", help="Folder to write the two files to.")

    def handle(self, *args: Any, person: int, by: str, out: str, **options: Any) -> None:
        subject = Person.objects.select_related("council", "user").filter(pk=person).first()
        if subject is None:
            raise CommandError(f"There is no person with id {person}.")
        actor = get_user_model().objects.filter(username=by, is_active=True).first()
        if actor is None:
            raise CommandError(f"There is no active login called {by!r}.")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        export = subject_access_export(person=subject, actor=actor)
        json_path = folder / f"subject-access-{subject.pk}.json"
        html_path = folder / f"subject-access-{subject.pk}.html"
        json_path.write_text(json.dumps(export, indent=2, ensure_ascii=False), encoding="utf-8")
        html_path.write_text(render_export_html(export), encoding="utf-8")
        self.stdout.write(
            f"Wrote {json_path} and {html_path}: {len(export['cases'])} case(s), "
            f"{len(export['info_requests'])} information request(s), "
            f"{len(export['register_entries'])} register entr(y/ies)."
        )
