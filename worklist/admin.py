from django.contrib import admin

from .forms import ReplyTemplateAdminForm
from .models import OutboundEmail, ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    form = ReplyTemplateAdminForm
    list_display = ["name", "council", "updated_at"]
    list_filter = ["council"]
    search_fields = ["name", "body"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Read only: an email sent is kept as it was sent."""

    list_display = ["case", "subject", "sender_name", "created_at", "sent_at"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
