# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's up-front check: the same messages, and never a copy of what Ansible hands the filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ilert.watcher.plugins.filter.watch_problems import STAND_IN_KEY, module_params, watch_problems
from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import wanted_watch
from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_role import plain

TRIGGER = {"schedule": {"interval": "1m"}}
INPUT = {"search": {"request": {"indices": ["logs-*"], "body": {"query": {"match_all": {}}}}}}
CONDITION = {"compare": {"ctx.payload.hits.total": {"gt": 5}}}


class NoCopyDict(dict):
    """Stands in for ansible-core 2.19+'s lazy dict, whose deepcopy also copies every variable of the task."""

    def __deepcopy__(self, memo):
        raise AssertionError("the filter deep-copied a container it was given")


class NoCopyList(list):
    def __deepcopy__(self, memo):
        raise AssertionError("the filter deep-copied a container it was given")


class TaggedStr(str):
    """Stands in for a tagged string (origin, trust)."""


def lazy(value):
    if isinstance(value, dict):
        return NoCopyDict((key, lazy(item)) for key, item in value.items())
    if isinstance(value, list):
        return NoCopyList(lazy(item) for item in value)
    return TaggedStr(value) if isinstance(value, str) else value


def sources(*watches):
    return [{"name": "app", "watches": list(watches)}]


def good(watch_id="w1", **parts):
    return dict({"id": watch_id, "trigger": TRIGGER, "input": INPUT, "condition": CONDITION, "throttle_period": "5m",
                 "metadata": {"name": "Errors"}}, **parts)


def test_good_watches_have_no_problems():
    assert not watch_problems(sources(good("w1"), good("w2", auto_resolve=True)))


@pytest.mark.parametrize("watch, fragment", [
    (good("my watch"), "alert source 'app', watch 'my watch': watch_id must be a non-empty id without whitespace"),
    (good(throttle_period="soon"), "alert source 'app', watch 'w1': Invalid watch 'w1': throttle_period must be a time value"),
    (good(definition={"trigger": TRIGGER}), "definition and the separate parts (trigger, input, condition, throttle_period, metadata)"),
])
def test_a_bad_watch_is_named_with_its_source(watch, fragment):
    problems = watch_problems(sources(good("w0"), watch))
    assert len(problems) == 1 and fragment in problems[0], problems


def test_absent_sources_and_watches_are_not_checked():
    assert not watch_problems([{"name": "gone", "state": "absent", "watches": [good("my watch")]},
                               {"name": "app", "watches": [good("bad id", state="absent")]}])


def test_lazy_containers_are_read_not_copied_and_give_the_same_messages():
    given = sources(good("w1", auto_resolve=True), good("my watch"), good("w3", throttle_period="soon"))
    assert watch_problems(lazy(given)) == watch_problems(given)


def test_plain_data_is_untagged():
    value = plain(lazy({"a": ["x", {"b": "y"}], "n": 1, "t": True, "none": None}))
    assert value == {"a": ["x", {"b": "y"}], "n": 1, "t": True, "none": None}
    assert type(value) is dict and type(value["a"]) is list and type(value["a"][1]) is dict  # pylint: disable=unidiomatic-typecheck
    assert type(value["a"][0]) is str and all(type(key) is str for key in value)  # pylint: disable=unidiomatic-typecheck


def test_not_a_list_is_refused():
    with pytest.raises(AnsibleFilterError, match="expects the list of alert sources, got str"):
        watch_problems("notalist")


# --- hand-made iLert actions and secrets Elasticsearch hides ---------------------------------------------
OWN_ACTION = {"webhook": {"scheme": "https", "host": "api.ilert.com", "port": 443, "method": "post",
                          "path": "/api/v1/events/eswatcher/<ilert_integration_key>", "headers": {"X-Own": "1"}}}


def test_the_key_placeholder_is_filled_with_the_stand_in_key_as_the_module_fills_it_with_the_source_s():
    watch = good(actions={"page": OWN_ACTION}, ilert_action=False, metadata={"name": "Errors", "note": "<ilert_integration_key>"})
    assert not watch_problems(sources(watch))
    built = wanted_watch(module_params(watch))
    assert list(built["actions"]) == ["page"]
    assert built["actions"]["page"]["webhook"]["path"] == "/api/v1/events/eswatcher/" + STAND_IN_KEY
    assert built["metadata"]["note"] == "<ilert_integration_key>"
    assert sorted(wanted_watch(module_params(good(actions={"page": OWN_ACTION})))["actions"]) == ["ilert", "page"]
    assert list(wanted_watch(module_params(good(ilert_action="no")))["actions"]) == []


def test_ilert_action_false_with_auto_resolve_is_a_problem():
    problems = watch_problems(sources(good(ilert_action=False, auto_resolve=True)))
    assert len(problems) == 1 and "ilert.add_action false and ilert.auto_resolve true cannot go together" in problems[0]


def test_a_hidden_authorization_header_waits_for_the_stored_watch_a_value_never_hidden_is_a_problem():
    hidden = {"hook": {"webhook": {"host": "h", "port": 443, "headers": {"Authorization": "::es_redacted::"}}}}
    never_hidden = {"hook": {"webhook": {"host": "h", "port": 443, "headers": {"X-Token": "::es_redacted::"}}}}
    assert not watch_problems(sources(good(actions=hidden)))
    problems = watch_problems(sources(good(actions=never_hidden)))
    assert len(problems) == 1 and "actions.hook.webhook.headers.X-Token is '::es_redacted::'" in problems[0]


# --- one cluster of many: its own watches by source name (eswatcher_cluster_watches) --------------------------
def test_a_cluster_s_watches_are_checked_with_their_source():
    problems = watch_problems(sources(good("w1")), {"app": [good("w2"), good("eu watch")]})
    assert len(problems) == 1 and problems[0].startswith("alert source 'app', watch 'eu watch': watch_id must be a non-empty id"), problems


@pytest.mark.parametrize("cluster_watches, message", [
    ({"staging": [good("w2")]}, "eswatcher_cluster_watches names alert source 'staging', which eswatcher_sources does not declare"),
    ({"app": good("w2")}, "eswatcher_cluster_watches['app'] must be a list of watches, each a dict with id"),
    ({"app": ["w2"]}, "eswatcher_cluster_watches['app'] must be a list of watches, each a dict with id"),
    ([good("w2")], "eswatcher_cluster_watches must be a dict of alert source names to lists of watches, got list"),
])
def test_cluster_watches_of_another_shape_or_of_an_undeclared_source_are_refused(cluster_watches, message):
    assert watch_problems(sources(good("w1")), cluster_watches) == [message]


def test_no_watches_for_a_source_on_this_cluster_is_fine():
    assert not watch_problems(sources(good("w1")), {"app": None})
    assert not watch_problems(sources(good("w1")), {})


@pytest.mark.parametrize("given, cluster_watches", [
    ([{"name": "app", "watches": [good("w1")]}, {"name": "db", "watches": [good("w1")]}], None),
    ([{"name": "app", "watches": [good("w1")]}, {"name": "db"}], {"db": [good("w1")]}),
    ([{"name": "app", "watches": [good("w1")]}], {"app": [good("w1")]}),
])
def test_a_watch_declared_twice_on_one_cluster_is_a_problem(given, cluster_watches):
    problems = watch_problems(given, cluster_watches)
    assert len(problems) == 1 and problems[0].startswith("watch 'w1' is declared 2 times"), problems


def test_a_watch_of_a_removed_source_may_reappear_under_another():
    given = [{"name": "old", "state": "absent", "watches": [good("w1")]}, {"name": "new", "watches": [good("w1")]}]
    assert not watch_problems(given)
