# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: the collection's identity, shared by both API clients.

The version must match galaxy.yml; a unit test keeps the two in step.
"""

from __future__ import annotations

COLLECTION_NAME = "ilert.watcher"
COLLECTION_VERSION = "0.1.0"


def user_agent(component: str) -> str:
    """The User-Agent both clients send, so API owners can tell our traffic apart."""
    return "%s/%s (%s)" % (COLLECTION_NAME, COLLECTION_VERSION, component)
