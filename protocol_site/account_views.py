"""The account page (/account/): a user's API token, created, regenerated and revoked by them.

A token is shown once, on the page that creates it, and never again (the page after says only
whether one exists and when it was made). Each change is a POST from a confirmation page; the
token endpoint (`POST /api/token/`) and the admin (Auth token > Tokens) are the other two ways.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from contacts.selectors import person_for

logger = logging.getLogger("protocol.security")


def _user_id(request: HttpRequest) -> int:
    user_id = request.user.pk  # every view here is login_required
    assert user_id is not None  # noqa: S101
    return int(user_id)


def _token(request: HttpRequest) -> Token | None:
    return Token.objects.filter(user_id=_user_id(request)).first()


@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "account/account.html",
        {"token": _token(request), "person": person_for(request.user)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def create_token(request: HttpRequest) -> HttpResponse:
    existing = _token(request)
    if request.method == "GET":
        return render(request, "account/token_create.html", {"token": existing})
    with transaction.atomic():
        # Regenerating replaces the key: scripts holding the old one get 401 from now on.
        Token.objects.filter(user_id=_user_id(request)).delete()
        token = Token.objects.create(user_id=_user_id(request))
    logger.info(
        "API token %s",
        "regenerated" if existing else "created",
        extra={"data": {"user_id": request.user.pk}},
    )
    # Rendered, not redirected: the key lives in this one response and nowhere else.
    return render(
        request, "account/token_created.html", {"key": token.key, "regenerated": bool(existing)}
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def revoke_token(request: HttpRequest) -> HttpResponse:
    existing = _token(request)
    if existing is None:
        messages.info(request, "You do not have an API token.")
        return redirect("account")
    if request.method == "GET":
        return render(request, "account/token_revoke.html", {"token": existing})
    Token.objects.filter(user_id=_user_id(request)).delete()
    logger.info("API token revoked", extra={"data": {"user_id": request.user.pk}})
    messages.success(
        request, "Your API token has been revoked. Scripts using it will stop working."
    )
    return redirect("account")


urlpatterns = [
    path("", account, name="account"),
    path("token/create/", create_token, name="account-token-create"),
    path("token/revoke/", revoke_token, name="account-token-revoke"),
]
