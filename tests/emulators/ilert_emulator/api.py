# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every iLert route shares: the error type and body, the handler decorator that checks the
API key, rate limits and holds the state lock, and the parsing of bodies, paging and `include`."""

from __future__ import annotations

import datetime
import functools
import json
import re

from emulator_kit.server import json_response

# iLert documents KEY_ERROR (bad API key) and ERROR (server side); the other codes are this
# emulator's choice, because iLert publishes no list (see README.md, "Errors").
CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
}


class ApiError(Exception):
    """An answer other than success; handlers raise it, `endpoint` turns it into iLert's error body."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "ERROR")


def error_body(status: int, message: str, code: str | None = None) -> dict:
    return {"status": status, "message": message, "code": code or CODES.get(status, "ERROR")}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(what: str) -> ApiError:
    return ApiError(404, "%s not found" % what)


def endpoint(auth: bool = True, permission: str | None = None):
    """Wrap an `on_<endpoint>` handler: per-IP rate limit, API key check (401/403), per-key rate
    limit, then the handler under the state lock. The handler gets the caller (or None) as its
    second argument; an ApiError it raises becomes iLert's `{status, message, code}` answer."""

    def wrap(method):
        @functools.wraps(method)
        def handler(self, request, **arguments):
            try:
                self.check_rate_limit("ip", request.remote_addr or "-")
                caller = None
                if auth:
                    caller = self.authenticate(request, permission)
                    self.check_rate_limit("api_key", caller.token)
                with self.state_lock:
                    return method(self, request, caller, **arguments)
            except ApiError as error:
                return self.error_response(error.status, error.message, error.code)
        return handler
    return wrap


def created(body: dict, location: str):
    return json_response(body, status=201, headers={"Location": location})


def read_json_body(request) -> object:
    """The request's JSON body; iLert's JAX-RS server refuses other media types with 415."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Content-Type must be application/json, got %r" % (request.content_type or ""))
    data = request.get_data(cache=True)
    if not data.strip():
        raise bad_request("request body is empty; a JSON object is required")
    try:
        return json.loads(data)
    except ValueError as error:
        raise bad_request("request body is not valid JSON: %s" % error) from error


def read_json_object(request) -> dict:
    body = read_json_body(request)
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object, got %s" % type(body).__name__)
    return body


def int_param(request, name: str, default: int) -> int:
    values = request.args.getlist(name)
    if not values:
        return default
    try:
        return int(values[-1])
    except ValueError as error:
        raise bad_request("%s must be an integer, got %r" % (name, values[-1])) from error


def page(request, items: list, maximum: int, default: int = 50) -> list:
    """Offset paging as iLert does it: `start-index` from 0, `max-results` up to a hard limit.
    More than the limit is a 400, not a clamp; there is no total and no next link."""
    start = int_param(request, "start-index", 0)
    size = int_param(request, "max-results", default)
    if start < 0:
        raise bad_request("start-index must be 0 or greater, got %d" % start)
    if size < 0 or size > maximum:
        raise bad_request("max-results must be between 0 and %d, got %d" % (maximum, size))
    return items[start:start + size]


def includes(request) -> set[str]:
    """`?include=a&include=b` (as ilert-go sends it) or `?include=a,b`."""
    found = set()
    for value in request.args.getlist("include"):
        found.update(part.strip() for part in value.split(",") if part.strip())
    return found


def numeric_id(text: str, what: str) -> int:
    """Path ids are numbers; anything else finds nothing (as a JAX-RS `Long` path parameter does)."""
    if not text.isdigit():
        raise not_found(what)
    return int(text)


def timestamp(seconds: float) -> str:
    """UTC ISO-8601 with the variable fractional precision iLert sends (trailing zeros dropped)."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = ("%03d" % (moment.microsecond // 1000)).rstrip("0")
    return text + ("." + fraction if fraction else "") + "Z"


def drop_none(mapping: dict) -> dict:
    return {key: value for key, value in mapping.items() if value is not None}


_DURATION = re.compile(r"^P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_DURATION_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def duration_seconds(text: str) -> float | None:
    """Seconds of an ISO-8601 duration such as PT5M, or None when it is not one."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        return None
    return sum(float(value) * unit for value, unit in zip(match.groups(), _DURATION_SECONDS) if value)
