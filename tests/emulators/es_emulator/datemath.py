# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Dates as Elasticsearch reads and writes them: `strict_date_optional_time`, epoch millis, date math.

Date math (`now-5m/m`, `2015-01-04T00:00Z||-3d`, `<{now-1h}>` in compare conditions) follows
JavaDateMathParser: an anchor (`now` or a date followed by `||`), then `+N<unit>`, `-N<unit>` and
`/<unit>` in order, units y M w d h H m s. Rounding goes to the start of the unit, or to its last
millisecond when rounding up (`lte`, `gt` of a range). Mustache renders dates as Java's
ZonedDateTime.toString() does (`2015-01-04T00:00Z`: seconds and fractions only when not zero).
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?")
_SLASH_DATE = re.compile(r"(\d{4})/(\d{2})/(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?(?: ?(Z|[+-]\d{2}:?\d{2}))?")
_MATH = re.compile(r"([+-])(\d*)([yMwdhHms])|/([yMwdhHms])")


class DateError(ValueError):
    """A value that is not a date or a date math expression."""


def zone(name: str | None):
    if not name or name in ("Z", "UTC", "GMT"):
        return timezone.utc
    match = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", name)
    if match:
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        return timezone(delta if match.group(1) == "+" else -delta)
    return ZoneInfo(name)


def _offset(text: str | None, default_zone):
    if text is None:
        return default_zone
    if text == "Z":
        return timezone.utc
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return timezone(delta if text[0] == "+" else -delta)


def parse_date(value, default_zone=timezone.utc) -> datetime:
    """strict_date_optional_time || epoch_millis (numbers and digit strings)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool):
        raise DateError("failed to parse date field [%s]" % value)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000.0, timezone.utc)
    text = str(value).strip()
    if re.fullmatch(r"-?\d{5,}", text):
        return datetime.fromtimestamp(int(text) / 1000.0, timezone.utc)
    match = _DATE.fullmatch(text) or _SLASH_DATE.fullmatch(text)
    if not match:
        raise DateError("failed to parse date field [%s] with format [strict_date_optional_time||epoch_millis]" % text)
    groups = match.groups()
    fraction = (groups[6] or "0") if len(groups) > 7 else "0"
    zone_text = groups[-1]
    try:
        return datetime(int(groups[0]), int(groups[1]), int(groups[2]), int(groups[3] or 0), int(groups[4] or 0), int(groups[5] or 0),
                        int((fraction + "000000")[:6]), tzinfo=_offset(zone_text, default_zone))
    except ValueError as error:
        raise DateError("failed to parse date field [%s]: %s" % (text, error)) from error


def is_date_string(value) -> bool:
    """Dynamic date detection (`strict_date_optional_time`, `yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z`)."""
    return isinstance(value, str) and bool(_DATE.fullmatch(value.strip()) or _SLASH_DATE.fullmatch(value.strip()))


def _add(moment: datetime, sign: int, amount: int, unit: str) -> datetime:
    if unit in "yM":
        months = moment.month - 1 + sign * amount * (12 if unit == "y" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    seconds = {"w": 604800, "d": 86400, "h": 3600, "H": 3600, "m": 60, "s": 1}[unit]
    return moment + timedelta(seconds=sign * amount * seconds)


def _round(moment: datetime, unit: str, up: bool) -> datetime:
    if unit == "y":
        start = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit == "M":
        start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit == "w":
        start = (moment - timedelta(days=moment.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    elif unit == "d":
        start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elif unit in "hH":
        start = moment.replace(minute=0, second=0, microsecond=0)
    elif unit == "m":
        start = moment.replace(second=0, microsecond=0)
    else:
        start = moment.replace(microsecond=0)
    if not up:
        return start
    return _add(start, 1, 1, unit) - timedelta(milliseconds=1)


def resolve(expression, now: datetime, round_up: bool = False, default_zone=timezone.utc) -> datetime:
    """A date or date math expression as a point in time."""
    if not isinstance(expression, str):
        return parse_date(expression, default_zone)
    text = expression.strip()
    if text.startswith("now"):
        moment, math = now.astimezone(default_zone), text[3:]
    elif "||" in text:
        anchor, dummy, math = text.partition("||")
        moment = parse_date(anchor, default_zone)
    else:
        return parse_date(text, default_zone)
    position = 0
    while position < len(math):
        match = _MATH.match(math, position)
        if not match:
            raise DateError("operator not supported for date math [%s]" % expression)
        if match.group(4):
            moment = _round(moment, match.group(4), round_up)
        else:
            moment = _add(moment, 1 if match.group(1) == "+" else -1, int(match.group(2) or 1), match.group(3))
        position = match.end()
    return moment


def millis(moment: datetime) -> int:
    return int(round(moment.timestamp() * 1000))


def iso(moment: datetime) -> str:
    """strict_date_time in UTC with milliseconds, as records, statuses and toJson write dates."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def java_string(moment: datetime) -> str:
    """ZonedDateTime.toString() in UTC: HH:mm, then :ss and the fraction only when not zero."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        text += ":%02d" % moment.second
    if moment.microsecond:
        text += ".%03d" % (moment.microsecond // 1000) if moment.microsecond % 1000 == 0 else ".%06d" % moment.microsecond
    return text + "Z"


# --- date math in index names ------------------------------------------------------------------
# IndexNameExpressionResolver.DateMathExpressionResolver (server/src/main/java/org/elasticsearch/cluster/metadata/
# IndexNameExpressionResolver.java, elastic/elasticsearch@370ef93ba5f35d799a5b027cec975f5d87624068): `<static{math{format|zone}}>`,
# `\` escapes, the default format `uuuu.MM.dd` in UTC.

DEFAULT_INDEX_DATE_PATTERN = "uuuu.MM.dd"
_JAVA_FIELDS = {"uuuu": "%Y", "yyyy": "%Y", "uu": "%y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


class IndexNameError(ValueError):
    """An index name expression DateMathExpressionResolver refuses (ElasticsearchParseException)."""


def format_java_pattern(moment: datetime, pattern: str) -> str:
    """DateFormatter.forPattern(pattern).format for the fields index names use (years, months, days, hours, minutes,
    seconds, quoted literals, punctuation); other pattern letters are refused rather than guessed."""
    out, position = [], 0
    while position < len(pattern):
        char = pattern[position]
        if char == "'":
            end = pattern.find("'", position + 1)
            if end < 0:
                raise IndexNameError("Pattern ends with an incomplete string literal: " + pattern)
            out.append(pattern[position + 1:end] or "'")
            position = end + 1
            continue
        if char.isalpha():
            run = len(pattern) - position - len(pattern[position:].lstrip(char))
            field = _JAVA_FIELDS.get(char * run)
            if field is None:
                raise IndexNameError("the emulator does not format the date pattern letters [%s] in [%s]" % (char * run, pattern))
            out.append(moment.strftime(field))
            position += run
            continue
        out.append(char)
        position += 1
    return "".join(out)


def _placeholder(text: str, now: datetime) -> str:
    """One `{math}` or `{math{format|zone}}`, resolved and formatted."""
    bound = text.find("{")
    if bound < 0:
        math, pattern, zone_name = text, DEFAULT_INDEX_DATE_PATTERN, None
    else:
        if text.rfind("}") != len(text) - 1:
            raise IndexNameError("invalid dynamic name expression [%s]. missing closing `}` for date math format" % text)
        if bound == len(text) - 2:
            raise IndexNameError("invalid dynamic name expression [%s]. missing date format" % text)
        math = text[:bound]
        pattern, separator, zone_name = text[bound + 1:-1].partition("|")
        zone_name = zone_name if separator else None
    moment_zone = zone(zone_name) if zone_name else timezone.utc
    moment = resolve(math, now, round_up=False, default_zone=moment_zone).astimezone(moment_zone)
    return format_java_pattern(moment, pattern)


def resolve_index_name(expression: str, now: datetime) -> str:
    """The index an expression names: `<logs-{now/d}>` is `logs-2024.03.05` (UTC); anything else is itself."""
    if not (expression.startswith("<") and expression.endswith(">")):
        return expression
    inner = expression[1:-1]
    captured, placeholder = [], None
    escape = in_format = False
    for position, char in enumerate(inner, start=1):
        escaped, escape = escape, False
        if char == "\\" and not escaped:
            escape = True
            continue
        if char == "\\":
            captured.append(char)
            continue
        if placeholder is not None:
            if char == "{":
                if in_format and not escaped:
                    raise IndexNameError("invalid dynamic name expression [%s]. invalid character in placeholder at position [%d]" % (
                        inner, position))
                in_format = True
                placeholder.append(char)
            elif char == "}" and in_format:
                in_format = escaped
                placeholder.append(char)
            elif char == "}":
                captured.append(_placeholder("".join(placeholder), now))
                placeholder = None
            else:
                placeholder.append(char)
        elif char == "{" and not escaped:
            placeholder = []
        elif char == "}" and not escaped:
            raise IndexNameError("invalid dynamic name expression [%s]. invalid character at position [%d]. `{` and `}` are reserved "
                                 "characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{text\\}`)"
                                 % (inner, position))
        else:
            captured.append(char)
    if placeholder is not None:
        raise IndexNameError("invalid dynamic name expression [%s]. date math placeholder is open ended" % inner)
    if not captured:
        raise IndexNameError("nothing captured")
    return "".join(captured)
