# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Redacted secrets in stored watches, both policies, and masking for output; the iLert action builder."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._ilert_auto_resolve import auto_resolving
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import ILertWebhookError, ilert_action, webhook_parts
from ansible_collections.ilert.watcher.plugins.module_utils._watch_canonical import canonical_watch
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import (
    ALWAYS_UPDATE,
    ASSUME_UNCHANGED,
    MASK,
    REDACTED,
    comparable,
    ilert_keys_posted_to,
    mask,
    redacted_secrets_in,
    secret_strings,
)

PASSWORD = "s3cr3t-pw"
TOKEN = "Bearer tok-123"
KEY = "il1eswatcher0123456789abcdef01"


def wanted():
    return canonical_watch({
        "trigger": {"schedule": {"interval": "1m"}},
        "input": {"http": {"request": {"host": "es", "port": 9200, "auth": {"basic": {"username": "u", "password": PASSWORD}}}}},
        "actions": {"hook": {"webhook": {"host": "h", "port": 443, "scheme": "https", "headers": {"Authorization": TOKEN, "X": "y"}}}},
    })


def as_stored():
    """What a GET returns for wanted(): both secrets hidden."""
    stored = wanted()
    stored["input"]["http"]["request"]["auth"]["basic"]["password"] = REDACTED
    stored["actions"]["hook"]["webhook"]["headers"]["Authorization"] = REDACTED
    return stored


def test_assume_unchanged_makes_a_watch_with_hidden_secrets_equal_to_its_stored_copy():
    assert wanted() != as_stored()
    assert comparable(wanted(), as_stored(), ASSUME_UNCHANGED) == as_stored()


def test_assume_unchanged_still_sees_every_visible_change():
    changed = wanted()
    changed["actions"]["hook"]["webhook"]["headers"]["X"] = "z"
    assert comparable(changed, as_stored(), ASSUME_UNCHANGED) != as_stored()


def test_always_update_treats_a_hidden_secret_as_different():
    assert comparable(wanted(), as_stored(), ALWAYS_UPDATE) != as_stored()


def test_comparable_does_not_modify_its_input():
    desired = wanted()
    comparable(desired, as_stored())
    assert desired == wanted()


def test_a_secret_the_stored_watch_lacks_is_a_change():
    stored = as_stored()
    del stored["actions"]["hook"]["webhook"]["headers"]["Authorization"]
    assert comparable(wanted(), stored) != stored


def test_redacted_markers_in_a_wanted_watch_are_found_with_their_paths():
    assert redacted_secrets_in(as_stored()) == [
        ("input", "http", "request", "auth", "basic", "password"),
        ("actions", "hook", "webhook", "headers", "Authorization"),
    ]
    assert redacted_secrets_in(wanted()) == []


def test_mask_hides_passwords_authorization_headers_and_known_secret_strings():
    watch = wanted()
    watch["actions"]["ilert"] = ilert_action(KEY, "https://api.ilert.com")
    masked = json.dumps(mask(watch, secrets=[KEY]))
    for secret in (PASSWORD, TOKEN, KEY):
        assert secret not in masked
    assert mask(watch, [KEY])["actions"]["ilert"]["webhook"]["path"] == "/api/v1/events/eswatcher/" + MASK
    assert mask(watch)["actions"]["hook"]["webhook"]["headers"] == {"Authorization": MASK, "X": "y"}
    assert mask(as_stored())["actions"]["hook"]["webhook"]["headers"]["Authorization"] == REDACTED
    assert watch["actions"]["hook"]["webhook"]["headers"]["Authorization"] == TOKEN  # the original is untouched


def test_secret_strings_of_module_options_find_what_mask_hides_in_parts_lists_and_definition_text():
    watch = wanted()
    watch["actions"]["ilert"] = ilert_action(KEY, "https://api.ilert.com")
    other_key = "il1other0key"
    definition = json.dumps({"actions": {"hook": {"webhook": {"path": "/api/v1/events/eswatcher/%s" % other_key, "body": "{}"}}}})
    params = {
        "password": None,
        "watches": [watch, {"definition": definition}, {"definition": "not json"}],
        "actions": {"resolve": {"webhook": {"body": '{"integrationKey": "il1body0key", "eventType": "RESOLVE"}'}}},
    }
    found = secret_strings(params)
    assert {PASSWORD, TOKEN, KEY, other_key, "il1body0key"} <= found
    # Neither the hidden marker, the key placeholder nor ordinary values are secrets.
    assert not found & {REDACTED, "<ilert_integration_key>", "u", "h", "y", "RESOLVE"}
    assert secret_strings({"actions": {"a": {"webhook": {"path": "/api/v1/events/eswatcher/%3Cilert_integration_key%3E"}}}}) == set()


def test_mask_of_a_plain_string():
    assert mask("key " + KEY, [KEY]) == "key " + MASK


def test_the_ilert_action_is_exactly_as_ilert_documents_it_and_already_canonical():
    action = ilert_action(KEY)
    assert action == {"webhook": {
        "scheme": "https", "host": "api.ilert.com", "port": 443, "method": "post",
        "path": "/api/v1/events/eswatcher/" + KEY, "params": {}, "headers": {"Content-Type": "application/json"},
        "body": "{{#toJson}}ctx{{/toJson}}",
    }}
    stored = canonical_watch({"trigger": {"schedule": {"interval": "1m"}}, "actions": {"ilert": action}})
    assert stored["actions"]["ilert"] == action


@pytest.mark.parametrize("api_url, parts", [
    ("http://127.0.0.1:18080", {"scheme": "http", "host": "127.0.0.1", "port": 18080, "path": "/api/v1/events/eswatcher/k"}),
    ("https://api.ilert.com/", {"scheme": "https", "host": "api.ilert.com", "port": 443, "path": "/api/v1/events/eswatcher/k"}),
    ("https://api.ilert.com/api/", {"scheme": "https", "host": "api.ilert.com", "port": 443, "path": "/api/v1/events/eswatcher/k"}),
    ("http://proxy/ilert", {"scheme": "http", "host": "proxy", "port": 80, "path": "/ilert/api/v1/events/eswatcher/k"}),
])
def test_webhook_parts_from_the_api_url(api_url, parts):
    assert webhook_parts(api_url, "ESWATCHER", "k") == parts


@pytest.mark.parametrize("key", ["", "  ", "has space", None, 5])
def test_a_bad_integration_key_is_refused(key):
    with pytest.raises(ILertWebhookError, match="ilert.integration_key must be"):
        ilert_action(key)


def test_a_bad_api_url_is_refused():
    with pytest.raises(ILertWebhookError, match="ilert.api_url must be an http or https URL"):
        ilert_action(KEY, "api.ilert.com")


def test_ilert_keys_in_request_paths_are_masked_even_when_unknown():
    watch = {"actions": {"a": {"webhook": {"path": "/api/v1/events/eswatcher/" + KEY, "body": "x"}},
                         "b": {"webhook": {"path": "/other/" + KEY}}}}
    masked = mask(watch)
    assert masked["actions"]["a"]["webhook"]["path"] == "/api/v1/events/eswatcher/" + MASK
    assert masked["actions"]["b"]["webhook"]["path"] == "/other/" + KEY  # not an events path: nothing to say it is a key


def test_ilert_keys_in_events_api_bodies_are_masked_even_when_unknown():
    body = '{"integrationKey": "%s", "eventType": "ALERT", "customDetails": {{#toJson}}ctx.payload{{/toJson}}}' % KEY
    masked = mask({"actions": {"a": {"webhook": {"path": "/api/events", "body": body}}}})
    assert masked["actions"]["a"]["webhook"]["body"] == body.replace(KEY, MASK)


def test_the_keys_a_watch_posts_to_from_the_ilert_action_and_the_auto_resolve_pair():
    plain = canonical_watch({"trigger": {"schedule": {"interval": "1m"}}, "actions": {"ilert": ilert_action(KEY)}})
    assert ilert_keys_posted_to(plain) == {KEY}
    pair = auto_resolving({"trigger": {"schedule": {"interval": "1m"}}, "condition": {"always": {}}}, "other-key",
                          "https://api.ilert.com", "ilert", alert_key="w", summary="s")
    assert ilert_keys_posted_to(canonical_watch(pair)) == {"other-key"}


def test_the_keys_of_several_actions_and_an_escaped_key_in_a_path():
    watch = {"actions": {
        "a": {"webhook": {"path": "/api/v1/events/eswatcher/k%2F1", "body": "x"}},
        "b": {"webhook": {"path": "/api/events", "body": '{"apiKey": "k2", "eventType": "ALERT"}'}},
        "c": {"foreach": "ctx.payload.hits", "webhook": {"path": "/proxy/api/v1/events/eswatcher/k3?x=1"}},
    }}
    assert ilert_keys_posted_to(watch) == {"k/1", "k2", "k3"}


@pytest.mark.parametrize("watch", [
    None,
    {},
    {"actions": {}},
    {"actions": {"log": {"logging": {"text": "/api/v1/events/eswatcher/" + KEY}}}},
    {"actions": {"hook": {"webhook": {"path": "/other/" + KEY, "body": '{"key": "%s"}' % KEY}}}},
    {"actions": {"hook": {"webhook": {"path": "/x", "headers": {"X-Target": "/api/v1/events/eswatcher/" + KEY}, "params": {"k": KEY}}}}},
    {"metadata": {"path": "/api/v1/events/eswatcher/" + KEY}, "input": {"http": {"request": {"path": "/api/v1/events/eswatcher/" + KEY}}}},
])
def test_a_key_outside_the_request_of_an_action_does_not_count(watch):
    assert ilert_keys_posted_to(watch) == set()
