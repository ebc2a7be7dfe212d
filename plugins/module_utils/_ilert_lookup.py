# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: names of iLert escalation policies, teams, support hours and services to ids.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import difflib

# kind (the option that names one) -> (how messages name one, list path, page size the endpoint allows)
LOOKUPS = {
    "escalation_policy": ("escalation policy", "/api/escalation-policies", 50),
    "teams": ("team", "/api/teams", 100),
    "support_hours": ("support hours", "/api/support-hours", 50),
    "services": ("service", "/api/services", 100),
}


class UnresolvedName(Exception):
    """A name that matches no entity, or several; the message is complete and names the option."""


class Resolver:
    """Names of escalation policies, teams, support hours and services to ids.

    Numbers are ids and are used as they are (iLert checks them when the object is written). A
    name is first looked for among the references the current object (an alert source) already holds (iLert returns them with their names, so an unchanged
    source needs no look-up), then in one paginated list of its kind. Matching is exact and
    case-sensitive; several matches are an error, and so is none, with the closest names shown.
    """

    def __init__(self, client, current=None):
        self.client = client
        self.names = dict((kind, {}) for kind in LOOKUPS)  # kind -> id -> name, for messages and previews
        self._known = dict((kind, []) for kind in LOOKUPS)  # kind -> [(id, name)] from the current source
        self._listed = {}  # kind -> every entity of that kind, once listed
        if current:
            for kind, field in (("escalation_policy", "escalationPolicy"), ("support_hours", "supportHours")):
                self._remember(kind, current.get(field))
            for kind in ("teams", "services"):
                for entity in current.get(kind) or []:
                    self._remember(kind, entity)

    def _remember(self, kind, entity):
        if isinstance(entity, dict) and entity.get("id") is not None and isinstance(entity.get("name"), str):
            self._known[kind].append((entity["id"], entity["name"]))
            self.names[kind][entity["id"]] = entity["name"]

    def resolve(self, kind: str, value):
        """The id of one reference (int id or name)."""
        if isinstance(value, int):
            return value
        known = [entity_id for entity_id, name in self._known[kind] if name == value]
        if len(known) == 1:
            return known[0]
        entities = self._list(kind)
        matches = [entity for entity in entities if entity.get("name") == value]
        what = LOOKUPS[kind][0]
        if len(matches) > 1:
            raise UnresolvedName("%s: %d %s entries are named '%s' (ids %s); give the id of the one you mean instead of the name."
                                 % (kind, len(matches), what, value, ", ".join(str(entity.get("id")) for entity in matches)))
        if not matches:
            raise UnresolvedName("%s: %s" % (kind, self._not_found(what, value, [entity.get("name") for entity in entities])))
        self.names[kind][matches[0]["id"]] = value
        return matches[0]["id"]

    def _list(self, kind: str) -> list:
        if kind not in self._listed:
            dummy, path, page_size = LOOKUPS[kind]
            self._listed[kind] = [entity for entity in self.client.paginate(path, page_size=page_size) if isinstance(entity, dict)]
        return self._listed[kind]

    @staticmethod
    def _not_found(what: str, value: str, names: list) -> str:
        names = sorted(set(name for name in names if isinstance(name, str)))
        close = difflib.get_close_matches(value, names, n=5, cutoff=0.6)
        close += [name for name in names if name.lower() == value.lower() and name not in close]
        message = "no %s named '%s' exists in iLert (names are case-sensitive and must match exactly)." % (what, value)
        if close:
            return message + " Did you mean: %s?" % ", ".join("'%s'" % name for name in close)
        return message + " %d %s entries are visible to this API key; give an existing name or a numeric id." % (len(names), what)
