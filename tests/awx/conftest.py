# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pieces of the AWX / Automation Platform readiness tests."""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from contextlib import ExitStack

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS_PATH = os.path.join(REPO, ".collections")  # ansible_collections/ilert/watcher -> the repository

for path in (HERE, os.path.join(REPO, "tests", "emulators")):
    if path not in sys.path:
        sys.path.insert(0, path)


def module_environment():
    """{environment variable: (option, no_log)} for every variable the modules fall back to.

    Read from the argument specs themselves (module_utils/_ilert.py and _elasticsearch.py), so
    the credential types cannot name a variable no module reads.
    """
    if COLLECTIONS_PATH not in sys.path:
        sys.path.append(COLLECTIONS_PATH)
    ilert = importlib.import_module("ansible_collections.ilert.watcher.plugins.module_utils._ilert")
    elasticsearch = importlib.import_module("ansible_collections.ilert.watcher.plugins.module_utils._elasticsearch")
    variables = {}
    for spec in (ilert.ILERT_ARGUMENT_SPEC, elasticsearch.elasticsearch_argument_spec()):
        for option, settings in spec.items():
            fallback = settings.get("fallback")
            if fallback:
                for name in fallback[1]:
                    variables[name] = (option, bool(settings.get("no_log")))
    return variables


@pytest.fixture(scope="session", autouse=True)
def clean_environment():
    """No connection settings from the shell: ansible-runner passes its own environment on to the jobs."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("ILERT_", "ELASTICSEARCH_")) or name == "REQUESTS_CA_BUNDLE":
                patch.delenv(name)
        yield


@pytest.fixture(scope="session")
def modules_env():
    return module_environment()


class Emulators:
    """Both API emulators, served from threads of the test process on free ports."""

    ILERT_TOKEN = "il-demo-token-not-a-secret"

    def __init__(self):
        from emulator_kit.server import BackgroundServer
        from es_emulator.app import WatcherEmulator
        from ilert_emulator.app import IlertEmulator

        options = {}
        # No scheduled watch executions during the test: only what the playbook does counts.
        if "scheduler" in inspect.signature(WatcherEmulator).parameters:
            options["scheduler"] = False
        with ExitStack() as stack:
            self.es = stack.enter_context(BackgroundServer(WatcherEmulator(**options)))
            self.ilert = stack.enter_context(BackgroundServer(IlertEmulator()))
            self._stack = stack.pop_all()

    def close(self):
        self._stack.close()


@pytest.fixture(scope="module")
def emulators():
    servers = Emulators()
    try:
        yield servers
    finally:
        servers.close()
