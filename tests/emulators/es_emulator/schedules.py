# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Triggers and schedules (ScheduleRegistry and the Schedule parsers) in their stored form.

interval: a number N becomes "Ns", strings keep their unit; cron: upper-cased, a one-element
array becomes a string, several are sorted; hourly.minute: always an array; daily.at: always an
array (default ["midnight"]); weekly/monthly/yearly: always arrays of {on, at[, in]} objects with
defaults filled in; timezone (8.18+): only when given.
"""

from __future__ import annotations

import re
import zoneinfo

from . import cron
from .errors import EsError, illegal_argument, parse_error
from .templates import is_number, token

_ZONES = {name.lower(): name for name in zoneinfo.available_timezones()}
_WEEK_DAYS = {
    "SUN": ("1", "sun", "sunday"), "MON": ("2", "mon", "monday"), "TUE": ("3", "tue", "tuesday"),
    "WED": ("4", "wed", "wednesday"), "THU": ("5", "thu", "thursday"), "FRI": ("6", "fri", "friday"),
    "SAT": ("7", "sat", "saturday"),
}
_MONTHS = {
    "JAN": ("1", "jan", "first", "january"), "FEB": ("2", "feb", "february"), "MAR": ("3", "mar", "march"),
    "APR": ("4", "apr", "april"), "MAY": ("5", "may"), "JUN": ("6", "jun", "june"), "JUL": ("7", "jul", "july"),
    "AUG": ("8", "aug", "august"), "SEP": ("9", "sep", "september"), "OCT": ("10", "oct", "october"),
    "NOV": ("11", "nov", "november"), "DEC": ("12", "dec", "last", "december"),
}
_MIDNIGHT = {"hour": [0], "minute": [0]}


# --- time zones --------------------------------------------------------------------------------

def _zone_offset(text: str) -> str:
    match = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?", text)
    if not match:
        raise EsError(400, "date_time_exception", "Invalid ID for ZoneOffset, invalid format: " + text)
    sign, hours, minutes, seconds = match.group(1), int(match.group(2)), int(match.group(3) or 0), int(match.group(4) or 0)
    if hours > 18:
        raise EsError(400, "date_time_exception", "Zone offset hours not in valid range: value %d is not in the range -18 to 18" % hours)
    if hours == minutes == seconds == 0:
        return "Z"
    return "%s%02d:%02d" % (sign, hours, minutes) + (":%02d" % seconds if seconds else "")


def _zone_id(text: str) -> str:
    """java.time.ZoneId.of."""
    if text == "Z":
        return "Z"
    if text[:1] in "+-":
        return _zone_offset(text)
    for prefix in ("UTC", "GMT", "UT"):
        if text == prefix:
            return text
        if text.startswith(prefix) and text[len(prefix):][:1] in "+-":
            offset = _zone_offset(text[len(prefix):])
            return prefix if offset == "Z" else prefix + offset
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9~/._+-]+", text):
        raise EsError(400, "date_time_exception", "Invalid ID for region-based ZoneId, invalid format: " + text)
    if text not in _ZONES.values():
        raise EsError(400, "zone_rules_exception", "Unknown time-zone ID: " + text)
    return text


def parse_timezone(value) -> str:
    """TimezoneUtils.parse: exact, then case-insensitive, then upper-cased; the first error is reported."""
    if not isinstance(value, str):
        raise parse_error("could not parse schedule. expected a string value for timezone, but found [%s] instead" % token(value))
    try:
        return _zone_id(value)
    except EsError as error:
        if value.lower() in _ZONES:
            return _ZONES[value.lower()]
        try:
            return _zone_id(value.upper())
        except EsError:
            raise parse_error("could not parse schedule. invalid timezone [%s]" % value, error) from error


# --- times of day ------------------------------------------------------------------------------

def _int_value(value, kind: str, high: int) -> int:
    if is_number(value):
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value)
        except ValueError as error:
            raise parse_error("invalid time %s value [%s]" % (kind, value)) from error
    else:
        raise parse_error("invalid time %s value. expected string/number value, but found [%s]" % (kind, token(value)))
    if not 0 <= number <= high:
        raise parse_error("invalid time %s value [%d] (possible values may be between 0 and %d incl.)" % (kind, number, high))
    return number


def _values(value, kind: str, high: int) -> list[int]:
    if isinstance(value, list):
        return [_int_value(item, kind, high) for item in value]
    if isinstance(value, dict):
        raise parse_error("invalid time %s value. expected string/number value or an array of string/number values, but found [START_OBJECT]" % kind)
    return [_int_value(value, kind, high)]


def parse_day_time(value):
    """DayTimes.parse: "noon", "midnight" and "hh:mm" stay as written; objects become {hour: [], minute: []}."""
    if isinstance(value, str):
        if value in ("noon", "midnight"):
            return value
        hour, colon, minute = value.partition(":")
        if not colon or ":" in minute or len(hour) not in (1, 2) or len(minute) != 2:
            raise parse_error("could not parse time [%s]. time format must be in the form of hh:mm" % value)
        if not hour.lstrip("-").isdigit():
            raise parse_error("could not parse time [%s]. time hour [%s] is not a number" % (value, hour))
        if not minute.lstrip("-").isdigit():
            raise parse_error("could not parse time [%s]. time minute [%s] is not a number" % (value, minute))
        if not 0 <= int(hour) <= 23:
            cause = illegal_argument("invalid time [%s]. invalid time hour value [%d]. time hours must be between 0 and 23 incl." % (value, int(hour)))
            raise parse_error("could not parse time [%s]" % value, cause)
        if not 0 <= int(minute) <= 59:
            cause = illegal_argument("invalid time [%s]. invalid time minute value [%d]. time minutes must be between 0 and 59 incl." % (value, int(minute)))
            raise parse_error("could not parse time [%s]" % value, cause)
        return value
    if not isinstance(value, dict):
        raise parse_error("could not parse time. expected string/number value or an object, but found [%s]" % token(value))
    hours, minutes = [], []
    for key, field_value in value.items():
        if key == "hour":
            hours.extend(_values(field_value, "hour", 23))
        elif key == "minute":
            minutes.extend(_values(field_value, "minute", 59))
    return {"hour": hours or [0], "minute": minutes or [0]}


def _day_time_key(value) -> tuple:
    if value == "noon":
        return ((12,), (0,))
    if value == "midnight":
        return ((0,), (0,))
    if isinstance(value, str):
        hour, dummy, minute = value.partition(":")
        return ((int(hour),), (int(minute),))
    return (tuple(value["hour"]), tuple(value["minute"]))


def _time_set(value, wrap) -> list:
    """A HashSet of DayTimes: duplicates (same hours and minutes) collapse into the first."""
    items = value if isinstance(value, list) else [value]
    seen, times = set(), []
    for item in items:
        try:
            parsed = parse_day_time(item)
        except EsError as error:
            raise wrap(item, error) from error
        key = _day_time_key(parsed)
        if key not in seen:
            seen.add(key)
            times.append(parsed)
    return times


# --- schedule types ----------------------------------------------------------------------------

def _cron(value):
    def check(expression):
        try:
            cron.validate(expression)
        except cron.CronError as error:
            cause = illegal_argument("invalid cron expression [%s]" % expression, illegal_argument(str(error)))
            raise parse_error("could not parse [cron] schedule", cause) from error
        return expression.upper()

    if isinstance(value, str):
        return check(value)
    if not isinstance(value, list):
        raise parse_error("could not parse [cron] schedule. expected either a cron string value or an array of cron string values, "
                          "but found [%s]" % token(value))
    for item in value:
        if not isinstance(item, str):
            raise parse_error("could not parse [cron] schedule. expected a string value in the cron array but found [%s]" % token(item))
    if not value:
        raise parse_error("could not parse [cron] schedule. no cron expression found in cron array")
    expressions = sorted(check(item) for item in value)
    return expressions[0] if len(expressions) == 1 else expressions


def _interval(value):
    if is_number(value):
        seconds = int(value)
        formatted, millis = "%ds" % seconds, seconds * 1000
    elif isinstance(value, str):
        for suffix, unit, factor in (("s", "seconds", 1000), ("m", "minutes", 60000), ("h", "hours", 3600000), ("d", "days", 86400000),
                                     ("w", "week", 604800000)):
            if value.endswith(suffix):
                number = value[: value.index(suffix)]
                if not re.fullmatch(r"[+-]?\d+", number):
                    inner = parse_error("could not parse [interval] schedule. could not parse [%s] as a [%s] duration" % (number, unit))
                    raise parse_error("could not parse schedule: " + inner.reason, inner)
                formatted, millis = "%d%s" % (int(number), suffix), int(number) * factor
                break
        else:
            inner = illegal_argument("could not parse [interval] schedule. unrecognized interval format [%s]" % value)
            raise parse_error("could not parse schedule: " + inner.reason, inner)
    else:
        raise parse_error("could not parse [interval] schedule. expected either a numeric value (millis) or a string value representing "
                          "time value (e.g. '5s'), but found [%s]" % token(value))
    if millis < 1000:
        inner = illegal_argument("interval can't be lower than 1000 ms, but [%s] was specified" % formatted)
        raise parse_error("could not parse schedule: " + inner.reason, inner)
    return formatted


def _hourly(value):
    if not isinstance(value, dict):
        raise parse_error("could not parse [hourly] schedule. unexpected token [%s]" % token(value))
    minutes = []
    for key, field_value in value.items():
        if key != "minute":
            raise parse_error("could not parse [hourly] schedule. unexpected field [%s]" % key)
        if isinstance(field_value, dict):
            raise parse_error("could not parse [hourly] schedule. invalid value for [minute]. expected either string/value or an array of "
                              "string/number values, but found [START_OBJECT]")
        try:
            minutes.extend(_values(field_value, "minute", 59))
        except EsError as error:
            raise parse_error("could not parse [hourly] schedule. invalid value for [minute]", error) from error
    return {"minute": minutes or [0]}


def _daily(value):
    if not isinstance(value, dict):
        raise parse_error("could not parse [daily] schedule. unexpected token [%s]" % token(value))
    times = []
    for key, field_value in value.items():
        if key != "at":
            raise parse_error("could not parse [daily] schedule. unexpected field [%s]" % key)
        for item in field_value if isinstance(field_value, list) else [field_value]:
            try:
                times.append(parse_day_time(item))
            except EsError as error:
                raise parse_error("could not parse [daily] schedule. invalid time value for field [at] - [%s]" % token(item), error) from error
    return {"at": times or ["midnight"]}


def _wrap_times(item, error):
    return parse_error("invalid time value for field [at] - [%s]" % token(item), error)


def _enum_values(value, table: dict, kind: str) -> list[str]:
    found = set()
    for item in value if isinstance(value, list) else [value]:
        if is_number(item):
            item = str(int(item))
        elif not isinstance(item, str):
            raise parse_error("invalid %s value. expected a string or a number value, but found [%s]" % (kind, token(item)))
        key = next((name for name, aliases in table.items() if item.lower() in aliases), None)
        if key is None:
            raise parse_error("unknown %s [%s]" % ("day of week" if kind == "weekly day" else "month", item))
        found.add(key)
    return [name for name in table if name in found]


def _month_days(value) -> list[int]:
    days = set()
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            lowered = item.lower()
            if lowered in ("last_day", "first_day"):
                days.add(32 if lowered == "last_day" else 1)
                continue
            try:
                days.add(int(lowered))
            except ValueError as error:
                raise parse_error("invalid month day value. string value [%s] cannot be" % lowered) from error
        elif is_number(item):
            days.add(int(item))
        else:
            raise parse_error("invalid month day value. expected a string or a number value, but found [%s]" % token(item))
    for day in days:
        if not 1 <= day <= 32:
            raise illegal_argument("invalid month day [%d]" % day)
    return sorted(days)


def _times_object(value, kind: str) -> dict:
    if not isinstance(value, dict):
        raise parse_error("could not parse %s times. expected an object, but found [%s]" % (kind, token(value)))
    days, months, times = None, None, None
    for key, field_value in value.items():
        if key == "on":
            days = field_value
        elif key == "in" and kind == "year":
            months = field_value
        elif key == "at":
            times = _time_set(field_value, _wrap_times)
    out = {}
    if kind == "year":
        out["in"] = _enum_values(months, _MONTHS, "year month") if months is not None else []
        out["in"] = out["in"] or ["JAN"]
    if kind == "week":
        out["on"] = (_enum_values(days, _WEEK_DAYS, "weekly day") if days is not None else []) or ["MON"]
    else:
        out["on"] = (_month_days(days) if days is not None else []) or [1]
    out["at"] = times or [dict(_MIDNIGHT)]
    return out


def _periodic(kind: str, label: str, plural: str):
    def parse(value):
        if not isinstance(value, (dict, list)):
            raise parse_error("could not parse [%s] schedule. expected either an object or an array of objects representing %s times, "
                              "but found [%s] instead" % (label, plural, token(value)))
        items = value if isinstance(value, list) else [value]
        parsed = []
        for item in items:
            try:
                parsed.append(_times_object(item, kind))
            except EsError as error:
                raise parse_error("could not parse [%s] schedule. invalid %s times" % (label, plural), error) from error
        if not parsed:
            parsed.append(_times_object({}, kind))
        return parsed
    return parse


_PARSERS = {
    "cron": _cron,
    "interval": _interval,
    "hourly": _hourly,
    "daily": _daily,
    "weekly": _periodic("week", "weekly", "weekly"),
    "monthly": _periodic("month", "monthly", "month"),
    "yearly": _periodic("year", "yearly", "year"),
}


def parse_schedule(value, ctx) -> dict:
    if not isinstance(value, dict):
        raise parse_error("could not parse schedule. expected a schedule type field, but found [%s] instead" % token(value))
    schedule_type, schedule, zone = None, None, None
    for key, field_value in value.items():
        if key == "timezone" and ctx.version.has_schedule_timezone:
            zone = parse_timezone(field_value)
            continue
        parser = _PARSERS.get(key)
        if parser is None:
            raise parse_error("could not parse schedule for [%s]. unknown schedule type [%s]" % (ctx.watch_id, key))
        schedule_type, schedule = key, parser(field_value)
    if schedule_type is None:
        raise parse_error("could not parse schedule. expected a schedule type field, but no fields were found")
    out = {}
    if zone is not None:
        if schedule_type == "interval":
            raise parse_error("could not parse schedule. Timezone is not supported for schedule type [interval]")
        out["timezone"] = zone
    out[schedule_type] = schedule
    return out


def parse_trigger(value, ctx) -> dict:
    """TriggerService.parseTrigger: one trigger type; only `schedule` exists."""
    if not isinstance(value, dict):
        raise parse_error("could not parse trigger for [%s]. expected trigger an object as the trigger body, but found [%s]" % (ctx.watch_id, token(value)))
    trigger = None
    for key, field_value in value.items():
        if key != "schedule":
            raise parse_error("could not parse trigger [%s] for [%s]" % (key, ctx.watch_id))
        trigger = {"schedule": parse_schedule(field_value, ctx)}
    if trigger is None:
        raise parse_error("could not parse trigger for [%s]. missing trigger type" % ctx.watch_id)
    return trigger
