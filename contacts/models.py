"""Councils, the people in them, and who holds which role when."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Tier(models.TextChoices):
    COUNTY = "county", "County council"
    DISTRICT = "district", "District council"
    UNITARY = "unitary", "Unitary authority"
    METROPOLITAN_BOROUGH = "metropolitan_borough", "Metropolitan borough"
    LONDON_BOROUGH = "london_borough", "London borough"
    PARISH = "parish", "Parish or town council"


class Nation(models.TextChoices):
    ENGLAND = "england", "England"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


class Council(models.Model):
    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(max_length=200)
    tier = models.CharField(max_length=30, choices=Tier.choices)
    nation = models.CharField(max_length=20, choices=Nation.choices, default=Nation.ENGLAND)
    # Halstead borrows Braintree's Monitoring Officer; West Lavington borrows Wiltshire's.
    monitoring_officer_council = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="borrowing_councils",
        help_text="Leave blank when the council has its own Monitoring Officer.",
    )
    reference_prefix = models.CharField(
        max_length=6, help_text="Case references start with this, e.g. LAN-2026-0042."
    )
    retention_years = models.PositiveSmallIntegerField(
        default=6, help_text="Closed cases are anonymised this many years after closing."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(monitoring_officer_council=models.F("pk")),
                name="council_mo_not_self",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_parish(self) -> bool:
        return self.tier == Tier.PARISH

    @property
    def monitoring_officer_source(self) -> Council:
        return self.monitoring_officer_council or self

    def clean(self) -> None:
        errors: dict[str, str] = {}
        mo_council = self.monitoring_officer_council
        if mo_council is not None:
            if self.pk and mo_council.pk == self.pk:
                errors["monitoring_officer_council"] = (
                    "A council cannot borrow its Monitoring Officer from itself; leave it blank."
                )
            elif mo_council.is_parish:
                errors["monitoring_officer_council"] = (
                    f"{mo_council.name} is a parish council and has no Monitoring Officer to lend."
                )
            elif mo_council.monitoring_officer_council_id is not None:
                errors["monitoring_officer_council"] = (
                    f"{mo_council.name} itself borrows its Monitoring Officer; choose the council "
                    "that employs one."
                )
        elif self.is_parish:
            errors["monitoring_officer_council"] = (
                "A parish or town council has no Monitoring Officer of its own: choose the "
                "district or unitary council whose Monitoring Officer serves it."
            )
        if errors:
            raise ValidationError(errors)


class ClosureDay(models.Model):
    """A council's own non-working day (e.g. between Christmas and New Year)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="closure_days")
    date = models.DateField()
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["council", "date"], name="closure_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.council.slug} closed {self.date:%d %b %Y}"


class Ward(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="wards")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["council", "name"], name="ward_unique")]

    def __str__(self) -> str:
        return self.name


class PoliticalGroup(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="political_groups")
    name = models.CharField(max_length=200)
    leader = models.ForeignKey(
        "Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="groups_led"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="political_group_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.leader_id and self.leader and self.leader.political_group_id != self.pk:
            raise ValidationError({"leader": "The group leader must be a member of the group."})


class PersonKind(models.TextChoices):
    COUNCILLOR = "councillor", "Councillor"
    OFFICER = "officer", "Officer"


class Person(models.Model):
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="people")
    kind = models.CharField(max_length=20, choices=PersonKind.choices)
    name = models.CharField(max_length=200)
    # A stable handle for the YAML configuration (fixtures/councils/*.yaml): re-importing a file
    # matches people by (council, key), so renaming someone never creates a second person.
    key = models.SlugField(max_length=80, blank=True)
    email = models.EmailField(blank=True)
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="councillors"
    )
    political_group = models.ForeignKey(
        PoliticalGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    job_title = models.CharField(max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["council", "kind"]), models.Index(fields=["email"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="officer", ward__isnull=True) | Q(kind="councillor"),
                name="person_officer_has_no_ward",
            ),
            # The importer matches people by (council, key): two with one key would be ambiguous.
            models.UniqueConstraint(
                fields=["council", "key"],
                condition=~Q(key=""),
                name="person_key_unique_per_council",
                violation_error_message="Another person of this council already has this key.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_councillor(self) -> bool:
        return self.kind == PersonKind.COUNCILLOR

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == PersonKind.COUNCILLOR:
            if not self.ward_id:
                errors["ward"] = "A councillor must represent a ward."
            elif self.ward and self.ward.council_id != self.council_id:
                errors["ward"] = "The ward must belong to the councillor's council."
            if self.job_title:
                errors["job_title"] = "Only officers have a job title; leave it blank."
            group = self.political_group
            if group is not None and group.council_id != self.council_id:
                errors["political_group"] = "The group must belong to the councillor's council."
        elif self.kind == PersonKind.OFFICER:
            if self.ward_id:
                errors["ward"] = "Officers do not represent wards; leave it blank."
            if self.political_group_id:
                errors["political_group"] = "Officers are politically neutral; leave it blank."
            if not self.job_title:
                errors["job_title"] = "Enter the officer's job title."
        if errors:
            raise ValidationError(errors)


class ServiceKind(models.TextChoices):
    DIRECTORATE = "directorate", "Directorate"
    DEPARTMENT = "department", "Department"
    TEAM = "team", "Team"


class Service(models.Model):
    """A directorate, department or team of a council's paid service (issue #20).

    Its heads are the role assignments naming it (a Director, Chief Officer or Service Head);
    its officers are its `ServiceMembership`s. "Their Director", "the relevant Service Head" and
    "the appropriate Chief Officer" are the heads of the service a case belongs to; a team with
    no head of its own answers through the service it sits in (`parent`).
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="services")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=20, choices=ServiceKind.choices, default=ServiceKind.DIRECTORATE
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The directorate a department or team sits in; blank for a top-level service.",
    )

    class Meta:
        ordering = ["council", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "slug"], name="service_slug_unique"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="service_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def chain(self) -> list[Service]:
        """This service, then the services it sits in, nearest first (cycles cut)."""
        chain: list[Service] = []
        service: Service | None = self
        while service is not None and service not in chain:
            chain.append(service)
            service = service.parent
        return chain

    def clean(self) -> None:
        parent = self.parent
        if parent is None:
            return
        if parent.council_id != self.council_id:
            raise ValidationError({"parent": "The service must sit in a service of its council."})
        if self.pk is not None and any(s.pk == self.pk for s in parent.chain()):
            raise ValidationError({"parent": "A service cannot sit inside itself."})


class ServiceMembership(models.Model):
    """`person` (an officer) works in `service` from `starts_on` to `ends_on`.

    Dated like a role assignment, so a case keeps the structure it was routed under. The line
    manager named here is the officer's manager in that post: nobody a case's subject manages,
    directly or further down, ever handles the case (issue #20).
    """

    person = models.ForeignKey(
        "Person", on_delete=models.CASCADE, related_name="service_memberships"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="memberships")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Blank while they work there.")
    line_manager = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_memberships",
    )

    class Meta:
        ordering = ["service", "starts_on"]
        indexes = [models.Index(fields=["person", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="service_membership_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "service", "starts_on"], name="service_membership_unique"
            ),
            models.CheckConstraint(
                condition=~Q(line_manager=models.F("person")), name="line_manager_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.service}"

    def is_current(self, on: datetime.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The end date must be on or after the start date."
        person = getattr(self, "person", None)
        service = getattr(self, "service", None)
        if person is not None:
            if person.kind != PersonKind.OFFICER:
                errors["person"] = "Only officers belong to a service; councillors do not."
            elif service is not None and service.council_id != person.council_id:
                errors["service"] = f"Choose a service of {person.council.name}."
        manager = self.line_manager
        if manager is not None and person is not None:
            if manager.pk == person.pk:
                errors["line_manager"] = "An officer cannot manage themself."
            elif manager.kind != PersonKind.OFFICER or manager.council_id != person.council_id:
                errors["line_manager"] = f"The line manager must be an officer of {person.council}."
        if (
            person is not None
            and person.pk is not None
            and self.starts_on
            and "person" not in errors
            and "ends_on" not in errors
        ):
            overlapping = ServiceMembership.objects.filter(person=person).exclude(pk=self.pk)
            overlapping = overlapping.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=self.starts_on)
            )
            if self.ends_on is not None:
                overlapping = overlapping.filter(starts_on__lte=self.ends_on)
            clash = overlapping.select_related("service").first()
            if clash is not None:
                errors["starts_on"] = (
                    f"{person.name} already works in {clash.service.name} from "
                    f"{clash.starts_on:%d %B %Y}: an officer belongs to one service at a time. "
                    "End that membership first."
                )
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    HEAD_OF_PAID_SERVICE = "head_of_paid_service", "Head of Paid Service / Chief Executive"
    DIRECTOR = "director", "Director"
    CHIEF_OFFICER = "chief_officer", "Chief Officer"
    SERVICE_HEAD = "service_head", "Service Head"
    MONITORING_OFFICER = "monitoring_officer", "Monitoring Officer"
    DEPUTY_MONITORING_OFFICER = "deputy_monitoring_officer", "Deputy Monitoring Officer"
    CHIEF_FINANCE_OFFICER = "chief_finance_officer", "S151 Officer / Chief Finance Officer"
    CLERK = "clerk", "Clerk"
    CASE_ADMINISTRATOR = "case_administrator", "Case administrator"
    LEADER = "leader", "Leader of the Council"
    OPPOSITION_LEADER = "opposition_leader", "Leader of the Opposition"
    GROUP_LEADER = "group_leader", "Group Leader"
    CHAIRMAN = "chairman", "Chairman"
    STANDARDS_COMMITTEE_MEMBER = "standards_committee_member", "Standards Committee member"
    PERSONNEL_COMMITTEE_MEMBER = "personnel_committee_member", "Personnel Committee member"
    HUMAN_RESOURCES = "human_resources", "Head of HR"


# The role that stands in when the holder of a role cannot act.
DEPUTY_ROLE: dict[str, str] = {
    Role.MONITORING_OFFICER: Role.DEPUTY_MONITORING_OFFICER,
}

# Roles that head a service: "their Director", "the relevant Service Head", "the appropriate
# Chief Officer" (issue #20). An assignment of one of these may name the service it heads.
SERVICE_HEAD_ROLES = frozenset({Role.DIRECTOR, Role.CHIEF_OFFICER, Role.SERVICE_HEAD})

# Roles a parish or town council may not hold itself: it borrows them.
BORROWED_ROLES = {Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER}


class Capacity(models.TextChoices):
    SUBSTANTIVE = "substantive", "Substantive"
    ACTING = "acting", "Acting"


class RoleAssignment(models.Model):
    """`person` holds `role` for `council` (which may not be their own: the borrowed MO)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_assignments")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=40, choices=Role.choices)
    capacity = models.CharField(
        max_length=20, choices=Capacity.choices, default=Capacity.SUBSTANTIVE
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Blank while the role is held.")
    notes = models.CharField(max_length=200, blank=True)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="head_assignments",
        help_text="For a Director, Chief Officer or Service Head: the service they head.",
    )

    class Meta:
        ordering = ["council", "role", "starts_on"]
        indexes = [models.Index(fields=["council", "role", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="role_assignment_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "council", "role", "starts_on"], name="role_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}, {self.council.slug}"

    def is_current(self, on: datetime.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The end date must be on or after the start date."
        council = getattr(self, "council", None)
        person = getattr(self, "person", None)
        if council is not None and person is not None:
            if (
                council.is_parish
                and self.role in BORROWED_ROLES
                and person.council_id == council.pk
            ):
                errors["role"] = (
                    f"{council.name} is a parish: its Monitoring Officer is lent by "
                    f"{council.monitoring_officer_source.name}."
                )
            service = self.service
            if service is not None:
                if self.role not in SERVICE_HEAD_ROLES:
                    errors["service"] = (
                        "Only a Director, Chief Officer or Service Head heads a service; "
                        "leave it blank."
                    )
                elif service.council_id != council.pk:
                    errors["service"] = f"Choose a service of {council.name}."
            if person.council_id != council.pk and self.role not in BORROWED_ROLES:
                errors["council"] = (
                    "Only the Monitoring Officer (or deputy) can hold a role for another council."
                )
        if errors:
            raise ValidationError(errors)


class PersonalRelationship(models.Model):
    """A declared close personal relationship between a member and an officer.

    Maldon 5.1 & 6.2, Hounslow 10, Halstead 4.4. A member declares to their Group Leader, an
    officer to the Head of Paid Service; where the officer is the Head of Paid Service, the Group
    Leaders are told (Maldon 5.1). Confidential: `registers.selectors.visible_relationships_for`
    decides who sees it. The case engine never lets one judge a case about the other
    (`contacts.selectors.related_person_ids`).
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="relationships")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="relationships_declared"
    )
    related_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="relationships_received"
    )
    nature = models.CharField(max_length=200, help_text="e.g. family member, close friend, partner")
    declared_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    # Who the declaration goes to, in the protocol's words (Maldon 5.1): the member's Group
    # Leader, or the Head of Paid Service for an officer.
    declared_to_role = models.CharField(max_length=40, choices=Role.choices, blank=True)
    declared_to = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relationships_told",
        help_text="The role holder the declaration was made to, as it was on the day.",
    )
    # Roles told besides: the Group Leaders when the officer is the Head of Paid Service.
    notified_roles = models.JSONField(default=list, blank=True)
    recipients = models.ManyToManyField(
        Person,
        blank=True,
        related_name="relationships_notified",
        help_text="Everyone told of the declaration when it was made.",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The login that recorded the declaration (the declarer, or a clerk for them).",
    )
    created_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)

    class Meta:
        ordering = ["-declared_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "declared_on"]),
            models.Index(fields=["related_person", "declared_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=models.F("related_person")), name="relationship_not_self"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("declared_on")),
                name="relationship_ends_after_declared",
            ),
        ]

    def __str__(self) -> str:
        return f"Relationship declared by {self.person}"

    def is_current(self, on: datetime.date) -> bool:
        return self.declared_on <= on and (self.ended_on is None or self.ended_on >= on)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.person_id and self.person_id == self.related_person_id:
            errors["related_person"] = "Choose the other person in the relationship, not yourself."
        if self.ended_on and self.declared_on and self.ended_on < self.declared_on:
            errors["ended_on"] = "The end date must be on or after the date it was declared."
        if errors:
            raise ValidationError(errors)
