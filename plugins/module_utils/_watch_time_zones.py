# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: time zones as Java's ZoneId and Elasticsearch's DateUtils read them.

A schedule's ``timezone`` and an index name's ``dynamic_name_timezone`` are stored as the zone id
Java gives (``+1`` is ``+01:00``, a fixed-offset region its offset), so the module compares that id.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import re

from ansible_collections.ilert.watcher.plugins.module_utils._watch_templates import WatchDefinitionError

# DateUtils.of: the deprecated short zone ids it maps itself.


_SHORT_ZONES = {"EST": "-05:00", "HST": "-10:00", "MST": "-07:00", "ROC": "Asia/Taipei", "Eire": "Europe/London"}


_OFFSET = re.compile(r"^([+-])([0-9]{1,2})(?::?([0-9]{2}))?(?::?([0-9]{2}))?$")


def _zone_offset(sign: str, hours: str, minutes, seconds) -> str:
    """java.time.ZoneOffset's id: Z, or +hh:mm[:ss]."""
    parts = (int(hours), int(minutes or 0), int(seconds or 0))
    if parts == (0, 0, 0):
        return "Z"
    return "%s%02d:%02d" % (sign, parts[0], parts[1]) + (":%02d" % parts[2] if parts[2] else "")


def _region_zones() -> dict:
    try:
        import zoneinfo  # pylint: disable=import-outside-toplevel
        return dict((name.lower(), name) for name in zoneinfo.available_timezones())
    except ImportError:  # pragma: no cover - Python before 3.9: region names are compared as written
        return {}


def _fixed_zone_offset(zone: str):
    """The offset id of a region with one offset in 1850-2100 (ZoneId.normalized), None otherwise or without zoneinfo."""
    try:
        import zoneinfo  # pylint: disable=import-outside-toplevel
        from datetime import datetime  # pylint: disable=import-outside-toplevel
        rules = zoneinfo.ZoneInfo(zone)
    except (ImportError, ValueError, KeyError, OSError):
        return None
    offsets = set(datetime(year, month, 1, tzinfo=rules).utcoffset() for year in range(1850, 2101, 5) for month in (1, 7))
    if len(offsets) != 1:
        return None
    seconds = int(offsets.pop().total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    return _zone_offset(sign, seconds // 3600, seconds % 3600 // 60, seconds % 60)


def dynamic_name_timezone(value, where: str) -> str:
    """DateUtils.of: five deprecated short ids mapped, else ZoneId.of(id).normalized(): fixed zones become offsets."""
    if not isinstance(value, str):
        raise WatchDefinitionError("%s must be a time zone such as UTC or +01:00, got %r" % (where, value))
    if value in _SHORT_ZONES:
        return _SHORT_ZONES[value]
    for prefix in ("", "UTC", "GMT", "UT"):
        rest = value[len(prefix):] if value.startswith(prefix) else None
        if rest == "" and prefix:
            return "Z"
        match = _OFFSET.match(rest or "") if rest is not None else None
        if match:
            return _zone_offset(*match.groups())
    if value == "Z":
        return value
    return _fixed_zone_offset(value) or value


def schedule_timezone(value, where: str) -> str:
    """TimezoneUtils.parse (ZoneId.of, then a case-insensitive region, then upper case) as the id Watcher keeps."""
    if not isinstance(value, str):
        raise WatchDefinitionError("%s.timezone must be a time zone name or offset, got %r" % (where, value))
    for text in (value, value.upper()):
        for prefix in ("", "UTC", "GMT", "UT"):
            rest = text[len(prefix):] if text.startswith(prefix) else None
            if rest == "" and prefix:
                return prefix
            match = _OFFSET.match(rest or "") if rest is not None else None
            if match:
                offset = _zone_offset(*match.groups())
                return offset if not prefix else (prefix if offset == "Z" else prefix + offset)
        if text == "Z":
            return text
    zones = _region_zones()
    if zones and value.lower() not in zones:
        raise WatchDefinitionError("%s.timezone is not a time zone Elasticsearch knows: %r" % (where, value))
    return zones.get(value.lower(), value)
