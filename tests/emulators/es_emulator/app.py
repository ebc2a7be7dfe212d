# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator application: Elasticsearch's REST layer and the Watcher transport actions.

Each `on_<endpoint>` handler is what one REST action does: parameters, request validation,
licence check, then the work on the `.watches` store. Every response carries
`X-Elastic-Product: Elasticsearch`; errors use Elasticsearch's envelope.
"""

from __future__ import annotations

import copy
import functools
import json
from datetime import datetime, timezone

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from emulator_kit.server import EmulatorApp

from . import cluster, query
from .call import Call
from .errors import (EsError, PlainError, fault_error, illegal_argument, index_not_found, licence_error, parse_error,
                     validation_error, watch_not_found)
from .params import as_bool, as_list, as_long, check_unrecognized
from .routes import ENDPOINTS, READ_ONLY_ROUTES, build_map, modern_path
from .status import ALL_ACTIONS, ack, for_response, format_date, new_status
from .store import WatchStore
from .versions import ServerVersion
from .watch_parser import ParseContext, parse_watch, redact_watch

UNASSIGNED_SEQ_NO = -2
UNASSIGNED_PRIMARY_TERM = 0
MATCH_ANY = -3
SYSTEM_INDEX_WARNING = ("this request accesses system indices: [.watches], but in a future major version, "
                        "direct access to system indices will be prevented by default")
PENDING_WATCHES_WARNING = "The pending_watches parameter is deprecated, use queued_watches instead"
EXECUTION_NOT_EMULATED = "watch execution is not emulated yet (it comes with part 2 of the emulator, issue 4)"


def api(endpoint: str):
    """Wrap a handler `(self, call, **path_args)` into the `(self, request, **path_args)` the kit calls."""
    spec = ENDPOINTS[endpoint]

    def decorate(handler):
        @functools.wraps(handler)
        def serve(self, request, **path_args):
            call = Call(request, self.version)
            try:
                call.negotiate()
                check_unrecognized(request.path, request.args.keys(), spec.params)
                if call.has_body and not spec.body:
                    raise illegal_argument("request [%s %s] does not support having a body" % (request.method, request.path))
                with self.state_lock:
                    return handler(self, call, **path_args)
            except (EsError, PlainError) as error:
                return call.fail(error)
        return serve
    return decorate


def _check_id(watch_id: str) -> list[str]:
    return ["watch id contains whitespace"] if any(char.isspace() for char in watch_id) else []


class WatcherEmulator(EmulatorApp):
    """Elasticsearch with Watcher, one node, as `--version` and `--license` say."""

    def __init__(self, version: str = "9.1.0", license_type: str = "trial", clock=None, **kwargs):
        if license_type not in ("trial", "basic"):
            raise ValueError("license must be trial or basic, got %r" % license_type)
        self.version = ServerVersion.parse(version)
        self.license_type = license_type
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.url_map = build_map(self.version)
        self.read_only_routes = READ_ONLY_ROUTES
        self.store = WatchStore()
        self.watcher_started = True
        self.manually_stopped = False
        self.watches_settings = dict(cluster.WATCHES_INDEX_SETTINGS)
        self.cluster_settings = {"persistent": {}, "transient": {}}
        super().__init__(**kwargs)

    # --- the kit's contract ------------------------------------------------------------------------
    def error_response(self, status: int, reason: str) -> Response:
        """What injected status faults answer: the envelope of the exception a cluster would report."""
        body = json.dumps(fault_error(status, reason).body(), separators=(",", ":"))
        return Response(body, status=status, headers={"Content-Type": self.version.json_content_type})

    def reset_state(self) -> None:
        self.store.reset()
        self.watcher_started = True
        self.manually_stopped = False
        self.watches_settings = dict(cluster.WATCHES_INDEX_SETTINGS)
        self.cluster_settings = {"persistent": {}, "transient": {}}

    def state_to_dict(self) -> dict:
        return {
            "version": self.version.number,
            "watches": self.store.to_dict(),
            "watcher": {"started": self.watcher_started, "manually_stopped": self.manually_stopped},
            "watches_settings": self.watches_settings,
            "cluster_settings": self.cluster_settings,
        }

    def state_from_dict(self, state: dict) -> None:
        self.store.from_dict(state.get("watches", {}))
        watcher = state.get("watcher", {})
        self.watcher_started = watcher.get("started", True)
        self.manually_stopped = watcher.get("manually_stopped", False)
        self.watches_settings = state.get("watches_settings", dict(cluster.WATCHES_INDEX_SETTINGS))
        self.cluster_settings = state.get("cluster_settings", {"persistent": {}, "transient": {}})

    def finish(self, response: Response) -> Response:
        response.headers["X-Elastic-Product"] = "Elasticsearch"
        return response

    def unrouted(self, request, route: str) -> Response:
        call = Call(request, self.version)
        try:
            call.negotiate()
            adapter = self.url_map.bind_to_environ(request.environ)
            allowed = sorted(adapter.allowed_methods())
            if route == "<method not allowed>" and request.method == "OPTIONS":
                return Response(status=200, headers={"Allow": ",".join(allowed)})
            if route == "<method not allowed>":
                raise PlainError(405, "Incorrect HTTP method for uri [%s] and method [%s], allowed: [%s]" % (
                    request.full_path.rstrip("?"), request.method, ", ".join(allowed)), {"Allow": ",".join(allowed)})
            raise PlainError(400, "no handler found for uri [%s] and method [%s]" % (request.full_path.rstrip("?"), request.method))
        except (EsError, PlainError) as error:
            return call.fail(error)

    # --- helpers -------------------------------------------------------------------------------------
    def now(self) -> str:
        return format_date(self.clock())

    def require_licence(self) -> None:
        """WatcherTransportAction: every licensed Watcher action refuses a basic licence (delete is exempt)."""
        if self.license_type == "basic":
            raise licence_error()

    def read_watch(self, call: Call, watch_id: str, source: dict) -> dict:
        """The stored source parsed again and written with secrets hidden (GET, query watches)."""
        ctx = ParseContext(watch_id, self.version, allow_redacted=True)
        watch = redact_watch(parse_watch(source, ctx), self.version)
        for message in ctx.warnings:
            call.warn(message)
        return watch

    # --- cluster -------------------------------------------------------------------------------------
    @api("info")
    def on_info(self, call):
        return call.respond(cluster.info(self.version))

    @api("cluster_health")
    def on_cluster_health(self, call, index=None):  # pylint: disable=unused-argument
        return call.respond(cluster.health(self.store.index_exists))

    @api("get_cluster_settings")
    def on_get_cluster_settings(self, call):
        return call.respond({name: cluster.nest(values) for name, values in self.cluster_settings.items()})

    @api("put_cluster_settings")
    def on_put_cluster_settings(self, call):
        body = call.content()
        if not isinstance(body, dict):
            raise parse_error("request body is required")
        answer = {"acknowledged": True}
        for scope in ("persistent", "transient"):
            changes = self._flatten(body.get(scope) or {})
            for key, value in changes.items():
                if value is None:
                    self.cluster_settings[scope].pop(key, None)
                else:
                    self.cluster_settings[scope][key] = value if isinstance(value, str) else str(value).lower()
            answer[scope] = cluster.nest({key: value for key, value in changes.items() if value is not None})
        return call.respond(answer)

    @staticmethod
    def _flatten(settings: dict, prefix: str = "") -> dict:
        flat = {}
        for key, value in settings.items():
            if isinstance(value, dict):
                flat.update(WatcherEmulator._flatten(value, prefix + key + "."))
            else:
                flat[prefix + key] = value
        return flat

    @api("get_license")
    def on_get_license(self, call):
        return call.respond(cluster.licence(self.license_type))

    # --- watches -------------------------------------------------------------------------------------
    @api("put_watch")
    def on_put_watch(self, call, id):  # pylint: disable=redefined-builtin
        active = as_bool(call.args, "active", True)
        version = as_long(call.args, "version", MATCH_ANY)
        if_seq_no = as_long(call.args, "if_seq_no", UNASSIGNED_SEQ_NO)
        if_primary_term = as_long(call.args, "if_primary_term", UNASSIGNED_PRIMARY_TERM)
        problems = _check_id(id)
        if not call.has_body:
            problems.append("request body is missing")
        if if_seq_no != UNASSIGNED_SEQ_NO and version != MATCH_ANY:
            problems.append("compare and write operations can not use versioning")
        if if_primary_term == UNASSIGNED_PRIMARY_TERM and if_seq_no != UNASSIGNED_SEQ_NO:
            problems.append("ifSeqNo is set, but primary term is [0]")
        if if_primary_term != UNASSIGNED_PRIMARY_TERM and if_seq_no == UNASSIGNED_SEQ_NO:
            problems.append("ifSeqNo is unassigned, but primary term is [%d]" % if_primary_term)
        if problems:
            raise validation_error(*problems)
        self.require_licence()

        is_update = version > 0 or if_seq_no != UNASSIGNED_SEQ_NO
        ctx = ParseContext(id, self.version, allow_redacted=is_update)
        watch = parse_watch(call.content(), ctx)
        for message in ctx.warnings:
            call.warn(message)
        source = dict(watch, status=new_status(watch["actions"], active, self.now()))
        if is_update:
            if if_seq_no == UNASSIGNED_SEQ_NO:
                raise validation_error("internal versioning can not be used for optimistic concurrency control. "
                                       "Please use `if_seq_no` and `if_primary_term` instead")
            document, dummy = self.store.update(id, source, if_seq_no, if_primary_term)
            created = False
        else:
            document, created = self.store.index(id, source)
        return call.respond({"_id": id, "_version": document.version, "_seq_no": document.seq_no,
                             "_primary_term": document.primary_term, "created": created}, 201 if created else 200)

    @api("get_watch")
    def on_get_watch(self, call, id):  # pylint: disable=redefined-builtin
        problems = _check_id(id)
        if problems:
            raise validation_error(*problems)
        self.require_licence()
        document = self.store.get(id)
        if document is None:
            return call.respond({"found": False, "_id": id}, 404)
        watch = self.read_watch(call, id, document.source)
        return call.respond({
            "found": True, "_id": id, "_version": document.version, "_seq_no": document.seq_no,
            "_primary_term": document.primary_term, "status": for_response(document.source["status"], document.version), "watch": watch,
        })

    @api("delete_watch")
    def on_delete_watch(self, call, id):  # pylint: disable=redefined-builtin
        problems = _check_id(id)
        if problems:
            raise validation_error(*problems)
        version, found = self.store.delete(id)
        return call.respond({"_id": id, "_version": version, "found": found}, 200 if found else 404)

    def _set_active(self, call, watch_id: str, active: bool):
        problems = _check_id(watch_id)
        if problems:
            raise validation_error(*problems)
        self.require_licence()
        document, dummy = self.store.update(watch_id, {"status": {"state": {"active": active, "timestamp": self.now()}}})
        self.read_watch(call, watch_id, document.source)
        return call.respond({"status": for_response(document.source["status"], document.version)})

    @api("activate_watch")
    def on_activate_watch(self, call, watch_id):
        return self._set_active(call, watch_id, True)

    @api("deactivate_watch")
    def on_deactivate_watch(self, call, watch_id):
        return self._set_active(call, watch_id, False)

    @api("ack_watch")
    def on_ack_watch(self, call, watch_id, action_id=None):
        action_ids = [item for item in (action_id or "").split(",") if item]
        problems = _check_id(watch_id)
        problems += ["action id [%s] contains whitespace" % item for item in action_ids if any(char.isspace() for char in item)]
        if problems:
            raise validation_error(*problems)
        self.require_licence()
        document = self.store.get(watch_id)
        if document is None:
            raise watch_not_found(watch_id) if self.store.index_exists else index_not_found()
        self.read_watch(call, watch_id, document.source)
        status = copy.deepcopy(document.source["status"])
        action_ids = action_ids or [ALL_ACTIONS]
        changed = ack(status, action_ids, self.now())
        # The answer shows the version the watch had when it was read, before the ack is written.
        answer = {"status": for_response(status, document.version)}
        if changed:
            targets = list(status["actions"]) if ALL_ACTIONS in action_ids else [item for item in action_ids if item in status["actions"]]
            partial = {"status": {"actions": {item: {"ack": status["actions"][item]["ack"]} for item in targets}}}
            self.store.update(watch_id, partial, document.seq_no, document.primary_term)
        return call.respond(answer)

    @api("execute_watch")
    def on_execute_watch(self, call, id=None):  # pylint: disable=redefined-builtin,unused-argument
        self.require_licence()  # TransportExecuteWatchAction is a WatcherTransportAction: licence first
        raise EsError(501, "unsupported_operation_exception", EXECUTION_NOT_EMULATED)

    # --- queries -------------------------------------------------------------------------------------
    @staticmethod
    def _int_field(body: dict, name: str, default: int) -> int:
        value = body.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise EsError(400, "x_content_parse_exception", "[query_watches_request] failed to parse field [%s]" % name)
        try:
            return int(value)
        except ValueError as error:
            raise EsError(400, "x_content_parse_exception", "[query_watches_request] failed to parse field [%s]" % name) from error

    def _search(self, body: dict) -> tuple[list, int]:
        try:
            hits = [(doc_id, document.source) for doc_id, document in self.store.docs.items()
                    if query.matches(body.get("query"), doc_id, document.source)]
        except EsError as error:
            raise EsError(400, "x_content_parse_exception", "[query_watches_request] failed to parse field [query]", error) from error
        total = len(hits)
        sort = query.parse_sort(body["sort"]) if body.get("sort") is not None else None
        if sort:
            hits = query.sort_hits(hits, sort)
        search_after = body.get("search_after")
        if search_after is not None:
            if not sort:
                raise illegal_argument("Sort must contain at least one field.")
            if len(search_after) != len(sort):
                raise illegal_argument("search_after has %d value(s) but sort has %d." % (len(search_after), len(sort)))
            hits = [hit for hit in hits if query.after([query.sort_key(hit[0], hit[1], name) for name, dummy in sort], search_after, sort)]
        start = self._int_field(body, "from", 0)
        size = self._int_field(body, "size", 10)
        if start + size > 10000:
            raise illegal_argument("Result window is too large, from + size must be less than or equal to: [10000] but was [%d]." % (start + size))
        return hits[start:start + size], total

    @api("query_watches")
    def on_query_watches(self, call):
        self.require_licence()
        body = call.content() or {}
        if not isinstance(body, dict):
            raise EsError(400, "x_content_parse_exception", "[query_watches_request] Expected START_OBJECT")
        page, total = self._search(body)
        items = []
        for doc_id, source in page:
            document = self.store.get(doc_id)
            items.append({"_id": doc_id, "watch": self.read_watch(call, doc_id, source), "status": for_response(source["status"]),
                          "_seq_no": document.seq_no, "_primary_term": document.primary_term})
        return call.respond({"count": total, "watches": items})

    @api("search_watches_index")
    def on_search_watches_index(self, call):
        if not self.store.index_exists:
            raise index_not_found()
        call.warn(SYSTEM_INDEX_WARNING)
        body = call.content() or {}
        for name in ("from", "size"):
            if name in call.args:
                body[name] = as_long(call.args, name, 0)
        page, total = self._search(body)
        hits = []
        for doc_id, source in page:
            document = self.store.get(doc_id)
            hit = {"_index": ".watches", "_id": doc_id, "_score": None if body.get("sort") else 1.0}
            if as_bool(call.args, "version", False):
                hit["_version"] = document.version
            if as_bool(call.args, "seq_no_primary_term", False):
                hit["_seq_no"], hit["_primary_term"] = document.seq_no, document.primary_term
            hit["_source"] = source
            hits.append(hit)
        total_value = total if as_bool(call.args, "rest_total_hits_as_int", False) else {"value": total, "relation": "eq"}
        return call.respond({
            "took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": total_value, "max_score": (1.0 if hits else None) if not body.get("sort") else None, "hits": hits},
        })

    # --- the Watcher service -------------------------------------------------------------------------
    @api("start")
    def on_start(self, call):
        self.watcher_started, self.manually_stopped = True, False
        return call.respond({"acknowledged": True})

    @api("stop")
    def on_stop(self, call):
        self.watcher_started, self.manually_stopped = False, True
        return call.respond({"acknowledged": True})

    @api("stats")
    def on_stats(self, call, metric=None):
        metrics = [item.strip() for item in (metric or "").split(",") if item.strip()] + as_list(call.args, "metric")
        as_bool(call.args, "emit_stacktraces", False)
        if "pending_watches" in metrics:
            call.warn(PENDING_WATCHES_WARNING)
        active = sum(1 for document in self.store.docs.values() if document.source["status"]["state"]["active"])
        return call.respond(cluster.stats(self.watcher_started, self.manually_stopped, active, metrics))

    @api("get_settings")
    def on_get_settings(self, call):
        if not self.store.index_exists:
            return call.respond({})
        return call.respond(cluster.visible_settings(self.watches_settings, self.version))

    @api("update_settings")
    def on_update_settings(self, call):
        body = call.content()
        if body is None:
            raise parse_error("request body is required")
        if not isinstance(body, dict):
            raise EsError(400, "x_content_parse_exception", "[1:1] Expected START_OBJECT")
        cluster.update_settings(dict(self.watches_settings), body, self.version)  # validation first
        if not self.store.index_exists:
            raise EsError(404, "resource_not_found_exception", "no Watches found on which to modify settings")
        cluster.update_settings(self.watches_settings, body, self.version)
        return call.respond({"acknowledged": True})

    # --- the 7.x route names -------------------------------------------------------------------------
    def on_legacy(self, request, target, **path_args):
        """`/_xpack/watcher/...`: native (deprecated) on 7.x, only for `compatible-with=7` on 8.x."""
        call = Call(request, self.version)
        try:
            negotiated = call.negotiate()
        except (EsError, PlainError) as error:
            return call.fail(error)
        if not (self.version.legacy_routes_native or negotiated.is_v7_compat()):
            return self.unrouted(request, "<unmatched>")
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            rule, dummy = adapter.match(return_rule=True)
        except (NotFound, MethodNotAllowed):  # pragma: no cover - the kit matched it already
            return self.unrouted(request, "<unmatched>")
        legacy = rule.rule.replace("<", "{").replace(">", "}")
        message = "[%s %s] is deprecated! Use [%s %s] instead." % (request.method, legacy, request.method, modern_path(rule.rule))
        response = getattr(self, "on_" + target)(request, **path_args)
        response.headers.add("Warning", self.version.warning_header(message))
        return response
