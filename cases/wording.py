"""Maldon 1.2: informal resolution avoids adversarial words.

"Whilst aiming to resolve an issue informally great care should be taken to use constructive
language and avoid terminology such as 'investigation' or 'accusation'." This module is pure: it
finds those words (and their family) in a text and suggests neutral wording; the note form
decides when to ask (only at the informal rung of a variant with `informal_wording_check`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Stem -> neutral suggestion. A stem matches the word and its inflections ("investigat" finds
# "investigate", "investigation", "investigating"), never the inside of another word.
ADVERSARIAL_STEMS: dict[str, str] = {
    "investigat": "conversation",
    "accus": "concern",
    "alleg": "concern",
    "complain": "concern",
    "misconduct": "difficulty",
    "disciplin": "discussion",
    "culprit": "colleague",
    "guilt": "responsibility",
    "offence": "issue",
    "offender": "colleague",
    "breach": "difficulty",
    "tribunal": "meeting",
    "prosecut": "follow up",
    "evidence": "information",
    "sanction": "agreed action",
    "interrogat": "ask",
    "wrongdoing": "difficulty",
}

_PATTERN = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, ADVERSARIAL_STEMS), key=len, reverse=True)) + r")\w*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WordingFlag:
    word: str  # as written in the text
    suggestion: str  # a neutral alternative


def adversarial_words(text: str) -> list[WordingFlag]:
    """The adversarial words in `text`, first occurrence of each, in order of appearance."""
    flags: list[WordingFlag] = []
    seen: set[str] = set()
    for match in _PATTERN.finditer(text or ""):
        word = match.group(0)
        if word.lower() in seen:
            continue
        seen.add(word.lower())
        flags.append(WordingFlag(word=word, suggestion=ADVERSARIAL_STEMS[match.group(1).lower()]))
    return flags
