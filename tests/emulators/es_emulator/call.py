# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One REST call: its negotiated format, parameters, body, warnings, and the response it gets."""

from __future__ import annotations

import json

import yaml
from werkzeug.wrappers import Request, Response

from .errors import EsError, PlainError
from .negotiation import Negotiated, negotiate
from .params import as_bool
from .rendering import filter_path, render
from .versions import ServerVersion


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise EsError(400, "x_content_parse_exception", "Duplicate field '%s'" % key)
        seen[key] = value
    return seen


class Call:
    def __init__(self, request: Request, version: ServerVersion):
        self.request = request
        self.version = version
        self.args = request.args
        self.body = request.get_data(cache=True)
        self.has_body = len(self.body) > 0
        self.warnings: list[str] = []
        self.negotiated: Negotiated | None = None

    @property
    def path(self) -> str:
        return self.request.path

    def negotiate(self) -> Negotiated:
        if self.negotiated is None:
            headers = self.request.headers
            self.negotiated = negotiate(headers.get("Accept"), headers.get("Content-Type"), self.has_body, self.version)
        return self.negotiated

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def content(self):
        """The request body as data (JSON or YAML), or None when there is none."""
        if not self.has_body:
            return None
        text = self.body.decode("utf-8", "replace")
        if self.negotiate().request_format == "yaml":
            try:
                return yaml.safe_load(text)
            except yaml.YAMLError as error:
                raise EsError(400, "x_content_parse_exception", "failed to parse YAML body: %s" % error) from error
        try:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as error:
            cause = EsError(400, "json_parse_exception", error.msg)
            raise EsError(400, "x_content_parse_exception", "[%d:%d] %s" % (error.lineno, error.colno, error.msg), cause) from error

    # --- responses ---------------------------------------------------------------------------------
    def _response(self, body, status: int, content_type: str, response_format: str) -> Response:
        pretty = False
        try:
            pretty = as_bool(self.args, "pretty", False)
        except EsError:
            pretty = False
        data = b"" if self.request.method == "HEAD" else render(body, response_format, pretty)
        response = Response(data, status=status)
        response.headers["Content-Type"] = content_type
        for message in self.warnings:
            response.headers.add("Warning", self.version.warning_header(message))
        return response

    def respond(self, body, status: int = 200) -> Response:
        negotiated = self.negotiate()
        body = filter_path(body, self.args.get("filter_path"))
        return self._response(body, status, negotiated.content_type, negotiated.response_format)

    def fail(self, error: Exception) -> Response:
        if self.negotiated is not None:
            content_type, response_format = self.negotiated.content_type, self.negotiated.response_format
        else:
            content_type, response_format = self.version.json_content_type, "json"
        response = self._response(error.body(), error.status, content_type, response_format)
        if isinstance(error, PlainError):
            for name, value in error.headers.items():
                response.headers[name] = value
        return response
