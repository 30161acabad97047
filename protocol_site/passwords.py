"""Self-service password change and reset by email (issue #23): Django's own views in GOV.UK
pages, throttled, telling nobody whether an address has an account.

- Change (`/account/password/`): signed in, the current password first. Five wrong current
  passwords in 15 minutes and the form refuses to check more for the rest of the window.
- Reset (`/account/password/reset/`): the "check your email" page is the same whether or not
  the address is known, and whether or not the limit was reached: 5 requests an hour from one
  client address and 3 an hour for one email address; beyond that nothing is sent.
- In production (`FORCE_DEMO_PASSWORD_CHANGE`, on with PROTOCOL_PRODUCTION) a sign-in with the
  demo password (`load_demo`) must choose a new password before anything else
  (`ForcePasswordChangeMiddleware`).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from rest_framework.settings import api_settings

logger = logging.getLogger("protocol.security")

CHANGE_FAILURES = (5, 15 * 60)  # wrong current passwords, per user, per window
RESET_PER_ADDRESS = (5, 60 * 60)
RESET_PER_EMAIL = (3, 60 * 60)
MUST_CHANGE_KEY = "_protocol_must_change_password"


def client_address(request: HttpRequest) -> str:
    """The client as the API throttles see it: REMOTE_ADDR, or with NUM_PROXIES = N the address
    the last trusted proxy appended to X-Forwarded-For."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = [a.strip() for a in str(forwarded).split(",")]
    return addresses[-min(proxies, len(addresses))]


def _key(kind: str, value: str) -> str:
    return f"protocol:pw:{kind}:" + hashlib.sha256(value.lower().encode()).hexdigest()


def _count(kind: str, value: str, window: int) -> int:
    key = _key(kind, value)
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def _over(kind: str, value: str, limit: tuple[int, int]) -> bool:
    return int(cache.get(_key(kind, value)) or 0) >= limit[0]


def _page(title: str, button: str, back: str, intro: str = "") -> dict[str, Any]:
    return {"title": title, "button": button, "back": back, "intro": intro, "caption": ""}


# -- change ---------------------------------------------------------------------------------------
RULES_HINT = (
    "At least 8 characters. Not a common password, not all numbers and not like your username."
)


def _plain_labels(form: auth_forms.SetPasswordForm) -> None:
    """GOV.UK wording, and a plain-text hint (Django's is an HTML list)."""
    form.fields["new_password1"].label = "New password"
    form.fields["new_password1"].help_text = RULES_HINT
    form.fields["new_password2"].label = "Confirm new password"
    form.fields["new_password2"].help_text = ""


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_labels(self)


class ThrottledPasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Enter it again.",
        "throttled": "Too many wrong passwords. Wait 15 minutes, then try again.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        _plain_labels(self)

    def clean_old_password(self) -> str:
        who = str(self.user.pk)
        if _over("change", who, CHANGE_FAILURES):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return str(super().clean_old_password())
        except ValidationError:
            _count("change", who, CHANGE_FAILURES[1])
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "form.html"
    form_class = ThrottledPasswordChangeForm
    success_url = reverse_lazy("password_change_done")
    extra_context = _page("Change your password", "Change password", "/account/")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session.pop(MUST_CHANGE_KEY, None)
        logger.info("Password changed", extra={"data": {"user_id": self.request.user.pk}})
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "account/password_done.html"
    extra_context = {"title": "Your password has been changed"}


# -- reset ----------------------------------------------------------------------------------------
class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        field.label = "Email address"
        field.error_messages = {
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        }


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "form.html"
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    extra_context = _page(
        "Reset your password",
        "Send a reset link",
        "/sign-in/",
        "Enter the email address your council holds for you. If it belongs to an account, we "
        "will email a link to choose a new password.",
    )

    def form_valid(self, form: Any) -> HttpResponse:
        address = client_address(self.request)
        email = str(form.cleaned_data["email"])
        by_address = _count("reset-address", address, RESET_PER_ADDRESS[1])
        by_email = _count("reset-email", email, RESET_PER_EMAIL[1])
        if by_address > RESET_PER_ADDRESS[0] or by_email > RESET_PER_EMAIL[0]:
            # The same page as a sent link: the limit tells nobody whether the address exists.
            logger.warning("Password reset throttled", extra={"data": {"client": address}})
            return redirect(self.get_success_url())
        from protocol_site.context_processors import SERVICE_NAME

        # The link is built from SITE_URL, never from the request's Host header.
        self.extra_email_context = {
            "site_url": settings.SITE_URL.rstrip("/"),
            "site_name": SERVICE_NAME,
        }
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "account/password_done.html"
    extra_context = {
        "title": "Check your email",
        "body": "If the address belongs to an account, we have sent a link to choose a new "
        "password. It works once, for 3 days. No email? Check your spam folder, or ask your "
        "council's clerk.",
    }


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "account/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("password_reset_complete")
    extra_context = _page("Choose a new password", "Save password", "/sign-in/")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "account/password_done.html"
    extra_context = {"title": "Your password has been reset", "sign_in": True}


# -- the demo password in production --------------------------------------------------------------
def flag_demo_password(request: HttpRequest, password: str) -> None:
    """Called on a successful sign-in: the demo password must be changed before anything else."""
    if not getattr(settings, "FORCE_DEMO_PASSWORD_CHANGE", False):
        return
    from contacts.management.commands.load_demo import DEMO_PASSWORD

    if password == DEMO_PASSWORD:
        request.session[MUST_CHANGE_KEY] = True


class ForcePasswordChangeMiddleware:
    """Sends a login still on the demo password to the change page (API calls: 403)."""

    ALLOWED = ("/account/password/", "/sign-out/", "/static/")

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(MUST_CHANGE_KEY)
            and request.user.is_authenticated
            and not request.path.startswith(self.ALLOWED)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Change the demo password on /account/password/ first."},
                    status=403,
                )
            messages.warning(request, "You signed in with the demo password: choose your own.")
            return redirect(reverse("password_change"))
        response: HttpResponse = self.get_response(request)
        return response


urlpatterns = [
    path("", PasswordChangeView.as_view(), name="password_change"),
    path("changed/", PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("reset/", PasswordResetView.as_view(), name="password_reset"),
    path("reset/sent/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
