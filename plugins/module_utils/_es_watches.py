# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: es_watches, a set of watches converged in one module execution.

Each watch is decided by EsWatch exactly as es_watch decides it (canonical comparison, activate /
deactivate without PUT, CAS re-read on 409, redaction policies, masking). What a set adds:

* one listing of the stored watches through the Query Watches API instead of one GET per watch.
  The listing is a search of ``.watches`` (Elasticsearch's TransportQueryWatchesAction), not a
  realtime read: Watcher's own writes refresh the index before they answer, but the status that an
  execution writes does not, so a listed ``_seq_no`` can be stale (the conditional PUT then gets a
  409 and EsWatch reads again). A declared watch the listing lacks is read with GET before it is
  created, never created on the listing's word;
* a bounded number of watches converging at once (``parallel_requests``), each on its own thread
  with the one shared client (its connection pool is thread-safe);
* a result per watch, and after every watch was decided, one failure naming each watch that failed;
* pruning: a stored watch that is not declared but whose actions post to the integration key is
  deleted. A watch that does not post to that key is never touched.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ilert.watcher.plugins.module_utils._elasticsearch import translate_error
from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import (
    WATCH_MUTUALLY_EXCLUSIVE,
    WATCH_REQUIRED_IF,
    EsWatch,
    WatchError,
    WatchFailure,
    watch_argument_spec,
)
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import ilert_keys_posted_to

# Options of es_watches that are about the set, not about one watch.
SET_OPTIONS = ("watches", "prune", "parallel_requests")
# A page of the listing; index.max_result_window (10,000 by default) caps from + size of a search
# without sort, and _id cannot be sorted on (its field data is off since 8.0), so past the window
# the listing is incomplete (see list_stored).
LISTING_PAGE_SIZE = 1000
LISTING_WINDOW = 10000
OPERATIONS = ("created", "updated", "activated", "deactivated", "deleted")


def watch_set_argument_spec() -> dict:
    """es_watches' own options, without the connection options: the watches, the shared ilert, prune, parallel_requests."""
    return dict(
        watches=dict(type="list", elements="dict", required=True, options=watch_argument_spec(in_set=True),
                     mutually_exclusive=WATCH_MUTUALLY_EXCLUSIVE, required_if=WATCH_REQUIRED_IF),
        ilert=watch_argument_spec()["ilert"],
        prune=dict(type="bool", default=False),
        parallel_requests=dict(type="int", default=4),
    )


class EntryModule:
    """What EsWatch uses of an AnsibleModule, for one entry of ``watches``."""

    def __init__(self, params: dict, check_mode: bool, diff: bool):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff


def merged_ilert(shared, own):
    """The entry's ``ilert`` over the set's: the set gives the key and API URL, an entry may set the rest."""
    if not shared and not own:
        return None
    merged = dict((key, value) for key, value in (shared or {}).items() if value is not None)
    merged.update((key, value) for key, value in (own or {}).items() if value is not None)
    return merged


def entry_params(set_params: dict, entry: dict) -> dict:
    """es_watch's options for one entry: the connection options of the set, the entry's own, the merged ilert."""
    params = dict((key, value) for key, value in set_params.items() if key not in SET_OPTIONS)
    params.update(entry)
    params["ilert"] = merged_ilert(set_params.get("ilert"), entry.get("ilert"))
    return params


def watch_summary(result: dict, pruned: bool = False) -> dict:
    """What the set returns of one watch: no definition, so the result stays small at hundreds of watches."""
    summary = dict((key, result.get(key)) for key in ("watch_id", "operation", "changed", "active", "msg"))
    if pruned:
        summary["pruned"] = True
    return summary


def set_message(summaries: list, check_mode: bool) -> str:
    """One fixed sentence per outcome: the number of watches per operation."""
    counts = [(operation, sum(1 for item in summaries if item.get("operation") == operation)) for operation in OPERATIONS]
    done = ", ".join("%d %s" % (count, operation) for operation, count in counts if count)
    unchanged = sum(1 for item in summaries if item.get("operation") == "none")
    if not done:
        return "%d watches already as declared" % unchanged
    return "%d watches%s: %s, %d already as declared" % (len(summaries), " (check mode)" if check_mode else "", done, unchanged)


class EsWatchSet:
    """es_watches: the watches of ``watches`` as declared, and with ``prune`` no other watch posting to the key."""

    def __init__(self, module):
        """Builds every watch before any request; raises WatchError naming each bad entry."""
        self.module = module
        self.params = module.params
        self.prune = bool(self.params.get("prune"))
        self.key = (self.params.get("ilert") or {}).get("integration_key")
        problems = []
        self.watches = []
        declared = set()
        for index, entry in enumerate(self.params.get("watches") or []):
            if entry.get("watch_id") in declared:
                problems.append("watches[%d]: watch '%s' is declared twice" % (index, entry.get("watch_id")))
                continue
            declared.add(entry.get("watch_id"))
            try:
                self.watches.append(EsWatch(self._entry_module(entry), None))
            except WatchError as exc:
                problems.append("watches[%d]: %s" % (index, exc))
        if self.prune and not self.key:
            problems.append("prune needs ilert.integration_key: only watches posting to that key are pruned")
        if problems:
            raise WatchError("Nothing was sent: %s" % "; ".join(problems))

    def _entry_module(self, entry: dict) -> EntryModule:
        return EntryModule(entry_params(self.params, entry), self.module.check_mode, self.module._diff)

    # --- reading ----------------------------------------------------------------------------------
    def list_stored(self, client) -> dict:
        """The stored watches by id as Query Watches returns them: with prune all, otherwise the declared ones."""
        if self.prune:
            query = {"match_all": {}}
        elif self.watches:
            query = {"ids": {"values": [watch.watch_id for watch in self.watches]}}
        else:
            return {}
        stored, start, count = {}, 0, 0
        while start < LISTING_WINDOW:
            answer = client.watcher.query_watches(query=query, from_=start, size=min(LISTING_PAGE_SIZE, LISTING_WINDOW - start)).body
            items = answer.get("watches") or []
            count = answer.get("count") or 0
            for item in items:
                stored.setdefault(item.get("_id"), item)  # a watch moved between two pages is kept once
            start += len(items)
            if not items or start >= count:
                break
        if self.prune and count > start:
            raise WatchError("prune cannot see every watch: the cluster holds %d, and Query Watches lists at most %d without"
                             " sorting on _id; nothing was written. Prune in smaller steps by deleting by hand, or set prune: false."
                             % (count, LISTING_WINDOW))
        return stored

    def prunable(self, stored: dict) -> list:
        """Stored watches that are not declared and post to the integration key, in id order."""
        declared = set(watch.watch_id for watch in self.watches)
        return sorted(watch_id for watch_id, item in stored.items()
                      if watch_id not in declared and self.key in ilert_keys_posted_to(item.get("watch") or {}))

    # --- converging -------------------------------------------------------------------------------
    def run(self, client) -> dict:
        """Every watch decided (and written outside check mode); the module result, with ``failed`` when any failed."""
        try:
            stored = self.list_stored(client)
        except WatchError as exc:
            return dict(failed=True, changed=False, msg=str(exc), watches=[])
        except Exception as exc:  # pylint: disable=broad-exception-caught
            error = translate_error(exc, self.params)
            return dict(failed=True, changed=False, msg="Cannot list the watches: %s; nothing was written" % error.msg, watches=[],
                        **error.details())
        jobs = []
        for watch in self.watches:
            watch.client = client
            # Absent from the listing is not proof of absence: read() then asks with GET.
            watch.known = stored.get(watch.watch_id)
            jobs.append((watch, False))
        if self.prune:
            for watch_id in self.prunable(stored):
                jobs.append((EsWatch(self._entry_module({"watch_id": watch_id, "state": "absent"}), client, known=stored[watch_id]), True))
        workers = max(1, min(self.params.get("parallel_requests") or 1, len(jobs) or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(self._converge_one, [watch for watch, pruned in jobs]))
        return self._result(jobs, outcomes)

    @staticmethod
    def _converge_one(watch: EsWatch):
        try:
            return watch.converge()
        except WatchFailure as exc:
            return exc

    def _result(self, jobs: list, outcomes: list) -> dict:
        summaries, diffs, failures = [], [], []
        for (watch, pruned), outcome in zip(jobs, outcomes):
            if isinstance(outcome, WatchFailure):
                failures.append("watch '%s': %s" % (watch.watch_id, outcome))
                summaries.append(dict(watch_id=watch.watch_id, operation=None, changed=False, failed=True, msg=str(outcome), **outcome.details))
                continue
            summaries.append(watch_summary(outcome, pruned))
            if "diff" in outcome:
                header = "watch '%s'%s" % (watch.watch_id, " (pruned)" if pruned else "")
                diffs.append(dict(outcome["diff"], before_header=header, after_header=header))
        result = dict(changed=any(item["changed"] for item in summaries), watches=summaries)
        if diffs:
            result["diff"] = diffs
        if failures:
            result.update(failed=True, msg="%d of %d watches failed: %s" % (len(failures), len(summaries), "; ".join(failures)))
        else:
            result["msg"] = set_message(summaries, self.module.check_mode)
        return result
