# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: HTTP client for the iLert REST API.

Backwards incompatible changes can happen here in any release; modules of this
collection are the only supported callers.

Typical use in a module::

    module = AnsibleModule(argument_spec=dict(ILERT_ARGUMENT_SPEC, name=dict(...)))
    client = client_from_module(module)
    try:
        source = client.get_or_none("/api/alert-sources/{key}", secrets={"key": key})
    except ILertError as exc:
        module.fail_json(msg=str(exc))
"""

from __future__ import annotations

import random
import re
import traceback
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.ilert.watcher.plugins.module_utils._collection import user_agent

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    # Lets the module (and _ILertRetry below) be defined without the library;
    # ensure_requests() and ILertClient() refuse to go further.
    Retry = object
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None


DEFAULT_API_URL = "https://api.ilert.com"
DEFAULT_PAGE_SIZE = 50  # the maximum of most iLert list endpoints; more is a 400, not a clamp

# Retry timing. iLert rate limits in fixed one-minute windows and sends no
# Retry-After, so waits grow exponentially (1, 2, 4, 8, 16, 30, 30 ... s) and the
# jitter spreads out parallel forks that were throttled together.
BACKOFF_FACTOR = 1.0
BACKOFF_MAX = 30.0
BACKOFF_JITTER = 1.0
RETRY_AFTER_MAX = 60.0  # one rate-limit window; a larger Retry-After would stall the play

# 429: rate limited, the request was refused and is safe to repeat, also for POST.
# 500/502/503/504: the service or a proxy failed; repeated only for the idempotent methods
# below, where a second try cannot do anything twice (a create is the module's to decide).
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
# Methods that may be repeated after the server may already have acted on them.
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))

MASK = "********"
_MAX_MESSAGE = 300
_MAX_PAGES = 10000  # guards against a server that ignores start-index

ILERT_ARGUMENT_SPEC = dict(
    api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["ILERT_ENDPOINT"])),
    api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["ILERT_API_TOKEN"])),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=3),
)
"""Connection options shared by every iLert module, documented by the ilert.watcher.ilert doc fragment.

Do not mutate it: build a new dict, e.g. ``dict(ILERT_ARGUMENT_SPEC, name=dict(...))``
(AnsibleModule does not modify the option dicts).
"""


class ILertError(Exception):
    """Any failure of this client: bad configuration, unusable response, or a subclass below."""


class ILertAPIError(ILertError):
    """iLert answered with an error status (or a response this client cannot use).

    ``status``, ``code`` and ``message`` come from iLert's error body ``{status, message, code}``;
    ``method`` and ``path`` name the request, with secret path parts masked.
    """

    def __init__(self, status: int, code: str, message: str, method: str, path: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        super().__init__("iLert API %s %s answered HTTP %s (%s): %s" % (method, path, status, code, message))


class ILertConnectionError(ILertError):
    """No HTTP answer: DNS, refused connection, TLS failure or timeout."""

    def __init__(self, message: str, method: str, path: str) -> None:
        self.method = method
        self.path = path
        super().__init__(message)


def ensure_requests(module) -> None:
    """Fail the module the standard way when ``requests`` is not installed."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)


def client_from_module(module) -> ILertClient:
    """Build a client from the module's params, failing the module on any problem; retries become warnings."""
    ensure_requests(module)
    try:
        return ILertClient(module.params, warn=module.warn)
    except ILertError as exc:
        module.fail_json(msg=str(exc))


def normalize_api_url(api_url: str) -> str:
    """Base URL without trailing ``/`` or ``/api``: paths passed to the client start with ``/api``."""
    url = (api_url or DEFAULT_API_URL).strip().rstrip("/")
    if url.endswith("/api"):
        url = url[: -len("/api")].rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ILertError("api_url must be an http:// or https:// URL, got %r" % api_url)
    return url


class _ILertRetry(Retry):
    """urllib3 Retry with iLert's policy.

    * POST is not idempotent: urllib3 already repeats it only after connect
      errors (the request never left); this class adds 429, which iLert
      answers without processing the request.
    * Only ``RETRY_STATUSES`` count: stock urllib3 would also retry a 413 that
      carries Retry-After.
    * Backoff starts with the first retry (urllib3 repeats the first one
      immediately, which only earns another 429), and jitter, cap and the
      Retry-After ceiling live here so urllib3 1.26 behaves like 2.x.
    """

    def __init__(self, *args, backoff_max=BACKOFF_MAX, backoff_jitter=BACKOFF_JITTER,
                 retry_after_max=RETRY_AFTER_MAX, on_retry=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.backoff_max = backoff_max
        self.backoff_jitter = backoff_jitter
        self.retry_after_max = retry_after_max
        self.on_retry = on_retry

    def new(self, **kw):
        # urllib3 1.26 does not copy these to the next Retry object.
        kw.setdefault("backoff_max", self.backoff_max)
        kw.setdefault("backoff_jitter", self.backoff_jitter)
        kw.setdefault("retry_after_max", self.retry_after_max)
        kw.setdefault("on_retry", self.on_retry)
        return super().new(**kw)

    def is_retry(self, method, status_code, has_retry_after=False):
        if status_code not in self.status_forcelist:
            return False
        if method.upper() == "POST":
            return status_code == 429
        return super().is_retry(method, status_code, has_retry_after)

    def get_backoff_time(self):
        if not self.history:
            return 0.0
        value = self.backoff_factor * 2 ** (len(self.history) - 1) + random.random() * self.backoff_jitter
        return float(max(0.0, min(self.backoff_max, value)))

    def get_retry_after(self, response):
        try:
            seconds = super().get_retry_after(response)
        except Exception:  # an unparsable Retry-After header; fall back to backoff
            return None
        return None if seconds is None else min(seconds, self.retry_after_max)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        new_retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.on_retry is not None:
            self.on_retry(method, url, response.status if response is not None else None, error, new_retry.total)
        return new_retry


class _BearerAuth:
    """Sets the header per request; as session auth it also keeps requests from using ~/.netrc instead."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = "Bearer " + self._token
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(%s)" % MASK


class ILertClient:
    """Talks JSON to the iLert REST API with the connection options of ``ILERT_ARGUMENT_SPEC``.

    Paths are given from the API root, e.g. ``/api/alert-sources``; ``/api`` is
    added when missing. A path can be a template: ``path_params`` fill its
    ``{placeholders}`` visibly, ``secrets`` fill them but show ``********`` in
    every error and warning. Secret values, and the token, are also masked
    where the server echoes them, for the lifetime of the client.
    """

    def __init__(self, params: dict, *, warn=None, backoff_factor: float = BACKOFF_FACTOR,
                 backoff_max: float = BACKOFF_MAX, backoff_jitter: float = BACKOFF_JITTER) -> None:
        if not HAS_REQUESTS:
            raise ILertError(missing_required_lib("requests"))
        token = (params.get("api_token") or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise ILertError("No iLert API token: set the api_token option or the ILERT_API_TOKEN environment variable.")
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in token):
            raise ILertError("The iLert API token (api_token / ILERT_API_TOKEN) contains whitespace or control characters.")
        self._secrets = set()
        self.add_secret(token)

        self.api_url = normalize_api_url(params.get("api_url"))
        self.validate_certs = params.get("validate_certs", True) is not False
        self.timeout = 30 if params.get("timeout") is None else params["timeout"]
        self.retries = 3 if params.get("retries") is None else params["retries"]
        if self.timeout <= 0:
            raise ILertError("timeout must be a positive number of seconds, got %r" % self.timeout)
        if self.retries < 0:
            raise ILertError("retries must be 0 or more, got %r" % self.retries)
        self._warn = warn

        self.retry = _ILertRetry(
            total=self.retries,
            other=0,  # TLS and proxy failures: repeating does not fix a certificate
            status_forcelist=RETRY_STATUSES,
            allowed_methods=IDEMPOTENT_METHODS,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            backoff_jitter=backoff_jitter,
            raise_on_status=False,  # hand back the last response so it becomes an ILertAPIError
            on_retry=self._retrying if warn is not None else None,
        )
        self._session = requests.Session()
        adapter = HTTPAdapter(max_retries=self.retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.auth = _BearerAuth(token)
        self._session.headers.update({"Accept": "application/json", "User-Agent": user_agent("ilert")})

    def __repr__(self) -> str:
        return "ILertClient(api_url=%r)" % self.api_url

    def add_secret(self, value) -> None:
        """Mask ``value`` (and its URL-encoded form) in every later error or warning of this client."""
        if value:
            self._secrets.update((str(value), quote(str(value), safe="")))

    def get(self, path: str, params=None, **kw):
        return self.request("GET", path, params=params, **kw)

    def post(self, path: str, body=None, params=None, **kw):
        return self.request("POST", path, body=body, params=params, **kw)

    def put(self, path: str, body=None, params=None, **kw):
        return self.request("PUT", path, body=body, params=params, **kw)

    def delete(self, path: str, params=None, **kw):
        return self.request("DELETE", path, params=params, **kw)

    def get_or_none(self, path: str, params=None, **kw):
        """GET, but ``None`` for a 404 (which at iLert also means "not visible to this API key")."""
        try:
            return self.get(path, params=params, **kw)
        except ILertAPIError as exc:
            if exc.status == 404:
                return None
            raise

    def paginate(self, path: str, params=None, page_size: int = DEFAULT_PAGE_SIZE, **kw) -> list:
        """GET every page of a list endpoint and return all items as one list.

        Walks ``start-index``/``max-results`` until a page is shorter than
        ``page_size``. Most endpoints allow at most 50 per page (the default);
        pass a larger ``page_size`` only where iLert allows it (``/api/teams``: 100).
        """
        if page_size < 1:
            raise ILertError("page_size must be at least 1, got %r" % page_size)
        items = []
        for dummy in range(_MAX_PAGES):
            query = dict(params or {})
            query.update({"start-index": len(items), "max-results": page_size})
            page = self.get(path, params=query, **kw)
            if not isinstance(page, list):
                raise ILertError("iLert API GET %s: expected a JSON list, got %s" % (
                    self._shown_path(path, kw), type(page).__name__))
            items.extend(page)
            if len(page) < page_size:
                return items
        raise ILertError("iLert API GET %s: still more results after %d pages; giving up" % (
            self._shown_path(path, kw), _MAX_PAGES))

    def request(self, method: str, path: str, body=None, params=None, path_params=None, secrets=None):
        """Send one request (with retries); return the decoded JSON, or ``None`` for an empty body."""
        for value in (secrets or {}).values():
            self.add_secret(value)
        url_path, shown = self._paths(path, path_params, secrets)
        try:
            response = self._session.request(
                method, self.api_url + url_path, params=params,
                json=body, timeout=self.timeout,
                # per request: a session-level False would lose to REQUESTS_CA_BUNDLE
                verify=self.validate_certs,
                # a redirect would turn POST into GET; iLert does not redirect, so report it
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            raise ILertConnectionError(
                "iLert API %s %s failed: TLS/certificate problem with %s (%s). Fix the certificate or its CA "
                "(REQUESTS_CA_BUNDLE), or set validate_certs=false if you accept the risk."
                % (method, shown, self.api_url, self._reason(exc)), method, shown) from None
        except requests.exceptions.Timeout as exc:
            raise ILertConnectionError(
                "iLert API %s %s failed: no answer from %s within %s seconds (%s)."
                % (method, shown, self.api_url, self.timeout, self._reason(exc)), method, shown) from None
        except requests.exceptions.RequestException as exc:
            raise ILertConnectionError(
                "iLert API %s %s failed: could not connect to %s (%s)."
                % (method, shown, self.api_url, self._reason(exc)), method, shown) from None
        return self._decode(response, method, shown)

    # -- internals ---------------------------------------------------------

    def _paths(self, path, path_params, secrets):
        """(path to send, path to show) with placeholders filled, URL-encoded, and secrets masked."""
        if not path.startswith("/"):
            path = "/" + path
        if path != "/api" and not path.startswith("/api/"):
            path = "/api" + path
        if not path_params and not secrets:
            return path, self._scrub(path)
        real = {k: quote(str(v), safe="") for k, v in dict(path_params or {}, **(secrets or {})).items()}
        masked = dict(real, **dict.fromkeys(secrets or {}, MASK))
        return path.format_map(real), self._scrub(path.format_map(masked))

    def _shown_path(self, path, kw):
        return self._paths(path, kw.get("path_params"), kw.get("secrets"))[1]

    def _scrub(self, text) -> str:
        text = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def _short(self, text) -> str:
        text = re.sub(r"\s+", " ", self._scrub(text)).strip()
        return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."

    def _reason(self, exc) -> str:
        # requests wraps urllib3's MaxRetryError, whose text repeats the URL;
        # the innermost reason says what actually went wrong.
        reason = exc
        while reason.args and isinstance(getattr(reason.args[0], "reason", None), BaseException):
            reason = reason.args[0].reason
        return self._short(str(reason) or type(reason).__name__)

    def _decode(self, response, method, shown):
        status = response.status_code
        if 300 <= status < 400:
            raise ILertAPIError(status, "REDIRECT", self._short(
                "redirected to %s; set api_url to the final address (https?)" % response.headers.get("Location")),
                method, shown)
        if status >= 400:
            raise self._api_error(response, method, shown)
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ILertAPIError(status, "INVALID_RESPONSE", "response is not JSON: %s" % self._short(response.text),
                                method, shown) from None

    def _api_error(self, response, method, shown) -> ILertAPIError:
        code, message = "ERROR", None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            code = body.get("code") or code
            message = body.get("message")
        if not message:
            message = response.text or response.reason or "no error details"
        return ILertAPIError(response.status_code, self._short(code), self._short(message), method, shown)

    def _retrying(self, method, url, status, error, retries_left):
        what = "answered HTTP %s" % status if status else "failed (%s)" % type(error).__name__
        path = self._scrub((url or "").split("?", 1)[0])
        self._warn("iLert API %s %s %s; retry %d of %d." % (method, path, what, self.retries - retries_left, self.retries))
