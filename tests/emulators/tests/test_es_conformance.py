# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Elastic's own YAML REST tests for Watcher, run by ../shared/conformance/es_yaml_runner.py
against an in-process emulator.

Every case must pass except the ones listed in EXPECTED_FAILURES, each with its reason: they need
Painless (which the emulator deliberately leaves out), they fail against a real Elasticsearch 9.1
as well, or they need the cluster wiped between cases, which the runner does not do (those pass
when run alone after a reset, which is tested too). A listed case that starts to pass fails this
test too, so the list cannot go stale. The emulator is reset before each test folder, as Elastic's
own harness wipes the cluster (the `.watches` index included) between tests; the runner itself
only deletes watches.
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

PAINLESS = "needs Painless: the action transform is a script, and the emulator has no Painless engine (deliberately)"
KEEPS_INDICES = ("the runner deletes watches between cases but not indices (Elastic's harness wipes both), so the previous case's "
                 "my_test_index is still there and indices.create answers 400 resource_already_exists_exception, as a real cluster would; "
                 "the case passes on its own (test_cases_that_need_a_wiped_cluster_pass_alone)")
REAL_ES_FAILS = ("fails against a real Elasticsearch 9.1 too: ")

EXPECTED_FAILURES = {
    "watcher/execute_watch/20_transform.yml::Test execute watch api with configured search transform using DFS_QUERY_THEN_FETCH": KEEPS_INDICES,
    "watcher/execute_watch/20_transform.yml::Test execute watch api with misconfigured search transform on failure": KEEPS_INDICES,
    # `transform: {script: "return ['_doc':[...]]"}` builds the documents the simulated index action shows.
    "watcher/execute_watch/50_action_mode.yml::Test simulate index action": PAINLESS,
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


def _run(url: str, folder: Path, only: str | None = None) -> dict:
    command = [sys.executable, str(RUNNER), "--url", url, str(folder)] + (["--only", "^%s$" % re.escape(only)] if only else [])
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert finished.returncode in (0, 1), finished.stderr
    lines = finished.stdout.splitlines()
    assert re.fullmatch(r"\d+ passed, \d+ failed, \d+ skipped", lines[-1]), finished.stdout + finished.stderr
    prefix = folder.parent.relative_to(TESTS).as_posix()
    results = {}
    for line in lines[:-1]:
        match = LINE.match(line)
        if match:
            status, display, case, reason = match.groups()
            if Path(display).is_absolute():  # a file given on its own is reported by its full path
                display, prefix = Path(display).relative_to(TESTS).as_posix(), "."
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


def test_every_case_passes_but_the_listed_ones(results):
    problems = ["%s: %s %s" % (name, status, reason) for name, (status, reason) in sorted(results.items())
                if name not in EXPECTED_FAILURES and not (status == "PASS" or (status == "SKIP" and name in EXPECTED_SKIPS))]
    assert not problems, "unexpected results:\n" + "\n".join(problems)


def test_expected_failures_still_fail(results):
    missing = sorted(set(EXPECTED_FAILURES) - set(results))
    assert not missing, "listed cases the runner no longer reports: %s" % missing
    passing = sorted(name for name in EXPECTED_FAILURES if results[name][0] != "FAIL")
    assert not passing, "listed as failing but now %s: take them off EXPECTED_FAILURES" % passing


def test_expected_failures_fail_for_the_listed_reason(results):
    """A Painless case fails at the scripted action, a wiped-cluster case at indices.create, not earlier."""
    wrong = []
    for name, reason in EXPECTED_FAILURES.items():
        detail = results[name][1]
        if reason == PAINLESS and "watch_record.result.actions.0.status" not in detail:
            wrong.append((name, detail))
        if reason == KEEPS_INDICES and not ("api [indices.create]" in detail and "resource_already_exists_exception" in detail):
            wrong.append((name, detail))
    assert not wrong, wrong


def test_cases_that_need_a_wiped_cluster_pass_alone():
    if not RUNNER.is_file() or not TESTS.is_dir():
        pytest.skip("the conformance data is not there (%s): it lives in ../shared next to the repository" % CONFORMANCE)
    cases = sorted(name for name, reason in EXPECTED_FAILURES.items() if reason == KEEPS_INDICES)
    outcomes = {}
    with served(scheduler=False) as server:
        for name in cases:
            path, dummy, case = name.partition("::")
            reset(server.url)
            outcomes.update(_run(server.url, TESTS / path, only=case))
    assert {name: outcomes.get(name, ("missing", ""))[0] for name in cases} == {name: "PASS" for name in cases}
