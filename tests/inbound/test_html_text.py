"""The stdlib HTML-to-text converter for HTML-only email."""

from __future__ import annotations

import pytest

from inbound.html_text import html_to_text


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("Line<br>break", "Line\nbreak"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("Fish &amp; chips&nbsp;&pound;5", "Fish & chips £5"),
        ("<style>p{}</style><script>x()</script><p>Kept</p>", "Kept"),
        ('<a href="https://example.org/x">the page</a>', "the page (https://example.org/x)"),
        ('<a href="https://example.org/x">https://example.org/x</a>', "https://example.org/x"),
        ('<a href="mailto:pat@example.org">Pat</a>', "Pat (pat@example.org)"),
        ('<a href="javascript:evil()">click</a>', "click"),
        ('<img src="x.png" alt="Council logo"> Hello', "[Council logo] Hello"),
        ("<table><tr><td>A</td><td>B</td></tr></table>", "A B"),
        ("<p>Unclosed <b>bold", "Unclosed bold"),
    ],
)
def test_html_to_text(markup, expected):
    assert html_to_text(markup) == expected
