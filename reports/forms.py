"""The report's date-range filter: two GOV.UK date inputs (day, month, year), both optional."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from .selectors import DateRange

ENDS = (("from", "start"), ("to", "end"))


class DateRangeForm(forms.Form):
    from_day = forms.CharField(required=False, label="Day")
    from_month = forms.CharField(required=False, label="Month")
    from_year = forms.CharField(required=False, label="Year")
    to_day = forms.CharField(required=False, label="Day")
    to_month = forms.CharField(required=False, label="Month")
    to_year = forms.CharField(required=False, label="Year")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One message per date input (GOV.UK: the error is shown once, above the three boxes).
        self.date_errors: dict[str, str] = {}
        self.period = DateRange()

    def _date(self, prefix: str, noun: str, data: dict[str, Any]) -> datetime.date | None:
        parts = {p: (data.get(f"{prefix}_{p}") or "").strip() for p in ("day", "month", "year")}
        if not any(parts.values()):
            return None
        missing = [p for p, v in parts.items() if not v]
        if missing:
            self._error(prefix, f"The {noun} date must include a {' and '.join(missing)}")
            return None
        if not all(v.isdigit() for v in parts.values()):
            self._error(prefix, f"The {noun} date must be a real date, written in numbers")
            return None
        if len(parts["year"]) != 4:
            self._error(prefix, f"The {noun} date's year must include 4 numbers")
            return None
        try:
            return datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except (ValueError, OverflowError):  # OverflowError: a month of 30 digits (issue #11)
            self._error(prefix, f"The {noun} date must be a real date")
            return None

    def _error(self, prefix: str, message: str) -> None:
        self.date_errors[prefix] = message
        self.add_error(f"{prefix}_day", message)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = self._date("from", "start", data)
        end = self._date("to", "end", data)
        if start and end and end < start:
            self._error("to", "The end date must be the same as or after the start date")
            return data
        if not self.date_errors:
            self.period = DateRange(start=start, end=end)
        return data

    @property
    def error_links(self) -> list[tuple[str, str]]:
        return [(f"id_{prefix}_day", message) for prefix, message in self.date_errors.items()]

    def query_string(self) -> str:
        """The filter as it was given, to carry into the CSV links."""
        from django.utils.http import urlencode

        if not self.is_bound:
            return ""
        values = {k: self.data.get(k, "") for k in self.fields if self.data.get(k)}
        return urlencode(values)
