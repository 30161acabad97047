"""One search box over cases, information requests and register entries (issue #24).

Every branch starts from its app's visibility selector, so search never shows what the list or
detail page would not. Matches: the reference (whole or partial), the people's names, the
summary or description, the case's notes (internal notes only for those who may read them) and
the text of emails threaded to the case.

On PostgreSQL, words go through full text search (`websearch_to_tsquery`, English stemming) on
GIN indexes over the same `to_tsvector` expressions, partial references and names through
trigram GIN indexes (`pg_trgm`), and results are ranked: an exact reference first, then a
partial reference, then by `ts_rank`. SQLite keeps a plain case-insensitive `contains`, ranked
by reference only. Indexes: worklist/migrations/0002_search_indexes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Left
from django.urls import reverse

from cases.models import Note, NoteVisibility
from cases.selectors import visible_cases_for
from contacts.models import Person
from contacts.selectors import person_for

LIMIT = 20
MIN_LENGTH = 2
MAX_LENGTH = 200
CONFIG = "english"


@dataclass
class Hit:
    kind: str
    reference: str
    title: str
    href: str
    rank: float


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _people(term: str) -> QuerySet[Person, Any]:
    return Person.objects.filter(name__icontains=term).values("pk")


class Matches(Func):
    """`vector @@ query`: a boolean the planner matches to a GIN index on the same vector."""

    template = "(%(expressions)s)"
    arg_joiner = " @@ "
    output_field = BooleanField()


def _text_match(field: str, term: str) -> tuple[Q, Any]:
    """`field` matches the words of `term`, and the rank of the match (0 on SQLite)."""
    if _postgres():
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector(field, config=CONFIG)
        query = SearchQuery(term, config=CONFIG, search_type="websearch")
        return Q(Matches(vector, query)), SearchRank(vector, query)
    return Q(**{f"{field}__icontains": term}), Value(0.0, output_field=FloatField())


def _reference_rank(term: str, text_rank: Any) -> Any:
    return Case(
        When(reference__iexact=term, then=Value(3.0)),
        When(reference__icontains=term, then=Value(2.0)),
        default=text_rank,
        output_field=FloatField(),
    )


def _cases(user: Any, term: str) -> list[Hit]:
    summary_q, summary_rank = _text_match("summary", term)
    note_q, _ = _text_match("body", term)
    person = person_for(user)
    notes = Note.objects.filter(note_q, case_id=OuterRef("pk"))
    if person is not None and not user.is_superuser:
        # A party reads only the shared notes of their case (cases.selectors.visible_notes).
        notes = notes.filter(
            Q(visibility=NoteVisibility.SHARED)
            | ~Q(case__raised_by_id=person.pk) & ~Q(case__about_id=person.pk)
        )
    from inbound.models import InboundEmail

    email_q, _ = _text_match("body_text", term)
    emails = InboundEmail.objects.filter(email_q, case_id=OuterRef("pk"))
    if person is not None and not user.is_superuser:
        # Emails reach a case as its notes; the same rule as for notes holds for parties.
        emails = emails.filter(~Q(case__raised_by_id=person.pk) & ~Q(case__about_id=person.pk))
    rows = (
        visible_cases_for(user)
        .filter(
            Q(reference__icontains=term)
            | summary_q
            | Q(raised_by_id__in=_people(term))
            | Q(about_id__in=_people(term))
            | Q(Exists(notes))
            | Q(Exists(emails))
        )
        .annotate(rank=_reference_rank(term, summary_rank), title=Left("summary", 140))
        .order_by("-rank", "-received_at", "-pk")
        .values("reference", "title", "rank")[:LIMIT]
    )
    return [
        Hit(
            "Case",
            r["reference"],
            r["title"],
            reverse("cases:detail", args=[r["reference"]]),
            r["rank"],
        )
        for r in rows
    ]


def _info_requests(user: Any, term: str) -> list[Hit]:
    from info_requests.selectors import visible_info_requests_for

    text_q, text_rank = _text_match("description", term)
    rows = (
        visible_info_requests_for(user)
        .filter(Q(reference__icontains=term) | text_q | Q(requested_by_id__in=_people(term)))
        .annotate(rank=_reference_rank(term, text_rank), title=Left("description", 140))
        .order_by("-rank", "-pk")
        .values("reference", "title", "rank")[:LIMIT]
    )
    return [
        Hit(
            "Information request",
            r["reference"],
            r["title"],
            reverse("info_requests:detail", args=[r["reference"]]),
            r["rank"],
        )
        for r in rows
    ]


def _registers(user: Any, term: str) -> list[Hit]:
    """Improper approaches and requests for an officer's help, in one statement (a UNION)."""
    from registers.selectors import visible_approaches_for, visible_help_requests_for

    def branch(qs: QuerySet[Any], kind: str, people: Q) -> QuerySet[Any]:
        text_q, text_rank = _text_match("description", term)
        return (
            qs.filter(text_q | people)
            .order_by()
            .annotate(
                register=Value(kind, output_field=CharField()),
                ref=Cast("pk", output_field=CharField()),
                title=Left("description", 140),
                score=text_rank,
            )
            .values_list("register", "ref", "title", "score")
        )

    approaches = branch(
        visible_approaches_for(user).select_related(None),
        "approaches",
        Q(reported_by_id__in=_people(term)) | Q(about_id__in=_people(term)),
    )
    help_requests = branch(
        visible_help_requests_for(user).select_related(None),
        "officer_help",
        Q(requested_by_id__in=_people(term)) | Q(officer_id__in=_people(term)),
    )
    labels = {"approaches": "Improper approach", "officer_help": "Request for an officer's help"}
    rows = approaches.union(help_requests, all=True).order_by("-score")[:LIMIT]
    return [
        Hit(
            labels[kind],
            f"#{ref}",
            title,
            reverse(f"registers:{kind}_detail", args=[int(ref)]),
            float(score or 0),
        )
        for kind, ref, title, score in rows
    ]


def search(user: Any, query: str) -> dict[str, list[Hit]]:
    """The hits for `query` the user may see, by kind, best first (empty for a short query)."""
    term = " ".join((query or "").split())[:MAX_LENGTH]
    if len(term) < MIN_LENGTH or not user.is_authenticated:
        return {}
    found = {
        "Cases": _cases(user, term),
        "Information requests": _info_requests(user, term),
        "Registers": _registers(user, term),
    }
    return {kind: hits for kind, hits in found.items() if hits}
