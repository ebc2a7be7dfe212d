# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""es_watches' decisions against a fake Watcher API holding many watches: which calls, how many, and what it reports."""

from __future__ import annotations

import copy
import json
import threading
import time

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.ilert.watcher.plugins.module_utils import _es_watches
from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import WatchError
from ansible_collections.ilert.watcher.plugins.module_utils._es_watches import EsWatchSet, watch_set_argument_spec
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_auto_resolve import event_action
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import DEFAULT_API_URL, ilert_action
from ansible_collections.ilert.watcher.plugins.module_utils._watch_canonical import canonical_watch

KEY = "il1eswatcher00112233445566778899"
OTHER_KEY = "il1eswatcher99887766554433221100"
TRIGGER = {"schedule": {"interval": "1m"}}
WRITES = ("put", "activate", "deactivate", "delete")

# es_watches' options as its main() declares them, with one connection option: validated with
# Ansible's own validator, the entries come out as AnsibleModule hands them over (every suboption
# present, None where unset, defaults filled).
SET_SPEC = dict(hosts=dict(type="list", elements="str"), **watch_set_argument_spec())


class FakeModule:
    def __init__(self, params, check_mode=False, diff=True):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff


class Meta:
    def __init__(self, status, headers=None):
        self.status = status
        self.headers = {"X-Elastic-Product": "Elasticsearch"} if headers is None else headers


class ApiError(Exception):
    def __init__(self, status, reason=None, headers=None):
        text = "status %d%s" % (status, ": " + reason if reason else "")
        super().__init__(text)
        self.meta = Meta(status, headers)
        self.body = {"error": {"reason": reason}} if reason else {}
        self.message = text


class Answer:
    def __init__(self, body):
        self.body = body


class FakeWatcher:
    """The watcher namespace of the client over a cluster of many watches; `calls` records every call.

    ``unlisted``: ids Query Watches does not see yet (a search that has not caught up with a write).
    ``failures``: (call, id) -> the exception that call raises for that id.
    ``intruders``: id -> watches another writer stores just before this client's next PUT of it.
    ``put_delay``: seconds a PUT takes, to measure how many are in flight at once.
    """

    def __init__(self, stored=None):
        self.lock = threading.Lock()
        self.store = {}
        self.calls = []
        self.unlisted = set()
        self.failures = {}
        self.intruders = {}
        self.put_delay = 0
        self.in_flight = 0
        self.max_in_flight = 0
        for watch_id, (watch, active) in (stored or {}).items():
            self._write(watch_id, watch, active)

    # --- the cluster ----------------------------------------------------------------------------
    def _write(self, watch_id, watch, active):
        """Stored as Elasticsearch stores it: parsed, in its canonical form, with a new sequence number."""
        before = self.store.get(watch_id)
        self.store[watch_id] = {"watch": canonical_watch(copy.deepcopy(watch)), "active": active,
                                "seq_no": before["seq_no"] + 1 if before else 7, "primary_term": 1}

    def _record(self, call, watch_id, *extra):
        self.calls.append((call, watch_id) + extra)
        failure = self.failures.get((call, watch_id))
        if failure is not None:
            raise failure

    def _item(self, watch_id):
        stored = self.store[watch_id]
        return {"_id": watch_id, "_seq_no": stored["seq_no"], "_primary_term": stored["primary_term"],
                "status": {"state": {"active": stored["active"]}}, "watch": copy.deepcopy(stored["watch"])}

    def _existing(self, watch_id):
        if watch_id not in self.store:
            raise ApiError(404, "watch [%s] not found" % watch_id)
        return self.store[watch_id]

    def calls_of(self, call):
        return [entry for entry in self.calls if entry[0] == call]

    def writes(self):
        return [entry for entry in self.calls if entry[0] in WRITES]

    # --- the API --------------------------------------------------------------------------------
    def query_watches(self, *, query=None, from_=0, size=10):
        with self.lock:
            self._record("query", None, json.dumps(query, sort_keys=True), from_, size)
            if query == {"match_all": {}}:
                ids = sorted(self.store)
            elif list(query or {}) == ["ids"]:
                ids = sorted(watch_id for watch_id in self.store if watch_id in query["ids"]["values"])
            else:
                raise ApiError(400, "unsupported query in this fake")
            ids = [watch_id for watch_id in ids if watch_id not in self.unlisted]
            return Answer({"count": len(ids), "watches": [self._item(watch_id) for watch_id in ids[from_:from_ + size]]})

    def get_watch(self, id):  # pylint: disable=redefined-builtin
        with self.lock:
            self._record("get", id)
            if id not in self.store:
                raise ApiError(404)
            return Answer(dict(self._item(id), found=True))

    def put_watch(self, id, active, body, if_seq_no=None, if_primary_term=None):  # pylint: disable=redefined-builtin
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.put_delay:
                time.sleep(self.put_delay)
            with self.lock:
                self._record("put", id, if_seq_no)
                if self.intruders.get(id):
                    self._write(id, self.intruders[id].pop(0), True)
                if if_seq_no is not None:
                    stored = self.store.get(id)
                    if stored is None or (stored["seq_no"], stored["primary_term"]) != (if_seq_no, if_primary_term):
                        raise ApiError(409, "version_conflict_engine_exception")
                self._write(id, body, active)
                return Answer({"_id": id, "created": True})
        finally:
            with self.lock:
                self.in_flight -= 1

    def activate_watch(self, watch_id):
        with self.lock:
            self._record("activate", watch_id)
            self._existing(watch_id)["active"] = True
            self.store[watch_id]["seq_no"] += 1

    def deactivate_watch(self, watch_id):
        with self.lock:
            self._record("deactivate", watch_id)
            self._existing(watch_id)["active"] = False
            self.store[watch_id]["seq_no"] += 1

    def delete_watch(self, id):  # pylint: disable=redefined-builtin
        with self.lock:
            self._record("delete", id)
            self._existing(id)
            del self.store[id]


class FakeClient:
    def __init__(self, watcher):
        self.watcher = watcher


# --- building the input -----------------------------------------------------------------------------
def ilert_watch(key=KEY, **parts):
    """A watch as the plain iLert action of es_watch stores it."""
    return dict(parts, trigger=TRIGGER, actions={"ilert": ilert_action(key, DEFAULT_API_URL)})


def entry(watch_id, **options):
    """An entry as written in a playbook: a trigger unless it is absent or has a definition."""
    if options.get("state") != "absent" and "definition" not in options:
        options.setdefault("trigger", TRIGGER)
    return dict(options, watch_id=watch_id)


def set_params(watches, ilert=True, **options):
    raw = dict(options, hosts=["http://localhost:9200"], watches=watches)
    if ilert:
        raw["ilert"] = {"integration_key": KEY} if ilert is True else ilert
    validated = ArgumentSpecValidator(SET_SPEC).validate(raw)
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def run(watcher, watches, check_mode=False, diff=True, **options):
    watch_set = EsWatchSet(FakeModule(set_params(watches, **options), check_mode=check_mode, diff=diff))
    return watch_set.run(FakeClient(watcher))


def outcomes(result):
    return [(item["watch_id"], item["operation"], item["changed"]) for item in result["watches"]]


def test_the_entries_look_like_what_ansible_module_hands_over():
    params = set_params([entry("w1")])
    assert params["watches"][0] == dict(
        watch_id="w1", state="present", active=True, definition=None, trigger=TRIGGER, input=None, condition=None, actions=None,
        transform=None, throttle_period=None, metadata=None, ilert=None, redacted_values="assume_unchanged")
    assert params["ilert"] == dict(integration_key=KEY, api_url=DEFAULT_API_URL, action_id="ilert", auto_resolve=False,
                                   add_action=True, summary=None, resolve_throttle_period="5m")
    assert params["prune"] is False and params["parallel_requests"] == 4


# --- 1. one call, every kind of outcome -------------------------------------------------------------
def mixed_cluster():
    return FakeWatcher({
        "upd": (ilert_watch(metadata={"v": 1}), True),
        "act": (ilert_watch(), False),
        "deact": (ilert_watch(), True),
        "same": (ilert_watch(), True),
        "gone": (ilert_watch(), True),
    })


MIXED = [
    entry("new"),
    entry("bad"),
    entry("upd", metadata={"v": 2}),
    entry("act"),
    entry("deact", active=False),
    entry("same"),
    entry("gone", state="absent"),
]
MIXED_OUTCOMES = [("new", "created", True), ("bad", None, False), ("upd", "updated", True), ("act", "activated", True),
                  ("deact", "deactivated", True), ("same", "none", False), ("gone", "deleted", True)]


def test_a_failing_watch_does_not_stop_the_others_and_the_task_fails_naming_it():
    watcher = mixed_cluster()
    watcher.failures[("put", "bad")] = ApiError(400, "parse_exception: could not parse webhook action")
    result = run(watcher, MIXED)

    assert outcomes(result) == MIXED_OUTCOMES
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("1 of 7 watches failed: watch 'bad': Cannot create watch 'bad'")
    assert "could not parse webhook action" in result["msg"]
    bad = result["watches"][1]
    assert bad["failed"] is True and "Cannot create watch 'bad'" in bad["msg"]
    assert not any(item.get("failed") for index, item in enumerate(result["watches"]) if index != 1)

    # Each other watch reached its declared state, each by its lightest call.
    assert sorted(watcher.store) == ["act", "deact", "new", "same", "upd"]
    assert watcher.store["upd"]["watch"]["metadata"] == {"v": 2}
    assert watcher.store["act"]["active"] is True and watcher.store["deact"]["active"] is False
    assert sorted(watcher.writes()) == sorted([("put", "new", None), ("put", "bad", None), ("put", "upd", 7), ("activate", "act"),
                                               ("deactivate", "deact"), ("delete", "gone")])
    # One listing of the declared ids; a GET only for the two the listing does not have.
    assert len(watcher.calls_of("query")) == 1
    assert json.loads(watcher.calls_of("query")[0][2]) == {"ids": {"values": ["new", "bad", "upd", "act", "deact", "same", "gone"]}}
    assert sorted(watcher.calls_of("get")) == [("get", "bad"), ("get", "new")]
    assert KEY not in json.dumps(result)


def test_without_failures_the_message_counts_each_operation():
    result = run(mixed_cluster(), MIXED)
    assert "failed" not in result and result["changed"] is True
    assert outcomes(result)[1] == ("bad", "created", True)
    assert result["msg"] == "7 watches: 2 created, 1 updated, 1 activated, 1 deactivated, 1 deleted, 1 already as declared"


def test_a_listing_that_fails_writes_nothing():
    watcher = mixed_cluster()
    watcher.failures[("query", None)] = ApiError(503, "cluster_block_exception")
    result = run(watcher, MIXED)
    assert result["failed"] is True and result["changed"] is False and result["watches"] == []
    assert result["msg"].startswith("Cannot list the watches:") and result["msg"].endswith("nothing was written")
    assert [call[0] for call in watcher.calls] == ["query"]


# --- 2. a run with nothing to do: one listing, nothing else ------------------------------------------
def test_nothing_to_do_is_one_listing_and_no_other_request():
    watcher = FakeWatcher(dict(("w%d" % index, (ilert_watch(), index % 2 == 0)) for index in range(6)))
    result = run(watcher, [entry("w%d" % index, active=index % 2 == 0) for index in range(6)])
    assert result["changed"] is False and "failed" not in result and "diff" not in result
    assert result["msg"] == "6 watches already as declared"
    assert [call[0] for call in watcher.calls] == ["query"]
    assert outcomes(result) == [("w%d" % index, "none", False) for index in range(6)]


def test_the_listing_pages_with_from_and_stops_at_count(monkeypatch):
    monkeypatch.setattr(_es_watches, "LISTING_PAGE_SIZE", 2)
    watcher = FakeWatcher(dict(("w%d" % index, (ilert_watch(), True)) for index in range(5)))
    result = run(watcher, [entry("w%d" % index) for index in range(5)])
    assert result["changed"] is False
    assert [call[3:] for call in watcher.calls] == [(0, 2), (2, 2), (4, 2)]
    assert [call[0] for call in watcher.calls] == ["query"] * 3


def test_prune_lists_the_whole_cluster_and_refuses_when_it_cannot_see_all_of_it(monkeypatch):
    monkeypatch.setattr(_es_watches, "LISTING_PAGE_SIZE", 2)
    monkeypatch.setattr(_es_watches, "LISTING_WINDOW", 4)
    watcher = FakeWatcher(dict(("w%d" % index, (ilert_watch(), True)) for index in range(5)))
    result = run(watcher, [entry("w0", metadata={"changed": True})], prune=True)
    assert result["failed"] is True and result["watches"] == []
    assert "prune cannot see every watch: the cluster holds 5" in result["msg"]
    assert [(call[0], json.loads(call[2]), call[3]) for call in watcher.calls] == [("query", {"match_all": {}}, 0), ("query", {"match_all": {}}, 2)]

    watcher.calls.clear()
    monkeypatch.setattr(_es_watches, "LISTING_WINDOW", 6)
    result = run(watcher, [entry("w%d" % index) for index in range(5)], prune=True)
    assert result["changed"] is False and [call[3:] for call in watcher.calls] == [(0, 2), (2, 2), (4, 2)]


# --- 3. a watch the listing has not seen yet ----------------------------------------------------------
def test_a_declared_watch_missing_from_the_listing_is_read_with_get_before_anything_is_written():
    watcher = FakeWatcher({"late-equal": (ilert_watch(), True), "late-different": (ilert_watch(), True), "late-gone": (ilert_watch(), True)})
    watcher.unlisted.update(("late-equal", "late-different", "late-gone"))
    result = run(watcher, [entry("late-equal"), entry("late-different", metadata={"v": 2}), entry("missing"), entry("late-gone", state="absent")])

    assert outcomes(result) == [("late-equal", "none", False), ("late-different", "updated", True), ("missing", "created", True),
                                ("late-gone", "deleted", True)]
    assert len(watcher.calls_of("query")) == 1
    assert sorted(watcher.calls_of("get")) == [("get", "late-different"), ("get", "late-equal"), ("get", "late-gone"), ("get", "missing")]
    # Found by GET: not re-created; updated with the sequence number GET gave; deleted when declared absent.
    assert sorted(watcher.writes()) == [("delete", "late-gone"), ("put", "late-different", 7), ("put", "missing", None)]


# --- 4. compare and set --------------------------------------------------------------------------------
def test_a_conflict_on_update_reads_again_and_decides_again():
    watcher = FakeWatcher({"upd": (ilert_watch(metadata={"v": 1}), True), "won": (ilert_watch(metadata={"v": 1}), True)})
    watcher.intruders["upd"] = [ilert_watch(metadata={"v": "other writer"})]
    watcher.intruders["won"] = [ilert_watch(metadata={"v": 2})]  # the other writer stored what we want
    result = run(watcher, [entry("upd", metadata={"v": 2}), entry("won", metadata={"v": 2})])

    assert outcomes(result) == [("upd", "updated", True), ("won", "updated", True)] and "failed" not in result
    assert [call for call in watcher.calls if call[1] == "upd"] == [("put", "upd", 7), ("get", "upd"), ("put", "upd", 8)]
    assert [call for call in watcher.calls if call[1] == "won"] == [("put", "won", 7), ("get", "won")]
    assert watcher.store["upd"]["watch"]["metadata"] == {"v": 2} and watcher.store["upd"]["seq_no"] == 9


def test_conflicts_that_never_end_fail_that_watch_only():
    watcher = FakeWatcher({"busy": (ilert_watch(metadata={"v": 1}), True), "calm": (ilert_watch(metadata={"v": 1}), True)})
    watcher.intruders["busy"] = [ilert_watch(metadata={"v": round_}) for round_ in range(10, 20)]
    result = run(watcher, [entry("busy", metadata={"v": 2}), entry("calm", metadata={"v": 2})])
    assert result["failed"] is True and result["msg"].startswith("1 of 2 watches failed: watch 'busy': Cannot update watch 'busy'")
    assert "status 409" in result["watches"][0]["msg"] and result["watches"][0]["failed"] is True
    assert len(watcher.calls_of("put")) == 3 + 1
    assert outcomes(result)[1] == ("calm", "updated", True)


# --- 5. check mode and diff mode -------------------------------------------------------------------------
def test_check_mode_writes_nothing_and_says_what_would_happen():
    watcher = mixed_cluster()
    before = copy.deepcopy(watcher.store)
    result = run(watcher, MIXED, check_mode=True)

    assert watcher.writes() == [] and watcher.store == before
    assert outcomes(result)[1] == ("bad", "created", True)
    assert [item["operation"] for item in result["watches"]] == [
        "created", "created", "updated", "activated", "deactivated", "none", "deleted"]
    assert result["changed"] is True and "(check mode)" in result["msg"]
    assert result["watches"][0]["msg"] == "watch 'new' would be created (check mode)"


def test_diff_mode_gives_one_diff_per_changed_watch_headed_by_its_id_and_masks_the_key():
    watcher = mixed_cluster()
    result = run(watcher, MIXED, check_mode=True)
    diffs = result["diff"]
    assert [item["before_header"] for item in diffs] == ["watch 'new'", "watch 'bad'", "watch 'upd'", "watch 'act'", "watch 'deact'",
                                                         "watch 'gone'"]
    assert all(item["after_header"] == item["before_header"] for item in diffs)
    assert diffs[2]["before"] == {"metadata": {"v": 1}} and diffs[2]["after"] == {"metadata": {"v": 2}}
    assert diffs[4]["before"] == {"active": True} and diffs[4]["after"] == {"active": False}
    assert diffs[0]["after"]["actions"]["ilert"]["webhook"]["path"] == "/api/v1/events/eswatcher/********"
    assert KEY not in json.dumps(result)

    real = run(mixed_cluster(), MIXED)
    assert real["diff"] == diffs and KEY not in json.dumps(real)
    assert "diff" not in run(mixed_cluster(), MIXED, diff=False)


# --- 6. prune ----------------------------------------------------------------------------------------------
def prune_cluster():
    body_key = dict(trigger=TRIGGER, actions={"alert": event_action("ALERT", KEY, "x", "down", DEFAULT_API_URL)})
    return FakeWatcher({
        "kept": (ilert_watch(), True),
        "old-path": (ilert_watch(), True),
        "old-body": (body_key, False),
        "other-key": (ilert_watch(OTHER_KEY), True),
        "no-ilert": (dict(trigger=TRIGGER, actions={"log": {"logging": {"text": KEY}}}, metadata={"key": KEY}), True),
    })


def test_prune_deletes_only_undeclared_watches_posting_to_the_key():
    watcher = prune_cluster()
    result = run(watcher, [entry("kept")], prune=True)

    assert outcomes(result) == [("kept", "none", False), ("old-body", "deleted", True), ("old-path", "deleted", True)]
    assert [item.get("pruned") for item in result["watches"]] == [None, True, True]
    assert sorted(watcher.store) == ["kept", "no-ilert", "other-key"]
    assert sorted(watcher.writes()) == [("delete", "old-body"), ("delete", "old-path")]
    assert [json.loads(call[2]) for call in watcher.calls_of("query")] == [{"match_all": {}}]
    assert watcher.calls_of("get") == []  # the listing already gave each watch it decides
    assert [item["before_header"] for item in result["diff"]] == ["watch 'old-body' (pruned)", "watch 'old-path' (pruned)"]
    assert KEY not in json.dumps(result)


def test_prune_in_check_mode_lists_what_it_would_delete():
    watcher = prune_cluster()
    before = copy.deepcopy(watcher.store)
    result = run(watcher, [entry("kept")], prune=True, check_mode=True)
    assert watcher.writes() == [] and watcher.store == before
    assert outcomes(result)[1:] == [("old-body", "deleted", True), ("old-path", "deleted", True)]
    assert result["watches"][1]["msg"] == "watch 'old-body' would be deleted (check mode)"
    assert result["changed"] is True and KEY not in json.dumps(result)


def test_prune_without_an_integration_key_is_refused_before_any_request():
    with pytest.raises(WatchError, match="prune needs ilert.integration_key"):
        EsWatchSet(FakeModule(set_params([entry("kept", ilert={"integration_key": KEY})], ilert=False, prune=True)))


def test_without_prune_undeclared_watches_are_not_even_listed():
    watcher = prune_cluster()
    result = run(watcher, [entry("kept")])
    assert outcomes(result) == [("kept", "none", False)] and len(watcher.store) == 5
    assert [json.loads(call[2]) for call in watcher.calls] == [{"ids": {"values": ["kept"]}}]


# --- 7. bad input ----------------------------------------------------------------------------------------------
def test_bad_entries_are_named_by_index_before_any_request():
    watches = [entry("fine"), entry("has space"), entry("json", definition='{"trigger": '), entry("fine", metadata={"a": 1}),
               entry("ok2")]
    with pytest.raises(WatchError) as raised:
        EsWatchSet(FakeModule(set_params(watches)))
    message = str(raised.value)
    assert message.startswith("Nothing was sent: ")
    assert "watches[1]: watch_id must be a non-empty id without whitespace" in message
    assert "watches[2]: definition is not valid JSON" in message and '{"trigger": ' not in message
    assert "watches[3]: watch 'fine' is declared twice" in message
    assert "watches[0]" not in message and "watches[4]" not in message


# --- the set's ilert and the entry's ------------------------------------------------------------------------------
def test_an_entry_s_ilert_is_merged_over_the_set_s():
    watcher = FakeWatcher()
    run(watcher, [entry("own", ilert={"action_id": "page"}), entry("shared")])
    assert list(watcher.store["own"]["watch"]["actions"]) == ["page"]
    assert watcher.store["own"]["watch"]["actions"]["page"]["webhook"]["path"] == "/api/v1/events/eswatcher/" + KEY
    assert watcher.store["shared"]["watch"] == canonical_watch(ilert_watch())


def test_an_entry_without_the_ilert_action_gets_the_set_s_key_in_its_own_action_and_prune_keeps_the_set_s_key():
    own = {"webhook": {"host": "api.ilert.com", "port": 443, "scheme": "https", "method": "post",
                       "path": "/api/v1/events/eswatcher/<ilert_integration_key>", "headers": {"X-Own": "1"}}}
    watcher = prune_cluster()
    result = run(watcher, [entry("kept"), entry("own", actions={"page": own}, ilert={"add_action": False})], prune=True)
    assert list(watcher.store["own"]["watch"]["actions"]) == ["page"]
    assert watcher.store["own"]["watch"]["actions"]["page"]["webhook"]["path"] == "/api/v1/events/eswatcher/" + KEY
    assert [watch_id for watch_id, operation, changed in outcomes(result) if operation == "deleted"] == ["old-body", "old-path"]
    assert KEY not in json.dumps(result)
    with pytest.raises(WatchError, match="watches\\[0\\]: ilert.add_action false and ilert.auto_resolve true cannot go together"):
        EsWatchSet(FakeModule(set_params([entry("own", ilert={"add_action": False})], ilert={"integration_key": KEY, "auto_resolve": True})))


# --- 8. bounded parallelism ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("parallel", [1, 4])
def test_at_most_parallel_requests_writes_are_in_flight(parallel):
    watcher = FakeWatcher(dict(("w%d" % index, (ilert_watch(metadata={"v": 1}), True)) for index in range(8)))
    watcher.put_delay = 0.1
    result = run(watcher, [entry("w%d" % index, metadata={"v": 2}) for index in range(8)], parallel_requests=parallel)
    assert [item["operation"] for item in result["watches"]] == ["updated"] * 8
    assert len(watcher.calls_of("put")) == 8
    if parallel == 1:
        assert watcher.max_in_flight == 1
    else:
        assert 1 < watcher.max_in_flight <= parallel
