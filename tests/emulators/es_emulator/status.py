# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Watch status (WatchStatus, ActionStatus): rebuilt on every PUT, changed by activate and ack.

Ack states: awaits_successful_execution -> ackable (after a successful execution) -> acked (ack).
Dates are `strict_date_time` in UTC with milliseconds, e.g. 2015-05-26T18:21:08.630Z.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone

AWAITS = "awaits_successful_execution"
ACKABLE = "ackable"
ACKED = "acked"
ALL_ACTIONS = "_all"
_ORDER = ("state", "last_checked", "last_met_condition", "actions", "execution_state", "headers", "version")


def format_date(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def new_status(action_ids, active: bool, now: str) -> dict:
    """The status a PUT stores: acks and throttling forgotten, `active` from the request."""
    return {
        "state": {"active": active, "timestamp": now},
        "actions": {action_id: {"ack": {"timestamp": now, "state": AWAITS}} for action_id in action_ids},
        "version": -1,
    }


def ordered(status: dict) -> dict:
    return {key: status[key] for key in _ORDER if key in status}


def for_response(status: dict, version: int | None = None) -> dict:
    """What the APIs show: security headers hidden; `version` set to the document version when given."""
    out = copy.deepcopy(ordered(status))
    out.pop("headers", None)
    if version is not None:
        out["version"] = version
    return out


def ack(status: dict, action_ids, now: str) -> list[str]:
    """WatchStatus.onAck: ackable actions become acked. Returns the ids that changed."""
    targets = list(status.get("actions", {})) if ALL_ACTIONS in action_ids else [a for a in action_ids if a in status.get("actions", {})]
    changed = []
    for action_id in targets:
        ack_status = status["actions"][action_id]["ack"]
        if ack_status["state"] == ACKABLE:
            status["actions"][action_id]["ack"] = {"timestamp": now, "state": ACKED}
            changed.append(action_id)
    return changed
