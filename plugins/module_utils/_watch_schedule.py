# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: a watch's trigger in the form Watcher's schedule parsers store it.

ScheduleRegistry and the DayTimes / DayOfWeek / Month parsers store every schedule in one spelling,
which GET returns and which is compared here: an ``interval`` number N is ``"Ns"``; cron expressions
upper-case, several sorted; ``hourly.minute`` and ``daily.at`` are arrays; weekly/monthly/yearly are
arrays of ``{in, on, at}`` with defaults, their days as sets in order and their times as a Java
HashSet (each once, in the set's iteration order); ``timezone`` is the zone id Java gives.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.ilert.watcher.plugins.module_utils._watch_templates import WatchDefinitionError, is_number, single_type
from ansible_collections.ilert.watcher.plugins.module_utils._watch_time_zones import schedule_timezone

# Watcher's schedule parsers (ScheduleRegistry and the DayTimes / DayOfWeek / Month parsers) store
# every schedule in one spelling: that spelling is what GET returns and what is compared here.


_INTERVAL = re.compile(r"^([+-]?\d+)(s|m|h|d|w)$")


_WEEK_DAYS = (("SUN", ("1", "sun", "sunday")), ("MON", ("2", "mon", "monday")), ("TUE", ("3", "tue", "tuesday")),
              ("WED", ("4", "wed", "wednesday")), ("THU", ("5", "thu", "thursday")), ("FRI", ("6", "fri", "friday")),
              ("SAT", ("7", "sat", "saturday")))


_MONTHS = (("JAN", ("1", "jan", "first", "january")), ("FEB", ("2", "feb", "february")), ("MAR", ("3", "mar", "march")),
           ("APR", ("4", "apr", "april")), ("MAY", ("5", "may")), ("JUN", ("6", "jun", "june")), ("JUL", ("7", "jul", "july")),
           ("AUG", ("8", "aug", "august")), ("SEP", ("9", "sep", "september")), ("OCT", ("10", "oct", "october")),
           ("NOV", ("11", "nov", "november")), ("DEC", ("12", "dec", "last", "december")))


def _as_list(value) -> list:
    return copy.deepcopy(value) if isinstance(value, list) else [copy.deepcopy(value)]


def _numbers(value, where: str, highest: int = None) -> list:
    """Hours or minutes: numbers (truncated) or strings of digits, within 0..highest."""
    numbers = []
    for item in _as_list(value):
        if is_number(item):
            numbers.append(int(item))
        elif isinstance(item, str) and re.match(r"^[+-]?[0-9]+$", item):
            numbers.append(int(item))
        else:
            raise WatchDefinitionError("%s must be numbers, got %r" % (where, item))
        if highest is not None and not 0 <= numbers[-1] <= highest:
            raise WatchDefinitionError("%s must be between 0 and %d, got %r" % (where, highest, item))
    return numbers


_HH_MM = re.compile(r"^([+-]?[0-9]{1,2}):([+-]?[0-9]{2})$")


def _day_time(value, where: str):
    """"noon", "midnight" and "hh:mm" stay as written; objects become {hour: [..], minute: [..]}."""
    if isinstance(value, str):
        match = _HH_MM.match(value)
        if value not in ("noon", "midnight") and not (match and 0 <= int(match.group(1)) <= 23 and 0 <= int(match.group(2)) <= 59):
            raise WatchDefinitionError("%s must be 'hh:mm' (00:00 to 23:59), noon or midnight, got %r" % (where, value))
        return value
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be 'hh:mm', noon, midnight or {hour, minute}, got %r" % (where, value))
    return {"hour": _numbers(value.get("hour", []), where + ".hour", 23) or [0],
            "minute": _numbers(value.get("minute", []), where + ".minute", 59) or [0]}


def _day_time_key(value):
    if value in ("noon", "midnight"):
        return ((12 if value == "noon" else 0,), (0,))
    if isinstance(value, str) and ":" in value:
        hour, dummy, minute = value.partition(":")
        if re.match(r"^[+-]?[0-9]+$", hour) and re.match(r"^[+-]?[0-9]+$", minute):
            return ((int(hour),), (int(minute),))
        return (value,)
    if isinstance(value, dict):
        return (tuple(value["hour"]), tuple(value["minute"]))
    return (value,)


def _java_int(number: int) -> int:
    number &= 0xFFFFFFFF
    return number - 2 ** 32 if number >= 2 ** 31 else number


def _hash_bucket(key, capacity: int) -> int:
    """The java.util.HashMap bucket of a DayTimes (Arrays.hashCode of hours, then of minutes)."""
    if len(key) != 2:
        return 0
    codes = []
    for values in key:
        code = 1
        for value in values:
            code = _java_int(31 * code + value)
        codes.append(code)
    code = _java_int(31 * codes[0] + codes[1]) & 0xFFFFFFFF
    return (code ^ (code >> 16)) & (capacity - 1)


def _day_times(value, where: str) -> list:
    """The times of a WeekTimes/MonthTimes/YearTimes: a Java HashSet, each time once (the first), in the set's order."""
    times, seen = [], set()
    for item in _as_list(value):
        parsed = _day_time(item, where)
        if _day_time_key(parsed) not in seen:
            seen.add(_day_time_key(parsed))
            times.append(parsed)
    capacity = 16
    while len(times) > capacity * 3 // 4:
        capacity *= 2
    return sorted(times, key=lambda time: _hash_bucket(_day_time_key(time), capacity))


def _names(value, table, where: str) -> list:
    found = set()
    for item in _as_list(value):
        text = str(int(item)) if is_number(item) else str(item)
        name = next((name for name, aliases in table if text.lower() in aliases), None)
        if name is None:
            raise WatchDefinitionError("%s has an unknown value %r" % (where, item))
        found.add(name)
    return [name for name, dummy in table if name in found]


def _month_days(value, where: str) -> list:
    days = set()
    for item in _as_list(value):
        text = str(item).lower()
        days.add({"last_day": 32, "first_day": 1}.get(text) or _numbers(item, where)[0])
    if not all(1 <= day <= 32 for day in days):
        raise WatchDefinitionError("%s must be days 1 to 31, first_day or last_day, got %r" % (where, value))
    return sorted(days)


# Watcher's Times fields, each with a deprecated second name it still reads.


_TIMES_FIELDS = {"in": "in", "month": "in", "on": "on", "day": "on", "at": "at", "time": "at"}


def _times_fields(item: dict, kind: str) -> dict:
    fields = {}
    for key, value in item.items():
        field = _TIMES_FIELDS.get(key)
        if field is not None and (field != "in" or kind == "yearly"):
            fields.setdefault(field, []).extend(_as_list(value))
    return fields


def _periodic(value, kind: str, where: str) -> list:
    """weekly / monthly / yearly: arrays of {on, at[, in]} with Watcher's defaults."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items or [{}]:
        if not isinstance(item, dict):
            raise WatchDefinitionError("%s must be objects with on and at, got %r" % (where, item))
        fields = _times_fields(item, kind)
        times = {}
        if kind == "yearly":
            times["in"] = _names(fields["in"], _MONTHS, where + ".in") if "in" in fields else []
            times["in"] = times["in"] or ["JAN"]
        if kind == "weekly":
            times["on"] = (_names(fields["on"], _WEEK_DAYS, where + ".on") if "on" in fields else []) or ["MON"]
        else:
            times["on"] = (_month_days(fields["on"], where + ".on") if "on" in fields else []) or [1]
        times["at"] = (_day_times(fields["at"], where + ".at") if "at" in fields else []) or [{"hour": [0], "minute": [0]}]
        out.append(times)
    return out


def _interval(value, where: str) -> str:
    if is_number(value):
        if value < 1:
            raise WatchDefinitionError("%s.interval must be 1s or more, got %r" % (where, value))
        return "%ds" % value
    match = _INTERVAL.match(value) if isinstance(value, str) else None
    if not match:
        raise WatchDefinitionError("%s.interval must be a number of seconds or a time such as 30s, 5m, 1h, 1d or 1w, got %r" % (where, value))
    if int(match.group(1)) < 1:
        raise WatchDefinitionError("%s.interval must be 1s or more, got %r" % (where, value))
    return "%d%s" % (int(match.group(1)), match.group(2))


def _cron(value, where: str):
    expressions = _as_list(value)
    if not expressions or not all(isinstance(expression, str) for expression in expressions):
        raise WatchDefinitionError("%s.cron must be a cron expression or a list of them" % where)
    expressions = sorted(expression.upper() for expression in expressions)
    return expressions[0] if len(expressions) == 1 else expressions


def canonical_schedule(value, where: str = "trigger.schedule") -> dict:
    if not isinstance(value, dict) or not value:
        raise WatchDefinitionError("%s must be an object such as {interval: 5m} or {cron: '0 0/5 * * * ?'}" % where)
    kinds = sorted(key for key in value if key != "timezone")
    if len(kinds) != 1:
        # Elasticsearch keeps the last type written and drops the others
        raise WatchDefinitionError("%s must have exactly one schedule type (interval, cron, hourly, daily, weekly, monthly, yearly), found %s"
                                   % (where, ", ".join(kinds) or "none"))
    schedule = copy.deepcopy(value)
    if "timezone" in schedule:
        if "interval" in schedule:
            raise WatchDefinitionError("%s: an interval schedule takes no timezone" % where)
        schedule["timezone"] = schedule_timezone(schedule["timezone"], where)
    if "interval" in schedule:
        schedule["interval"] = _interval(schedule["interval"], where)
    if "cron" in schedule:
        schedule["cron"] = _cron(schedule["cron"], where)
    for kind, field in (("hourly", "minute"), ("daily", "at")):
        if isinstance(schedule.get(kind), dict) and set(schedule[kind]) - {field}:
            raise WatchDefinitionError("%s.%s takes %s only, got %s" % (where, kind, field, ", ".join(sorted(schedule[kind]))))
    if isinstance(schedule.get("hourly"), dict):
        schedule["hourly"] = {"minute": _numbers(schedule["hourly"].get("minute", []), where + ".hourly.minute", 59) or [0]}
    if isinstance(schedule.get("daily"), dict):
        # An array in DailySchedule (repeats kept), a set in the weekly, monthly and yearly times.
        schedule["daily"] = {"at": [_day_time(item, where + ".daily.at") for item in _as_list(schedule["daily"].get("at", []))]
                             or ["midnight"]}
    for kind in ("weekly", "monthly", "yearly"):
        if kind in schedule:
            schedule[kind] = _periodic(schedule[kind], kind, "%s.%s" % (where, kind))
    return schedule


def canonical_trigger(value, where: str = "trigger") -> dict:
    kind, body = single_type(value, where)
    if kind != "schedule":
        raise WatchDefinitionError("%s has an unknown trigger type %s; Watcher has schedule only" % (where, kind))
    return {"schedule": canonical_schedule(body, where + ".schedule")}
