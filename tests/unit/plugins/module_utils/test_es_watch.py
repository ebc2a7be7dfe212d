# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""es_watch's decisions against a fake Watcher API: which call, when, and what it reports."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import EsWatch, WatchError, definition_from_params, wanted_watch
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import KEY_PLACEHOLDER
from ansible_collections.ilert.watcher.plugins.module_utils._watch_canonical import canonical_watch
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import REDACTED

KEY = "il1eswatcher00112233445566778899"
TRIGGER = {"schedule": {"interval": "1m"}}


class Exited(SystemExit):
    """Like AnsibleModule's exit_json/fail_json, which end the module with SystemExit."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


class FakeModule:
    def __init__(self, params, check_mode=False, diff=True):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff

    def exit_json(self, **result):
        raise Exited(dict(result, failed=False))

    def fail_json(self, **result):
        raise Exited(dict(result, failed=True))


class Meta:
    def __init__(self, status, headers=None):
        self.status = status
        self.headers = {"X-Elastic-Product": "Elasticsearch"} if headers is None else headers


class ApiError(Exception):
    def __init__(self, status, body=None, headers=None):
        super().__init__("status %d" % status)
        self.meta = Meta(status, headers)
        self.body = body or {}
        self.message = "status %d" % status


class Answer:
    def __init__(self, body):
        self.body = body


class FakeWatcher:
    """The watcher namespace of the client, over one stored watch; `calls` records every call."""

    def __init__(self, stored=None, active=True, conflicts=0, hidden=()):
        self.stored = stored
        self.active = active
        self.seq_no = 7
        self.conflicts = conflicts
        self.hidden = hidden
        self.calls = []

    def get_watch(self, id):  # pylint: disable=redefined-builtin
        self.calls.append("get")
        if self.stored is None:
            raise ApiError(404, {"found": False, "_id": id})
        shown = json.loads(json.dumps(self.stored))
        for path in self.hidden:
            node = shown
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = REDACTED
        return Answer({"found": True, "_id": id, "_seq_no": self.seq_no, "_primary_term": 1,
                       "status": {"state": {"active": self.active}}, "watch": shown})

    def put_watch(self, id, active, body, if_seq_no=None, if_primary_term=None):  # pylint: disable=redefined-builtin
        self.calls.append(("put", if_seq_no))
        if if_seq_no is not None and self.conflicts:
            self.conflicts -= 1
            self.seq_no += 1
            raise ApiError(409)
        self.stored, self.active = canonical_watch(body), active
        self.seq_no += 1

    def activate_watch(self, watch_id):
        self.calls.append("activate")
        self.active = True

    def deactivate_watch(self, watch_id):
        self.calls.append("deactivate")
        self.active = False

    def delete_watch(self, id):  # pylint: disable=redefined-builtin
        self.calls.append("delete")
        if self.stored is None:
            raise ApiError(404)
        self.stored = None


class FakeClient:
    def __init__(self, watcher):
        self.watcher = watcher


def params(**options):
    base = dict(watch_id="w1", state="present", active=True, definition=None, redacted_values="assume_unchanged", ilert=None,
                trigger=TRIGGER, input=None, condition=None, actions=None, transform=None, throttle_period=None, metadata=None)
    base.update(options)
    return base


def run(watcher, check_mode=False, **options):
    module = FakeModule(params(**options), check_mode=check_mode)
    with pytest.raises(Exited) as exited:
        try:  # as es_watch's main(): bad input is refused while the watch is built, before any request
            watch = EsWatch(module, FakeClient(watcher))
        except WatchError as exc:
            module.fail_json(msg=str(exc))
        watch.run()
    return exited.value.result


def test_create_then_one_read_and_nothing_else():
    watcher = FakeWatcher()
    created = run(watcher, ilert={"integration_key": KEY, "api_url": "https://api.ilert.com", "action_id": "ilert"})
    assert created["operation"] == "created" and watcher.calls == ["get", ("put", None)]
    watcher.calls.clear()
    again = run(watcher, ilert={"integration_key": KEY, "api_url": "https://api.ilert.com", "action_id": "ilert"})
    assert again["changed"] is False and watcher.calls == ["get"]
    assert KEY not in json.dumps(created) and KEY not in json.dumps(again)


def test_check_mode_reports_the_same_and_only_reads():
    watcher = FakeWatcher()
    checked = run(watcher, check_mode=True, throttle_period="5m")
    assert checked["changed"] is True and checked["operation"] == "created" and watcher.calls == ["get"]
    real = run(watcher, throttle_period="5m")
    assert checked["diff"] == real["diff"] and checked["watch"] == real["watch"]


def test_active_alone_goes_through_deactivate_and_activate_without_a_put():
    watcher = FakeWatcher(stored=canonical_watch({"trigger": TRIGGER}))
    result = run(watcher, active=False)
    assert result["operation"] == "deactivated" and watcher.calls == ["get", "deactivate"] and result["active"] is False
    assert result["diff"] == {"before": {"active": True}, "after": {"active": False}}
    watcher.calls.clear()
    assert run(watcher, active=True)["operation"] == "activated" and watcher.calls == ["get", "activate"]


def test_a_definition_change_is_a_put_with_the_sequence_number_and_the_wanted_active_flag():
    watcher = FakeWatcher(stored=canonical_watch({"trigger": TRIGGER}), active=False)
    result = run(watcher, active=False, metadata={"a": 1})
    assert result["operation"] == "updated" and watcher.calls == ["get", ("put", 7)] and watcher.active is False
    assert result["diff"] == {"before": {"metadata": None}, "after": {"metadata": {"a": 1}}}


def test_a_removed_part_counts_as_a_change():
    watcher = FakeWatcher(stored=canonical_watch({"trigger": TRIGGER, "transform": {"script": "x"}}))
    result = run(watcher)
    assert result["operation"] == "updated" and result["diff"]["after"] == {"transform": None}
    assert "transform" not in watcher.stored


def test_a_conflict_is_read_again_and_decided_again_a_bounded_number_of_times():
    watcher = FakeWatcher(stored=canonical_watch({"trigger": TRIGGER}), conflicts=1)
    result = run(watcher, metadata={"a": 1})
    assert result["changed"] is True and watcher.calls == ["get", ("put", 7), "get", ("put", 8)]
    assert watcher.stored["metadata"] == {"a": 1}

    always = FakeWatcher(stored=canonical_watch({"trigger": TRIGGER}), conflicts=10)
    result = run(always, metadata={"a": 1})
    assert result["failed"] is True and "Cannot update watch 'w1'" in result["msg"]
    assert [call for call in always.calls if call != "get"] == [("put", 7), ("put", 8), ("put", 9)]


def test_hidden_secrets_are_assumed_unchanged_or_always_updated():
    actions = {"hook": {"webhook": {"host": "h", "port": 443, "headers": {"Authorization": "Bearer t0ken"}}}}
    hidden = [("actions", "hook", "webhook", "headers", "Authorization")]
    watcher = FakeWatcher(stored=canonical_watch({"trigger": TRIGGER, "actions": actions}), hidden=hidden)
    assert run(watcher, actions=actions)["changed"] is False
    result = run(watcher, actions=actions, redacted_values="always_update")
    assert result["operation"] == "updated" and "t0ken" not in json.dumps(result)


def test_absent_twice():
    watcher = FakeWatcher(stored=canonical_watch({"trigger": TRIGGER}))
    assert run(watcher, state="absent", trigger=None)["operation"] == "deleted"
    again = run(watcher, state="absent", trigger=None)
    assert again["changed"] is False and again["msg"] == "watch 'w1' already absent"


def test_bad_input_fails_before_any_request():
    watcher = FakeWatcher()
    for options, message in (
        (dict(trigger=None, definition='{"trigger": '), "definition is not valid JSON"),
        (dict(trigger=None, definition=[1]), "definition must be an object"),
        (dict(trigger=None, definition={"trigger": TRIGGER, "extra": 1}), "unknown top-level watch field(s) extra"),
        (dict(actions={"ilert": {"logging": {"text": "x"}}}, ilert={"integration_key": KEY}), "actions already has an action 'ilert'"),
        (dict(ilert={"integration_key": "has space"}), "ilert.integration_key must be"),
        (dict(actions={"h": {"webhook": {"host": "h", "port": 1, "headers": {"X-Token": REDACTED}}}}),
         "actions.h.webhook.headers.X-Token is '::es_redacted::', the placeholder Elasticsearch shows instead of a secret, where"),
        (dict(actions={"h": {"webhook": {"host": "h", "port": 1, "path": "/x/" + KEY_PLACEHOLDER}}}),
         "actions.h.webhook.path holds <ilert_integration_key>, which stands for the iLert integration key: give ilert.integration_key"),
        (dict(actions={"h": {"webhook": {"host": "h", "port": 1, "path": "/x/" + KEY_PLACEHOLDER}}}, ilert={"integration_key": " "}),
         "ilert.integration_key must be"),
        (dict(ilert={"integration_key": KEY, "add_action": False, "auto_resolve": True}),
         "ilert.add_action false and ilert.auto_resolve true cannot go together"),
    ):
        result = run(watcher, **options)
        assert result["failed"] is True and message in result["msg"], (options, result["msg"])
    assert watcher.calls == []


def test_a_watch_id_with_whitespace_is_refused():
    with pytest.raises(WatchError, match="watch_id must be a non-empty id without whitespace"):
        EsWatch(FakeModule(params(watch_id="a b")), FakeClient(FakeWatcher()))


def test_a_new_watch_with_a_redacted_password_is_refused_an_existing_one_keeps_its_password():
    auth_input = {"http": {"request": {"host": "h", "port": 9200, "auth": {"basic": {"username": "u", "password": REDACTED}}}}}
    fresh = FakeWatcher()
    result = run(fresh, input=auth_input)
    assert result["failed"] is True and "cannot be created with '::es_redacted::' passwords" in result["msg"]
    assert fresh.calls == ["get"]

    stored = canonical_watch({"trigger": TRIGGER, "input": auth_input})
    stored["input"]["http"]["request"]["auth"]["basic"]["password"] = "real"
    existing = FakeWatcher(stored=stored, hidden=[("input", "http", "request", "auth", "basic", "password")])
    assert run(existing, input=auth_input)["changed"] is False


def test_a_get_answer_pasted_as_definition_uses_its_watch():
    answer = {"found": True, "_id": "w1", "_version": 3, "status": {"state": {"active": True}}, "watch": {"trigger": TRIGGER}}
    assert definition_from_params(params(trigger=None, definition=json.dumps(answer))) == {"trigger": TRIGGER}
    assert wanted_watch(params(trigger=None, definition=answer))["input"] == {"none": {}}


def test_the_ilert_option_adds_the_documented_action_under_its_id():
    watch = wanted_watch(params(ilert={"integration_key": KEY, "api_url": "http://127.0.0.1:18080", "action_id": "page"}))
    assert watch["actions"]["page"]["webhook"]["path"] == "/api/v1/events/eswatcher/" + KEY
    assert watch["actions"]["page"]["webhook"]["port"] == 18080


def test_a_404_from_something_that_is_not_elasticsearch_is_not_taken_for_a_missing_watch():
    class NotElasticsearch(FakeWatcher):
        def get_watch(self, id):  # pylint: disable=redefined-builtin
            self.calls.append("get")
            raise ApiError(404, {"code": "NOT_FOUND"}, headers={"Content-Type": "application/json"})

    watcher = NotElasticsearch()
    result = run(watcher)
    assert result["failed"] is True and "answered 404 without the X-Elastic-Product header" in result["msg"]
    assert watcher.calls == ["get"]


# --- the integration key placeholder of exported iLert actions ----------------------------------------
QUOTED_KEY = "il1/key+with?odd=chars"
OWN_ACTION = {"webhook": {"scheme": "https", "host": "api.ilert.com", "port": 443, "method": "post",
                          "path": "/api/v1/events/eswatcher/" + KEY_PLACEHOLDER, "headers": {"X-Source": "export"},
                          "body": '{"integrationKey": "%s", "eventType": "ALERT"}' % KEY_PLACEHOLDER},
              "throttle_period": "30m"}


def test_the_placeholder_under_actions_is_the_key_elsewhere_it_stays_text():
    watch = wanted_watch(params(actions={"page": OWN_ACTION}, metadata={"note": KEY_PLACEHOLDER},
                                ilert={"integration_key": " " + KEY + " ", "add_action": False}))
    webhook = watch["actions"]["page"]["webhook"]
    assert webhook["path"] == "/api/v1/events/eswatcher/" + KEY and webhook["body"] == '{"integrationKey": "%s", "eventType": "ALERT"}' % KEY
    assert set(watch["actions"]) == {"page"}  # add_action false: no iLert action of es_watch's own
    assert watch["metadata"] == {"note": KEY_PLACEHOLDER}


@pytest.mark.parametrize("quoted", ["%3Cilert_integration_key%3E", "%3cilert_integration_key%3e"])
def test_a_quoted_placeholder_in_a_path_is_the_quoted_key(quoted):
    action = {"webhook": {"host": "h", "port": 443, "path": "/api/v1/events/eswatcher/" + quoted, "body": quoted}}
    watch = wanted_watch(params(definition={"trigger": TRIGGER, "actions": {"own": action}}, trigger=None,
                                ilert={"integration_key": QUOTED_KEY, "add_action": False}))
    assert watch["actions"]["own"]["webhook"]["path"] == "/api/v1/events/eswatcher/il1%2Fkey%2Bwith%3Fodd%3Dchars"
    assert watch["actions"]["own"]["webhook"]["body"] == quoted  # only paths are URL-encoded
    in_url = wanted_watch(params(actions={"own": {"webhook": {"url": "https://api.ilert.com/api/v1/events/eswatcher/" + quoted}}},
                                 ilert={"integration_key": QUOTED_KEY, "add_action": False}))
    assert in_url["actions"]["own"]["webhook"]["path"] == "/api/v1/events/eswatcher/" + QUOTED_KEY  # a url's path is stored decoded


def test_the_placeholder_with_the_added_action_and_auto_resolve():
    plain = wanted_watch(params(actions={"own": OWN_ACTION}, ilert={"integration_key": KEY}))
    assert set(plain["actions"]) == {"own", "ilert"} and plain["actions"]["own"]["webhook"]["path"].endswith(KEY)
    resolving = wanted_watch(params(actions={"own": OWN_ACTION}, condition={"compare": {"ctx.payload.hits.total": {"gt": 0}}},
                                    ilert={"integration_key": KEY, "auto_resolve": True}))
    assert set(resolving["actions"]) == {"own", "ilert", "ilert_resolve"}
    without = wanted_watch(params(ilert={"integration_key": KEY, "add_action": False, "auto_resolve": False}))
    assert without["actions"] == {}


def test_a_watch_with_the_placeholder_never_shows_the_key():
    stored = canonical_watch({"trigger": TRIGGER, "actions": {"page": OWN_ACTION}})  # the placeholder as text: a wrong watch
    watcher = FakeWatcher(stored=stored)
    ilert = {"integration_key": QUOTED_KEY, "add_action": False}
    action = dict(OWN_ACTION, webhook=dict(OWN_ACTION["webhook"], path="/hook/%3Cilert_integration_key%3E"))
    checked = run(watcher, check_mode=True, actions={"page": action}, ilert=ilert)
    result = run(watcher, actions={"page": action}, ilert=ilert)
    assert checked["operation"] == result["operation"] == "updated" and checked["diff"] == result["diff"]
    assert watcher.stored["actions"]["page"]["webhook"]["path"] == "/hook/" + quote(QUOTED_KEY, safe="")
    assert QUOTED_KEY in watcher.stored["actions"]["page"]["webhook"]["body"]
    for shown in (checked, result, run(watcher, actions={"page": action}, ilert=ilert)):
        text = json.dumps(shown)
        assert QUOTED_KEY not in text and quote(QUOTED_KEY, safe="") not in text and "il1/key" not in text


# --- ::es_redacted:: in an Authorization header: refused only when it would be written -------------
AUTH_ACTIONS = {"hook": {"webhook": {"host": "h", "port": 443, "headers": {"Authorization": REDACTED}}}}
HIDDEN_AUTH = [("actions", "hook", "webhook", "headers", "Authorization")]


def stored_with_real_auth(**parts):
    return canonical_watch(dict(parts, trigger=TRIGGER, actions={"hook": {"webhook": {"host": "h", "port": 443,
                                                                                      "headers": {"Authorization": "Bearer t0ken"}}}}))


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_redacted_header_the_stored_watch_hides_alike_is_no_change(check_mode):
    watcher = FakeWatcher(stored=stored_with_real_auth(), hidden=HIDDEN_AUTH)
    result = run(watcher, check_mode=check_mode, actions=AUTH_ACTIONS)
    assert result["failed"] is False and result["changed"] is False and watcher.calls == ["get"]
    assert watcher.stored["actions"]["hook"]["webhook"]["headers"]["Authorization"] == "Bearer t0ken"


def test_a_redacted_header_still_lets_active_alone_change():
    watcher = FakeWatcher(stored=stored_with_real_auth(), hidden=HIDDEN_AUTH)
    result = run(watcher, actions=AUTH_ACTIONS, active=False)
    assert result["operation"] == "deactivated" and watcher.calls == ["get", "deactivate"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_changed_watch_with_a_redacted_header_fails_before_the_put(check_mode):
    watcher = FakeWatcher(stored=stored_with_real_auth(), hidden=HIDDEN_AUTH)
    result = run(watcher, check_mode=check_mode, actions=AUTH_ACTIONS, metadata={"v": 2})
    assert result["failed"] is True and watcher.calls == ["get"]
    assert result["msg"] == ("actions.hook.webhook.headers.Authorization is '::es_redacted::', the placeholder Elasticsearch shows instead"
                             " of a secret, and the watch must be updated. Sent, it would be stored as the literal header and break the"
                             " request: give the real value. Nothing was written.")
    assert watcher.stored["actions"]["hook"]["webhook"]["headers"]["Authorization"] == "Bearer t0ken"


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_new_watch_with_a_redacted_header_is_refused(check_mode):
    watcher = FakeWatcher()
    result = run(watcher, check_mode=check_mode, actions=AUTH_ACTIONS)
    assert result["failed"] is True and "and the watch must be created" in result["msg"] and watcher.calls == ["get"]
    assert watcher.stored is None
