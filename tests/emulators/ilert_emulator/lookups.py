# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only look-ups of the seeded escalation policies, teams, support hours and services: paged
lists, GET by id and the unofficial exact-name look-up `/name/{name}` that ilert-go and Terraform use."""

from __future__ import annotations

from typing import Callable, NamedTuple

from emulator_kit.server import json_response

from .account import Account
from .api import bad_request, drop_none, endpoint, includes, not_found, numeric_id, page, timestamp
from .base import RouteBase


def user_rel(account: Account, user_id: int) -> dict:
    user = account.get("users", user_id)
    return {"id": user_id, "firstName": user["firstName"], "lastName": user["lastName"]}


def team_rel(account: Account, team_id: int) -> dict:
    return {"id": team_id, "name": account.get("teams", team_id)["name"]}


def team_rels(account: Account, team_ids: list[int]) -> list[dict]:
    return [team_rel(account, team_id) for team_id in sorted(set(team_ids))]


def render_user(user: dict) -> dict:
    body = {key: value for key, value in user.items() if key not in ("createdAt", "updatedAt")}
    body.update(createdAt=timestamp(user["createdAt"]), updatedAt=timestamp(user["updatedAt"]))
    return body


def render_team(account: Account, team: dict) -> dict:
    return {
        "id": team["id"],
        "name": team["name"],
        "visibility": team["visibility"],
        "members": [{"user": render_user(account.get("users", member["user"])), "role": member["role"]} for member in team["members"]],
        "createdAt": timestamp(team["createdAt"]),
        "updatedAt": timestamp(team["updatedAt"]),
    }


def render_rule(account: Account, rule: dict) -> dict:
    return {
        "escalationTimeout": rule["escalationTimeout"],
        "users": [user_rel(account, user_id) for user_id in rule["users"]],
        "schedules": [],
        "teams": team_rels(account, rule["teams"]),
    }


def render_policy(account: Account, policy: dict) -> dict:
    return drop_none({
        "id": policy["id"],
        "name": policy["name"],
        "escalationRules": [render_rule(account, rule) for rule in policy["escalationRules"]],
        "teams": team_rels(account, policy["teams"]),
        "repeating": policy["repeating"],
        "frequency": policy["frequency"],
        "delayMin": policy["delayMin"],
        "routingKey": policy.get("routingKey"),
    })


def render_support_hours(account: Account, hours: dict, list_item: bool = False) -> dict:
    body = {
        "id": hours["id"],
        "name": hours["name"],
        "teams": team_rels(account, hours["teams"]),
        "timezone": hours["timezone"],
        "supportDays": hours["supportDays"],
    }
    if not list_item:
        body["exceptions"] = hours["exceptions"]
    return body


def render_service(account: Account, service: dict) -> dict:
    """A service without its include-only parts (subscribed, uptime, incidents)."""
    return drop_none({
        "id": service["id"],
        "name": service["name"],
        "alias": service.get("alias"),
        "status": service["status"],
        "description": service["description"],
        "oneOpenIncidentOnly": service["oneOpenIncidentOnly"],
        "showUptimeHistory": service["showUptimeHistory"],
        "teams": team_rels(account, service["teams"]),
    })


class Lookup(NamedTuple):
    account_kind: str
    page_limit: int
    render: Callable[[Account, dict], dict]
    render_item: Callable[[Account, dict], dict]
    page_default: int = 50
    # The lower page limit iLert applies when `include` is sent (services: "maximum is reduced to 25").
    page_limit_with_include: int | None = None


def _render_support_hours_item(account: Account, hours: dict) -> dict:
    return render_support_hours(account, hours, list_item=True)


LOOKUPS = {
    "escalation-policies": Lookup("escalationPolicies", 50, render_policy, render_policy),
    "teams": Lookup("teams", 100, render_team, render_team),
    "support-hours": Lookup("supportHours", 50, render_support_hours, _render_support_hours_item),
    # GET /services: max-results defaults to 10, at most 100 (25 with ?include).
    "services": Lookup("services", 100, render_service, render_service, page_default=10, page_limit_with_include=25),
}
WHAT = {"escalation-policies": "Escalation policy", "teams": "Team", "support-hours": "Support hour", "services": "Service"}


def _visible(caller, kind: str, entity: dict) -> bool:
    if kind == "teams":
        return caller.sees_team(entity["id"])
    return caller.sees(entity["teams"])


class LookupRoutes(RouteBase):
    """GET handlers for /api/escalation-policies, /api/teams, /api/support-hours and /api/services."""

    def list_lookup(self, request, caller, kind: str):
        lookup = LOOKUPS[kind]
        entities = [entity for entity in self.account.all(lookup.account_kind) if _visible(caller, kind, entity)]
        if kind == "teams" and request.args.getlist("members"):
            entities = self._filter_members(request, entities)
        limit = lookup.page_limit
        if lookup.page_limit_with_include is not None and includes(request):
            limit = lookup.page_limit_with_include
        return json_response([lookup.render_item(self.account, entity) for entity in page(request, entities, limit, lookup.page_default)])

    def get_lookup(self, caller, kind: str, entity_id: str):
        lookup = LOOKUPS[kind]
        entity = self.account.get(lookup.account_kind, numeric_id(entity_id, WHAT[kind]))
        if entity is None or not _visible(caller, kind, entity):
            raise not_found(WHAT[kind])
        return json_response(lookup.render(self.account, entity))

    def get_lookup_by_name(self, caller, kind: str, name: str):
        """Exact, case-sensitive match; the first (lowest id) when several share the name."""
        lookup = LOOKUPS[kind]
        for entity in self.account.all(lookup.account_kind):
            if entity["name"] == name and _visible(caller, kind, entity):
                return json_response(lookup.render(self.account, entity))
        raise not_found("%s with name %r" % (WHAT[kind], name))

    @staticmethod
    def _filter_members(request, teams: list[dict]) -> list[dict]:
        values = request.args.getlist("members")
        if len(values) > 1 or not values[0].isdigit():
            raise bad_request("members must be given once, as a numeric user id")
        user_id = int(values[0])
        return [team for team in teams if any(member["user"] == user_id for member in team["members"])]

    @endpoint()
    def on_list_escalation_policies(self, request, caller):
        return self.list_lookup(request, caller, "escalation-policies")

    @endpoint()
    def on_get_escalation_policy(self, request, caller, entity_id):  # pylint: disable=unused-argument
        return self.get_lookup(caller, "escalation-policies", entity_id)

    @endpoint()
    def on_get_escalation_policy_by_name(self, request, caller, name):  # pylint: disable=unused-argument
        return self.get_lookup_by_name(caller, "escalation-policies", name)

    @endpoint()
    def on_list_teams(self, request, caller):
        return self.list_lookup(request, caller, "teams")

    @endpoint()
    def on_get_team(self, request, caller, entity_id):  # pylint: disable=unused-argument
        return self.get_lookup(caller, "teams", entity_id)

    @endpoint()
    def on_get_team_by_name(self, request, caller, name):  # pylint: disable=unused-argument
        return self.get_lookup_by_name(caller, "teams", name)

    @endpoint()
    def on_list_support_hours(self, request, caller):
        return self.list_lookup(request, caller, "support-hours")

    @endpoint()
    def on_get_support_hours(self, request, caller, entity_id):  # pylint: disable=unused-argument
        return self.get_lookup(caller, "support-hours", entity_id)

    @endpoint()
    def on_get_support_hours_by_name(self, request, caller, name):  # pylint: disable=unused-argument
        return self.get_lookup_by_name(caller, "support-hours", name)

    @endpoint()
    def on_list_services(self, request, caller):
        return self.list_lookup(request, caller, "services")

    @endpoint()
    def on_get_service(self, request, caller, entity_id):  # pylint: disable=unused-argument
        return self.get_lookup(caller, "services", entity_id)

    @endpoint()
    def on_get_service_by_name(self, request, caller, name):  # pylint: disable=unused-argument
        return self.get_lookup_by_name(caller, "services", name)
