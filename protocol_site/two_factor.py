"""Optional second factor (TOTP, django-otp) for Monitoring Officers and admins (SECURITY.md).

An MO or a superuser may add an authenticator app at /account/two-factor/. From then on,
signing in with the password is not enough: every page sends them to /account/two-factor/verify/
until they enter a current code, and a browser-session API call is refused (403). People without
a confirmed device are not affected, nor are API token calls (a token is its own credential).

`RequireSecondFactorMiddleware` sits after django-otp's `OTPMiddleware`, which sets
`request.user.is_verified()`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from contacts.selectors import UserGroup

DEVICE_NAME = "Authenticator app"
# Reachable before the second step: the step itself, signing out, assets and probes.
OPEN_PREFIXES = ("/account/two-factor/verify/", "/sign-out/", "/static/", "/healthz", "/readyz")


def may_use_second_factor(user: Any) -> bool:
    """Monitoring Officers and admins (issue #11)."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.groups.filter(name=UserGroup.MONITORING_OFFICER).exists())


# Whether the signed-in user has a confirmed device, remembered for the session so that ordinary
# pages pay no extra query. A device added later counts from the next sign-in, or at once in the
# session that added it (`setup` sets the flag).
SESSION_HAS_DEVICE = "protocol_has_otp_device"


def _has_confirmed_device(request: HttpRequest, user: Any) -> bool:
    cached = request.session.get(SESSION_HAS_DEVICE)
    if cached is None:
        cached = bool(user_has_device(user, confirmed=True))
        request.session[SESSION_HAS_DEVICE] = cached
    return bool(cached)


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OPEN_PREFIXES)
            and _has_confirmed_device(request, user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Enter the code from your authenticator app first."}, status=403
                )
            return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
        return self.get_response(request)


class CodeForm(forms.Form):
    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "invalid": "Enter the 6-digit code from your authenticator app",
        },
    )

    def code(self) -> str:
        return str(self.cleaned_data["token"]).strip()


def _qr_svg(url: str) -> str:
    from django_otp.qr import write_qrcode_image

    out = io.BytesIO()
    write_qrcode_image(url, out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # inline in the page: no XML declaration


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the code (or type the key), then confirm one code."""
    if not may_use_second_factor(request.user):
        raise Http404("Not available for this login.")
    user: Any = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return render(request, "two_factor/setup.html", {"done": True})
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": DEVICE_NAME}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.code()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session[SESSION_HAS_DEVICE] = True
            otp_login(request, device)
            return render(request, "two_factor/setup.html", {"done": True, "just_added": True})
        form.add_error("token", "The code is not right: check the time on your phone and retry")
    return render(
        request,
        "two_factor/setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "key": device.key,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    user: Any = request.user
    target = request.GET.get("next") or request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    if user.is_verified() or not user_has_device(user, confirmed=True):
        return redirect(target)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(form.code()):
                otp_login(request, device)
                return redirect(target)
        form.add_error("token", "The code is not right: enter the code your app shows now")
    return render(
        request,
        "two_factor/verify.html",
        {"form": form, "next": target},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("", setup, name="two_factor_setup"),
    path("verify/", verify, name="two_factor_verify"),
]
