"""Admin for clocks: mostly read-only. Clocks change only through the services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AcknowledgementDraft, Deadline, Notice


class NoticeInline(admin.TabularInline):
    model = Notice
    extra = 0
    can_delete = False
    fields = ("kind", "key", "created_at", "queued_at", "sent_at", "attempts", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ("kind", "case", "info_request", "due_at", "met_at", "breached_at", "paused_at")
    list_filter = ("kind", "working_days", "calendar")
    search_fields = ("case__reference", "info_request__reference")
    date_hierarchy = "due_at"
    inlines = [NoticeInline]
    readonly_fields = [f.name for f in Deadline._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("kind", "deadline", "created_at", "sent_at", "attempts", "last_error")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in Notice._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AcknowledgementDraft)
class AcknowledgementDraftAdmin(admin.ModelAdmin):
    list_display = ("case", "status", "to_email", "created_at", "sent_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in AcknowledgementDraft._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
