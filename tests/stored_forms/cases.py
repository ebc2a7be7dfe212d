# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stored-form cases (README.md beside this file), read once for the emulator's and the module's tests."""

from __future__ import annotations

import copy
import os
import re

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, os.pardir, "emulators", "es_emulator", "STORED_FORMS.md")
PARTS = ("trigger", "input", "condition", "transform", "action", "watch")
TRIGGER = {"schedule": {"interval": "1m"}}
ACTION_ID = "a"
KEYS = {"row", "id", "part", "put", "stored", "shown", "refused", "accounts", "stored_scripts", "es_version", "module", "why"}


class CaseError(ValueError):
    """A case file breaks the format of README.md."""


def _check(case: dict, source: str) -> None:
    where = "%s: case %s" % (source, case.get("id"))
    unknown = set(case) - KEYS
    if unknown:
        raise CaseError("%s has unknown keys %s" % (where, sorted(unknown)))
    for key in ("row", "id", "part", "put"):
        if key not in case:
            raise CaseError("%s needs %s" % (where, key))
    if case["part"] not in PARTS:
        raise CaseError("%s: part must be one of %s" % (where, ", ".join(PARTS)))
    if ("stored" in case) == ("refused" in case):
        raise CaseError("%s needs exactly one of stored and refused" % where)
    if "module" in case and "why" not in case:
        raise CaseError("%s sets module without saying why" % where)


def load_cases() -> list:
    """Every case of every YAML file here, each with its `file`; ids are unique."""
    cases, seen = [], set()
    for name in sorted(os.listdir(HERE)):
        if not name.endswith((".yml", ".yaml")):
            continue
        with open(os.path.join(HERE, name), encoding="utf-8") as stream:
            entries = yaml.safe_load(stream) or []
        for case in entries:
            _check(case, name)
            if case["id"] in seen:
                raise CaseError("%s: case id %s is used twice" % (name, case["id"]))
            seen.add(case["id"])
            cases.append(dict(case, file=name))
    return cases


def watch_with(part: str, fragment) -> dict:
    """A whole watch that carries `fragment` as its `part`."""
    fragment = copy.deepcopy(fragment)
    if part == "watch":
        return fragment
    if part == "trigger":
        return {"trigger": fragment}
    if part == "action":
        return {"trigger": TRIGGER, "actions": {ACTION_ID: fragment}}
    return {"trigger": TRIGGER, part: fragment}


def part_of(watch: dict, part: str):
    """The `part` of a whole watch, as `watch_with` placed it."""
    if part == "watch":
        return watch
    if part == "action":
        return watch["actions"][ACTION_ID]
    return watch.get(part)


def shown(case: dict):
    """What GET shows for the case: `shown` when the case gives it, else the stored form."""
    return case["shown"] if "shown" in case else case["stored"]


def table_rows() -> set:
    """The first cell of every row of the table's row tables (header and rule rows left out)."""
    rows = set()
    with open(TABLE, encoding="utf-8") as stream:
        for line in stream:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not line.startswith("|") or len(cells) < 2 or set(cells[0]) <= set("-: "):
                continue
            rows.add(re.sub(r"[`*]", "", cells[0]).strip())
    return rows
