"""Periods of the reports: a day, a month, a quarter or a year (SPEC §4).

Written ``2026-05-14``, ``2026-05``, ``2026-Q2`` or ``2026``. A period that has
not started yet, or is badly written, is refused with a message that says how
to write one. ``previous()`` is the period of the same kind just before;
``last_year()`` the same period a year earlier (同期).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

DAY, MONTH, QUARTER, YEAR = "day", "month", "quarter", "year"
_PATTERNS = (
    (DAY, re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")),
    (MONTH, re.compile(r"^(\d{4})-(\d{1,2})$")),
    (QUARTER, re.compile(r"^(\d{4})-?[Qq]([1-4])$")),
    (YEAR, re.compile(r"^(\d{4})$")),
)


class PeriodError(ValueError):
    """A period that cannot be read, or lies in the future."""


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    # ------------------------------------------------------------ making one
    @classmethod
    def of(cls, kind: str, day: dt.date) -> Period:
        """The period of ``kind`` that contains ``day``."""
        if kind == DAY:
            return cls(DAY, day, day)
        if kind == MONTH:
            return cls(MONTH, day.replace(day=1), _month_end(day.year, day.month))
        if kind == QUARTER:
            first = 3 * ((day.month - 1) // 3) + 1
            return cls(QUARTER, dt.date(day.year, first, 1), _month_end(day.year, first + 2))
        if kind == YEAR:
            return cls(YEAR, dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
        raise PeriodError(kind)

    @classmethod
    def parse(cls, text: str, *, today: dt.date) -> Period:
        """``2026-05-14``, ``2026-05``, ``2026-Q2`` or ``2026``; not one that starts after ``today``."""
        value = (text or "").strip()
        for kind, pattern in _PATTERNS:
            match = pattern.match(value)
            if not match:
                continue
            numbers = [int(group) for group in match.groups()]
            try:
                if kind == DAY:
                    day = dt.date(*numbers)
                elif kind == MONTH:
                    day = dt.date(numbers[0], numbers[1], 1)
                elif kind == QUARTER:
                    day = dt.date(numbers[0], 3 * numbers[1] - 2, 1)
                else:
                    day = dt.date(numbers[0], 1, 1)
            except ValueError:
                break
            period = cls.of(kind, day)
            if period.start > today:
                raise PeriodError(_("%(period)s has not started yet: a report covers a day, month, quarter or "
                                    "year up to today (%(today)s).") % {"period": period.label, "today": today})
            return period
        raise PeriodError(_("%(value)s is not a period: write a day 2026-05-14, a month 2026-05, a quarter "
                            "2026-Q2 or a year 2026.") % {"value": value or "''"})

    # ------------------------------------------------------------ reading one
    @property
    def label(self) -> str:
        if self.kind == DAY:
            return self.start.isoformat()
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    def __str__(self) -> str:
        return self.label

    def until(self, today: dt.date) -> dt.date:
        """The last day counted: the period's end, or today for the period under way."""
        return min(self.end, today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period.of(self.kind, self.start - dt.timedelta(days=1))

    def last_year(self) -> Period:
        start = self.start
        try:
            day = start.replace(year=start.year - 1)
        except ValueError:  # 29 February
            day = start.replace(year=start.year - 1, day=28)
        return Period.of(self.kind, day)

    def months(self) -> list[Period]:
        """The months the period covers (a day or month: its month)."""
        result, day = [], self.start.replace(day=1)
        while day <= self.end:
            result.append(Period.of(MONTH, day))
            day = _month_end(day.year, day.month) + dt.timedelta(days=1)
        return result

    def shifted_months(self, count: int) -> list[Period]:
        """The ``count`` months ending with this period's last month, oldest first (for trends)."""
        result, day = [], self.end.replace(day=1)
        for _step in range(count):
            result.append(Period.of(MONTH, day))
            day = (day - dt.timedelta(days=1)).replace(day=1)
        return list(reversed(result))
