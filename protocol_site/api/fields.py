"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers

from contacts.models import Council, Person
from contacts.selectors import visible_councils_for


def nameable_people(user: Any) -> QuerySet[Person]:
    """People a user may name in a request: those of the councils they can look at, and of the
    councils lending those councils their Monitoring Officer (a parish's borrowed MO).

    Anyone else answers exactly like an id that does not exist, so a guessed id never tells
    whether a person exists at another council, nor who they are (issue #23)."""
    if getattr(user, "is_superuser", False):
        return Person.objects.all()
    councils = visible_councils_for(user)
    lenders = Council.objects.filter(
        pk__in=councils.exclude(monitoring_officer_council__isnull=True).values(
            "monitoring_officer_council_id"
        )
    )
    return Person.objects.filter(Q(council__in=councils) | Q(council__in=lenders))


class PersonField(serializers.PrimaryKeyRelatedField):
    """A person's id, limited to `nameable_people` of the requesting user.

    The serializer needs `request` in its context; without one nobody is nameable."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Person.objects.all())  # for the schema only
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Person]:
        request = self.context.get("request")
        if request is None:
            return Person.objects.none()
        return nameable_people(request.user)
