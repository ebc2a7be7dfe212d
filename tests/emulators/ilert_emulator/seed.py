# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed: the users, teams, support hours, escalation policies and extra API keys an account
starts with. YAML or JSON; `default_seed.yml` beside this file is used when none is given."""

from __future__ import annotations

import os

import yaml

DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_seed.yml")
SECTIONS = ("users", "teams", "supportHours", "escalationPolicies", "services", "apiKeys")
USER_ROLES = ("ADMIN", "USER", "RESPONDER", "STAKEHOLDER", "GUEST")
TEAM_ROLES = ("ADMIN", "USER", "RESPONDER", "STAKEHOLDER", "VIEWER")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
# The `ServiceStatus` enum of iLert's OpenAPI document.
SERVICE_STATUSES = ("OPERATIONAL", "UNDER_MAINTENANCE", "DEGRADED", "PARTIAL_OUTAGE", "MAJOR_OUTAGE")


class SeedError(ValueError):
    """A seed that cannot be used; the message names the entry and the field."""


def load_seed(path: str | None = None) -> dict:
    path = path or DEFAULT_SEED
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise SeedError("cannot read seed file %s: %s" % (path, error)) from error
    return normalize_seed(data, path)


def normalize_seed(data, origin: str = "seed") -> dict:
    """Check references and fill defaults; entities come out in the shape the account stores."""
    if not isinstance(data, dict):
        raise SeedError("%s: the seed must be a mapping with %s" % (origin, ", ".join(SECTIONS)))
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise SeedError("%s: unknown section(s) %s; known: %s" % (origin, ", ".join(unknown), ", ".join(SECTIONS)))
    seed = {}
    for section in SECTIONS:
        entries = data.get(section) or []
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise SeedError("%s: %s must be a list of mappings" % (origin, section))
        seed[section] = entries

    users = {_entity_id(origin, "users", user): user for user in seed["users"]}
    for user in seed["users"]:
        _require(origin, "users", user, "firstName", "lastName", "email")
        user.setdefault("role", "USER")
        _one_of(origin, "users", user, "role", USER_ROLES)
    if not any(user["role"] == "ADMIN" for user in seed["users"]):
        raise SeedError("%s: users needs at least one ADMIN (the --token API keys act as the first one)" % origin)

    teams = {_entity_id(origin, "teams", team): team for team in seed["teams"]}
    for team in seed["teams"]:
        _require(origin, "teams", team, "name")
        team.setdefault("visibility", "PUBLIC")
        _one_of(origin, "teams", team, "visibility", ("PUBLIC", "PRIVATE"))
        team["members"] = [dict(member) for member in team.get("members") or []]
        for member in team["members"]:
            _refers(origin, "teams", team, "members.user", member.get("user"), users)
            member.setdefault("role", "USER")
            _one_of(origin, "teams", member, "role", TEAM_ROLES)

    _ids(origin, "supportHours", seed["supportHours"])
    for hours in seed["supportHours"]:
        _require(origin, "supportHours", hours, "name", "timezone")
        hours["teams"] = _refer_all(origin, "supportHours", hours, "teams", hours.get("teams"), teams)
        days = hours.setdefault("supportDays", {})
        if not isinstance(days, dict) or set(days) - set(DAYS):
            raise SeedError("%s: supportHours %s: supportDays keys must be among %s" % (origin, hours["id"], ", ".join(DAYS)))
        hours.setdefault("exceptions", [])

    _ids(origin, "escalationPolicies", seed["escalationPolicies"])
    for policy in seed["escalationPolicies"]:
        _require(origin, "escalationPolicies", policy, "name", "escalationRules")
        policy["teams"] = _refer_all(origin, "escalationPolicies", policy, "teams", policy.get("teams"), teams)
        for rule in policy["escalationRules"]:
            rule.setdefault("escalationTimeout", 0)
            rule["users"] = _refer_all(origin, "escalationPolicies", policy, "escalationRules.users", rule.get("users"), users)
            rule["teams"] = _refer_all(origin, "escalationPolicies", policy, "escalationRules.teams", rule.get("teams"), teams)
        policy.setdefault("repeating", False)
        policy.setdefault("frequency", 1)
        policy.setdefault("delayMin", 0)

    _ids(origin, "services", seed["services"])
    for service in seed["services"]:
        _require(origin, "services", service, "name")
        service["teams"] = _refer_all(origin, "services", service, "teams", service.get("teams"), teams)
        service.setdefault("status", "OPERATIONAL")
        _one_of(origin, "services", service, "status", SERVICE_STATUSES)
        service.setdefault("description", "")
        service.setdefault("oneOpenIncidentOnly", False)
        service.setdefault("showUptimeHistory", True)

    for key in seed["apiKeys"]:
        if not isinstance(key.get("token"), str) or not key["token"]:
            raise SeedError("%s: apiKeys entries need a token" % origin)
        _refers(origin, "apiKeys", {"id": key["token"]}, "user", key.get("user"), users)
    return seed


def _entity_id(origin, section, entity):
    if not isinstance(entity.get("id"), int) or isinstance(entity.get("id"), bool):
        raise SeedError("%s: every %s entry needs an integer id: %r" % (origin, section, entity))
    return entity["id"]


def _ids(origin, section, entities):
    seen = [_entity_id(origin, section, entity) for entity in entities]
    if len(seen) != len(set(seen)):
        raise SeedError("%s: %s ids must be unique" % (origin, section))


def _require(origin, section, entity, *fields):
    for field in fields:
        if entity.get(field) in (None, ""):
            raise SeedError("%s: %s %s: %s is required" % (origin, section, entity.get("id"), field))


def _one_of(origin, section, entity, field, allowed):
    if entity.get(field) not in allowed:
        raise SeedError("%s: %s: %s must be one of %s, got %r" % (origin, section, field, ", ".join(allowed), entity.get(field)))


def _refers(origin, section, entity, field, value, known):
    if value not in known:
        raise SeedError("%s: %s %s: %s refers to unknown id %r" % (origin, section, entity.get("id"), field, value))


def _refer_all(origin, section, entity, field, values, known) -> list:
    values = values or []
    for value in values:
        _refers(origin, section, entity, field, value, known)
    return list(values)
