# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection options of every module that talks to iLert (ILERT_ARGUMENT_SPEC in module_utils/_ilert.py)."""

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the iLert API.
      - Given with or without a trailing V(/) and with or without a trailing V(/api), so
        V(https://api.ilert.com), V(https://api.ilert.com/) and V(https://api.ilert.com/api/) are the same.
      - If not set, the value of the E(ILERT_ENDPOINT) environment variable is used,
        then the default.
    type: str
    default: https://api.ilert.com
  api_token:
    description:
      - iLert API key (a user API key or an OAuth2 access token), sent in the C(Authorization) header
        as C(Bearer <token>). Give the key without the C(Bearer) prefix; a prefix given anyway is removed.
      - If not set, the value of the E(ILERT_API_TOKEN) environment variable is used.
      - Required in practice; the module fails when neither O(api_token) nor E(ILERT_API_TOKEN) is set.
      - The value is marked C(no_log) and never appears in output, logs or error messages.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(api_url).
      - Set to V(false) only for a test endpoint with a self-signed certificate. To trust a private CA
        instead, point the E(REQUESTS_CA_BUNDLE) environment variable at its certificate bundle.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for iLert to accept a connection, and again for each read of its answer.
    type: int
    default: 30
  retries:
    description:
      - How many times to retry a request after the first attempt. V(0) disables retries.
      - Retried are HTTP 429 (rate limited), 500, 502, 503 and 504 answers, timeouts and connection failures of
        reads, updates and deletes, which are safe to repeat. Other 4xx answers are never retried.
      - A create (C(POST)) is repeated by the client only when iLert certainly did not process it, that is after
        HTTP 429 or when the connection could not be opened. After a timeout or a 5xx answer the module that
        created first looks for what it created, and creates again only when it finds nothing, within the same
        number of retries.
      - Waits grow exponentially, 1, 2, 4, 8 and 16 seconds, then 30 seconds for every further retry,
        each plus up to 1 second of random jitter; no single wait exceeds 30 seconds.
        A C(Retry-After) header is honoured up to 60 seconds.
      - iLert rate limits in one-minute windows (120 requests per minute per user API key), so a play
        that runs into HTTP 429 often needs O(retries=6) or more to wait out a whole window.
      - Each retry is reported as a warning.
    type: int
    default: 3
"""
