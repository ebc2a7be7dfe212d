# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Auto-resolve: the ALERT / RESOLVE action pair, the negated condition, and what es_watch makes of it."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import wanted_watch
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_auto_resolve import auto_resolving, negate_condition
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import ILertWebhookError
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import mask

KEY = "il1eswatcher00aa11bb22cc33dd44"
ERRORS = {"compare": {"ctx.payload.hits.total": {"gt": 0}}}


@pytest.mark.parametrize("condition, negated", [
    (ERRORS, {"compare": {"ctx.payload.hits.total": {"lte": 0}}}),
    ({"compare": {"a": {"eq": "x"}}}, {"compare": {"a": {"not_eq": "x"}}}),
    ({"compare": {"a": {"not_eq": 1}}}, {"compare": {"a": {"eq": 1}}}),
    ({"compare": {"a": {"gte": 5}}}, {"compare": {"a": {"lt": 5}}}),
    ({"compare": {"a": {"lt": "<{now-5m}>"}}}, {"compare": {"a": {"gte": "<{now-5m}>"}}}),
    ({"compare": {"a": {"lte": 1}}}, {"compare": {"a": {"gt": 1}}}),
    ({"array_compare": {"ctx.payload.aggs.x.buckets": {"path": "doc_count", "gte": {"value": 5}}}},
     {"array_compare": {"ctx.payload.aggs.x.buckets": {"path": "doc_count", "lt": {"value": 5, "quantifier": "all"}}}}),
    ({"array_compare": {"p": {"eq": {"value": 1, "quantifier": "all"}}}}, {"array_compare": {"p": {"not_eq": {"value": 1, "quantifier": "some"}}}}),
    # Watcher reads operators and quantifiers in any case.
    ({"compare": {"a": {"GT": 3}}}, {"compare": {"a": {"lte": 3}}}),
    ({"array_compare": {"p": {"Eq": {"value": 1, "quantifier": "ALL"}}}}, {"array_compare": {"p": {"not_eq": {"value": 1, "quantifier": "some"}}}}),
    ({"always": {}}, {"never": {}}),
    ({"never": {}}, {"always": {}}),
    (None, {"never": {}}),
])
def test_negation(condition, negated):
    assert negate_condition(condition) == negated


@pytest.mark.parametrize("condition", [{"script": "return true"}, {"compare": {"a": {"gt": 1}, "b": {"lt": 2}}}, {"compare": {"a": {"gt": 1, "lt": 5}}}])
def test_conditions_that_cannot_be_negated_are_refused(condition):
    with pytest.raises(ILertWebhookError, match="ilert.auto_resolve needs a condition it can negate"):
        negate_condition(condition)


def test_the_pair_of_actions_and_the_always_condition():
    watch = auto_resolving({"trigger": {}, "condition": ERRORS, "actions": {"log": {"logging": {"text": "x"}}}}, KEY,
                           "https://api.ilert.com", "ilert", alert_key="app-errors", summary='Errors "in" app')
    assert watch["condition"] == {"always": {}}
    assert set(watch["actions"]) == {"log", "ilert", "ilert_resolve"}
    alert, resolve = watch["actions"]["ilert"], watch["actions"]["ilert_resolve"]
    assert alert["condition"] == ERRORS and resolve["condition"] == {"compare": {"ctx.payload.hits.total": {"lte": 0}}}
    assert resolve["throttle_period"] == "5m" and "throttle_period" not in alert
    for action, event_type in ((alert, "ALERT"), (resolve, "RESOLVE")):
        hook = action["webhook"]
        assert (hook["scheme"], hook["host"], hook["port"], hook["path"], hook["method"]) == ("https", "api.ilert.com", 443, "/api/events", "post")
        assert hook["headers"] == {"Content-Type": "application/json"}
        # The body is JSON once Watcher has rendered the payload section.
        body = json.loads(hook["body"].replace("{{#toJson}}ctx.payload{{/toJson}}", '{"hits": {"total": 3}}'))
        assert body == {"integrationKey": KEY, "eventType": event_type, "alertKey": "app-errors", "summary": 'Errors "in" app',
                        "customDetails": {"hits": {"total": 3}}}


def test_es_watch_builds_it_from_the_ilert_option_with_the_summary_from_metadata_and_masks_the_key():
    params = dict(watch_id="app-errors", definition=None, trigger={"schedule": {"interval": "1m"}}, input=None, condition=ERRORS,
                  actions=None, transform=None, throttle_period="5m", metadata={"name": "Errors in the app"},
                  ilert={"integration_key": KEY, "api_url": "http://127.0.0.1:18080", "action_id": "page", "auto_resolve": True,
                         "summary": None, "resolve_throttle_period": "1h"})
    watch = wanted_watch(params)
    assert watch["condition"] == {"always": {}} and watch["throttle_period_in_millis"] == 300000
    assert watch["actions"]["page_resolve"]["throttle_period_in_millis"] == 3600000
    assert watch["actions"]["page"]["webhook"]["port"] == 18080
    assert '"summary": "Errors in the app"' in watch["actions"]["page"]["webhook"]["body"]
    assert KEY not in json.dumps(mask(watch, [KEY]))


def test_an_action_id_already_taken_is_refused():
    with pytest.raises(ILertWebhookError, match="actions already has an action 'ilert_resolve'"):
        auto_resolving({"actions": {"ilert_resolve": {}}}, KEY, "https://api.ilert.com", "ilert", "w", "s")
