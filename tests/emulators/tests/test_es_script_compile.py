# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Script conditions and script transforms are compiled when a watch is parsed (STORED_FORMS.md, Conditions/Transforms).

ScriptCondition's constructor and ExecutableScriptTransform's call ScriptService.compile, so a PUT
(and a GET, which parses the stored watch again) fails when a stored script is missing
(ResourceNotFoundException, 404), when the lang has no engine, when an inline source is too large,
or when the engine refuses the context or the options (wrapped by ScriptCache in a
GeneralScriptException). Search templates are compiled only when the watch runs.
"""

from __future__ import annotations

import pytest
import requests

from es_emulator.testing import reset

TRIGGER = {"schedule": {"interval": "1m"}}
MISSING = "unable to find script [missing] in cluster state"


@pytest.fixture(name="url")
def fixture_url(server):
    reset(server.url)
    return server.url


def _put(url: str, watch: dict, watch_id: str = "w") -> requests.Response:
    return requests.put("%s/_watcher/watch/%s" % (url, watch_id), json=watch, timeout=10)


def _store_script(url: str, script_id: str, lang: str = "painless", source="return true") -> None:
    answer = requests.put("%s/_scripts/%s" % (url, script_id), json={"script": {"lang": lang, "source": source}}, timeout=10)
    assert answer.status_code == 200, answer.text


def _error(answer: requests.Response) -> dict:
    return answer.json()["error"]


STORED_SCRIPT_PLACES = {
    "watch condition": {"trigger": TRIGGER, "condition": {"script": {"id": "missing"}}},
    "watch transform": {"trigger": TRIGGER, "transform": {"script": {"id": "missing", "params": {"n": 1}}}},
    "chained transform": {"trigger": TRIGGER, "transform": {"chain": [{"script": "return 1"}, {"script": {"id": "missing"}}]}},
    "transform input": {"trigger": TRIGGER, "input": {"chain": {"inputs": [{"t": {"transform": {"script": {"id": "missing"}}}}]}}},
    "action condition": {"trigger": TRIGGER, "actions": {"log": {"condition": {"script": {"id": "missing"}}, "logging": {"text": "x"}}}},
    "action transform": {"trigger": TRIGGER, "actions": {"log": {"transform": {"script": {"id": "missing"}}, "logging": {"text": "x"}}}},
}


@pytest.mark.parametrize("watch", STORED_SCRIPT_PLACES.values(), ids=STORED_SCRIPT_PLACES.keys())
def test_a_missing_stored_script_is_refused_wherever_it_is_compiled(url, watch):
    answer = _put(url, watch)
    assert answer.status_code == 404, answer.text
    assert _error(answer)["type"] == "resource_not_found_exception"
    assert _error(answer)["reason"] == MISSING
    assert requests.get(url + "/_watcher/watch/w", timeout=10).status_code == 404
    _store_script(url, "missing")
    assert _put(url, watch).status_code == 201


def test_a_search_template_id_is_not_looked_up_at_put(url):
    watch = {"trigger": TRIGGER, "input": {"search": {"request": {"indices": ["a"], "template": {"id": "missing"}}}}}
    assert _put(url, watch).status_code == 201


def test_get_compiles_again_so_a_deleted_stored_script_fails_the_get(url):
    _store_script(url, "missing")
    assert _put(url, {"trigger": TRIGGER, "condition": {"script": {"id": "missing"}}}).status_code == 201
    assert requests.delete(url + "/_scripts/missing", timeout=10).status_code == 200
    answer = requests.get(url + "/_watcher/watch/w", timeout=10)
    assert answer.status_code == 404 and _error(answer)["reason"] == MISSING


def test_a_lang_without_engine_is_refused(url):
    answer = _put(url, {"trigger": TRIGGER, "condition": {"script": {"source": "true", "lang": "python"}}})
    assert answer.status_code == 400
    assert _error(answer)["type"] == "illegal_argument_exception"
    assert _error(answer)["reason"] == "script_lang not supported [python]"


@pytest.mark.parametrize("part, script, reason, cause", [
    ("condition", {"source": "return true", "lang": "mustache"}, "Failed to compile inline script [return true] using lang [mustache]",
     "mustache engine does not know how to handle context [watcher_condition]"),
    ("transform", {"source": "doc['a'].value", "lang": "expression"}, "Failed to compile inline script [doc['a'].value] using lang [expression]",
     "expression engine does not know how to handle script context [watcher_transform]"),
    ("condition", {"source": {"a": 1}}, 'Failed to compile inline script [{"a":1}] using lang [painless]',
     "Unrecognized compile-time parameter(s): {content_type=application/json}"),
])
def test_an_engine_that_refuses_the_context_or_options_fails_the_compile(url, part, script, reason, cause):
    answer = _put(url, {"trigger": TRIGGER, part: {"script": script}})
    assert answer.status_code == 500, answer.text
    error = _error(answer)
    assert (error["type"], error["reason"]) == ("general_script_exception", reason)
    assert (error["caused_by"]["type"], error["caused_by"]["reason"]) == ("illegal_argument_exception", cause)


def test_a_stored_script_compiles_with_its_own_lang(url):
    _store_script(url, "template", lang="mustache", source="{{ctx.watch_id}}")
    answer = _put(url, {"trigger": TRIGGER, "condition": {"script": {"id": "template"}}})
    assert answer.status_code == 500
    assert _error(answer)["reason"] == "Failed to compile stored script [template] using lang [mustache]"


def test_an_inline_script_over_max_size_in_bytes_is_refused(url):
    source = "return true;" + " " * 65535
    answer = _put(url, {"trigger": TRIGGER, "transform": {"script": source}})
    assert answer.status_code == 400
    assert _error(answer)["reason"].startswith("exceeded max allowed inline script size in bytes [65535] with size [65547] for script [")


def test_inline_painless_is_not_compiled_here(url):
    """A real cluster refuses a Painless compile error (script_exception); the emulator has no Painless and accepts it."""
    assert _put(url, {"trigger": TRIGGER, "condition": {"script": "this is not painless ("}}).status_code == 201
