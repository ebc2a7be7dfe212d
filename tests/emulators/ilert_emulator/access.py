# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""API keys, who they act as, what that user may do and which entities they can see.

iLert answers 401 without an Authorization header and 403 KEY_ERROR for an unknown or malformed
key; a missing and an invisible entity are both a 404."""

from __future__ import annotations

from .account import Account
from .api import ApiError

DEFAULT_TOKEN = "il-demo-token-not-a-secret"

# User roles allowed to change configuration (alert sources) and to respond to alerts.
CONFIGURE_ROLES = frozenset(("ADMIN", "USER"))
RESPOND_ROLES = frozenset(("ADMIN", "USER", "RESPONDER"))


class Caller:
    """The user an API key acts as."""

    def __init__(self, token: str, user: dict, account: Account):
        self.token = token
        self.user = user
        self.account = account

    @property
    def is_admin(self) -> bool:
        return self.user["role"] == "ADMIN"

    @property
    def can_configure(self) -> bool:
        return self.user["role"] in CONFIGURE_ROLES

    def member_of(self, team_id: int) -> bool:
        team = self.account.get("teams", team_id)
        return team is not None and any(member["user"] == self.user["id"] for member in team["members"])

    def sees_team(self, team_id: int) -> bool:
        team = self.account.get("teams", team_id)
        return team is not None and (self.is_admin or team["visibility"] == "PUBLIC" or self.member_of(team_id))

    def sees(self, team_ids: list[int]) -> bool:
        """An entity without teams is everyone's; one with teams is visible through any visible team."""
        return self.is_admin or not team_ids or any(self.sees_team(team_id) for team_id in team_ids)


def authenticate(request, account: Account, tokens: frozenset[str], permission: str | None) -> Caller:
    header = request.headers.get("Authorization")
    if header is None or not header.strip():
        raise ApiError(401, "Missing Authorization header; send 'Authorization: Bearer <API key>'")
    scheme, dummy, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(403, "Malformed API key; send 'Authorization: Bearer <API key>'", "KEY_ERROR")
    if token in tokens:
        caller = Caller(token, account.admin(), account)
    elif token in account.api_keys and account.get("users", account.api_keys[token]) is not None:
        caller = Caller(token, account.get("users", account.api_keys[token]), account)
    else:
        raise ApiError(403, "The API key is unknown or has been revoked", "KEY_ERROR")
    if permission == "configure" and not caller.can_configure:
        raise ApiError(403, "User role %s may not change this resource" % caller.user["role"])
    if permission == "respond" and caller.user["role"] not in RESPOND_ROLES:
        raise ApiError(403, "User role %s may not respond to alerts" % caller.user["role"])
    return caller
