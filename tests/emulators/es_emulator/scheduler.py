# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The trigger engine: active watches fire on their schedule while Watcher is started.

Schedules (TickerScheduleTriggerEngine): `interval` fires every interval counted from the moment
the watch was (re)scheduled (put, activated, Watcher started); `cron` and the cronnable
schedules fire at their next cron time in the schedule's `timezone` (UTC by default):
`hourly`, `daily`, `weekly`, `monthly` and `yearly` are turned into Quartz cron expressions the
way their Java classes do (`0 M H ...`). Several expressions: the earliest next time wins.

Cron times come from croniter. Watcher's cron is Quartz's, croniter's is Unix-like, so
`quartz_to_croniter` adapts the one difference that matters: day-of-week numbers are 1-7
from Sunday in Quartz, 0-6 in croniter (names are the same; `nL` becomes croniter's `Ln`).
croniter already reads seconds first (`second_at_beginning`), `?`, `L`, `W`, `#` and a
year field. `LW` is not supported by croniter: such a watch never fires (logged).

The scheduler thread wakes every `tick` seconds; an execution runs on that thread (one at a
time, as the emulator has one small execution pool) and takes the app's state lock only for
reading and writing state, never while a webhook is being sent.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import datetime, timedelta, timezone

from croniter import croniter

from . import datemath

LOGGER = logging.getLogger("es_emulator.scheduler")
_DAY_NUMBER = re.compile(r"(?<![#/])\d+")  # not the n of `#n` or a `/step`
_TIMES = {"noon": (12, 0), "midnight": (0, 0)}


def _dow(field: str) -> str:
    """Quartz day-of-week (1 = SUN) to croniter's (0 = SUN)."""
    match = re.fullmatch(r"(\d)L", field)
    if match:
        return "L%d" % (int(match.group(1)) - 1)
    return _DAY_NUMBER.sub(lambda number: str((int(number.group(0)) - 1) % 7), field)


def quartz_to_croniter(expression: str) -> str:
    fields = expression.upper().split()
    if len(fields) >= 6:
        fields[5] = _dow(fields[5])
    return " ".join(fields)


def _times(at) -> list[tuple[int, int]]:
    out = []
    for item in at if isinstance(at, list) else [at]:
        if isinstance(item, str) and item in _TIMES:
            out.append(_TIMES[item])
        elif isinstance(item, str):
            hour, dummy, minute = item.partition(":")
            out.append((int(hour), int(minute)))
        else:
            out.extend((hour, minute) for hour in item.get("hour", [0]) for minute in item.get("minute", [0]))
    return out


def _join(values) -> str:
    return ",".join(str(value) for value in values)


def _cron_times(at) -> list[str]:
    """DayTimes as cron fields `M H`, grouped by hour like DayTimes.cron()."""
    by_minutes: dict[tuple, list[int]] = {}
    for hour, minute in _times(at):
        by_minutes.setdefault((minute,), []).append(hour)
    return ["%s %s" % (_join(minutes), _join(sorted(set(hours)))) for minutes, hours in by_minutes.items()]


def _month_day(day: int) -> str:
    return "L" if day == 32 else str(day)


def cron_expressions(schedule: dict) -> list[str]:
    """The Quartz expressions a cronnable schedule stands for."""
    if "cron" in schedule:
        value = schedule["cron"]
        return value if isinstance(value, list) else [value]
    if "hourly" in schedule:
        return ["0 %s * * * ?" % _join(schedule["hourly"]["minute"])]
    if "daily" in schedule:
        return ["0 %s * * ?" % times for times in _cron_times(schedule["daily"]["at"])]
    out = []
    for item in schedule.get("weekly", []):
        out += ["0 %s ? * %s" % (times, _join(item["on"])) for times in _cron_times(item["at"])]
    for item in schedule.get("monthly", []):
        out += ["0 %s %s * ?" % (times, _join(_month_day(day) for day in item["on"])) for times in _cron_times(item["at"])]
    for item in schedule.get("yearly", []):
        out += ["0 %s %s %s ?" % (times, _join(_month_day(day) for day in item["on"]), _join(item["in"])) for times in _cron_times(item["at"])]
    return out


def interval_seconds(text: str) -> float:
    number, unit = int(text[:-1]), text[-1]
    return number * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]


def next_time(schedule: dict, after: datetime, anchor: datetime) -> datetime | None:
    """The first fire time strictly after `after` (`anchor`: when an interval schedule started)."""
    if "interval" in schedule:
        step = interval_seconds(schedule["interval"])
        elapsed = (after - anchor).total_seconds()
        count = int(elapsed // step) + 1 if elapsed >= 0 else 1
        return anchor + timedelta(seconds=count * step)
    zone = datemath.zone(schedule.get("timezone"))
    local = after.astimezone(zone)
    candidates = []
    for expression in cron_expressions(schedule):
        try:
            candidates.append(croniter(quartz_to_croniter(expression), local, second_at_beginning=True, max_years_between_matches=200).get_next(datetime))
        except (ValueError, KeyError) as error:
            LOGGER.warning("cron expression [%s] cannot be scheduled: %s", expression, error)
        except Exception as error:  # pylint: disable=broad-except  # croniter's CroniterError family
            LOGGER.warning("cron expression [%s] cannot be scheduled: %s", expression, error)
    return min(candidates).astimezone(timezone.utc) if candidates else None


class Scheduler:
    """Fires the app's active watches; `start()`, `stop()` (joins the thread), `paused` follows _stop/_start."""

    def __init__(self, app, tick: float = 0.05):
        self.app = app
        self.tick = tick
        self._planned: dict[str, tuple[str, datetime | None, datetime]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fired = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="es-emulator-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._thread = None

    def forget(self) -> None:
        self._planned = {}

    def _due(self, now: datetime) -> list[tuple[str, datetime]]:
        """Watches due now; plans (or re-plans, when the trigger or activation changed) the others."""
        due = []
        with self.app.state_lock:
            if not self.app.watcher_started:
                self._planned = {}
                return []
            current = {}
            for watch_id, document in self.app.store.docs.items():
                state = document.source.get("status", {}).get("state", {})
                if not state.get("active", True):
                    continue
                schedule = document.source.get("trigger", {}).get("schedule", {})
                key = json.dumps([schedule, state.get("timestamp")], sort_keys=True)
                current[watch_id] = (key, schedule)
        for watch_id in list(self._planned):
            if watch_id not in current:
                del self._planned[watch_id]
        for watch_id, (key, schedule) in current.items():
            planned = self._planned.get(watch_id)
            if planned is None or planned[0] != key:
                self._planned[watch_id] = (key, next_time(schedule, now, now), now)
                continue
            dummy, scheduled, anchor = planned
            if scheduled is not None and scheduled <= now:
                due.append((watch_id, scheduled))
                self._planned[watch_id] = (key, next_time(schedule, now, anchor), anchor)
        return due

    def _loop(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                for watch_id, scheduled in self._due(datetime.now(timezone.utc)):
                    if self._stop.is_set():
                        return
                    self.fired += 1
                    self.app.run_scheduled(watch_id, scheduled)
            except Exception:  # pylint: disable=broad-except  # the thread must survive a bad watch
                LOGGER.exception("scheduled execution failed")
