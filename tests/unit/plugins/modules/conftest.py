# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() in-process against an iLert emulator served from a thread."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from ansible_collections.ilert.watcher.tests.unit.compat.module_args import patch_module_args

EMULATORS = Path(__file__).resolve().parents[3] / "emulators"
TOKEN = "il-demo-token-not-a-secret"


@pytest.fixture(name="ilert")
def fixture_ilert():
    """A fresh emulator per test: `.url`, `.app.stats.snapshot()`, `.app.faults.configure(...)`."""
    if str(EMULATORS) not in sys.path:
        sys.path.insert(0, str(EMULATORS))
    server_module = importlib.import_module("emulator_kit.server")
    app_module = importlib.import_module("ilert_emulator.app")
    with server_module.BackgroundServer(app_module.IlertEmulator()) as server:
        yield server


@pytest.fixture(name="run_module")
def fixture_run_module(capsys, ilert):
    """run_module(module, check_mode=False, diff=False, **args) -> the module's JSON result.

    Connection options default to the emulator and the demo token; retries to 0 so a fault is
    reported at once.
    """

    def run(module, check_mode=False, diff=False, **args):
        args = dict(dict(api_url=ilert.url, api_token=TOKEN, retries=0), **args)
        args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        capsys.readouterr()
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture(name="stats")
def fixture_stats(ilert):
    """stats() -> the emulator's request counters (requests, writes, by_route, ...)."""
    return ilert.app.stats.snapshot
