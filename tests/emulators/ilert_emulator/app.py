# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The iLert emulator application: its routes, error bodies and state, on the shared emulator kit."""

from __future__ import annotations

import copy
import time

from werkzeug.routing import Map, Rule

from emulator_kit.server import EmulatorApp, json_response

from .access import DEFAULT_TOKEN
from .account import Account
from .alert_sources import AlertSourceRoutes
from .alerts import AlertRoutes
from .api import error_body
from .events import EventRoutes
from .lookups import LookupRoutes
from .rate_limits import RateLimits
from .seed import load_seed, normalize_seed


def _rules() -> list[Rule]:
    rules = [
        Rule("/api/alert-sources", endpoint="list_alert_sources", methods=["GET"]),
        Rule("/api/alert-sources", endpoint="create_alert_source", methods=["POST"]),
        Rule("/api/alert-sources/name/<name>", endpoint="get_alert_source_by_name", methods=["GET"]),
        Rule("/api/alert-sources/<source_id>", endpoint="get_alert_source", methods=["GET"]),
        Rule("/api/alert-sources/<source_id>", endpoint="update_alert_source", methods=["PUT"]),
        Rule("/api/alert-sources/<source_id>", endpoint="delete_alert_source", methods=["DELETE"]),
        Rule("/api/events", endpoint="post_event", methods=["POST"]),
        Rule("/api/v1/events/<integration_type>/<key>", endpoint="post_integration_event", methods=["POST"]),
        Rule("/api/alerts", endpoint="list_alerts", methods=["GET"]),
        Rule("/api/alerts/<alert_id>", endpoint="get_alert", methods=["GET"]),
        Rule("/api/alerts/<alert_id>/accept", endpoint="accept_alert", methods=["PUT"]),
        Rule("/api/alerts/<alert_id>/resolve", endpoint="resolve_alert", methods=["PUT"]),
        Rule("/api/alerts/<alert_id>/log-entries", endpoint="list_alert_log_entries", methods=["GET"]),
    ]
    for path, singular in (("escalation-policies", "escalation_policy"), ("teams", "team"), ("support-hours", "support_hours"),
                           ("services", "service")):
        plural = path.replace("-", "_")
        rules += [
            Rule("/api/%s" % path, endpoint="list_%s" % plural, methods=["GET"]),
            Rule("/api/%s/name/<name>" % path, endpoint="get_%s_by_name" % singular, methods=["GET"]),
            Rule("/api/%s/<entity_id>" % path, endpoint="get_%s" % singular, methods=["GET"]),
        ]
    return rules


class IlertEmulator(AlertSourceRoutes, LookupRoutes, EventRoutes, AlertRoutes, EmulatorApp):
    """iLert's REST API as far as this collection uses it; see README.md for the behaviour and quirks.

    tokens      API keys accepted as the seed's first ADMIN user (default: the demo token)
    seed        a seed dict or the path of a YAML/JSON seed file (default: default_seed.yml)
    rate_limits a RateLimits (default: off)
    public_url  the base URL put into integrationUrl and Location (default: as the client reached us)
    clock       seconds since the epoch, replaceable in tests
    """

    url_map = Map(_rules())

    def __init__(self, tokens=None, seed=None, faults: dict | None = None, data_file: str | None = None,
                 rate_limits: RateLimits | None = None, public_url: str | None = None, clock=time.time):
        seed = load_seed(seed) if seed is None or isinstance(seed, str) else normalize_seed(copy.deepcopy(seed), "seed")
        self.tokens = frozenset(tokens or (DEFAULT_TOKEN,))
        self.clock = clock
        self.account = Account(seed, clock=self.now)
        self.rate_limits = rate_limits or RateLimits(clock=self.now)
        self.public_url = public_url.rstrip("/") + "/" if public_url else None
        super().__init__(faults=faults, data_file=data_file)

    def now(self) -> float:
        """The time for everything the emulator does; follows `self.clock`, which tests may replace."""
        return self.clock()

    def error_response(self, status: int, reason: str, code: str | None = None):
        # Also used by fault injection: an injected 429 looks like iLert's, without Retry-After.
        return json_response(error_body(status, reason, code), status=status)

    def unrouted(self, request, route: str):
        if route == "<method not allowed>":
            return self.error_response(405, "HTTP method %s is not allowed for %s" % (request.method, request.path))
        return self.error_response(404, "Resource not found: %s" % request.path)

    def reset_state(self) -> None:
        """Back to the seed: its users, teams, support hours, policies and API keys; no sources or alerts."""
        self.account.reset()
        self.rate_limits.reset()

    def state_to_dict(self) -> dict:
        return self.account.to_dict()

    def state_from_dict(self, state: dict) -> None:
        self.account.load_dict(state)
