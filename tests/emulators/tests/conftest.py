# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures most Elasticsearch emulator tests share; a test module that needs another emulator defines its own."""

from __future__ import annotations

import pytest

from es_emulator.testing import es_client, reset, served


@pytest.fixture(name="server", scope="module")
def fixture_server():
    """An Elasticsearch emulator for one test module, its scheduler off: the tests run watches themselves."""
    with served(scheduler=False) as server:
        yield server


@pytest.fixture(name="es")
def fixture_es(server):
    """The official client on that emulator, emptied first."""
    reset(server.url)
    return es_client(server.url)
