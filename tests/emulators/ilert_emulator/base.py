# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The base of the route mixins: what they need from the application, in one place."""

from __future__ import annotations

from .access import Caller, authenticate
from .account import Account
from .api import ApiError
from .rate_limits import RateLimits


class RouteBase:
    """Shared by the route mixins; `IlertEmulator` sets the attributes in its constructor."""

    account: Account
    tokens: frozenset
    rate_limits: RateLimits
    public_url: str | None

    def base_url(self, request) -> str:
        """The emulator's own address as the client reached it (or --public-url), ending in '/'."""
        return self.public_url or request.host_url

    def authenticate(self, request, permission: str | None) -> Caller:
        return authenticate(request, self.account, self.tokens, permission)

    def source_view(self, request, caller, source: dict) -> dict:
        """An alert source as lists show it (implemented by the alert source routes)."""
        raise NotImplementedError

    def check_rate_limit(self, scope: str, key: str) -> None:
        if not self.rate_limits.allow(scope, key):
            raise ApiError(429, "Too many requests: the %s rate limit of %d per %g s is exhausted"
                           % (scope.replace("_", " "), self.rate_limits.limits[scope], self.rate_limits.window))
