# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator stores and shows every part of a watch as STORED_FORMS.md says Elasticsearch does.

Each case of tests/stored_forms/*.yml is PUT through the REST API: the `.watches` document must hold
the case's `stored` form (secrets in clear), GET must show its `shown` form, and PUTting the stored
form again must show the same; a `refused` case must be a 400 whose error says why. The expected
forms were written from Elasticsearch's source, so a pass here means the emulator agrees with it.
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
import requests

from es_emulator.testing import reset, served

_SPEC = importlib.util.spec_from_file_location(
    "stored_form_cases", os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "stored_forms", "cases.py"))
cases = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(cases)

CASES = cases.load_cases()
WATCH_ID = "stored_form"
DEFAULT_VERSION = "9.1.0"


@pytest.fixture(name="servers", scope="module")
def fixture_servers():
    """One emulator per release and set of notification accounts the cases ask for, started on first use."""
    started, stack = {}, []

    def server_for(case):
        accounts = case.get("accounts")
        key = (case.get("es_version", DEFAULT_VERSION), json.dumps(accounts, sort_keys=True))
        if key not in started:
            options = {"version": key[0], "scheduler": False}
            if accounts is not None:
                options["notification_accounts"] = accounts
            context = served(**options)
            started[key] = context.__enter__()  # pylint: disable=unnecessary-dunder-call
            stack.append(context)
        server = started[key]
        reset(server.url)
        return server

    yield server_for
    for context in reversed(stack):
        context.__exit__(None, None, None)


def _put(url: str, watch: dict) -> requests.Response:
    return requests.put("%s/_watcher/watch/%s" % (url, WATCH_ID), json=watch, timeout=10)


def _put_stored_scripts(url: str, scripts) -> None:
    if isinstance(scripts, list):
        scripts = {script_id: {"lang": "painless", "source": "return true"} for script_id in scripts}
    for script_id, script in (scripts or {}).items():
        answer = requests.put("%s/_scripts/%s" % (url, script_id), json={"script": script}, timeout=10)
        assert answer.status_code == 200, answer.text


def _stored_document(url: str) -> dict:
    answer = requests.post(url + "/.watches/_search", json={"query": {"ids": {"values": [WATCH_ID]}}}, timeout=10)
    hits = answer.json()["hits"]["hits"]
    assert len(hits) == 1, answer.text
    return {key: value for key, value in hits[0]["_source"].items() if key != "status"}


def _shown(url: str) -> dict:
    answer = requests.get("%s/_watcher/watch/%s" % (url, WATCH_ID), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["watch"]


def _reasons(value):
    """Every `reason` of an error envelope: the error, its root causes and its caused_by chain."""
    if isinstance(value, dict):
        if isinstance(value.get("reason"), str):
            yield value["reason"]
        for item in value.values():
            yield from _reasons(item)
    elif isinstance(value, list):
        for item in value:
            yield from _reasons(item)


def test_cases_exist_and_name_rows_of_the_table():
    rows = cases.table_rows()
    assert CASES, "no stored-form cases found"
    missing = sorted({case["row"] for case in CASES} - rows)
    assert not missing, "cases name rows the table does not have: %s" % missing


@pytest.mark.parametrize("case", [case for case in CASES if "refused" not in case], ids=lambda case: case["id"])
def test_emulator_stores_and_shows_what_elasticsearch_does(case, servers):
    url = servers(case).url
    _put_stored_scripts(url, case.get("stored_scripts"))
    answer = _put(url, cases.watch_with(case["part"], case["put"]))
    assert answer.status_code in (200, 201), answer.text
    assert cases.part_of(_stored_document(url), case["part"]) == case["stored"]
    assert cases.part_of(_shown(url), case["part"]) == cases.shown(case)
    # The stored form is a spelling too: stored again, it reads back the same.
    answer = _put(url, cases.watch_with(case["part"], case["stored"]))
    assert answer.status_code == 200, answer.text
    assert cases.part_of(_shown(url), case["part"]) == cases.shown(case)


@pytest.mark.parametrize("case", [case for case in CASES if "refused" in case], ids=lambda case: case["id"])
def test_emulator_refuses_what_elasticsearch_refuses(case, servers):
    url = servers(case).url
    _put_stored_scripts(url, case.get("stored_scripts"))
    answer = _put(url, cases.watch_with(case["part"], case["put"]))
    assert answer.status_code == 400, answer.text
    reasons = list(_reasons(answer.json()))
    assert any(case["refused"] in reason for reason in reasons), reasons
    assert requests.get("%s/_watcher/watch/%s" % (url, WATCH_ID), timeout=10).status_code == 404
