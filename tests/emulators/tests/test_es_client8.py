# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The official 8.x client against the emulator started as Elasticsearch 8.19.0.

The 8.x client cannot live in the same virtual environment as the 9.x one, so the scenario runs
under $ES8_PYTHON (the Makefile points it at .venv-es8) and reports what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from elasticsearch import BadRequestError

from es_emulator.testing import es_client, served

ES8_PYTHON = os.environ.get("ES8_PYTHON", "")

SCENARIO = r'''
import json, sys
import elasticsearch
from elasticsearch import Elasticsearch, NotFoundError

es = Elasticsearch(sys.argv[1], max_retries=0, request_timeout=10)
seen = {"client": elasticsearch.__versionstr__}
seen["info"] = es.info()["version"]["number"]
put = es.watcher.put_watch(id="w8", trigger={"schedule": {"interval": 30}},
                           actions={"hook": {"webhook": {"url": "https://example.com/in?k=v", "method": "POST"}}})
seen["put"] = [put.meta.status, put["created"], put["_version"]]
got = es.watcher.get_watch(id="w8")
seen["watch"] = got["watch"]
seen["content_type"] = got.meta.headers["content-type"]
seen["deactivate"] = es.watcher.deactivate_watch(watch_id="w8")["status"]["state"]["active"]
seen["activate"] = es.watcher.activate_watch(watch_id="w8")["status"]["state"]["active"]
seen["settings"] = es.watcher.get_settings().body
seen["update_settings"] = es.watcher.update_settings(index_auto_expand_replicas="0-all").body
seen["settings_after"] = es.watcher.get_settings().body
seen["delete"] = es.watcher.delete_watch(id="w8").body["found"]
try:
    es.watcher.get_watch(id="w8")
    seen["after_delete"] = "found"
except NotFoundError as error:
    seen["after_delete"] = error.body
print(json.dumps(seen))
'''


def _es8_python() -> str:
    if not ES8_PYTHON:
        pytest.skip("ES8_PYTHON is not set (the Makefile sets it to .venv-es8/bin/python, which `make venv` builds)")
    if not os.access(ES8_PYTHON, os.X_OK):
        pytest.skip("ES8_PYTHON=%s is missing or not executable (run `make venv`)" % ES8_PYTHON)
    return ES8_PYTHON


def test_eight_client_scenario(tmp_path):
    python = _es8_python()
    script = tmp_path / "scenario8.py"
    script.write_text(SCENARIO, encoding="utf-8")
    with served(version="8.19.0") as server:
        finished = subprocess.run([python, str(script), server.url], capture_output=True, text=True, timeout=60, check=False)
    assert finished.returncode == 0, finished.stderr
    seen = json.loads(finished.stdout)
    assert seen["client"].startswith("8.")
    assert seen["info"] == "8.19.0"
    assert seen["put"] == [201, True, 1]
    assert seen["content_type"] == "application/vnd.elasticsearch+json;compatible-with=8"
    assert seen["watch"]["trigger"] == {"schedule": {"interval": "30s"}}
    assert seen["watch"]["actions"]["hook"]["webhook"] == {
        "scheme": "https", "host": "example.com", "port": 443, "method": "post", "path": "/in", "params": {"k": "v"}, "headers": {},
    }
    assert seen["deactivate"] is False and seen["activate"] is True
    assert seen["settings"] == {"index": {"auto_expand_replicas": "0-1", "number_of_replicas": "0"}}
    assert seen["update_settings"] == {"acknowledged": True}
    assert seen["settings_after"]["index"]["auto_expand_replicas"] == "0-all"
    assert seen["delete"] is True
    assert seen["after_delete"] == {"found": False, "_id": "w8"}


def test_nine_client_is_refused_by_an_eight_server():
    with served(version="8.19.0") as server:
        es = es_client(server.url)
        for call in (es.info, lambda: es.watcher.put_watch(id="w9", trigger={"schedule": {"interval": "1m"}})):
            with pytest.raises(BadRequestError) as caught:
                call()
            error = caught.value.body["error"]
            assert caught.value.meta.status == 400
            assert error["type"] == "media_type_header_exception"
            assert error["reason"] == "Invalid media-type value on headers [Accept, Content-Type]"
            assert error["caused_by"]["reason"].startswith("Accept version must be either version 8 or 7, but found 9.")
        assert server.app.store.get("w9") is None
