"""Factories for the core models. Apps with more models keep theirs in tests/<app>/factories.py."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from cases.models import (
    CaseType,
    Channel,
    ClockCalendar,
    ClockKind,
    ClockRule,
    ClockUnit,
    ProtocolVariant,
    VariantStatus,
    VariantStep,
)
from contacts.models import (
    Capacity,
    Council,
    Person,
    PersonKind,
    PoliticalGroup,
    Role,
    RoleAssignment,
    Service,
    ServiceKind,
    ServiceMembership,
    Tier,
    Ward,
)

PASSWORD = "protocol-demo-2026"


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"council-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.slug.title()} District Council")
    tier = Tier.DISTRICT
    reference_prefix = factory.Sequence(lambda n: f"C{n:03d}"[:6])

    class Params:
        parish = factory.Trait(tier=Tier.PARISH)


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Ward {n}")


class PoliticalGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoliticalGroup

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    council = factory.SubFactory(CouncilFactory)
    kind = PersonKind.OFFICER
    name = factory.Sequence(lambda n: f"Officer {n}")
    email = factory.Sequence(lambda n: f"officer{n}@example.gov.uk")
    job_title = "Service Head"


class CouncillorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    council = factory.SubFactory(CouncilFactory)
    kind = PersonKind.COUNCILLOR
    name = factory.Sequence(lambda n: f"Cllr Member {n}")
    email = factory.Sequence(lambda n: f"cllr{n}@example.gov.uk")
    ward = factory.SubFactory(WardFactory, council=factory.SelfAttribute("..council"))


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    person = factory.SubFactory(OfficerFactory)
    council = factory.SelfAttribute("person.council")
    role = Role.HEAD_OF_PAID_SERVICE
    capacity = Capacity.SUBSTANTIVE
    starts_on = datetime.date(2020, 1, 1)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = ServiceKind.DIRECTORATE


class ServiceMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceMembership

    person = factory.SubFactory(OfficerFactory)
    service = factory.SubFactory(ServiceFactory, council=factory.SelfAttribute("..person.council"))
    starts_on = datetime.date(2020, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


def user_for(person: Person, *groups: str):
    user = UserFactory(groups=list(groups))
    person.user = user
    person.save(update_fields=["user"])
    return user


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProtocolVariant

    council = factory.SubFactory(CouncilFactory)
    case_type = CaseType.MEMBER_CONCERN_ABOUT_OFFICER
    status = VariantStatus.PUBLISHED
    version = 1
    title = "Test route"
    published_at = factory.LazyFunction(timezone.now)


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VariantStep

    variant = factory.SubFactory(VariantFactory)
    position = factory.Sequence(lambda n: n + 1)
    state = "informal"
    label = factory.LazyAttribute(lambda o: f"Step {o.position}")
    handler_role = Role.HEAD_OF_PAID_SERVICE


class ClockRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClockRule

    step = factory.SubFactory(StepFactory)
    kind = ClockKind.RESPONSE
    length = 7
    unit = ClockUnit.CALENDAR_DAYS
    calendar = ClockCalendar.COUNCIL


def make_variant(council: Council, case_type: str, steps: list[tuple[str, str]], **kwargs):
    """A published variant with `steps` as (state, handler_role) pairs."""
    variant = VariantFactory(council=council, case_type=case_type, **kwargs)
    for position, (state, role) in enumerate(steps, start=1):
        StepFactory(variant=variant, position=position, state=state, handler_role=role)
    return variant


__all__ = ["Channel"]
