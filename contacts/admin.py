"""Admin for councils, people and roles. The forms (contacts/forms.py) carry the validation."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .forms import CouncilForm, PersonalRelationshipForm, PersonForm, RoleAssignmentForm
from .models import (
    ClosureDay,
    Council,
    Person,
    PersonalRelationship,
    PoliticalGroup,
    RoleAssignment,
    Service,
    ServiceMembership,
    Ward,
)
from .selectors import held_on


class CurrentFilter(admin.SimpleListFilter):
    title = "held today"
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Held today"), ("no", "Ended or not started")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        current = held_on(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(current)
        if self.value() == "no":
            return queryset.exclude(current)
        return queryset


class WardInline(admin.TabularInline):
    model = Ward
    extra = 0


class PoliticalGroupInline(admin.TabularInline):
    model = PoliticalGroup
    extra = 0
    autocomplete_fields = ["leader"]


class ClosureDayInline(admin.TabularInline):
    model = ClosureDay
    extra = 0


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    fk_name = "person"
    extra = 0
    fields = ["role", "council", "service", "capacity", "starts_on", "ends_on", "notes"]


class ServiceMembershipInline(admin.TabularInline):
    """Issue #20: the service an officer works in (one at a time, dated) and their manager."""

    model = ServiceMembership
    fk_name = "person"
    extra = 0
    fields = ["service", "starts_on", "ends_on", "line_manager"]
    autocomplete_fields = ["service", "line_manager"]


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["name", "slug", "kind", "parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    form = CouncilForm
    list_display = ["name", "slug", "tier", "nation", "monitoring_officer_council"]
    list_filter = ["tier", "nation"]
    list_select_related = ["monitoring_officer_council"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WardInline, PoliticalGroupInline, ClosureDayInline, ServiceInline]


class ServiceMemberInline(admin.TabularInline):
    model = ServiceMembership
    fk_name = "service"
    extra = 0
    fields = ["person", "starts_on", "ends_on", "line_manager"]
    autocomplete_fields = ["person", "line_manager"]


class ServiceHeadInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    fk_name = "service"
    extra = 0
    verbose_name = "head of the service"
    verbose_name_plural = "heads of the service (Director, Chief Officer or Service Head)"
    fields = ["person", "council", "role", "capacity", "starts_on", "ends_on", "notes"]
    autocomplete_fields = ["person"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """Issue #20: a council's directorates, departments and teams, their heads and officers."""

    list_display = ["name", "kind", "parent", "council"]
    list_filter = ["council", "kind"]
    list_select_related = ["council", "parent"]
    search_fields = ["name", "slug", "council__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    inlines = [ServiceHeadInline, ServiceMemberInline]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "council", "description"]
    list_filter = ["council"]
    list_select_related = ["council"]
    search_fields = ["description", "council__name"]
    date_hierarchy = "date"


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["name", "council"]
    list_filter = ["council"]
    list_select_related = ["council"]
    search_fields = ["name", "council__name"]


@admin.register(PoliticalGroup)
class PoliticalGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "council", "leader"]
    list_filter = ["council"]
    list_select_related = ["council", "leader"]
    search_fields = ["name", "council__name"]
    autocomplete_fields = ["leader"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    list_display = ["name", "kind", "council", "ward", "political_group", "job_title", "user"]
    list_filter = ["kind", "council"]
    list_select_related = ["council", "ward", "political_group", "user"]
    search_fields = ["name", "email", "key", "job_title"]
    autocomplete_fields = ["ward", "political_group", "user"]
    inlines = [RoleAssignmentInline, ServiceMembershipInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ["person", "role", "service", "council", "capacity", "starts_on", "ends_on"]
    list_filter = [CurrentFilter, "role", "capacity", "council"]
    list_select_related = ["person", "council", "service"]
    search_fields = ["person__name", "council__name", "notes"]
    autocomplete_fields = ["person"]
    date_hierarchy = "starts_on"


@admin.register(PersonalRelationship)
class PersonalRelationshipAdmin(admin.ModelAdmin):
    """Confidential register (Maldon 5.1, Hounslow 10, Halstead 4.4): superusers only here.

    Users declare on the register pages (`registers.services.declare_relationship`); a
    declaration added here is routed and audited the same way.
    """

    form = PersonalRelationshipForm
    list_display = [
        "person",
        "related_person",
        "council",
        "declared_to_role",
        "declared_to",
        "declared_on",
        "ended_on",
    ]
    list_filter = ["council", "declared_to_role"]
    list_select_related = ["person", "related_person", "council", "declared_to"]
    search_fields = ["person__name", "related_person__name", "nature"]
    autocomplete_fields = ["person", "related_person"]
    readonly_fields = [
        "declared_to_role",
        "declared_to",
        "notified_roles",
        "recipient_names",
        "declared_by",
        "created_at",
    ]

    @admin.display(description="Told")
    def recipient_names(self, obj: PersonalRelationship) -> str:
        return ", ".join(p.name for p in obj.recipients.all()) if obj.pk else ""

    def save_model(
        self, request: HttpRequest, obj: PersonalRelationship, form: Any, change: bool
    ) -> None:
        from registers.services import record_register_event, relationship_recipients

        if change:
            super().save_model(request, obj, form, change)
            return
        role, holder, notified, recipients = relationship_recipients(obj.person)
        obj.declared_to_role, obj.declared_to, obj.notified_roles = role, holder, notified
        obj.declared_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        obj.recipients.set(recipients)
        record_register_event(
            register="relationship",
            object_id=obj.pk,
            council=obj.council,
            actor=request.user,
            action="declared",
            description="Recorded in the admin",
            data={"recipients": [p.pk for p in recipients]},
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser
