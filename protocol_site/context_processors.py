"""Template context every page needs: the service name, phase and the service navigation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from contacts.selectors import UserGroup, user_group_names

SERVICE_NAME = "Protocol"
PHASE = "beta"

# Groups whose members administer cases and so watch the clocks.
CLOCK_WATCHERS = {UserGroup.CLERK, UserGroup.MONITORING_OFFICER, UserGroup.COUNCIL_ADMIN}


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    active: bool


def _is_active(path: str, href: str) -> bool:
    if href == "/":
        return path == "/"
    return path.startswith(href)


def nav_items_for(request: HttpRequest) -> list[NavItem]:
    """Links in the service navigation for this user.

    Other apps' pages are linked by literal path, not `{% url %}`, so the layout never breaks
    while an app's URLs are still being built.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    groups = user_group_names(user)
    links: list[tuple[str, str]] = [("Home", "/"), ("Cases", "/cases/"), ("Search", "/search/")]
    if user.is_superuser or groups & {
        UserGroup.CLERK,
        UserGroup.COUNCILLOR,
        UserGroup.OFFICER,
        UserGroup.MONITORING_OFFICER,
        UserGroup.COUNCIL_ADMIN,
    }:
        links.append(("Information requests", "/information-requests/"))
    if user.is_superuser or groups & CLOCK_WATCHERS:
        links.append(("Clocks", "/clocks/"))
    links.append(("Registers", "/registers/"))
    if user.is_superuser or groups & CLOCK_WATCHERS:
        links.append(("Reports", "/reports/"))
        links.append(("Email triage", "/inbound/triage/"))
    if user.is_superuser or UserGroup.COUNCIL_ADMIN in groups:
        links.append(("Protocol set-up", "/variants/"))
    links.append(("Councils", "/councils/"))
    links.append(("Your account", "/account/"))
    if user.is_staff:
        links.append(("Admin", "/admin/"))
    path = request.path
    return [NavItem(label, href, _is_active(path, href)) for label, href in links]


def service(request: HttpRequest) -> dict[str, Any]:
    return {
        "service_name": SERVICE_NAME,
        "phase": PHASE,
        "nav_items": nav_items_for(request),
        # The API app's page, linked by path so the footer never depends on its URL names.
        "api_docs_url": "/api/docs/",
    }
