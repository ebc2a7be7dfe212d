# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP request templates (webhook actions, http inputs): HttpRequestTemplate.Parser and toXContent.

The canonical form always carries scheme, host, port, lower-case method, params and headers;
`url` is split into scheme/host/port/path/params and never kept; `connection_timeout` and
`read_timeout` come back as `connection_timeout_in_millis` and `read_timeout_millis`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import EsError, parse_error
from .templates import REDACTED, is_number, long_value, parse_text_template, parse_time_field, scalar_text, token

SCHEMES = {"http": 80, "https": 443}
METHODS = ("head", "get", "post", "put", "delete")
_PREFIX = "could not parse http request template. "
ENCRYPTED_PREFIX = "::es_encrypted::"


def _error(message: str, cause: EsError | None = None) -> EsError:
    return parse_error(_PREFIX + message, cause)


def parse_scheme(text: str) -> str:
    """Scheme.parse: case-insensitive; the message names the lower-cased value."""
    scheme = text.lower()
    if scheme not in SCHEMES:
        raise EsError(400, "illegal_argument_exception", "unsupported http scheme [%s]" % scheme)
    return scheme


def parse_method(text: str) -> str:
    method = text.lower()
    if method not in METHODS:
        raise EsError(400, "illegal_argument_exception", "unsupported http method [%s]" % text.upper())
    return method


def secret(value, field: str, ctx) -> str | None:
    """WatcherXContentParser.secretOrNull: a redacted value is refused, or dropped in update mode."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise parse_error("expected a string value for field [%s], but found [%s]" % (field, token(value)))
    if value == REDACTED:
        if ctx.allow_redacted:
            return None
        raise parse_error("found redacted password in field [%s]" % field)
    return value


def _basic_auth_fields(body, ctx) -> dict:
    """BasicAuth.parseInner: string fields only, username required, the password a secret."""
    username, password = None, None
    for key, field_value in body.items():
        if not isinstance(field_value, str):
            raise parse_error("unsupported token [%s]" % token(field_value))
        if key == "username":
            username = field_value
        elif key == "password":
            password = secret(field_value, key, ctx)
        else:
            raise parse_error("unsupported field [%s]" % key)
    if username is None:
        raise parse_error("username is a required option")
    basic = {"username": username}
    if password is not None:
        basic["password"] = password
    return basic


def parse_basic_auth(value, ctx) -> dict | None:
    """BasicAuth.parse: whatever the type's name, its last object is read as basic auth; other values are skipped.

    Returns None when no object is given: the template then has no auth."""
    basic = None
    for dummy, body in value.items():
        if isinstance(body, list):
            # the parser would walk into the array and read its objects: refused (UNSETTLED in STORED_FORMS.md)
            raise parse_error("could not parse http auth. unexpected token [START_ARRAY]")
        if isinstance(body, dict):
            basic = _basic_auth_fields(body, ctx)
    return None if basic is None else {"basic": basic}


def _proxy_port(value) -> int:
    """parser.intValue(): numbers truncate, numeric strings are read as a double."""
    if is_number(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError as error:
            raise EsError(400, "number_format_exception", 'For input string: "%s"' % value) from error
    raise parse_error("could not parse http proxy. unexpected token [%s] for field [port]" % token(value))


def parse_proxy(value) -> dict:
    """HttpProxy.parse: host (text), port (1..65534), scheme; other scalar fields are skipped."""
    if not isinstance(value, dict):
        raise parse_error("could not parse http proxy. expected an object but found [%s] instead" % token(value))
    host, port, scheme = None, None, None
    for key, field_value in value.items():
        if key == "host":
            host = scalar_text(field_value, key)
        elif key == "scheme":
            scheme = parse_scheme(scalar_text(field_value, key))
        elif key == "port":
            port = _proxy_port(field_value)
            if port <= 0 or port >= 65535:
                raise parse_error("Proxy port must be between 1 and 65534, but was " + str(port))
        elif isinstance(field_value, (dict, list)):
            # skipped fields are not skipped over: the parser would read the object's fields as the proxy's
            # (UNSETTLED in STORED_FORMS.md); refused here
            raise parse_error("could not parse http proxy. unexpected field [%s]" % key)
    if host is None or port is None:
        raise parse_error("Proxy must contain 'port' and 'host' field")
    proxy = {"host": host, "port": port}
    if scheme is not None:
        proxy["scheme"] = scheme
    return proxy


def _templates(field: str, value) -> dict:
    if not isinstance(value, dict):
        raise _error("could not parse value for [%s] field" % field)
    templates = {}
    for key, template in value.items():
        templates[key] = _template(field, template)
    return templates


def _template(field: str, value):
    try:
        return parse_text_template(value)
    except EsError as error:
        raise _error("could not parse value for [%s] field" % field, error) from error


def _from_url(url, request: dict) -> None:
    """HttpRequestTemplate.Builder.fromUrl."""
    if not isinstance(url, str) or not url:
        raise parse_error("Configured URL is empty, please configure a valid URL")
    if re.search(r"[\s<>\"{}|\\^`]", url):
        raise parse_error("Malformed URL [%s]" % url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise parse_error("Malformed URL [%s]" % url) from error
    if not parts.scheme:
        raise parse_error("URL [%s] does not contain a scheme" % url)
    request["scheme"] = parse_scheme(parts.scheme)
    request["port"] = port if port else SCHEMES[request["scheme"]]
    request["host"] = _host(parts.netloc)
    if parts.path:
        request["path"] = unquote(parts.path)
    if parts.query:
        for key, val in parse_qsl(parts.query, keep_blank_values=True):
            request["params"][key] = val


def _host(netloc: str) -> str | None:
    """java.net.URI.getHost(): the host as written (case kept), without user info and port."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.partition(":")[0] or None


def parse_http_request(value, ctx) -> dict:
    """HttpRequestTemplate.Parser.parse, returning the canonical (stored) form."""
    if not isinstance(value, dict):
        raise _error("expected an object but found [%s] instead" % token(value))
    request = {"params": {}, "headers": {}}
    for key, field_value in value.items():
        if key == "proxy":
            request["proxy"] = parse_proxy(field_value)
        elif key == "path":
            request["path"] = _template(key, field_value)
        elif key == "headers":
            request["headers"].update(_templates(key, field_value))
        elif key == "params":
            request["params"].update(_templates(key, field_value))
        elif key == "body":
            request["body"] = _template(key, field_value)
        elif key == "url":
            _from_url(field_value, request)
        elif key in ("connection_timeout_in_millis", "read_timeout_millis"):
            request[key] = long_value(field_value)  # parser.longValue(): numeric strings too
        elif key in ("connection_timeout", "read_timeout"):
            try:
                millis = parse_time_field(field_value, key)
            except EsError as error:
                raise _error("invalid time value for [%s] field" % key, error) from error
            request["connection_timeout_in_millis" if key == "connection_timeout" else "read_timeout_millis"] = millis
        elif isinstance(field_value, dict):
            if key != "auth":
                raise _error("unexpected object field [%s]" % key)
            auth = parse_basic_auth(field_value, ctx)
            if auth is None:
                request.pop("auth", None)
            else:
                request["auth"] = auth
        elif isinstance(field_value, str):
            if key == "scheme":
                request["scheme"] = parse_scheme(field_value)
            elif key == "method":
                request["method"] = parse_method(field_value)
            elif key == "host":
                request["host"] = field_value
            else:
                raise _error("unexpected string field [%s]" % key)
        elif is_number(field_value):
            if key != "port":
                raise _error("unexpected numeric field [%s]" % key)
            request["port"] = int(field_value)
        else:
            raise _error("unexpected token [%s] for field [%s]" % (token(field_value), key))
    if request.get("host") is None:
        raise _error("missing required [host] string field")
    if request.get("port", 0) <= 0:
        raise _error("wrong port for [port]")
    return _canonical(request)


def _canonical(request: dict) -> dict:
    """HttpRequestTemplate.toXContent field order."""
    out = {
        "scheme": request.get("scheme", "http"),
        "host": request["host"],
        "port": request["port"],
        "method": request.get("method", "get"),
    }
    if "path" in request:
        out["path"] = request["path"]
    out["params"] = request["params"]
    out["headers"] = request["headers"]
    for key in ("auth", "body", "connection_timeout_in_millis", "read_timeout_millis", "proxy"):
        if key in request:
            out[key] = request[key]
    return out


def redact_http_request(request: dict, hide_authorization: bool) -> dict:
    """What a GET shows: the basic-auth password and (8.6+) any Authorization header as `::es_redacted::`."""
    out = dict(request)
    basic = (request.get("auth") or {}).get("basic")
    # BasicAuth.toXContent: a password encrypted by Watcher (xpack.watcher.encrypt_sensitive_data) is shown as stored
    if isinstance(basic, dict) and "password" in basic and not str(basic["password"]).startswith(ENCRYPTED_PREFIX):
        out["auth"] = {"basic": dict(basic, password=REDACTED)}
    if hide_authorization and isinstance(request.get("headers"), dict):
        out["headers"] = {name: (REDACTED if name.lower() == "authorization" else value) for name, value in request["headers"].items()}
    return out
