# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Quartz-style cron expressions as Watcher's Cron class accepts them (validation only).

`seconds minutes hours day-of-month month day-of-week [year]`; exactly one of day-of-month and
day-of-week is `?`. Watcher stores the expression upper-cased.
"""

from __future__ import annotations

import re

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# field name, lowest, highest, names
_FIELDS = (
    ("seconds", 0, 59, None),
    ("minutes", 0, 59, None),
    ("hours", 0, 23, None),
    ("day-of-month", 1, 31, None),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, None),
)


class CronError(ValueError):
    """Why an expression is not valid (the Cron parser's own wording where known)."""


def _value(text: str, low: int, high: int, names, field: str) -> int:
    if names and text in names:
        return names.index(text) + 1
    if not text.isdigit():
        raise CronError("Illegal characters for this position: '%s'" % text)
    number = int(text)
    if not low <= number <= high:
        raise CronError("%s values must be between %d and %d" % (field.capitalize(), low, high))
    return number


def _check_item(item: str, index: int) -> None:
    field, low, high, names = _FIELDS[index]
    if item == "*":
        return
    if item == "?":
        if index not in (3, 5):
            raise CronError("'?' can only be specified for Day-of-Month or Day-of-Week.")
        return
    if index == 3 and re.fullmatch(r"L(-\d{1,2})?|LW|\d{1,2}W", item):
        return
    if index == 5 and re.fullmatch(r"(\w{1,3})(L|#[1-5])", item):
        _value(re.match(r"\w+?(?=L|#)", item).group(0), low, high, names, field)
        return
    if index == 5 and item == "L":
        return
    base, slash, step = item.partition("/")
    if slash:
        if not step.isdigit() or int(step) == 0:
            raise CronError("'/' must be followed by an integer.")
    if base in ("*", ""):
        return
    start, dash, end = base.partition("-")
    _value(start, low, high, names, field)
    if dash:
        _value(end, low, high, names, field)


def validate(expression: str) -> None:
    fields = expression.upper().split()
    if len(fields) < 6:
        raise CronError("Unexpected end of expression.")
    for index, text in enumerate(fields[:7]):
        for item in text.split(","):
            if not item:
                raise CronError("Unexpected end of expression.")
            _check_item(item, index)
    day_of_month, day_of_week = fields[3], fields[5]
    if (day_of_month == "?") == (day_of_week == "?"):
        if day_of_month == "?":
            raise CronError("'?' can only be specified for Day-of-Month -OR- Day-of-Week.")
        raise CronError("Support for specifying both a day-of-week AND a day-of-month parameter is not implemented.")
