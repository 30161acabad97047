"""Admin: variants are configured here (drafts only: a published route is never edited, a change
is a new version). Cases, events and notes are read-only: every change goes through a service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from protocol_site.errors import ActionNotAllowed

from . import variant_services
from .models import (
    Attachment,
    Case,
    CaseAssignment,
    CaseEvent,
    ClockRule,
    Note,
    ProtocolVariant,
    VariantStatus,
    VariantStep,
)


def _editable(variant: ProtocolVariant | None) -> bool:
    return variant is None or variant.status == VariantStatus.DRAFT


class VariantStepInline(admin.TabularInline):
    model = VariantStep
    extra = 0
    fields = ["position", "state", "label", "handler_role", "inform_roles", "protocol_reference"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_delete_permission(request, obj)


@admin.register(ProtocolVariant)
class ProtocolVariantAdmin(admin.ModelAdmin):
    list_display = ["council", "case_type", "version", "status", "title", "published_at"]
    list_filter = ["status", "case_type", "council"]
    search_fields = ["title", "council__name", "protocol_reference"]
    readonly_fields = ["status", "published_at", "published_by", "created_at"]
    inlines = [VariantStepInline]
    actions = ["publish", "new_version"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A route that cases were opened on is history; only an unused draft goes.
        if obj is not None and (obj.status != VariantStatus.DRAFT or obj.cases.exists()):
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="Publish the selected drafts (retires the current version)")
    def publish(self, request: HttpRequest, queryset: QuerySet[ProtocolVariant]) -> None:
        for variant in queryset:
            try:
                variant_services.publish_draft(variant=variant, actor=request.user)
            except (ActionNotAllowed, ValidationError) as exc:
                self.message_user(request, f"{variant}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"Published {variant}.", messages.SUCCESS)

    @admin.action(description="Start a new draft version of the selected routes")
    def new_version(self, request: HttpRequest, queryset: QuerySet[ProtocolVariant]) -> None:
        for variant in queryset:
            try:
                draft = variant_services.start_draft(
                    council=variant.council,
                    case_type=variant.case_type,
                    actor=request.user,
                    source=variant,
                )
            except ActionNotAllowed as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"Draft {draft} created.", messages.SUCCESS)


class ClockRuleInline(admin.TabularInline):
    model = ClockRule
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj.variant if obj else None) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj.variant if obj else None) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj.variant if obj else None) and super().has_delete_permission(
            request, obj
        )


@admin.register(VariantStep)
class VariantStepAdmin(admin.ModelAdmin):
    list_display = ["variant", "position", "state", "label", "handler_role"]
    list_filter = ["state", "variant__council"]
    inlines = [ClockRuleInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj.variant if obj else None) and super().has_change_permission(
            request, obj
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "actor_name", "action", "from_state", "to_state", "reason"]


class CaseAssignmentInline(ReadOnlyInline):
    model = CaseAssignment
    fields = ["assigned_at", "person", "step_position", "reason"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "council", "case_type", "state", "handler", "received_at"]
    list_filter = ["state", "case_type", "council"]
    search_fields = ["reference", "raised_by__name", "about__name"]
    list_select_related = ["council", "handler"]
    inlines = [CaseAssignmentInline, CaseEventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "at", "action", "actor_name", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["case__reference", "actor_name"]
    list_select_related = ["case"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_at"]


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ["case", "author_name", "visibility", "created_at"]
    list_filter = ["visibility"]
    list_select_related = ["case"]
    inlines = [AttachmentInline]
