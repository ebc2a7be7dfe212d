# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator application: Elasticsearch's REST layer and the Watcher transport actions.

Each `on_<endpoint>` handler is what one REST action does: parameters, request validation,
licence check, then the work on the `.watches` store. Every response carries
`X-Elastic-Product: Elasticsearch`; errors use Elasticsearch's envelope.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import functools
import json
import threading
import time
import uuid
from datetime import datetime, timezone

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from emulator_kit.server import EmulatorApp, json_response

from . import cluster, datemath, query, search
from .accounts import AccountsConfigError, NotificationAccounts
from .call import Call
from .errors import (WATCHES_INDEX, WATCHES_INDEX_UUID, EsError, PlainError, fault_error, illegal_argument, index_not_found, licence_error, parse_error,
                     validation_error, version_conflict, watch_not_found)
from .execution import INLINE_WATCH_ID, MODES, Execution, Request
from .indices import HISTORY_PREFIX, Indices, index_missing
from .params import as_bool, as_list, as_long, check_unrecognized
from .routes import ENDPOINTS, READ_ONLY_ROUTES, build_map, modern_path
from .scheduler import Scheduler
from .search import ID_FIELD_DATA_DEPRECATION, ID_FIELD_DATA_DISALLOWED, MAX_RESULT_WINDOW, result_window_message
from .status import ALL_ACTIONS, ack, for_response, format_date, new_status
from .store import IMMEDIATE, RefreshSettings, WatchStore, parse_interval
from .versions import ServerVersion
from .watch_parser import ParseContext, parse_watch, redact_watch

UNASSIGNED_SEQ_NO = -2
UNASSIGNED_PRIMARY_TERM = 0
MATCH_ANY = -3
SYSTEM_INDEX_WARNING = ("this request accesses system indices: [.watches], but in a future major version, "
                        "direct access to system indices will be prevented by default")
PENDING_WATCHES_WARNING = "The pending_watches parameter is deprecated, use queued_watches instead"
HISTORY_TEMPLATE_VERSION = {7: 13, 8: 16, 9: 17}
# `--refresh-interval`: what a cluster does (IndexSettings.DEFAULT_REFRESH_INTERVAL, search-idle shards), or
# `immediate`, the emulator's shortcut that makes every write searchable at once (see README, "Refresh").
DEFAULT_REFRESH_INTERVAL = "immediate"
# `--id-field-data`: `version` is what IndicesService.INDICES_ID_FIELD_DATA_ENABLED_SETTING defaults to for the
# release (true on 7.17, false from 8.0); `true` / `false` set the node setting (see README, "Sorting on _id").
ID_FIELD_DATA_CHOICES = ("version", "true", "false")
DEFAULT_ID_FIELD_DATA = "version"
ID_FIELD_DATA_SETTING = "indices.id_field_data.enabled"
_EXECUTE_FIELDS = ("trigger_data", "ignore_condition", "record_execution", "alternative_input", "action_modes", "watch", "debug")
_WATCH_FIELDS = ("trigger", "input", "condition", "transform", "throttle_period", "throttle_period_in_millis", "actions", "metadata")


def api(endpoint: str, locked: bool = True):
    """Wrap a handler `(self, call, **path_args)` into the `(self, request, **path_args)` the kit calls.

    The handler runs under the state lock, except `locked=False` ones (watch execution), which take
    it themselves around each read and write so that webhooks are never sent with the lock held.
    """
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
                if not locked:
                    return handler(self, call, **path_args)
                with self.state_lock:
                    return handler(self, call, **path_args)
            except (EsError, PlainError) as error:
                return call.fail(error)
        return serve
    return decorate


def as_list_value(value) -> list[str]:
    """A `_source` field list: comma separated text, a list, or nothing."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return [item for item in str(value).split(",") if item]


def _token_name(value) -> str:
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    return "VALUE_STRING" if isinstance(value, str) else "VALUE_NUMBER" if isinstance(value, (int, float)) else "VALUE_BOOLEAN"


def _publish_address(request) -> str:
    """Where this node answers HTTP: the address it listens on (the Host header when it listens on every address)."""
    host, port = request.environ.get("SERVER_NAME", ""), request.environ.get("SERVER_PORT", "")
    if host in ("", "0.0.0.0", "::") or not port:
        return request.host
    return "%s:%s" % (host, port)


def _check_id(watch_id: str) -> list[str]:
    return ["watch id contains whitespace"] if any(char.isspace() for char in watch_id) else []


class WatcherEmulator(EmulatorApp):
    """Elasticsearch with Watcher, one node, as `--version` and `--license` say."""

    def __init__(self, version: str = "9.1.0", license_type: str = "trial", clock=None, scheduler: bool = True,
                 refresh_interval: str = DEFAULT_REFRESH_INTERVAL, id_field_data: str = DEFAULT_ID_FIELD_DATA, monotonic=time.monotonic,
                 notification_accounts=None, **kwargs):
        if license_type not in ("trial", "basic"):
            raise ValueError("license must be trial or basic, got %r" % license_type)
        if id_field_data not in ID_FIELD_DATA_CHOICES:
            raise ValueError("id_field_data must be one of %s, got %r" % (", ".join(ID_FIELD_DATA_CHOICES), id_field_data))
        self.version = ServerVersion.parse(version)
        self.license_type = license_type
        # The node's xpack.notification.* accounts: set at start-up, changed at run time through the control route.
        self.startup_accounts = NotificationAccounts(notification_accounts).describe()
        self.accounts = NotificationAccounts(self.startup_accounts)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.url_map = build_map(self.version)
        self.read_only_routes = READ_ONLY_ROUTES
        interval = parse_interval(refresh_interval)
        self.refresh_settings = IMMEDIATE if interval is None else RefreshSettings(interval)
        # The node setting indices.id_field_data.enabled: IndicesService's default for the release, or forced.
        self.id_field_data_node = self.version.major < 8 if id_field_data == "version" else id_field_data == "true"
        self.store = WatchStore(clock=monotonic, refresh=self.refresh_settings)
        self.watcher_started = True
        self.manually_stopped = False
        self.watches_settings = dict(cluster.WATCHES_INDEX_SETTINGS)
        self.cluster_settings = {"persistent": {}, "transient": {}}
        self.indices = Indices(clock=monotonic, refresh=self.refresh_settings, wall_clock=self.clock)
        self.scripts: dict[str, dict] = {}
        self.node_id = cluster.NODE_ID
        self.executing: dict[str, dict] = {}
        self._executing_lock = threading.Lock()
        self.scheduler = Scheduler(self)
        super().__init__(**kwargs)
        if scheduler:
            self.scheduler.start()

    def close(self) -> None:
        """Stop the scheduler (waits for a running execution to finish)."""
        self.scheduler.stop()

    # --- the kit's contract ------------------------------------------------------------------------
    def error_response(self, status: int, reason: str) -> Response:
        """What injected status faults answer: the envelope of the exception a cluster would report."""
        body = json.dumps(fault_error(status, reason).body(), separators=(",", ":"))
        return Response(body, status=status, headers={"Content-Type": self.version.json_content_type})

    def reset_state(self) -> None:
        self.accounts = NotificationAccounts(self.startup_accounts)
        self.store.reset()
        self.indices.reset()
        self.scripts = {}
        self.scheduler.forget()
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
            "indices": self.indices.to_dict(),
            "scripts": self.scripts,
        }

    def state_from_dict(self, state: dict) -> None:
        self.store.from_dict(state.get("watches", {}))
        watcher = state.get("watcher", {})
        self.watcher_started = watcher.get("started", True)
        self.manually_stopped = watcher.get("manually_stopped", False)
        self.watches_settings = state.get("watches_settings", dict(cluster.WATCHES_INDEX_SETTINGS))
        self.cluster_settings = state.get("cluster_settings", {"persistent": {}, "transient": {}})
        self.indices.from_dict(state.get("indices", {}))
        self.scripts = state.get("scripts", {})

    def finish(self, response: Response) -> Response:
        response.headers["X-Elastic-Product"] = "Elasticsearch"
        return response

    def control_route(self, name: str, request) -> Response | None:
        """`GET|PUT /_emulator/notification_accounts`: the node's notification accounts (accounts.py), read or replaced."""
        if name != "notification_accounts":
            return None
        if request.method == "GET":
            return json_response(self.accounts.describe())
        if request.method not in ("PUT", "POST"):
            return None
        try:
            accounts = NotificationAccounts(request.get_json(force=True, silent=True))
        except AccountsConfigError as error:
            return json_response({"error": str(error)}, status=400)
        with self.state_lock:
            self.accounts = accounts
        return json_response(accounts.describe())

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
        ctx = ParseContext(watch_id, self.version, allow_redacted=True, accounts=self.accounts, stored_scripts=self.scripts)
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

    @api("cluster_state")
    def on_cluster_state(self, call, metric=None, index=None):
        names = self.indices.resolve(index, ignore_unavailable=as_bool(call.args, "ignore_unavailable", False)) if index else list(self.indices.indices)
        indices = {name: {"uuid": self.indices.indices[name].uuid, "settings": {"index.number_of_shards": "1", "index.number_of_replicas": "1"}}
                   for name in names}
        if self.store.index_exists and (index is None or WATCHES_INDEX in str(index).split(",")):
            indices[WATCHES_INDEX] = {"uuid": WATCHES_INDEX_UUID, "settings": dict(self.watches_settings)}
        return call.respond(cluster.cluster_state(self.version, indices, metric))

    @api("nodes_info")
    def on_nodes_info(self, call, first=None, metric=None):
        if metric is not None:
            metrics, node_filter = cluster.node_info_metrics(metric)[0], first
        else:
            metrics, node_filter = cluster.node_info_metrics(first)
        return call.respond(cluster.nodes_info(self.version, _publish_address(call.request), metrics, node_filter))

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
        ctx = ParseContext(id, self.version, allow_redacted=is_update, accounts=self.accounts, stored_scripts=self.scripts)
        watch = parse_watch(call.content(), ctx)
        for message in ctx.warnings:
            call.warn(message)
        source = dict(watch, status=new_status(watch["actions"], active, self.now()))
        if is_update:
            if if_seq_no == UNASSIGNED_SEQ_NO:
                raise validation_error("internal versioning can not be used for optimistic concurrency control. "
                                       "Please use `if_seq_no` and `if_primary_term` instead")
            document, dummy = self.store.update(id, source, if_seq_no, if_primary_term, refresh=True)
            created = False
        else:
            document, created = self.store.index(id, source, refresh=True)  # TransportPutWatchAction: RefreshPolicy.IMMEDIATE
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
        version, found = self.store.delete(id, refresh=True)  # TransportDeleteWatchAction: RefreshPolicy.IMMEDIATE
        return call.respond({"_id": id, "_version": version, "found": found}, 200 if found else 404)

    def _set_active(self, call, watch_id: str, active: bool):
        problems = _check_id(watch_id)
        if problems:
            raise validation_error(*problems)
        self.require_licence()
        document, dummy = self.store.update(watch_id, {"status": {"state": {"active": active, "timestamp": self.now()}}}, refresh=True)
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
        if watch_id in self.executing:
            raise EsError(409, "illegal_state_exception", "watch[%s] is running currently, cannot ack until finished" % watch_id)
        self.read_watch(call, watch_id, document.source)
        status = copy.deepcopy(document.source["status"])
        action_ids = action_ids or [ALL_ACTIONS]
        changed = ack(status, action_ids, self.now())
        # The answer shows the version the watch had when it was read, before the ack is written.
        answer = {"status": for_response(status, document.version)}
        if changed:
            targets = list(status["actions"]) if ALL_ACTIONS in action_ids else [item for item in action_ids if item in status["actions"]]
            partial = {"status": {"actions": {item: {"ack": status["actions"][item]["ack"]} for item in targets}}}
            self.store.update(watch_id, partial, document.seq_no, document.primary_term, refresh=True)
        return call.respond(answer)

    @api("execute_watch", locked=False)
    def on_execute_watch(self, call, id=None):  # pylint: disable=redefined-builtin
        self.require_licence()  # TransportExecuteWatchAction is a WatcherTransportAction: licence first
        body = call.content() if call.has_body else None
        if body is not None and not isinstance(body, dict):
            raise parse_error("could not parse watch execution request. unexpected token [%s]" % type(body).__name__)
        body = body or {}
        for key in body:
            if key in _WATCH_FIELDS:
                raise parse_error('could not parse watch execution request. please wrap watch including field [%s] inside a "watch" field' % key)
            if key not in _EXECUTE_FIELDS:
                raise parse_error("could not parse watch execution request. unexpected field [%s]" % key)
        debug = as_bool(call.args, "debug", False) or bool(body.get("debug", False))
        record = bool(body.get("record_execution", as_bool(call.args, "record_execution", False) if call.has_body else False))
        ignore_condition = bool(body.get("ignore_condition", as_bool(call.args, "ignore_condition", False) if call.has_body else False))
        modes = body.get("action_modes") or {}
        if not isinstance(modes, dict):
            raise parse_error("could not parse watch execution request. unexpected token for field [action_modes]")
        for action_id, mode in modes.items():
            if str(mode).lower() not in MODES:
                raise parse_error("could not parse watch execution request. unknown action execution mode [%s] for action [%s]" % (mode, action_id))
        modes = {action_id: str(mode).lower() for action_id, mode in modes.items()}
        alternative = body.get("alternative_input")
        if alternative is not None and not isinstance(alternative, dict):
            raise parse_error("could not parse watch execution request. expected an object for field [alternative_input]")
        trigger_data = body.get("trigger_data") or {}
        problems = []
        if id is None and body.get("watch") is None:
            problems.append("watch id is missing")
        if id is not None and body.get("watch") is not None:
            problems.append("a watch execution request must either have a watch id or an inline watch source, but not both")
        if body.get("watch") is not None and record:
            problems.append("the execution of an inline watch cannot be recorded")
        if id is not None:
            problems += _check_id(id)
        if problems:
            raise validation_error(*problems)
        try:
            triggered = datemath.parse_date(trigger_data["triggered_time"]) if trigger_data.get("triggered_time") else None
            scheduled = datemath.parse_date(trigger_data["scheduled_time"]) if trigger_data.get("scheduled_time") else None
        except (datemath.DateError, ValueError) as error:
            raise parse_error("could not parse watch execution request. could not parse [trigger_data]: %s" % error) from error
        if body.get("watch") is not None:
            ctx = ParseContext(INLINE_WATCH_ID, self.version, accounts=self.accounts, stored_scripts=self.scripts)
            watch = parse_watch(body["watch"], ctx)
            for message in ctx.warnings:
                call.warn(message)
            request = Request(INLINE_WATCH_ID, watch, None)
        else:
            with self.state_lock:
                document = self.store.get(id)
                if document is None:
                    raise EsError(404, "resource_not_found_exception", "Watch with id [%s] does not exist" % id)
                source, seq_no = copy.deepcopy(document.source), document.seq_no
            ctx = ParseContext(id, self.version, allow_redacted=True, accounts=self.accounts, stored_scripts=self.scripts)
            watch = parse_watch({key: value for key, value in source.items() if key != "status"}, ctx)
            request = Request(id, watch, source["status"], seq_no=seq_no)
        request.triggered_time = triggered or scheduled
        request.scheduled_time = scheduled or triggered
        request.action_modes, request.alternative_input = modes, alternative
        request.ignore_condition, request.record, request.debug = ignore_condition, record, debug
        record_id, watch_record = self.execute(request)
        return call.respond({"_id": record_id, "watch_record": watch_record})

    def execute(self, request: Request) -> tuple[str, dict]:
        """Run one execution; write the status and the history record when it is recorded."""
        execution = Execution(self, request)
        with self._executing_lock:
            self.executing[request.watch_id] = {"watch_id": request.watch_id, "watch_record_id": execution.record_id,
                                                "triggered_time": datemath.iso(execution.triggered_time),
                                                "execution_time": datemath.iso(execution.execution_time), "execution_phase": "input"}
        try:
            watch_record, status = execution.run()
        finally:
            with self._executing_lock:
                self.executing.pop(request.watch_id, None)
        with self.state_lock:
            document = self.store.get(request.watch_id) if request.status is not None else None
            if document is not None and request.record and document.seq_no == request.seq_no:
                # A watch put, activated or acked while it ran keeps that newer state (the status update is
                # a compare-and-set on the seq_no it was read with; a conflict drops the status, not the record).
                # ExecutionService.updateWatchStatus sets no refresh policy: a get sees the new status at once,
                # searches (query watches) after the next refresh.
                document, dummy = self.store.update(request.watch_id, {"status": status}, request.seq_no, document.primary_term)
            version = document.version if document is not None else -1
            watch_record["status"] = for_response(dict(status, version=version) if document is None else document.source["status"], version)
            if document is not None and not request.record:
                watch_record["status"] = for_response(dict(copy.deepcopy(status), state=document.source["status"]["state"]), version)
            if request.record:
                self.write_document(self.history_index(execution.execution_time), execution.record_id, watch_record)
        return execution.record_id, watch_record

    def history_index(self, moment: datetime) -> str:
        return "%s%d-%s" % (HISTORY_PREFIX, HISTORY_TEMPLATE_VERSION[self.version.major], moment.astimezone(timezone.utc).strftime("%Y.%m.%d"))

    def run_scheduled(self, watch_id: str, scheduled: datetime) -> None:
        """What the trigger engine does when a watch is due: execute and record it."""
        with self.state_lock:
            document = self.store.get(watch_id)
            if document is None or not self.watcher_started or not document.source["status"]["state"]["active"]:
                return
            source, seq_no = copy.deepcopy(document.source), document.seq_no
        watch = parse_watch({key: value for key, value in source.items() if key != "status"}, ParseContext(watch_id, self.version, allow_redacted=True))
        request = Request(watch_id, watch, source["status"], trigger_type="schedule", triggered_time=datetime.now(timezone.utc),
                          scheduled_time=scheduled, record=True, seq_no=seq_no)
        self.execute(request)

    # --- the document store --------------------------------------------------------------------------
    def write_document(self, index_name: str, doc_id: str | None, source: dict, create: bool = False, if_seq_no=None, if_primary_term=None,
                       refresh: bool = False) -> dict:
        """IndexRequest on the document store (the caller holds the state lock). Returns the IndexResponse.

        `refresh`: RefreshPolicy IMMEDIATE or WAIT_UNTIL (searchable when this answers); NONE otherwise."""
        index_name = self.indices.concrete_name(index_name)
        if index_name == ".watches":
            raise illegal_argument("the emulator keeps .watches for the Watcher APIs; index documents into other indices")
        index = self.indices.for_write(index_name)
        doc_id = doc_id or base64.urlsafe_b64encode(uuid.uuid4().bytes[:15]).decode("ascii")
        current = index.docs.get(doc_id)
        if create and current is not None:
            raise EsError(409, "version_conflict_engine_exception", "[%s]: version conflict, document already exists (current version [%d])" % (
                doc_id, current.version), index_uuid=index.uuid, shard="0", index=index_name)
        if if_seq_no is not None:
            if current is None or current.seq_no != if_seq_no or current.primary_term != if_primary_term:
                raise version_conflict(doc_id, if_seq_no, if_primary_term or 0, current.seq_no if current else -2, current.primary_term if current else 0)
        document, created = index.docs.index(doc_id, source, refresh=refresh)
        return {"_index": index_name, "_id": doc_id, "_version": document.version, "result": "created" if created else "updated",
                "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": document.seq_no, "_primary_term": document.primary_term}

    def _document_body(self, call) -> dict:
        body = call.content()
        if body is None:
            raise validation_error("source is missing", "content type is missing")
        if not isinstance(body, dict):
            cause = EsError(400, "not_x_content_exception", "Compressor detection can only be called on some xcontent bytes")
            raise EsError(400, "mapper_parsing_exception", "failed to parse", cause)
        return body

    @api("index_doc")
    def on_index_doc(self, call, index, id=None):  # pylint: disable=redefined-builtin
        body = self._document_body(call)
        op_type = call.args.get("op_type", "index")
        if op_type not in ("index", "create"):
            raise illegal_argument("opType must be 'create' or 'index', found: [%s]" % op_type)
        if_seq_no = as_long(call.args, "if_seq_no", UNASSIGNED_SEQ_NO)
        if_primary_term = as_long(call.args, "if_primary_term", UNASSIGNED_PRIMARY_TERM)
        answer = self.write_document(index, id, body, create=op_type == "create",
                                     if_seq_no=None if if_seq_no == UNASSIGNED_SEQ_NO else if_seq_no, if_primary_term=if_primary_term,
                                     refresh=self._refresh_policy(call) is not None)
        return call.respond(self._refreshed(call, answer), 201 if answer["result"] == "created" else 200)

    @api("create_doc")
    def on_create_doc(self, call, index, id):  # pylint: disable=redefined-builtin
        answer = self.write_document(index, id, self._document_body(call), create=True, refresh=self._refresh_policy(call) is not None)
        return call.respond(self._refreshed(call, answer), 201)

    @staticmethod
    def _refresh_policy(call) -> str | None:
        """WriteRequest.RefreshPolicy.parse of `?refresh`: "" and "true" are IMMEDIATE, "wait_for" WAIT_UNTIL, "false" NONE.

        WAIT_UNTIL answers once a refresh made the write visible; the emulator refreshes at once (the same
        visibility, without the wait for the next scheduled refresh)."""
        value = call.args.get("refresh")
        if value is None or value == "false":
            return None
        if value not in ("", "true", "wait_for"):
            raise illegal_argument("Unknown value for refresh: [%s]." % value)
        return "wait_for" if value == "wait_for" else "true"

    def _refreshed(self, call, answer: dict) -> dict:
        """DocWriteResponse.innerToXContent writes `forced_refresh: true` only when the write forced a refresh."""
        if self._refresh_policy(call) == "true":
            answer["forced_refresh"] = True
        return answer

    def _index_or_404(self, name: str):
        index = self.indices.get(name)
        if index is None:
            raise index_missing(name)
        return index

    @staticmethod
    def _source_wanted(spec, includes=None, excludes=None):
        """FetchSourceContext of a get: `_source` true/false/fields, `_source_includes`, `_source_excludes`."""
        if isinstance(spec, (bool, dict)) and includes is None and excludes is None:
            return spec if isinstance(spec, bool) else {"includes": as_list_value(spec.get("includes")), "excludes": as_list_value(spec.get("excludes"))}
        if spec in ("false", "true") and not includes and not excludes:
            return spec == "true"
        if includes or excludes or spec:
            return {"includes": as_list_value(includes if includes is not None else spec), "excludes": as_list_value(excludes)}
        return True

    def _get_answer(self, index: str, doc_id: str, wanted) -> dict:
        """GetResponse of one document (the index exists)."""
        document = self.indices.get(index).docs.get(doc_id)
        if document is None:
            return {"_index": index, "_id": doc_id, "found": False}
        answer = {"_index": index, "_id": doc_id, "_version": document.version, "_seq_no": document.seq_no,
                  "_primary_term": document.primary_term, "found": True}
        kept = search.filter_source(document.source, wanted)
        if kept is not None:
            answer["_source"] = kept
        return answer

    @api("get_doc")
    def on_get_doc(self, call, index, id):  # pylint: disable=redefined-builtin
        index = self._index_or_404(self.indices.concrete_name(index)).name
        answer = self._get_answer(index, id, self._source_wanted(call.args.get("_source"), call.args.get("_source_includes"),
                                                                 call.args.get("_source_excludes")))
        return call.respond(answer, 200 if answer["found"] else 404)

    @api("mget")
    def on_mget(self, call, index=None):
        """RestMultiGetAction / MultiGetRequest: `docs` ({_index, _id, _source}) or `ids` with the index of the path;
        a missing index fails that item only (MultiGetItemResponse with a failure)."""
        body = call.content() if call.has_body else None
        if not isinstance(body, dict):
            raise validation_error("no documents to get")
        default_source = self._source_wanted(call.args.get("_source"), call.args.get("_source_includes"), call.args.get("_source_excludes"))
        items = []
        for key, value in body.items():
            if key == "docs" and isinstance(value, list):
                items += [self._mget_item(item, index) for item in value]
            elif key == "ids" and isinstance(value, list):
                items += [{"_index": index, "_id": str(item)} for item in value]
            else:
                raise EsError(400, "parsing_exception", "Unknown key for a %s in [%s]." % (_token_name(value), key))
        problems = ["no documents to get"] if not items else []
        problems += ["index is missing for doc %d" % number for number, item in enumerate(items) if item.get("_index") is None]
        problems += ["id is missing for doc %d" % number for number, item in enumerate(items) if item.get("_id") is None]
        if problems:
            raise validation_error(*problems)
        docs = []
        for item in items:
            name = self.indices.concrete_name(str(item["_index"]))
            if self.indices.get(name) is None:
                docs.append({"_index": name, "_id": item["_id"], "error": index_missing(name).body()["error"]})
                continue
            wanted = self._source_wanted(item["_source"]) if "_source" in item else default_source
            docs.append(self._get_answer(name, item["_id"], wanted))
        return call.respond({"docs": docs})

    @staticmethod
    def _mget_item(item, default_index) -> dict:
        if not isinstance(item, dict):
            raise EsError(400, "parsing_exception", "docs array element should include an object")
        out = {"_index": default_index}
        for key, value in item.items():
            if key in ("_index", "_id"):
                out[key] = None if value is None else str(value)
            elif key == "_source":
                out["_source"] = value
            elif key not in ("routing", "_routing", "stored_fields", "version", "version_type"):
                raise EsError(400, "parsing_exception", "Unknown key for a %s in [%s]." % (_token_name(value), key))
        return out

    @api("delete_doc")
    def on_delete_doc(self, call, index, id):  # pylint: disable=redefined-builtin
        index = self.indices.concrete_name(index)
        docs = self._index_or_404(index).docs
        version, found = docs.delete(id, refresh=self._refresh_policy(call) is not None)
        answer = {"_index": index, "_id": id, "_version": version, "result": "deleted" if found else "not_found",
                  "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": docs.max_seq_no, "_primary_term": 1}
        return call.respond(self._refreshed(call, answer), 200 if found else 404)

    @api("bulk")
    def on_bulk(self, call, index=None):
        policy = self._refresh_policy(call)
        lines = [line for line in call.body.decode("utf-8", "replace").split("\n") if line.strip()]
        if not lines:
            raise validation_error("no requests added")
        items, position = [], 0
        while position < len(lines):
            try:
                action = json.loads(lines[position])
            except ValueError as error:
                raise EsError(400, "x_content_parse_exception", "[1:1] Malformed action/metadata line [%d]" % (position + 1)) from error
            if not isinstance(action, dict) or len(action) != 1:
                raise illegal_argument("Malformed action/metadata line [%d], expected a simple value for field [_index] but found [START_OBJECT]" % (
                    position + 1))
            kind, meta = next(iter(action.items()))
            if kind not in ("index", "create", "delete", "update"):
                raise illegal_argument("Malformed action/metadata line [%d], expected field [create], [delete], [index] or [update] but found [%s]" % (
                    position + 1, kind))
            position += 1
            source = None
            if kind != "delete":
                if position >= len(lines):
                    raise illegal_argument("The bulk request must be terminated by a newline [\\\\n]")
                source = json.loads(lines[position])
                position += 1
            target, doc_id = meta.get("_index", index), meta.get("_id")
            items.append({kind: self._bulk_item(kind, target, doc_id, source)})
        errors = any("error" in next(iter(item.values())) for item in items)
        if policy is not None:
            # TransportShardBulkAction: the refresh policy applies once per shard, after all of its items.
            for name in {next(iter(item.values())).get("_index") for item in items}:
                if name in self.indices.indices:
                    self.indices.get(name).docs.refresh()
            for item in items:
                result = next(iter(item.values()))
                if "error" not in result and policy == "true":
                    result["forced_refresh"] = True
        return call.respond({"errors": errors, "took": 1, "items": items})

    def _bulk_item(self, kind: str, target, doc_id, source) -> dict:
        try:
            if target is None:
                raise validation_error("index is missing")
            if kind in ("index", "create"):
                answer = self.write_document(target, doc_id, source, create=kind == "create")
                return dict(answer, status=201 if answer["result"] == "created" else 200)
            index = self._index_or_404(target)
            if kind == "delete":
                version, found = index.docs.delete(doc_id)
                return {"_index": target, "_id": doc_id, "_version": version, "result": "deleted" if found else "not_found",
                        "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": index.docs.max_seq_no, "_primary_term": 1,
                        "status": 200 if found else 404}
            current = index.docs.get(doc_id)
            if current is None and not source.get("doc_as_upsert") and "upsert" not in source:
                raise EsError(404, "document_missing_exception", "[%s]: document missing" % doc_id, index_uuid=index.uuid, shard="0", index=target)
            if current is None:
                answer = self.write_document(target, doc_id, source.get("upsert", source.get("doc", {})))
                return dict(answer, status=201)
            document, changed = index.docs.update(doc_id, source.get("doc", {}))
            return {"_index": target, "_id": doc_id, "_version": document.version, "result": "updated" if changed else "noop",
                    "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": document.seq_no, "_primary_term": 1, "status": 200}
        except EsError as error:
            return {"_index": target, "_id": doc_id, "status": error.status, "error": error.to_xcontent()}

    @api("refresh")
    def on_refresh(self, call, index=None):
        """A refresh of the named indices: everything written so far becomes searchable.

        `.watches` is a system index (hidden): refreshed when named, or matched by a pattern that starts
        with a dot, never by `_all`; a document index has one primary and an unassigned replica, `.watches`
        one primary (`auto_expand_replicas: 0-1` on one node)."""
        ignore_unavailable = as_bool(call.args, "ignore_unavailable", False)
        parts = [part.strip() for part in (index or "_all").split(",") if part.strip()]
        watches = [part for part in parts
                   if part == WATCHES_INDEX or ("*" in part and part.startswith(".") and fnmatch.fnmatchcase(WATCHES_INDEX, part))]
        if WATCHES_INDEX in watches and not self.store.index_exists and not ignore_unavailable:
            raise index_not_found()
        others = [part for part in parts if part != WATCHES_INDEX]
        names = self.indices.resolve(others, ignore_unavailable=ignore_unavailable) if others else []
        for name in names:
            self.indices.get(name).docs.refresh()
        total, successful = 2 * len(names), len(names)
        if watches and self.store.index_exists:
            call.warn(SYSTEM_INDEX_WARNING)
            self.store.refresh()
            total, successful = total + 1, successful + 1
        return call.respond({"_shards": {"total": total, "successful": successful, "failed": 0}})

    @api("index_admin")
    def on_index_admin(self, call, index):
        method = call.request.method
        if method == "PUT":
            body = call.content() or {}
            settings = body.get("settings") or {}
            created = self.indices.create(index, settings, body.get("mappings"))
            return call.respond({"acknowledged": True, "shards_acknowledged": True, "index": created.name})
        if method == "DELETE":
            self.indices.delete(index)
            return call.respond({"acknowledged": True})
        try:
            names = self.indices.resolve(index, allow_no_indices=method != "HEAD")
        except EsError:
            if method == "HEAD":
                return call.respond({}, 404)
            raise
        if method == "HEAD":
            return call.respond({}, 200 if names else 404)
        return call.respond({name: {"aliases": {}, "mappings": self.indices.get(name).mappings,
                                    "settings": {"index": dict(cluster.nest(self._flat_settings(self.indices.get(name).settings)).get("index", {}),
                                                               provided_name=name, uuid=self.indices.get(name).uuid)}} for name in names})

    @staticmethod
    def _flat_settings(settings: dict) -> dict:
        flat = WatcherEmulator._flatten(settings)
        return {(key if key.startswith("index.") else "index." + key): str(value) for key, value in flat.items()}

    def _search_body(self, call) -> dict:
        body = call.content() or {}
        if not isinstance(body, dict):
            raise EsError(400, "parsing_exception", "Expected [START_OBJECT] but found [%s]" % type(body).__name__)
        for name in ("from", "size"):
            if name in call.args:
                body[name] = as_long(call.args, name, 0)
        if "sort" in call.args:
            body["sort"] = [item for item in call.args["sort"].split(",") if item]
        if "_source" in call.args:
            body["_source"] = {"true": True, "false": False}.get(call.args["_source"], call.args["_source"].split(","))
        if "_source_includes" in call.args or "_source_excludes" in call.args:
            body["_source"] = {"includes": [item for item in call.args.get("_source_includes", "").split(",") if item],
                               "excludes": [item for item in call.args.get("_source_excludes", "").split(",") if item]}
        if "track_total_hits" in call.args:
            value = call.args["track_total_hits"]
            body["track_total_hits"] = {"true": True, "false": False}.get(value, int(value) if value.isdigit() else True)
        if "q" in call.args:
            text = call.args["q"]
            field, colon, value = text.partition(":")
            body["query"] = {"match_all": {}} if text in ("*", "*:*") else ({"match": {field: value}} if colon else {"match": {"_all": text}})
        return body

    @api("search")
    def on_search(self, call, index=None):
        body = self._search_body(call)
        warnings: list = []
        answer = search.search(self.indices, index or "_all", body, total_as_int=as_bool(call.args, "rest_total_hits_as_int", False),
                               now=self.clock(), ignore_unavailable=as_bool(call.args, "ignore_unavailable", False),
                               allow_no_indices=as_bool(call.args, "allow_no_indices", True), id_field_data=self.id_field_data_enabled(),
                               warnings=warnings)
        for message in warnings:
            call.warn(message)
        return call.respond(answer)

    @api("count")
    def on_count(self, call, index=None):
        body = self._search_body(call)
        body = {"query": body["query"]} if "query" in body else {}
        return call.respond(search.count(self.indices, index or "_all", body, now=self.clock(),
                                         ignore_unavailable=as_bool(call.args, "ignore_unavailable", False)))

    @api("put_script")
    def on_put_script(self, call, id):  # pylint: disable=redefined-builtin
        body = call.content() or {}
        script = body.get("script") if isinstance(body, dict) else None
        if not isinstance(script, dict) or "source" not in script:
            raise illegal_argument("must specify source for stored script")
        lang = script.get("lang")
        if lang is None:
            raise illegal_argument("must specify lang for stored script")
        source = script["source"]
        options = dict(script.get("options") or {})
        if not isinstance(source, str):
            source = json.dumps(source, separators=(",", ":"))
            options["content_type"] = "application/json;charset=utf-8"
        self.scripts[id] = {"lang": lang, "source": source, **({"options": options} if options else {})}
        return call.respond({"acknowledged": True})

    @api("get_script")
    def on_get_script(self, call, id):  # pylint: disable=redefined-builtin
        script = self.scripts.get(id)
        if script is None:
            return call.respond({"_id": id, "found": False}, 404)
        return call.respond({"_id": id, "found": True, "script": script})

    @api("delete_script")
    def on_delete_script(self, call, id):  # pylint: disable=redefined-builtin
        if self.scripts.pop(id, None) is None:
            raise EsError(404, "resource_not_found_exception", "stored script [%s] does not exist and cannot be deleted" % id)
        return call.respond({"acknowledged": True})

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

    def id_field_data_enabled(self) -> bool:
        """`indices.id_field_data.enabled`: transient, then persistent cluster setting, then the node's (start-up) value."""
        for scope in ("transient", "persistent"):
            value = self.cluster_settings[scope].get(ID_FIELD_DATA_SETTING)
            if value is not None:
                return str(value).lower() == "true"
        return self.id_field_data_node

    def check_id_sort(self, sort, index: str = WATCHES_INDEX) -> bool:
        """ProvidedIdFieldMapper.IdFieldType.fielddataBuilder: sorting on `_id` needs field data on `_id`, which
        `indices.id_field_data.enabled` turns off (the default from 8.0, IndicesService); the shard refuses the
        search, whether or not it holds documents. Returns whether field data on `_id` is loaded (which logs
        the `id_field_data` deprecation, a Warning for a search made directly)."""
        if not any(name == "_id" for name, dummy in sort or []):
            return False
        if not self.id_field_data_enabled():
            raise query.shard_failure("illegal_argument_exception", ID_FIELD_DATA_DISALLOWED, index)
        return True

    @staticmethod
    def _query_watches_request(body: dict) -> dict:
        """QueryWatchesAction.Request.PARSER: `sort` is an array of objects, `search_after` an array of at least one value."""
        sort = body.get("sort")
        if sort is not None:
            items = sort if isinstance(sort, list) else [sort]
            if not all(isinstance(item, dict) for item in items):
                raise EsError(400, "x_content_parse_exception", "[query_watches_request] failed to parse field [sort]")
        search_after = body.get("search_after")
        if search_after is not None and (not isinstance(search_after, list) or not search_after):
            raise EsError(400, "x_content_parse_exception", "[query_watches_request] failed to parse field [search_after]")
        return body

    def _page_bounds(self, body: dict) -> tuple[int, int]:
        """SearchSourceBuilder.from / size: negative values are refused before the search is sent."""
        start = self._int_field(body, "from", 0)
        size = self._int_field(body, "size", 10)
        if start < 0:
            raise illegal_argument("[from] parameter cannot be negative" + ("" if self.version.major < 8 else " but was [%d]" % start))
        if size < 0:
            raise illegal_argument("[size] parameter cannot be negative, found [%d]" % size)
        return start, size

    def _search(self, body: dict, request_name: str | None = "query_watches_request") -> tuple[list, int, bool]:
        """One search of `.watches` as of its last refresh: (page of (id, document), total, whether `_id` field data was loaded).

        The checks run in the order a shard runs them (SearchService.parseSource, then DefaultSearchContext.preProcess):
        the sort, `search_after` against the sort, then the result window."""
        start, size = self._page_bounds(body)
        searchable = self.store.searcher()
        try:
            query.matches(body.get("query"), "", {})  # the query is parsed with the request, documents or not
            hits = [(doc_id, document.source) for doc_id, document in searchable.items()
                    if query.matches(body.get("query"), doc_id, document.source)]
        except EsError as error:
            if request_name is None:
                raise
            raise EsError(400, "x_content_parse_exception", "[%s] failed to parse field [query]" % request_name, error) from error
        total = len(hits)
        sort = query.parse_sort(body["sort"]) if body.get("sort") is not None else None
        loaded = self.check_id_sort(sort)
        if sort:
            hits = query.sort_hits(hits, sort)
        search_after = body.get("search_after")
        if search_after:
            # SearchAfterBuilder.buildFieldDoc, on the shard
            if not sort:
                raise query.shard_failure("illegal_argument_exception", "Sort must contain at least one field.")
            if len(search_after) != len(sort):
                raise query.shard_failure("illegal_argument_exception",
                                          "search_after has %d value(s) but sort has %d." % (len(search_after), len(sort)))
            hits = [hit for hit in hits if query.after([query.sort_key(hit[0], hit[1], name) for name, dummy in sort], search_after, sort)]
        if start + size > MAX_RESULT_WINDOW:
            raise query.shard_failure("illegal_argument_exception", result_window_message(start + size))
        return [(doc_id, searchable[doc_id]) for doc_id, dummy in hits[start:start + size]], total, loaded

    @api("query_watches")
    def on_query_watches(self, call):
        """TransportQueryWatchesAction: a search of `.watches` (lenient: no index, no watches), each hit parsed and
        written as a get does, secrets hidden, with the hit's own `_seq_no` and `_primary_term`."""
        self.require_licence()
        body = call.content() or {}
        if not isinstance(body, dict):
            raise EsError(400, "x_content_parse_exception", "[query_watches_request] Expected START_OBJECT")
        self._query_watches_request(body)
        if not self.store.index_exists:
            self._page_bounds(body)
            return call.respond({"count": 0, "watches": []})  # IndicesOptions.lenientExpandOpen: no shard, no failure
        page, total, dummy = self._search(body)  # the search runs with the Watcher origin: its warnings are not passed on
        items = []
        for doc_id, document in page:
            items.append({"_id": doc_id, "watch": self.read_watch(call, doc_id, document.source), "status": for_response(document.source["status"]),
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
        if "sort" in call.args:
            body["sort"] = [item for item in call.args["sort"].split(",") if item]
        page, total, loaded = self._search(body, request_name=None)
        if loaded:
            call.warn(ID_FIELD_DATA_DEPRECATION)
        hits = []
        sort = query.parse_sort(body["sort"]) if body.get("sort") is not None else None
        for doc_id, document in page:
            hit = {"_index": ".watches", "_id": doc_id, "_score": None if sort else 1.0}
            if as_bool(call.args, "version", False):
                hit["_version"] = document.version
            if as_bool(call.args, "seq_no_primary_term", False):
                hit["_seq_no"], hit["_primary_term"] = document.seq_no, document.primary_term
            hit["_source"] = document.source
            if sort:
                hit["sort"] = [query.sort_key(doc_id, document.source, name) for name, dummy in sort]
            hits.append(hit)
        total_value = total if as_bool(call.args, "rest_total_hits_as_int", False) else {"value": total, "relation": "eq"}
        return call.respond({
            "took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": total_value, "max_score": (1.0 if hits else None) if not sort else None, "hits": hits},
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
        with self._executing_lock:
            current = [dict(item) for item in self.executing.values()]
        return call.respond(cluster.stats(self.watcher_started, self.manually_stopped, active, metrics, current))

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
