# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated iLert account: every entity, keyed by id, plus the id counters. Plain data, so
that it can be reset to the seed and saved to (and loaded from) a `--data` file."""

from __future__ import annotations

import copy
import time

# Where generated ids start, per kind: clearly apart from the seed's and from each other.
FIRST_IDS = {"alertSources": 100001, "alerts": 500001, "logEntries": 900001}
ENTITY_KINDS = ("users", "teams", "supportHours", "escalationPolicies", "services", "alertSources", "alerts")
SEEDED_KINDS = ("users", "teams", "supportHours", "escalationPolicies", "services")


class Account:
    """State of one iLert tenant. Callers hold the application's state lock."""

    def __init__(self, seed: dict, clock=time.time):
        self.seed = seed
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        now = self.clock()
        self.entities: dict[str, dict[int, dict]] = {kind: {} for kind in ENTITY_KINDS}
        for kind in SEEDED_KINDS:
            for entity in copy.deepcopy(self.seed[kind]):
                entity.setdefault("createdAt", now)
                entity.setdefault("updatedAt", now)
                self.entities[kind][entity["id"]] = entity
        self.api_keys = {key["token"]: key["user"] for key in self.seed["apiKeys"]}
        self.next_ids = dict(FIRST_IDS)

    # --- entities --------------------------------------------------------------------------------
    def get(self, kind: str, entity_id) -> dict | None:
        return self.entities[kind].get(entity_id)

    def all(self, kind: str) -> list[dict]:
        return [self.entities[kind][key] for key in sorted(self.entities[kind])]

    def add(self, kind: str, entity: dict) -> dict:
        entity["id"] = self.new_id(kind)
        self.entities[kind][entity["id"]] = entity
        return entity

    def remove(self, kind: str, entity_id: int) -> None:
        del self.entities[kind][entity_id]

    def new_id(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return value

    def admin(self) -> dict:
        return next(user for user in self.all("users") if user["role"] == "ADMIN")

    def source_by_key(self, integration_key: str) -> dict | None:
        return next((source for source in self.all("alertSources") if source["integrationKey"] == integration_key), None)

    # --- persistence -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "entities": {kind: self.all(kind) for kind in ENTITY_KINDS},
            "apiKeys": [{"token": token, "user": user} for token, user in sorted(self.api_keys.items())],
            "nextIds": dict(self.next_ids),
        }

    def load_dict(self, state: dict) -> None:
        self.entities = {kind: {entity["id"]: entity for entity in state["entities"].get(kind, [])} for kind in ENTITY_KINDS}
        self.api_keys = {key["token"]: key["user"] for key in state.get("apiKeys", [])}
        self.next_ids = dict(FIRST_IDS, **state.get("nextIds", {}))
