"""Maldon 1.2: the informal-resolution wording check."""

from __future__ import annotations

import pytest

from cases.wording import adversarial_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("Could we have a conversation about the planning report?", []),
        ("I want an investigation into this.", [("investigation", "conversation")]),
        ("She was INVESTIGATING my ward casework", [("INVESTIGATING", "conversation")]),
        ("This is an accusation of rudeness", [("accusation", "concern")]),
        ("He accused me of lying", [("accused", "concern")]),
        ("My allegation is simple", [("allegation", "concern")]),
        ("the alleged remarks", [("alleged", "concern")]),
        (
            "I complained twice; this complaint stands",
            [("complained", "concern"), ("complaint", "concern")],
        ),
        ("Gross misconduct!", [("misconduct", "difficulty")]),
        ("disciplinary action may follow", [("disciplinary", "discussion")]),
        (
            "An investigation and an accusation",
            [("investigation", "conversation"), ("accusation", "concern")],
        ),
        # The first occurrence of each word only.
        ("investigation, investigation, investigation", [("investigation", "conversation")]),
        # Whole words only: nothing inside another word.
        ("the reinvestigated budget", []),
        ("a misaccusal", []),
    ],
)
def test_adversarial_words(text, expected):
    assert [(f.word, f.suggestion) for f in adversarial_words(text)] == expected
