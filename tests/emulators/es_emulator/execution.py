# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running a watch (ExecutionService, ManualExecutionContext, ActionWrapper, the inputs, conditions,
transforms and actions), for `_execute` and for the scheduler.

Order: input (or `alternative_input`), condition (or `always` with `ignore_condition`), watch
transform when the condition is met and there are actions, then each action: throttling (period:
the action's, the watch's or the 5 s default; then ack), the action condition, the action
transform, `foreach` (at most `max_iterations` items), the action itself. The watch status is
updated as WatchStatus does (onCheck, onActionResult) and only written when the execution is
recorded. A `script` anywhere (Painless) is a recorded failure: the emulator has no Painless.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import requests

from . import datemath, search
from .errors import EsError, validation_error
from .http_client import for_record, render_request, render_template, send
from .http_request import redact_http_request
from .mustache import EsDate, model as mustache_model, plain, render
from .status import ACKABLE, ACKED, AWAITS, new_status
from .watch_parser import redact_watch

LOGGER = logging.getLogger("es_emulator.watcher")
INLINE_WATCH_ID = "_inlined_"
DEFAULT_THROTTLE_MILLIS = 5000
MODES = ("simulate", "force_simulate", "execute", "force_execute", "skip")
PAINLESS = ("[painless] scripts cannot run here: the Elasticsearch emulator has no Painless engine "
            "(script %s are not emulated)")
_DATE_MATH = re.compile(r"^<\{(.+)\}>$")
_PATH = re.compile(r"^\{\{(.+)\}\}$")


def painless_error(what: str) -> EsError:
    return EsError(400, "script_exception", PAINLESS % what, lang="painless")


@dataclass
class Request:
    """What one execution is asked to do."""
    watch_id: str
    watch: dict
    status: dict | None
    trigger_type: str = "manual"
    triggered_time: datetime | None = None
    scheduled_time: datetime | None = None
    action_modes: dict = field(default_factory=dict)
    alternative_input: dict | None = None
    ignore_condition: bool = False
    record: bool = False
    debug: bool = False
    seq_no: int | None = None  # of the watch document the execution started from (the status write is a CAS)


def object_path(data, path: str):
    """ObjectPath.eval: dotted names, list items by index, None when missing."""
    current = data
    for part in [item for item in path.split(".") if item]:
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _as_date(value):
    if isinstance(value, EsDate):
        return value.moment
    return value


def lenient_compare(left, right):
    """LenientCompare.compare: an int, or None when the values cannot be compared."""
    left, right = _as_date(left), _as_date(right)
    if left == right and type(left) is type(right):
        return 0
    if left is None or right is None:
        return None
    if isinstance(right, datetime):
        if isinstance(left, str):
            try:
                left = datemath.parse_date(left)
            except (datemath.DateError, ValueError):
                return None
        elif isinstance(left, (int, float)) and not isinstance(left, bool):
            left = datemath.parse_date(int(left))
        if not isinstance(left, datetime):
            return None
        return (left > right) - (left < right)
    if isinstance(left, (int, float)) and not isinstance(left, bool):
        if not isinstance(right, (int, float)) or isinstance(right, bool):
            try:
                right = float(str(right))
            except ValueError:
                return None
        return (left > right) - (left < right)
    if isinstance(left, str):
        right = json.dumps(right) if isinstance(right, (dict, list)) else ("true" if right is True else "false" if right is False else str(right))
        return (left > right) - (left < right)
    if isinstance(left, datetime) and isinstance(right, str):
        try:
            right = datemath.parse_date(right)
        except (datemath.DateError, ValueError):
            return None
        return (left > right) - (left < right)
    if type(left) is not type(right):
        return None
    try:
        return (left > right) - (left < right)
    except TypeError:
        return None


def compare_op(op: str, left, right) -> bool:
    if op in ("eq", "not_eq") and isinstance(_as_date(left), (dict, list)):
        equal = left == right
        return equal if op == "eq" else not equal
    result = lenient_compare(left, right)
    if op == "eq":
        return result == 0
    if op == "not_eq":
        return result is None or result != 0
    if result is None:
        return False
    return {"lt": result < 0, "lte": result <= 0, "gt": result > 0, "gte": result >= 0}[op]


def time_value(millis: int) -> str:
    """TimeValue.toString."""
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if millis >= size:
            value = millis / size
            return ("%d%s" % (value, unit)) if value == int(value) else ("%.1f%s" % (value, unit))
    return "%dms" % millis


class Execution:
    """One run of one watch; `run()` returns the watch record (without `_id`) and the new status."""

    def __init__(self, app, request: Request):
        self.app = app
        self.request = request
        self.watch = request.watch
        self.known = request.status is not None
        # An inline watch gets the status WatchParser gives a watch without one: active, every action awaiting.
        self.status = copy.deepcopy(request.status) if self.known else new_status(self.watch.get("actions", {}), True, app.now())
        for action_id in self.watch.get("actions", {}):
            self.status.setdefault("actions", {}).setdefault(action_id, {"ack": {"timestamp": app.now(), "state": AWAITS}})
        self.execution_time = app.clock()
        now = self.execution_time
        self.triggered_time = request.triggered_time or now
        self.scheduled_time = request.scheduled_time or self.triggered_time
        self.record_id = "%s_%s-%s" % (request.watch_id, uuid.uuid4(), datemath.iso(now))
        self.payload: dict = {}
        self.vars: dict = {}
        self.messages: list[str] = []
        self.exception: dict | None = None

    # --- the model mustache and conditions see --------------------------------------------------
    def ctx(self, payload=None, dates: str = "java") -> dict:
        wrap = EsDate if dates == "java" else datemath.iso
        return {"ctx": {
            "id": self.record_id,
            "watch_id": self.request.watch_id,
            "execution_time": wrap(self.execution_time),
            "trigger": {"triggered_time": wrap(self.triggered_time), "scheduled_time": wrap(self.scheduled_time)},
            "metadata": copy.deepcopy(self.watch.get("metadata")),
            "payload": copy.deepcopy(self.payload if payload is None else payload),
            "vars": self.vars,
        }}

    # --- searches ----------------------------------------------------------------------------------
    def _render_search(self, stored: dict, data: dict) -> dict:
        request = {"search_type": stored.get("search_type", "query_then_fetch"), "indices": stored.get("indices", []),
                   "rest_total_hits_as_int": stored.get("rest_total_hits_as_int", True)}
        if "indices_options" in stored:
            request["indices_options"] = stored["indices_options"]
        if stored.get("template") is not None:
            template = stored["template"]
            if "id" in template:
                with self.app.state_lock:
                    script = self.app.scripts.get(template["id"])
                if script is None:
                    raise EsError(404, "resource_not_found_exception", "unable to find script [%s] in cluster state" % template["id"])
                template = dict(script, params=template.get("params") or {})
            source = template.get("source")
            text = json.dumps(source, separators=(",", ":")) if not isinstance(source, str) else source
            params = dict(template.get("params") or {})
            params.update(data)
            request["body"] = json.loads(render(text, mustache_model_plain(params), True))
            request["template"] = stored["template"]
        elif stored.get("body") is not None:
            request["body"] = json.loads(render(json.dumps(stored["body"], separators=(",", ":")), data, True))
        return request

    def _search(self, stored: dict, data: dict) -> tuple[dict, dict]:
        request = self._render_search(stored, data)
        options = request.get("indices_options") or {}
        with self.app.state_lock:
            response = search.search(self.app.indices, request["indices"] or "_all", request.get("body"),
                                     total_as_int=request["rest_total_hits_as_int"], now=self.execution_time,
                                     ignore_unavailable=options.get("ignore_unavailable", True),
                                     allow_no_indices=options.get("allow_no_indices", True), id_field_data=self.app.id_field_data_enabled())
        return request, response

    def hide_secrets(self, request: dict) -> dict:
        """HttpRequest.toXContent with WatcherParams.hideSecrets, as the execute API writes the record."""
        return redact_http_request(for_record(request), self.app.version.redacts_authorization_header)

    # --- inputs ------------------------------------------------------------------------------------
    def run_input(self, spec: dict) -> dict:
        kind, body = next(iter(spec.items()))
        result = {"type": kind}
        try:
            if kind == "none":
                payload = {}
            elif kind == "simple":
                payload = copy.deepcopy(body)
            elif kind == "search":
                request, payload = self._search(body["request"], self.ctx())
                result["search"] = {"request": request}
                payload = _extract(payload, body.get("extract"))
            elif kind == "http":
                request = render_request(body["request"], self.ctx())
                result["http"] = {"request": self.hide_secrets(request)}
                response = send(request)
                result["http"]["status_code"] = response["status"]
                payload = _http_payload(response, body.get("response_content_type"))
                if body.get("extract"):
                    # ExecutableHttpInput: `_status_code` and `_headers` are set before the extracted keys are added.
                    payload = dict(_extract(payload, body["extract"]), **{key: payload[key] for key in ("_status_code", "_headers") if key in payload})
            elif kind == "chain":
                payload, chained = {}, {}
                for item in body["inputs"]:
                    name, inner = next(iter(item.items()))
                    inner_result = self.run_input(inner)
                    chained[name] = inner_result
                    if inner_result["status"] != "success":
                        raise EsError(500, "illegal_state_exception", "failed to execute chained input [%s]: %s" % (name, inner_result.get("reason")))
                    payload[name] = inner_result["payload"]
                    self.payload = payload
                result["chain"] = chained
            else:
                raise EsError(400, "illegal_argument_exception", "input [%s] is not emulated" % kind)
        except (EsError, requests.RequestException, ValueError) as error:
            return dict(result, status="failure", **_failure(error))
        return dict(result, status="success", payload=payload)

    # --- conditions --------------------------------------------------------------------------------
    def _configured(self, value, data: dict, resolved: dict):
        if isinstance(value, str):
            match = _DATE_MATH.match(value)
            if match:
                moment = datemath.resolve(match.group(1), self.execution_time)
                resolved[match.group(1)] = datemath.iso(moment)
                return moment
            match = _PATH.match(value)
            if match:
                found = object_path(plain(data), match.group(1).strip())
                resolved[match.group(1).strip()] = found
                return found
        return value

    def run_condition(self, spec: dict, payload=None) -> dict:
        kind, body = next(iter(spec.items()))
        try:
            if kind == "always":
                return {"type": kind, "status": "success", "met": True}
            if kind == "never":
                return {"type": kind, "status": "success", "met": False}
            if kind == "script":
                raise painless_error("conditions")
            data = self.ctx(payload)
            flat = plain(data)
            resolved: dict = {}
            path, ops = next(iter(body.items()))
            if kind == "compare":
                op, value = next(iter(ops.items()))
                configured = self._configured(value, data, resolved)
                found = object_path(flat, path)
                resolved[path] = found
                met = compare_op(op, _date_aware(found, configured), configured)
            elif kind == "array_compare":
                items = object_path(flat, path)
                resolved[path] = items
                inner_path = ops.get("path", "")
                op = next(key for key in ops if key != "path")
                quantifier = ops[op].get("quantifier", "some")
                configured = self._configured(ops[op].get("value"), data, resolved)
                if not isinstance(items, list):
                    raise EsError(400, "illegal_state_exception", "array path %s did not evaluate to array, was %s" % (path, items))
                checks = [compare_op(op, object_path(item, inner_path) if inner_path else item, configured) for item in items]
                met = any(checks) if quantifier == "some" else all(checks)
            else:
                raise EsError(400, "illegal_argument_exception", "condition [%s] is not emulated" % kind)
            return {"type": kind, "status": "success", "met": met, kind: {"resolved_values": resolved}}
        except (EsError, datemath.DateError, ValueError, StopIteration) as error:
            return {"type": kind, "status": "failure", **_failure(error)}

    # --- transforms --------------------------------------------------------------------------------
    def run_transform(self, spec: dict, payload: dict) -> dict:
        kind, body = next(iter(spec.items()))
        result = {"type": kind}
        try:
            if kind == "script":
                raise painless_error("transforms")
            if kind == "search":
                # The search transform sees dates as strings (ISO), the search input as dates (ZonedDateTime.toString()),
                # which is what Elastic's mustache/30_search_input and 40_search_transform tests expect.
                result["search"] = {"request": body["request"]}
                result["search"]["request"] = self._render_search(body["request"], self.ctx(payload, dates="iso"))
                dummy, answer = self._search(body["request"], self.ctx(payload, dates="iso"))
                return dict(result, status="success", payload=answer)
            if kind == "chain":
                results, current = [], payload
                for item in body:
                    inner = self.run_transform(item, current)
                    results.append(inner)
                    if inner["status"] != "success":
                        return dict(result, status="failure", reason="failed to execute [%s] transform of chain" % inner["type"],
                                    chain=results, payload={})
                    current = inner["payload"]
                return dict(result, status="success", payload=current, chain=results)
            raise EsError(400, "illegal_argument_exception", "transform [%s] is not emulated" % kind)
        except (EsError, ValueError) as error:
            return dict(result, status="failure", payload={}, **_failure(error))

    # --- actions -----------------------------------------------------------------------------------
    def _mode(self, action_id: str) -> str:
        modes = self.request.action_modes or {}
        return modes.get("_all") or modes.get(action_id) or "execute"

    def _throttle(self, action_id: str, action: dict) -> dict | None:
        action_status = self.status["actions"][action_id]
        period = action.get("throttle_period_in_millis", self.watch.get("throttle_period_in_millis", DEFAULT_THROTTLE_MILLIS))
        last = action_status.get("last_successful_execution")
        if last and period:
            elapsed = datemath.millis(self.execution_time) - datemath.millis(datemath.parse_date(last["timestamp"]))
            if elapsed <= period:
                return {"status": "throttled", "reason": "throttling interval is set to [%s] but time elapsed since last execution is [%s]" % (
                    time_value(period), time_value(max(elapsed, 0)))}
        ack = action_status["ack"]
        if ack["state"] == ACKED:
            return {"status": "acknowledged", "reason": "action [%s] was acked at [%s]" % (action_id, ack["timestamp"])}
        return None

    def run_action(self, action_id: str, action: dict) -> dict:
        kind = next(key for key in action if key not in ("throttle_period_in_millis", "condition", "transform", "foreach", "max_iterations"))
        result = {"id": action_id, "type": kind}
        mode = self._mode(action_id)
        if mode == "skip":
            return dict(result, status="acknowledged", reason="action [%s] was skipped (action mode [skip])" % action_id)
        if not mode.startswith("force"):
            throttled = self._throttle(action_id, action)
            if throttled:
                return dict(result, **throttled)
        if action.get("condition"):
            condition = self.run_condition(action["condition"])
            result["condition"] = condition
            if condition["status"] != "success":
                return dict(result, status="condition_failed", reason="condition failed. skipping: %s" % condition.get("reason"))
            if not condition["met"]:
                self.status["actions"][action_id]["ack"] = {"timestamp": datemath.iso(self.execution_time), "state": AWAITS}
                return dict(result, status="condition_failed", reason="condition not met. skipping")
        payload = self.payload
        if action.get("transform"):
            transform = self.run_transform(action["transform"], payload)
            result["transform"] = transform
            if transform["status"] != "success":
                return dict(result, status="failure", reason="Failed to transform payload. error: %s" % transform.get("reason"))
            payload = transform["payload"]
        simulate = mode in ("simulate", "force_simulate")
        if not action.get("foreach"):
            return dict(result, **self._perform(action_id, kind, action[kind], payload, simulate))
        items = object_path({"ctx": plain(self.ctx(payload)["ctx"])}, action["foreach"])
        if isinstance(items, dict):
            items = list(items.values())
        if not isinstance(items, list):
            return dict(result, status="failure", reason="specified foreach object was not a an array/collection: [%s]" % action["foreach"])
        limit = action.get("max_iterations", 100)
        outcomes = []
        for item in items[:limit]:
            item_payload = item if isinstance(item, dict) else {"_value": item}
            outcomes.append(dict({"type": kind}, **self._perform(action_id, kind, action[kind], item_payload, simulate)))
        failures = sum(1 for outcome in outcomes if outcome["status"] == "failure")
        status = "success" if not failures else ("failure" if failures == len(outcomes) else "partial_failure")
        if simulate and not failures:
            status = "simulated"
        return dict(result, status=status, number_of_actions_executed=len(outcomes), foreach=outcomes, max_iterations=limit)

    def _perform(self, action_id: str, kind: str, spec: dict, payload: dict, simulate: bool) -> dict:
        data = self.ctx(payload)
        ok = "simulated" if simulate else "success"
        try:
            if kind == "logging":
                text = self.render_text(spec.get("text"), data)
                if not simulate:
                    LOGGER.log(getattr(logging, str(spec.get("level", "info")).upper(), logging.INFO), "[%s] %s", action_id, text)
                return {"status": ok, "logging": {"logged_text": text}}
            if kind == "index":
                return self._index(action_id, spec, payload, simulate)
            if kind == "webhook":
                request = render_request(spec, data)
                if simulate:
                    return {"status": ok, "webhook": {"request": self.hide_secrets(request)}}
                try:
                    response = send(request)
                except requests.RequestException as error:
                    return {"status": "failure", "reason": "failed to send request: %s" % error,
                            "error": {"type": "i_o_exception", "reason": str(error)}, "webhook": {"request": self.hide_secrets(request)}}
                outcome = {"webhook": {"request": self.hide_secrets(request), "response": response}}
                if response["status"] >= 400:
                    return dict(outcome, status="failure", reason="received [%d] status code" % response["status"])
                return dict(outcome, status="success")
            if simulate:
                return {"status": ok, kind: {}}
            return {"status": "failure", "reason": "[%s] actions are not emulated (only webhook, logging and index are)" % kind}
        except (EsError, ValueError) as error:
            return {"status": "failure", **_failure(error)}

    def render_text(self, template, data: dict) -> str:
        """TextTemplateEngine.render: the template's params under the model (ctx wins); a stored script by its `id`."""
        if isinstance(template, dict) and "id" in template:
            with self.app.state_lock:
                script = self.app.scripts.get(template["id"])
            if script is None:
                raise EsError(404, "resource_not_found_exception", "unable to find script [%s] in cluster state" % template["id"])
            if script.get("lang") != "mustache":
                raise painless_error("templates in [%s]" % script.get("lang"))
            template = dict(script, params=template.get("params") or {})
        return render_template(template, data)

    # --- the index action (ExecutableIndexAction) -----------------------------------------------------
    def _illegal_state(self, action_id: str, message: str) -> EsError:
        return EsError(500, "illegal_state_exception", "could not execute action [%s] of watch [%s]. %s" % (action_id, self.request.watch_id, message))

    def _target(self, action_id: str, name: str, document: dict, field_name: str, configured):
        """getField: `_index` / `_id` taken out of the document, unless the action sets the same thing."""
        found = document.pop(field_name, None) if field_name in document else None
        if found is None:
            return configured
        if configured is not None:
            raise self._illegal_state(action_id, "[ctx.payload.%s] or [ctx.payload._doc.%s] were set together with action [%s] field. "
                                                 "Only set one of them" % (field_name, field_name, name))
        return _java_text(found)

    def _index_request(self, action_id: str, spec: dict, document: dict) -> tuple:
        document = dict(document)
        index = self._target(action_id, "index", document, "_index", spec.get("index"))
        doc_id = self._target(action_id, "id", document, "_id", spec.get("doc_id"))
        if spec.get("execution_time_field"):
            document[spec["execution_time_field"]] = datemath.iso(self.execution_time)
        return index, doc_id, document

    def _write(self, spec: dict, index, doc_id, source: dict) -> dict:
        if index is None:
            raise validation_error("index is missing")
        with self.app.state_lock:
            # `refresh`: the RefreshPolicy of the request (none unless given); `<name-{now/d}>` resolves when written.
            answer = self.app.write_document(index, doc_id, source, create=spec.get("op_type") == "CREATE",
                                             refresh=spec.get("refresh") in ("true", "wait_for"))
        return {"created": answer["result"] == "created", "result": answer["result"], "id": answer["_id"], "version": answer["_version"],
                "index": answer["_index"]}

    @staticmethod
    def _simulated(spec: dict, index, doc_id, source) -> dict:
        request = {"index": index}
        if doc_id is not None:
            request["doc_id"] = doc_id
        if spec.get("refresh") is not None:
            request["refresh"] = spec["refresh"]
        request["source"] = source
        return {"status": "simulated", "index": {"request": request}}

    def _index(self, action_id: str, spec: dict, payload: dict, simulate: bool) -> dict:
        data = payload
        if "_doc" in data:
            documents = data["_doc"]
            if isinstance(documents, list):
                return self._index_bulk(action_id, spec, documents, simulate)
            if not isinstance(documents, dict):
                raise self._illegal_state(action_id, "failed to index payload data.[_data] field must either hold a Map or an List/Array of Maps")
            data = documents
        index, doc_id, source = self._index_request(action_id, spec, data)
        if simulate:
            return self._simulated(spec, index, doc_id, source)
        return {"status": "success", "index": {"response": self._write(spec, index, doc_id, source)}}

    def _index_bulk(self, action_id: str, spec: dict, documents: list, simulate: bool) -> dict:
        if spec.get("doc_id") is not None:
            # The Java message has placeholders and no arguments: it reads `[{}]` literally.
            raise EsError(500, "illegal_state_exception", "could not execute action [{}] of watch [{}]. [doc_id] cannot be used with bulk [_doc] indexing")
        requests_ = []
        for document in documents:
            if not isinstance(document, dict):
                raise self._illegal_state(action_id, "failed to index payload data. [_data] field must either hold a Map or an List/Array of Maps")
            requests_.append(self._index_request(action_id, spec, document))
        if simulate:
            return self._simulated(spec, "", "", [{"_id": doc_id, "_index": index} for index, doc_id, dummy in requests_])
        items = []
        for index, doc_id, source in requests_:
            try:
                items.append(self._write(spec, index, doc_id, source))
            except EsError as error:
                items.append({"failed": True, "message": _failure_message(error, index), "id": doc_id, "index": index})
        failures = sum(1 for item in items if item.get("failed"))
        status = "success" if not failures else ("failure" if failures == len(items) else "partial_failure")
        return {"status": status, "index": {"response": items}}

    # --- the whole run -----------------------------------------------------------------------------
    def _on_action_result(self, action_id: str, result: dict) -> None:
        """ActionStatus.update."""
        action_status = self.status["actions"][action_id]
        stamp = datemath.iso(self.execution_time)
        status = result["status"]
        if status in ("success", "simulated"):
            action_status["last_execution"] = {"timestamp": stamp, "successful": True}
            action_status["last_successful_execution"] = {"timestamp": stamp, "successful": True}
            if action_status["ack"]["state"] == AWAITS:
                action_status["ack"] = {"timestamp": stamp, "state": ACKABLE}
        elif status in ("failure", "partial_failure"):
            action_status["last_execution"] = {"timestamp": stamp, "successful": False, "reason": result.get("reason", "")}
        elif status in ("throttled", "acknowledged"):
            action_status["last_throttle"] = {"timestamp": stamp, "reason": result.get("reason", "")}

    def run(self) -> tuple[dict, dict]:
        # WatchExecutionContext.start() .. finish(): System.nanoTime() from before the input to after the last action,
        # truncated to milliseconds (TimeUnit.NANOSECONDS.toMillis).
        started = time.monotonic_ns()
        stamp = datemath.iso(self.execution_time)
        result: dict = {"execution_time": stamp}
        state = None
        if self.request.alternative_input is not None:
            input_result = {"type": "simple", "status": "success", "payload": copy.deepcopy(self.request.alternative_input)}
        else:
            input_result = self.run_input(self.watch.get("input", {"none": {}}))
        result["input"] = input_result
        if input_result["status"] != "success":
            state = self._abort("failed to execute watch input", input_result)
        else:
            self.payload = input_result["payload"]
            if self.request.ignore_condition:
                condition = {"type": "always", "status": "success", "met": True}
            else:
                condition = self.run_condition(self.watch.get("condition", {"always": {}}))
            result["condition"] = condition
            if condition["status"] != "success":
                state = self._abort("failed to execute watch condition", condition)
            else:
                self._on_check(condition["met"], stamp)
                if condition["met"]:
                    actions = self.watch.get("actions", {})
                    if actions and self.watch.get("transform"):
                        transform = self.run_transform(self.watch["transform"], self.payload)
                        result["transform"] = transform
                        self.payload = transform.get("payload", {})
                    results = []
                    for action_id, action in actions.items():
                        action_result = self.run_action(action_id, action)
                        self._on_action_result(action_id, action_result)
                        results.append(action_result)
                    result["actions"] = results
                    statuses = [item["status"] for item in results]
                    if statuses and all(item == "acknowledged" for item in statuses):
                        state = "acknowledged"
                    elif statuses and all(item == "throttled" for item in statuses):
                        state = "throttled"
                    else:
                        state = "executed"
                else:
                    result["actions"] = []
                    state = "execution_not_needed"
        result["execution_duration"] = (time.monotonic_ns() - started) // 1_000_000
        result = {key: result[key] for key in ("execution_time", "execution_duration", "input", "condition", "transform", "actions") if key in result}
        self.status["execution_state"] = state
        return self._record(state, result), self.status

    def _on_check(self, met: bool, stamp: str) -> None:
        """WatchStatus.onCheck: an unmet condition resets every ack."""
        self.status["last_checked"] = stamp
        if met:
            self.status["last_met_condition"] = stamp
        else:
            for action_status in self.status["actions"].values():
                action_status["ack"] = {"timestamp": stamp, "state": AWAITS}

    def _abort(self, message: str, failed: dict) -> str:
        self.messages.append(message)
        error = failed.get("error") or {"type": "exception", "reason": failed.get("reason")}
        self.exception = {"type": error.get("type"), "reason": error.get("reason")}
        return "failed"

    def _record(self, state: str, result: dict) -> dict:
        if self.request.trigger_type == "manual":
            trigger_event = {"type": "manual", "triggered_time": datemath.iso(self.triggered_time),
                             "manual": {"schedule": {"scheduled_time": datemath.iso(self.scheduled_time)}}}
        else:
            trigger_event = {"type": "schedule", "triggered_time": datemath.iso(self.triggered_time),
                             "schedule": {"scheduled_time": datemath.iso(self.scheduled_time)}}
        # WatchRecord.toXContent with hideSecrets: the watch's input as a GET shows it.
        shown_input = redact_watch({"input": self.watch.get("input", {"none": {}}), "actions": {}}, self.app.version)["input"]
        record = {"watch_id": self.request.watch_id, "node": self.app.node_id, "state": state, "@timestamp": datemath.iso(self.execution_time),
                  "status": None, "trigger_event": trigger_event, "input": shown_input, "condition": self.watch.get("condition")}
        if self.watch.get("metadata") is not None:
            record["metadata"] = self.watch["metadata"]
        if self.request.debug:
            record["vars"] = self.vars
        record["result"] = result
        record["messages"] = self.messages
        if self.exception:
            record["exception"] = self.exception
        return record


def mustache_model_plain(params: dict) -> dict:
    """Search template params rendered as plain values (their dates already strings)."""
    return plain(mustache_model(params))


def _date_aware(found, configured):
    if isinstance(configured, datetime) and isinstance(found, str):
        try:
            return datemath.parse_date(found)
        except (datemath.DateError, ValueError):
            return found
    return found


def _extract(payload: dict, keys):
    if not keys:
        return payload
    out: dict = {}
    for key in keys:
        value = object_path(payload, key)
        if value is None:
            continue
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _http_payload(response: dict, content_type: str | None) -> dict:
    body = response["body"]
    payload: dict
    if content_type == "text":
        payload = {"_value": body}
    else:
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            parsed = body
        payload = parsed if isinstance(parsed, dict) else {"_value": parsed}
    payload["_status_code"] = response["status"]
    payload["_headers"] = response["headers"]
    return payload


def _java_text(value) -> str:
    """Object.toString of a payload value: `true`, `5`, `1.5`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _failure_message(error: EsError, index) -> str:
    """BulkItemResponse.getFailureMessage: the cause's toString, `[index][0] SimpleName[reason]` (ElasticsearchException.toString
    with ExceptionsHelper.detailedMessage; the shard prefix only for index-level failures)."""
    name = "".join(part.capitalize() for part in error.type.split("_"))
    prefix = "[%s][0] " % index if error.extra.get("shard") is not None else ""
    return "%s%s[%s]" % (prefix, name, error.reason)


def _failure(error: Exception) -> dict:
    if isinstance(error, EsError):
        return {"reason": error.reason, "error": error.to_xcontent()}
    return {"reason": str(error), "error": {"type": type(error).__name__.lower(), "reason": str(error)}}
