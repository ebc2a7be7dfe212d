# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How iLert's errors become module messages."""

from __future__ import annotations

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._ilert import ILertAPIError, ILertConnectionError
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_alert_source import api_error_details, with_hint


@pytest.mark.parametrize("status, code, hint", [
    (401, "UNAUTHORIZED", "Set api_token (or the ILERT_API_TOKEN environment variable)"),
    (403, "KEY_ERROR", "iLert refused the API key: check api_token"),
    (403, "FORBIDDEN", "ADMIN or USER role"),
    (402, "QUOTA_EXCEEDED", "plan"),
    (429, "TOO_MANY_REQUESTS", "raise retries"),
])
def test_fixable_errors_name_the_fix_after_iLerts_own_words(status, code, hint):
    exc = ILertAPIError(status, code, "what iLert said", "GET", "/api/alert-sources")
    message = with_hint(exc)
    assert message.startswith("iLert API GET /api/alert-sources answered HTTP %d (%s): what iLert said. " % (status, code))
    assert hint in message
    assert api_error_details(exc) == {"status": status, "code": code, "message": "what iLert said"}


def test_other_errors_are_quoted_without_a_hint():
    exc = ILertAPIError(400, "BAD_REQUEST", "Invalid alert source: name is required", "POST", "/api/alert-sources")
    assert with_hint(exc) == "iLert API POST /api/alert-sources answered HTTP 400 (BAD_REQUEST): Invalid alert source: name is required"
    connection = ILertConnectionError("iLert API GET /api/alert-sources failed: could not connect.", "GET", "/api/alert-sources")
    assert with_hint(connection) == "iLert API GET /api/alert-sources failed: could not connect."
    assert api_error_details(connection) is None
