"""Issue #22: every link a page shows works for the person it is shown to.

Signs in as every demo login (with the sample cases, requests and registers loaded), starts at
the home page and follows every same-site link it is shown, breadth first: none may answer 4xx
or 5xx. (The admin's "Ask for information" was a 404 "Choose a council."; members saw a "Record a
declined group meeting" link that 404ed.) To keep it bounded, a few URLs per route are followed
(the same page for another case adds nothing a crawl can find), and Django's own admin site,
downloads and the API are left to their own tests.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve

from tests.cases.factories import loaded_for_module

from .test_access_matrix import DEMO_LOGINS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HREF = re.compile(r'<a\s[^>]*?href="([^"]+)"', re.IGNORECASE)
# Not pages: sign-out ends the crawl; the admin site, the API and static files are tested apart.
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/sign-out/")
PER_ROUTE = 3
MAX_PAGES = 400


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, "load_demo", sample_cases=True):
        yield


def _links(html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(SKIP_PREFIXES):
            continue
        found.append(href)
    return found


def _route(url: str) -> str:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return url
    return f"{match.view_name}?{bool(urlsplit(url).query)}"


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_every_link_shown_works_for_the_person_shown_it(demo_data, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen: set[str] = {"/"}
    per_route: Counter[str] = Counter()
    broken: list[str] = []
    visited = 0
    while queue and visited < MAX_PAGES:
        url, found_on = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code >= 400:
            broken.append(f"{url} -> {response.status_code} (linked from {found_on})")
            continue
        if response.status_code in (301, 302):
            target = response["Location"]
            if target.startswith("/") and target not in seen:
                seen.add(target)
                queue.append((target, f"redirect from {url}"))
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        for link in _links(response.content.decode()):
            if link in seen:
                continue
            route = _route(link)
            if per_route[route] >= PER_ROUTE:
                continue
            per_route[route] += 1
            seen.add(link)
            queue.append((link, url))
    assert not broken, f"{username} is shown links that fail:\n" + "\n".join(broken)
    assert visited > 5, f"{username} reached only {visited} pages"
