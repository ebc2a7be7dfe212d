# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.ilert.watcher.plugins.module_utils._collection import (
    COLLECTION_NAME,
    COLLECTION_VERSION,
    user_agent,
)

GALAXY_YML = Path(__file__).resolve().parents[4] / "galaxy.yml"


def test_identity_matches_galaxy_yml():
    galaxy = yaml.safe_load(GALAXY_YML.read_text(encoding="utf-8"))
    assert COLLECTION_NAME == "%s.%s" % (galaxy["namespace"], galaxy["name"])
    assert COLLECTION_VERSION == galaxy["version"]


def test_user_agent_names_collection_version_and_component():
    assert user_agent("ilert") == "ilert.watcher/%s (ilert)" % COLLECTION_VERSION
