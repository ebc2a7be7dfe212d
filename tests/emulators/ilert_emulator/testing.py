# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for tests that talk to the emulator over HTTP (the emulator itself does not use them)."""

from __future__ import annotations

import requests

from .access import DEFAULT_TOKEN

USER_TOKEN = "il-demo-user-token-not-a-secret"
STAKEHOLDER_TOKEN = "il-demo-stakeholder-token-not-a-secret"
DEFAULT_POLICY = 4001
PRIVATE_POLICY = 4003
TEAM_PLATFORM, TEAM_OBSERVABILITY, TEAM_SECURITY = 2001, 2002, 2003
SUPPORT_HOURS = 3001
SERVICE_CHECKOUT, SERVICE_SEARCH, SERVICE_PAYMENTS = 6001, 6002, 6003  # Payments: PRIVATE team Security


class ApiClient:
    """A requests session against one emulator, authenticated like ilert-go (`Bearer <key>`)."""

    def __init__(self, url: str, token: str | None = DEFAULT_TOKEN):
        self.url = url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = "Bearer " + token

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create_source(self, name: str = "Watcher", params=None, **fields) -> dict:
        body = {"name": name, "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}}
        body.update(fields)
        answer = self.post("/api/alert-sources", json=body, params=params)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def send_event(self, integration_key: str, event_type: str = "ALERT", **fields) -> requests.Response:
        body = {"integrationKey": integration_key, "eventType": event_type}
        if event_type == "ALERT":
            body["summary"] = "something happened"
        body.update(fields)
        return requests.post(self.url + "/api/events", json=body, timeout=5)

    def alerts(self, **params) -> list[dict]:
        answer = self.get("/api/alerts", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


def watcher_ctx(watch_id: str = "disk_watch", **extra) -> dict:
    """A Watcher execution context as `{{#toJson}}ctx{{/toJson}}` renders it."""
    ctx = {
        "watch_id": watch_id,
        "id": watch_id + "_0-2026-01-01T00:00:00.000Z",
        "execution_time": "2026-01-01T00:00:00.000Z",
        "trigger": {"triggered_time": "2026-01-01T00:00:00.000Z", "scheduled_time": "2026-01-01T00:00:00.000Z"},
        "metadata": {},
        "payload": {"hits": {"total": 3}},
        "vars": {},
    }
    ctx.update(extra)
    return ctx
