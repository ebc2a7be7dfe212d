# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The WSGI base both emulators build on, and the command line that serves one.

Serving uses werkzeug's threaded server; routing uses werkzeug's URL map, so the emulators only
write what the real APIs do, not HTTP parsing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .faults import FaultConfigError, FaultInjector, reset_connection, stall
from .stats import RequestStats

CONTROL_PREFIX = "/_emulator/"


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    payload = b"" if body is None else json.dumps(body).encode("utf-8")
    response = Response(payload, status=status, headers=headers)
    if body is not None:
        response.content_type = "application/json"
    return response


class EmulatorApp:
    """A WSGI application with the shared `/_emulator/*` control routes.

    Subclasses set `url_map` (werkzeug rules whose endpoint `x` is served by method `on_x`),
    and implement `error_response`, `reset_state`, `state_to_dict` and `state_from_dict`.
    """

    url_map: Map = Map()
    read_only_routes: frozenset[str] = frozenset()

    def __init__(self, faults: dict | None = None, data_file: str | None = None):
        self.stats = RequestStats(self.read_only_routes)
        self.faults = FaultInjector(faults)
        self.data_file = data_file
        self._state_lock = threading.RLock()
        # Saves are serialised, so a snapshot taken later is never overwritten by one taken earlier.
        self._save_lock = threading.Lock()
        if data_file and os.path.exists(data_file):
            with open(data_file, encoding="utf-8") as handle:
                self.state_from_dict(json.load(handle))

    # --- to be provided by each emulator --------------------------------------------------------
    def error_response(self, status: int, reason: str) -> Response:
        raise NotImplementedError

    def reset_state(self) -> None:
        raise NotImplementedError

    def state_to_dict(self) -> dict:
        raise NotImplementedError

    def state_from_dict(self, state: dict) -> None:
        raise NotImplementedError

    def finish(self, response: Response) -> Response:
        """Last touch on every response (e.g. product headers)."""
        return response

    def control_route(self, name: str, request: Request) -> Response | None:  # pylint: disable=unused-argument
        """An emulator's own `/_emulator/<name>` route (not counted in the stats); None when it has none by that name."""
        return None

    # --- shared machinery -----------------------------------------------------------------------
    @property
    def state_lock(self) -> threading.RLock:
        """Held while a handler reads or changes state, so concurrent requests stay consistent."""
        return self._state_lock

    def save_state(self) -> None:
        if not self.data_file:
            return
        with self._save_lock:
            with self._state_lock:
                # Serialised under the lock: the state holds live dicts another request may be changing.
                text = json.dumps(self.state_to_dict())
            directory = os.path.dirname(os.path.abspath(self.data_file))
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".emulator-state.")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, self.data_file)

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)(environ, start_response)

        adapter = self.url_map.bind_to_environ(environ)
        try:
            rule, arguments = adapter.match(return_rule=True)
            route, handler = rule.rule, getattr(self, "on_" + rule.endpoint)
        except NotFound:
            route, handler, arguments = "<unmatched>", None, {}
        except MethodNotAllowed:
            route, handler, arguments = "<method not allowed>", None, {}

        fault = self.faults.decide(request.method, request.path)
        if fault is not None and fault.kind == "reset":
            self.stats.record(request.method, route, 0)
            reset_connection(environ)
        if fault is not None and fault.kind == "delay":
            stall(fault)  # a slow server: it acts late, maybe still within the client's timeout
        if fault is not None and fault.status is not None:
            response = self.error_response(fault.status, "injected fault: HTTP %d" % fault.status)
        elif handler is None:
            response = self.unrouted(request, route)
        else:
            response = handler(request, **arguments)
            if request.method not in ("GET", "HEAD") and response.status_code < 400:
                self.save_state()
        # Counted when the server acts, not when it answers: a write whose answer is lost below has happened
        # already, and a test that resets the counters after its client gave up must not count it later.
        self.stats.record(request.method, route, response.status_code)
        if fault is not None and fault.kind == "timeout":
            stall(fault)  # the server acted, its answer comes too late: the lost-response case
        return self.finish(response)(environ, start_response)

    def unrouted(self, request: Request, route: str) -> Response:
        if route == "<method not allowed>":
            return self.error_response(405, "Incorrect HTTP method for uri [%s] and method [%s]" % (request.path, request.method))
        return self.error_response(404, "no handler found for uri [%s] and method [%s]" % (request.path, request.method))

    def _control(self, request: Request) -> Response:
        name = request.path[len(CONTROL_PREFIX):].strip("/")
        if name == "stats" and request.method == "GET":
            return json_response(self.stats.snapshot())
        if name == "reset" and request.method == "POST":
            with self._state_lock:
                self.reset_state()
            self.stats.reset()
            self.faults.configure({})
            self.save_state()
            return json_response({"acknowledged": True})
        if name == "faults" and request.method == "GET":
            return json_response(self.faults.describe())
        if name == "faults" and request.method in ("POST", "PUT"):
            try:
                self.faults.configure(request.get_json(force=True, silent=True) or {})
            except FaultConfigError as error:
                return json_response({"error": str(error)}, status=400)
            return json_response(self.faults.describe())
        if name == "faults" and request.method == "DELETE":
            self.faults.configure({})
            return json_response(self.faults.describe())
        own = self.control_route(name, request)
        if own is not None:
            return own
        return json_response({"error": "unknown emulator control route %s %s" % (request.method, request.path)}, status=404)


def _faults_argument(value: str) -> dict:
    text = value
    if value.startswith("@"):
        with open(value[1:], encoding="utf-8") as handle:
            text = handle.read()
    try:
        faults = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError("--faults must be JSON or @file with JSON: %s" % error) from error
    try:
        FaultInjector(faults)
    except FaultConfigError as error:
        raise argparse.ArgumentTypeError("--faults: %s" % error) from error
    return faults


def argument_parser(description: str, default_port: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=default_port, help="port to listen on (default: %(default)s)")
    parser.add_argument("--data", metavar="FILE", help="keep state in FILE across restarts (JSON)")
    parser.add_argument("--faults", type=_faults_argument, metavar="JSON|@FILE",
                        help="fault injection from the start, same fields as POST /_emulator/faults")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def serve(app: EmulatorApp, host: str, port: int, name: str, quiet: bool = False) -> None:
    """Serve until SIGTERM or SIGINT, then stop accepting, finish and save state."""
    if quiet:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, app, threaded=True)

    def stop(signum, frame):  # pylint: disable=unused-argument
        # shutdown() waits for serve_forever() to return, so it must run on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("%s listening on http://%s:%d" % (name, host, server.server_port), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.save_state()
        print("%s stopped" % name, file=sys.stderr, flush=True)


class BackgroundServer:
    """An emulator served from a thread of the current process, on a free port (for tests)."""

    def __init__(self, app: EmulatorApp, host: str = "127.0.0.1", ssl_context=None):
        self.app = app
        self._server = make_server(host, 0, app, threaded=True, ssl_context=ssl_context)
        self.url = "%s://%s:%d" % ("https" if ssl_context is not None else "http", host, self._server.server_port)
        # A short poll interval makes shutdown() quick, which adds up over many test servers.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "BackgroundServer":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
