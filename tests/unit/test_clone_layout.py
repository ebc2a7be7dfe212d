# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A plain clone must be usable as the collection: ansible.cfg plus the .collections back-link."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ansible_finds_this_clone_as_ilert_watcher():
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    galaxy = Path(sys.executable).with_name("ansible-galaxy")
    listing = subprocess.run(
        [str(galaxy), "collection", "list", "ilert.watcher", "--format", "json"],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=True,
    )
    found = json.loads(listing.stdout)
    link_parent = str(ROOT / ".collections" / "ansible_collections")
    assert link_parent in found, "ansible.cfg does not put .collections on the collection path: %s" % listing.stdout
    assert found[link_parent]["ilert.watcher"]["version"] == "0.1.0"
    assert (ROOT / ".collections/ansible_collections/ilert/watcher").resolve() == ROOT
