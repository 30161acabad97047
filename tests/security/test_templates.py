"""No inline script anywhere: the Content Security Policy (ops, settings CONTENT_SECURITY_POLICY)
forbids it, and these checks keep templates from depending on it. Emails and the saved
subject-access export are not served pages, so their inline styles are allowed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    p
    for base in [ROOT / "templates", *ROOT.glob("*/templates")]
    for p in base.rglob("*.html")
    if "node_modules" not in p.parts
)
NOT_SERVED = ("templates/emails/", "templates/gdpr/")
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def _served(path: Path) -> bool:
    return not any(part in str(path.relative_to(ROOT)) for part in NOT_SERVED)


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 30


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_handlers_or_javascript_urls(path):
    text = path.read_text(encoding="utf-8")
    for match in SCRIPT.finditer(text):
        attrs = match.group("attrs")
        assert "src=" in attrs or "nonce=" in attrs, f"inline <script> without a nonce in {path}"
    assert not HANDLER.search(text), f"inline event handler in {path}"
    assert not JS_URL.search(text), f"javascript: URL in {path}"
    if _served(path):
        assert 'style="' not in text, f"inline style attribute in {path} (CSP style-src)"
