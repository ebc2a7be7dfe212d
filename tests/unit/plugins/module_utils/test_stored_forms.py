# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module's canonical form agrees with what Elasticsearch stores, case by case (tests/stored_forms).

For every accepted spelling, canonical_watch must give the stored form written from Elasticsearch's
source, and that form compared with what GET shows (secrets hidden, `assume_unchanged`) must be
equal: that is what makes the second run report changed=false on a real cluster.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._watch_canonical import WatchDefinitionError, canonical_watch
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import ASSUME_UNCHANGED, comparable

_CASES_FILE = os.path.join(os.path.dirname(__file__), *([os.pardir] * 3), "stored_forms", "cases.py")
_SPEC = importlib.util.spec_from_file_location("stored_form_cases", _CASES_FILE)
cases = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(cases)

CASES = [case for case in cases.load_cases() if case.get("module", True)]


@pytest.mark.parametrize("case", [case for case in CASES if "refused" not in case], ids=lambda case: case["id"])
def test_canonical_form_is_the_stored_form(case):
    canonical = cases.part_of(canonical_watch(cases.watch_with(case["part"], case["put"])), case["part"])
    assert canonical == case["stored"]
    assert cases.part_of(canonical_watch(cases.watch_with(case["part"], case["stored"])), case["part"]) == case["stored"]


@pytest.mark.parametrize("case", [case for case in CASES if "refused" not in case], ids=lambda case: case["id"])
def test_canonical_form_converges_with_what_get_shows(case):
    canonical = cases.part_of(canonical_watch(cases.watch_with(case["part"], case["put"])), case["part"])
    assert comparable(canonical, cases.shown(case), ASSUME_UNCHANGED) == cases.shown(case)


@pytest.mark.parametrize("case", [case for case in CASES if "refused" in case], ids=lambda case: case["id"])
def test_module_refuses_before_any_request(case):
    with pytest.raises(WatchDefinitionError):
        canonical_watch(cases.watch_with(case["part"], case["put"]))
