# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Triggers and schedules (ScheduleRegistry and the Schedule parsers) in their stored form.

interval: a number N becomes "Ns", strings keep their unit; cron: upper-cased, a one-element
array becomes a string, several are sorted; hourly.minute: always an array; daily.at: always an
array (default ["midnight"]); weekly/monthly/yearly: always arrays of {on, at[, in]} objects with
defaults filled in, their times a Java HashSet (equal times once, in the set's iteration order);
timezone (8.18+): only when given.
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

_JAVA_INT = re.compile(r"[+-]?[0-9]+")


def java_int(text: str) -> int | None:
    """Integer.parseInt: an optional sign and ASCII digits, nothing else (no blanks, no fraction)."""
    if not _JAVA_INT.fullmatch(text):
        return None
    number = int(text)
    return number if -2 ** 31 <= number < 2 ** 31 else None


def _int_value(value, kind: str, high: int) -> int:
    """DayTimes.parseHourValue / parseMinuteValue."""
    if is_number(value):
        number = int(value)
    elif isinstance(value, str):
        number = java_int(value)
        if number is None:
            raise parse_error("invalid time %s value [%s]" % (kind, value))
    else:
        prefix = "invalid hour value" if kind == "hour" else "invalid time minute value"
        raise parse_error("%s. expected string/number value, but found [%s]" % (prefix, token(value)))
    if not 0 <= number <= high:
        raise parse_error("invalid time %s value [%d] (possible values may be between 0 and %d incl.)" % (kind, number, high))
    return number


def _values(value, kind: str, high: int) -> list[int]:
    if isinstance(value, list):
        return [_int_value(item, kind, high) for item in value]
    if isinstance(value, dict) or value is None:
        # Token.isValue() is false for objects and null
        raise parse_error("invalid time %s value. expected string/number value or an array of string/number values, but found [%s]" % (
            kind, token(value)))
    return [_int_value(value, kind, high)]


def parse_day_time(value):
    """DayTimes.parse: "noon", "midnight" and "hh:mm" stay as written; objects become {hour: [], minute: []}."""
    if isinstance(value, str):
        if value in ("noon", "midnight"):
            return value
        hour, colon, minute = value.partition(":")
        if not colon or ":" in minute or len(hour) not in (1, 2) or len(minute) != 2:
            raise parse_error("could not parse time [%s]. time format must be in the form of hh:mm" % value)
        if java_int(hour) is None:
            raise parse_error("could not parse time [%s]. time hour [%s] is not a number" % (value, hour))
        if java_int(minute) is None:
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
        elif isinstance(field_value, (dict, list)):
            # DayTimes.parse skips unknown scalars but walks into an unknown object or array as if it were
            # its own: refused here rather than guessed (UNSETTLED in STORED_FORMS.md)
            raise parse_error("could not parse time. unexpected field [%s]" % key)
    return {"hour": hours or [0], "minute": minutes or [0]}


def _day_time_key(value) -> tuple:
    """DayTimes.equals: the hour and minute arrays, whatever the spelling."""
    if value == "noon":
        return ((12,), (0,))
    if value == "midnight":
        return ((0,), (0,))
    if isinstance(value, str):
        hour, dummy, minute = value.partition(":")
        return ((int(hour),), (int(minute),))
    return (tuple(value["hour"]), tuple(value["minute"]))


def _java(number: int) -> int:
    number &= 0xFFFFFFFF
    return number - 2 ** 32 if number >= 2 ** 31 else number


def _array_hash(values) -> int:
    """java.util.Arrays.hashCode(int[])."""
    result = 1
    for value in values:
        result = _java(31 * result + value)
    return result


def _bucket(key: tuple, capacity: int) -> int:
    """The HashMap bucket of a DayTimes: hashCode() spread (h ^ h >>> 16), masked by the table size."""
    code = _java(31 * _array_hash(key[0]) + _array_hash(key[1])) & 0xFFFFFFFF
    return (code ^ (code >> 16)) & (capacity - 1)


def hash_set_order(items: list, key) -> list:
    """A java.util.HashSet's iteration order: equal items once (the first stays), by bucket, then by insertion.

    The table starts at 16 buckets and doubles past a 0.75 load; a resize splits every bucket keeping its
    order, so the final order is a stable sort on the bucket in the final table."""
    kept, seen = [], set()
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            kept.append(item)
    capacity = 16
    while len(kept) > capacity * 3 // 4:
        capacity *= 2
    return sorted(kept, key=lambda item: _bucket(key(item), capacity))


def _time_set(value, wrap) -> list:
    """The `at` times of WeekTimes, MonthTimes and YearTimes: a HashSet<DayTimes> written in its own order."""
    items = value if isinstance(value, list) else [value]
    parsed = []
    for item in items:
        try:
            parsed.append(parse_day_time(item))
        except EsError as error:
            raise wrap(item, error) from error
    return hash_set_order(parsed, _day_time_key)


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
        if isinstance(field_value, dict) or field_value is None:
            raise parse_error("could not parse [hourly] schedule. invalid value for [minute]. expected either string/value or an array of "
                              "string/number values, but found [%s]" % token(field_value))
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
    """DayOfWeek.resolve / Month.resolve into an EnumSet: each once, in the enum's order."""
    found = set()
    noun = "day of week" if kind == "weekly day" else "month"
    for item in value if isinstance(value, list) else [value]:
        if is_number(item):
            number = int(item)
            key = next((name for name, aliases in table.items() if str(number) == aliases[0]), None)
            if key is None:
                raise parse_error("unknown %s number [%d]" % (noun, number))
        elif isinstance(item, str):
            key = next((name for name, aliases in table.items() if item.lower() in aliases), None)
            if key is None:
                raise parse_error("unknown %s [%s]" % (noun, item))
        else:
            raise parse_error("invalid %s value. expected a string or a number value, but found [%s]" % (kind, token(item)))
        found.add(key)
    return [name for name in table if name in found]


def _month_days(value) -> list[int]:
    """MonthTimes.parseDayValue into a set; the MonthTimes constructor sorts and checks the range."""
    days = set()
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            lowered = item.lower()
            if lowered in ("last_day", "first_day"):
                days.add(32 if lowered == "last_day" else 1)
                continue
            number = java_int(lowered)
            if number is None:
                raise parse_error("invalid month day value. string value [%s] cannot be" % lowered)
            days.add(number)
        elif is_number(item):
            days.add(int(item))
        else:
            raise parse_error("invalid month day value. expected a string or a number value, but found [%s]" % token(item))
    return sorted(days)


def _check_month_days(days: list[int]) -> None:
    """MonthTimes/YearTimes.validate: an IllegalArgumentException no schedule parser wraps."""
    for day in days:
        if not 1 <= day <= 32:
            raise illegal_argument("invalid month day [%d]" % day)


# Times.MONTH_FIELD, DAY_FIELD, TIME_FIELD: ParseFields with a deprecated second name each.
_TIMES_FIELDS = {"in": "in", "month": "in", "on": "on", "day": "on", "at": "at", "time": "at"}
_FIELD_LABELS = {("week", "on"): "week day", ("month", "on"): "month day", ("year", "on"): "year day", ("year", "in"): "year month"}


def _times_values(kind: str, field: str, written: str, value) -> list:
    """A value or an array of values (Token.isValue(): not an object, not null)."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict) or value is None:
        raise parse_error("invalid %s value for [%s] field. expected string/number value or an array of string/number values, but found [%s]" % (
            _FIELD_LABELS[(kind, field)], written, token(value)))
    return [value]


def _times_object(value, kind: str, ctx) -> dict:
    """WeekTimes / MonthTimes / YearTimes.parse."""
    if not isinstance(value, dict):
        raise parse_error("could not parse %s times. expected an object, but found [%s]" % (kind, token(value)))
    fields = {"in": [], "on": [], "at": []}
    for key, field_value in value.items():
        field = _TIMES_FIELDS.get(key)
        if field is None or (field == "in" and kind != "year"):
            continue  # the parsers skip fields they do not know
        if key != field:
            ctx.warn("Deprecated field [%s] used, expected [%s] instead" % (key, field))
        if field == "at":
            fields["at"].extend(field_value if isinstance(field_value, list) else [field_value])
        else:
            fields[field].extend(_times_values(kind, field, key, field_value))
    out = {}
    if kind == "year":
        out["in"] = _enum_values(fields["in"], _MONTHS, "year month") or ["JAN"]
    if kind == "week":
        out["on"] = _enum_values(fields["on"], _WEEK_DAYS, "weekly day") or ["MON"]
    else:
        out["on"] = _month_days(fields["on"]) or [1]
    out["at"] = _time_set(fields["at"], _wrap_times) if fields["at"] else [dict(_MIDNIGHT)]
    if kind != "week":
        _check_month_days(out["on"])
    return out


def _periodic(kind: str, label: str, plural: str):
    def parse(value, ctx):
        if not isinstance(value, (dict, list)):
            raise parse_error("could not parse [%s] schedule. expected either an object or an array of objects representing %s times, "
                              "but found [%s] instead" % (label, plural, token(value)))
        items = value if isinstance(value, list) else [value]
        parsed = []
        for item in items:
            try:
                parsed.append(_times_object(item, kind, ctx))
            except EsError as error:
                if error.type != "parse_exception":
                    raise
                raise parse_error("could not parse [%s] schedule. invalid %s times" % (label, plural), error) from error
        if not parsed:
            parsed.append(_times_object({}, kind, ctx))
        return parsed
    return parse


_PARSERS = {
    "cron": lambda value, ctx: _cron(value),
    "interval": lambda value, ctx: _interval(value),
    "hourly": lambda value, ctx: _hourly(value),
    "daily": lambda value, ctx: _daily(value),
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
        schedule_type, schedule = key, parser(field_value, ctx)
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
    """TriggerService.parseTrigger: exactly one trigger type, its body an object; only `schedule` is parsed."""
    if not isinstance(value, dict):
        # the parser expects the trigger's object; given anything else it would read on into the watch's next field
        raise parse_error("could not parse trigger for [%s]. expected trigger type string field, but found [%s]" % (ctx.watch_id, token(value)))
    if not value:
        raise parse_error("could not parse trigger for [%s]. expected trigger type string field, but found [END_OBJECT]" % ctx.watch_id)
    kind, body = next(iter(value.items()))
    if not isinstance(body, dict):
        raise parse_error("could not parse trigger [%s] for [%s]. expected trigger an object as the trigger body, but found [%s]" % (
            kind, ctx.watch_id, token(body)))
    if kind != "schedule":
        raise parse_error("could not parse trigger [%s] for [%s]. unknown trigger type [%s]" % (kind, ctx.watch_id, kind))
    trigger = {"schedule": parse_schedule(body, ctx)}
    if len(value) > 1:
        raise parse_error("could not parse trigger [%s] for [%s]. expected [END_OBJECT] token, but found [FIELD_NAME]" % (kind, ctx.watch_id))
    return trigger
