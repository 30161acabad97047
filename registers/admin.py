"""Django admin for the registers.

Entries are confidential and change only through `registers.services` (which audit and notify),
so the admin shows them read-only, to superusers only. The one thing configured here is each
council's briefing policy (Lancaster 3.1).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Briefing,
    BriefingOffer,
    BriefingPolicy,
    DeclinedAttendance,
    ImproperApproach,
    InterestAdvice,
    OfficerHelpRequest,
    RegisterEvent,
    WardNotification,
)


class SuperuserOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class ReadOnlyEntry(SuperuserOnly):
    """Seen here for support; created and changed on the register pages or the API."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BriefingPolicy)
class BriefingPolicyAdmin(SuperuserOnly):
    list_display = ["council", "share_only_on_written_request", "protocol_reference"]
    list_filter = ["share_only_on_written_request"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class BriefingOfferInline(admin.TabularInline):
    model = BriefingOffer
    extra = 0
    can_delete = False
    readonly_fields = ["group", "status", "offered_at", "responded_at", "response_note"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Briefing)
class BriefingAdmin(ReadOnlyEntry):
    list_display = ["topic", "group", "officer", "given_on", "information_shared_at", "council"]
    list_filter = ["council"]
    list_select_related = ["group", "officer", "council"]
    search_fields = ["topic", "group__name", "officer__name"]
    date_hierarchy = "given_on"
    inlines = [BriefingOfferInline]


@admin.register(DeclinedAttendance)
class DeclinedAttendanceAdmin(ReadOnlyEntry):
    list_display = ["meeting_on", "group", "officer", "council"]
    list_filter = ["council"]
    list_select_related = ["group", "officer", "council"]


@admin.register(ImproperApproach)
class ImproperApproachAdmin(ReadOnlyEntry):
    list_display = ["reported_by", "about", "kind", "state", "reported_at", "council"]
    list_filter = ["state", "kind", "council"]
    list_select_related = ["reported_by", "about", "council"]
    search_fields = ["reported_by__name", "about__name"]
    date_hierarchy = "reported_at"


@admin.register(OfficerHelpRequest)
class OfficerHelpRequestAdmin(ReadOnlyEntry):
    list_display = ["requested_by", "officer", "decision", "inform_all_members", "requested_at"]
    list_filter = ["decision", "council"]
    list_select_related = ["requested_by", "officer"]
    search_fields = ["requested_by__name", "officer__name"]


@admin.register(WardNotification)
class WardNotificationAdmin(ReadOnlyEntry):
    list_display = ["subject", "kind", "notified_at", "council", "sharing_consent"]
    list_filter = ["kind", "council"]
    search_fields = ["subject"]
    date_hierarchy = "notified_at"
    # Lancaster 10.3: the resident's details stay out of the admin list and search.
    exclude = ["resident_name", "resident_contact"]


@admin.register(InterestAdvice)
class InterestAdviceAdmin(ReadOnlyEntry):
    list_display = ["member", "state", "asked_at", "council"]
    list_filter = ["state", "council"]
    list_select_related = ["member", "council"]


@admin.register(RegisterEvent)
class RegisterEventAdmin(ReadOnlyEntry):
    """The immutable audit trail; `hash` chains each entry's events."""

    list_display = ["at", "register", "object_id", "action", "actor_name", "council"]
    list_filter = ["register", "action", "council"]
    search_fields = ["actor_name", "action"]
    date_hierarchy = "at"
