"""Hostile input at every page, form and API operation, as every kind of demo login: no 5xx
(issue #23).

For each login the test crawls the service from the home page (every link it is shown, up to a
cap) and collects every page and every form; it reads the API's own schema for every operation.
Hypothesis then throws NUL bytes, numbers out of range, deep nesting, control characters and
overlong text at them: into each page's query string, each form's every field, each API path
parameter, query parameter and JSON field (and raw bodies JSON cannot parse). Every answer must
be below 500. Examples are few per login (each one walks everything) so `make test` stays fast;
`tests/api/test_schemathesis.py` fuzzes the API against its schema in depth as one login.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.cases.factories import loaded_for_module

pytestmark = pytest.mark.django_db

LOGINS = [
    "admin",
    "maldon-clerk",
    "maldon-mo",
    "maldon-councillor",
    "hounslow-officer",
    "braintree-mo",  # a Monitoring Officer lent to a parish
]
MAX_PAGES = 45
EXAMPLES = settings(
    max_examples=2,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # no shrinking: the failure list names the request already
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Leaving these would end the session or the test's point: signing out, the admin (Django's own,
# superuser only) and the two-factor set-up (a QR code generator, tests/security/test_two_factor).
SKIP = re.compile(r"^/(sign-out|admin|account/two-factor|static|media)(/|$)")

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "%00",
            "1e400",
            "-1e400",
            "NaN",
            "Infinity",
            "99999999999999999999999999999",
            "-9223372036854775809",
            "9223372036854775808",
            "0",
            "-1",
            "1.5",
            "",
            " ",
            "line\r\nBcc: x@example.org",
            "\u202e\u2028\u2029\x1b[31m",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "[" * 60,
            "{" * 60,
            "2026-02-30",
            "a" * 5001,
        ]
    ),
    st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=40),
)


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_JSON = st.one_of(
    HOSTILE_TEXT,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.builds(_nested, st.integers(min_value=1, max_value=80)),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
RAW_BODIES = [
    b'{"id": 1e400}',
    b'{"person": NaN}',
    b"[" * 5000 + b"]" * 5000,
    b'{"a": "\\u0000"}',
    b"\x00\xff\xfe",
    b"",
]


class _Page(HTMLParser):
    """The links and the POST forms of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: set[str] = set()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.add(a["href"].split("#")[0])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._form = (a.get("action", ""), {})
        elif self._form is not None and tag in ("input", "select", "textarea") and a.get("name"):
            self._form[1][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _crawl(client: Client) -> tuple[list[str], list[tuple[str, dict[str, str]]]]:
    seen: list[str] = []
    forms: dict[str, dict[str, str]] = {}
    queue = ["/"]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or SKIP.match(urlsplit(url).path):
            continue
        seen.append(url)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        for action, fields in page.forms:
            target = action or urlsplit(url).path
            if not SKIP.match(target):
                forms.setdefault(target, fields)
        # Breadth first, one page per URL shape (ids differ, pages alike).
        shapes = {re.sub(r"\d+", "N", u) for u in seen + queue}
        for link in sorted(page.links):
            shape = re.sub(r"\d+", "N", link)
            if shape not in shapes:
                shapes.add(shape)
                queue.append(link)
    return seen, sorted(forms.items())


def _api_operations(client: Client) -> list[tuple[str, str, list[str], list[str]]]:
    """(method, path, query parameters, body properties) of every operation in the schema."""
    schema = client.get("/api/schema/?format=json").json()
    components = schema.get("components", {}).get("schemas", {})
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            props = list(components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}))
            operations.append((method, path, query, props))
    return operations


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, "load_demo", sample_cases=True):
        yield


@pytest.mark.parametrize("username", LOGINS)
def test_no_hostile_input_gives_a_server_error(demo_data, username):
    user = get_user_model().objects.get(username=username)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    pages, forms = _crawl(client)
    operations = _api_operations(client)
    assert len(pages) > 5, pages
    assert operations

    @EXAMPLES
    @given(data=st.data())
    def attack(data: st.DataObject) -> None:
        failures: list[tuple[str, str, int]] = []

        def check(method: str, url: str, response: Any) -> None:
            if response.status_code >= 500:
                failures.append((method, url, response.status_code))

        for page in pages:
            path = urlsplit(page).path
            params = {
                name: data.draw(HOSTILE_TEXT) for name in ("q", "page", "council", "state", "kind")
            }
            check("GET", path, client.get(path + "?" + urlencode(params)))
        for action, fields in forms:
            body = {
                name: data.draw(HOSTILE_TEXT) for name in fields if name != "csrfmiddlewaretoken"
            }
            check("POST", action, client.post(action, body))
            client.force_login(user)  # a hostile form must not sign the test out
        for method, path, query, props in operations:
            concrete = re.sub(
                r"\{[^}]+\}",
                lambda _: quote(data.draw(st.one_of(HOSTILE_TEXT, st.just("1"))), safe=""),
                path,
            )
            params = {name: data.draw(HOSTILE_TEXT) for name in query}
            url = concrete + ("?" + urlencode(params) if params else "")
            if method == "get":
                check("GET", url, client.get(url))
                continue
            if data.draw(st.booleans()):
                payload = json.dumps({name: data.draw(HOSTILE_JSON) for name in props})
                raw = payload.encode()
            else:
                raw = data.draw(st.sampled_from(RAW_BODIES))
            check(method.upper(), url, getattr(client, method)(url, raw, "application/json"))
        assert not failures, failures

    attack()
