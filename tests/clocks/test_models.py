"""Small pure helpers of the clocks' models."""

from __future__ import annotations

import pytest

from clocks.models import in_sentence


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Acknowledgement", "acknowledgement"),
        ("Internal review", "internal review"),
        ("FOI response", "FOI response"),
        ("A", "a"),
        ("", ""),
    ],
)
def test_a_clock_kind_reads_lower_case_mid_sentence_except_an_acronym(label, expected):
    assert in_sentence(label) == expected
