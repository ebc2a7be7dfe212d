# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local stand-in for the Elasticsearch Watcher REST API (9.x by default, 8.x and 7.17 on request).

It stores, normalizes and redacts watches the way a real cluster does, so that idempotency can be
proven without a cluster. See README.md in this folder for what is emulated and what is not.
"""

from __future__ import annotations

from .app import WatcherEmulator

__all__ = ["WatcherEmulator"]
