# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local stand-in for iLert's REST API (alert sources, look-ups, events, alerts), quirks included.

Start it with `PYTHONPATH=tests/emulators python -m ilert_emulator`; README.md describes it."""

from __future__ import annotations

from .access import DEFAULT_TOKEN
from .app import IlertEmulator
from .rate_limits import RateLimits

__all__ = ["DEFAULT_TOKEN", "IlertEmulator", "RateLimits"]
