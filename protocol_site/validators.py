"""Validators shared by forms and services."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# Line breaks and the other C0/C1 control characters: an email header cannot carry them (a
# subject with one can never be sent, issue #23), and no one-line field needs them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control_characters(value: str) -> bool:
    return bool(_CONTROL.search(value or ""))


def validate_single_line(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError("Enter it on one line, without line breaks", code="single_line")


def one_line(value: str) -> str:
    """`value` with every run of control characters (line breaks) turned into one space: the
    mail layer's last defence, so a header never refuses to be built."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", value or "")).strip()
