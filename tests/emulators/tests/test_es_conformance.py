# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Elastic's own YAML REST tests for Watcher, run by ../shared/conformance/es_yaml_runner.py
against an in-process emulator.

Every case must pass except the ones listed in EXPECTED_FAILURES, each with its reason: they need
watch execution, documents and search (part 2 of the emulator, issue 4), or they fail against a
real Elasticsearch 9.1 as well. A listed case that starts to pass fails this test too, so the list
cannot go stale. The emulator is reset before each test folder, as Elastic's own harness wipes the
cluster (the `.watches` index included) between tests; the runner itself only deletes watches.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from es_emulator.testing import reset, served

REPO = Path(__file__).resolve().parents[3]
CONFORMANCE = REPO.parent / "shared" / "conformance"
RUNNER = CONFORMANCE / "es_yaml_runner.py"
TESTS = CONFORMANCE / "elasticsearch" / "tests"

EXECUTION = "needs watch execution (_execute), which comes with part 2 of the emulator (issue 4)"
DOCUMENTS = "needs the document and index APIs (index, indices.create) and search, part 2 of the emulator (issue 4)"
REAL_ES_FAILS = ("fails against a real Elasticsearch 9.1 too: ")

EXPECTED_FAILURES = {
    "mustache/20_array_access.yml::Test array access": EXECUTION,
    "mustache/25_array_compare.yml::Basic array_compare watch": DOCUMENTS,
    "mustache/30_search_input.yml::Test search input mustache integration (using request body)": DOCUMENTS,
    "mustache/30_search_input.yml::Test search input mustache integration (using request template)": DOCUMENTS,
    "mustache/30_search_input.yml::Test search input mustache integration (using request body and rest_total_hits_as_int)": DOCUMENTS,
    "mustache/30_search_input.yml::Test search input mustache integration (using request template and rest_total_hits_as_int)": DOCUMENTS,
    "mustache/40_search_transform.yml::Test search transform mustache integration (using request body)": DOCUMENTS,
    "mustache/40_search_transform.yml::Test search transform mustache integration (using request template)": DOCUMENTS,
    "watcher/ack_watch/40_reset_ack_after_unmet_action_condition.yml::Ensure that ack status is reset after unmet action condition": EXECUTION,
    "watcher/execute_watch/20_transform.yml::Test execute watch api with configured search transform": DOCUMENTS,
    "watcher/execute_watch/20_transform.yml::Test execute watch api with configured search transform using DFS_QUERY_THEN_FETCH": DOCUMENTS,
    "watcher/execute_watch/20_transform.yml::Test execute watch api with misconfigured search transform on failure": DOCUMENTS,
    "watcher/execute_watch/50_action_mode.yml::Test execute watch api supports action modes": EXECUTION,
    "watcher/execute_watch/50_action_mode.yml::Test simulate index action": EXECUTION,
    "watcher/put_watch/70_put_watch_with_index_action_using_id.yml::Test put watch api with index action using doc_id": EXECUTION,
    "watcher/put_watch/70_put_watch_with_index_action_using_id.yml::Test put watch api with index action using _id field": EXECUTION,
    "watcher/put_watch/70_put_watch_with_index_action_using_id.yml::Test put watch api with bulk index action using _id field": EXECUTION,
    "watcher/put_watch/70_put_watch_with_index_action_using_id.yml::Test put watch api with bulk index action using _id field in one document":
        EXECUTION,
    "watcher/put_watch/91_search_total_hits_as_int.yml::Test search input includes hits by default": DOCUMENTS,
    "watcher/put_watch/91_search_total_hits_as_int.yml::Test search transform includes hits by default": DOCUMENTS,
    # The case itself only puts and gets a watch, but the file's setup indexes a document first.
    "watcher/put_watch/91_search_total_hits_as_int.yml::Test persist rest_total_hits_as_int": DOCUMENTS,
    # ElasticsearchException.generateFailureXContent always writes `root_cause` next to `type` and
    # `reason`; the case matches the whole `error` object, so any real cluster has one key too many.
    "watcher/settings_endpoints/10_watcher_settings.yml::Test disallowed setting name throws error":
        REAL_ES_FAILS + "every error object carries root_cause, and the case matches `error` exactly",
    # UpdateWatcherSettingsAction (8.17+) allows every index.routing.allocation.{include,exclude,require}.*
    # setting but include._tier_preference; the spec (WatcherUpdateSettingsRequest.ts) says the same.
    "watcher/settings_endpoints/10_watcher_settings.yml::Test explicitly disallowed prefix setting name throws error":
        REAL_ES_FAILS + "index.routing.allocation.include.disallowed_prefix is an allowed allocation setting (200)",
}
# Skipped by the test itself (`skip: awaits_fix`), not by the emulator.
EXPECTED_SKIPS = {"watcher/usage/10_basic.yml::Test watcher usage stats output"}

LINE = re.compile(r"^(PASS|FAIL|SKIP) (\S+?)::(.+?)(?: \[(.*)\])?$")


def _folders() -> list[Path]:
    return sorted({path.parent for path in TESTS.rglob("*.yml")})


def _run(url: str, folder: Path) -> dict:
    finished = subprocess.run([sys.executable, str(RUNNER), "--url", url, str(folder)], capture_output=True, text=True,
                              timeout=120, check=False)
    assert finished.returncode in (0, 1), finished.stderr
    lines = finished.stdout.splitlines()
    assert re.fullmatch(r"\d+ passed, \d+ failed, \d+ skipped", lines[-1]), finished.stdout + finished.stderr
    prefix = folder.parent.relative_to(TESTS).as_posix()
    results = {}
    for line in lines[:-1]:
        match = LINE.match(line)
        if match:
            status, display, case, reason = match.groups()
            name = "%s::%s" % (display if prefix == "." else prefix + "/" + display, case)
            results[name] = (status, reason or "")
    return results


@pytest.fixture(name="results", scope="module")
def fixture_results():
    if not RUNNER.is_file() or not TESTS.is_dir():
        pytest.skip("the conformance data is not there (%s): it lives in ../shared next to the repository" % CONFORMANCE)
    pytest.importorskip("yaml", reason="es_yaml_runner.py needs PyYAML")
    results = {}
    with served() as server:
        for folder in _folders():
            reset(server.url)
            results.update(_run(server.url, folder))
    return results


def test_runner_found_the_cases(results):
    assert len(results) >= 50


def test_every_case_that_needs_no_execution_or_search_passes(results):
    problems = ["%s: %s %s" % (name, status, reason) for name, (status, reason) in sorted(results.items())
                if name not in EXPECTED_FAILURES and not (status == "PASS" or (status == "SKIP" and name in EXPECTED_SKIPS))]
    assert not problems, "unexpected results:\n" + "\n".join(problems)


def test_expected_failures_still_fail(results):
    missing = sorted(set(EXPECTED_FAILURES) - set(results))
    assert not missing, "listed cases the runner no longer reports: %s" % missing
    passing = sorted(name for name in EXPECTED_FAILURES if results[name][0] != "FAIL")
    assert not passing, "listed as failing but now %s: take them off EXPECTED_FAILURES" % passing


def test_expected_failures_fail_for_the_listed_reason(results):
    """An execution case must fail at execution, a document case at the document APIs, not earlier."""
    wrong = []
    for name, reason in EXPECTED_FAILURES.items():
        detail = results[name][1]
        if reason == EXECUTION and "watcher.execute_watch" not in detail:
            wrong.append((name, detail))
        if reason == DOCUMENTS and not re.search(r"api \[(index|indices\.create)\]", detail):
            wrong.append((name, detail))
    assert not wrong, wrong
