# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The document store: indices other than `.watches`, each a one-shard WatchStore.

Indices are created explicitly (`PUT /{index}`) or by the first document written to them
(`action.auto_create_index`); names follow MetadataCreateIndexService.validateIndexName.
Documents are searchable after a refresh (store.py: the emulator's refresh settings, or an
`index.refresh_interval` given when the index is created, which counts as explicit). Index
expressions: comma separated names, `*` wildcards, `_all`, `-name` exclusions; wildcards do not
match hidden (dot) indices unless the pattern starts with a dot.
"""

from __future__ import annotations

import fnmatch
import time
import uuid
from datetime import datetime, timezone

from . import datemath
from .errors import EsError
from .store import IMMEDIATE, RefreshSettings, WatchStore, parse_interval

HISTORY_PREFIX = ".watcher-history-"
_INVALID_CHARS = set('\\/*?"<>| ,#:')


def index_missing(name: str) -> EsError:
    extra = {"resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name}
    return EsError(404, "index_not_found_exception", "no such index [%s]" % name, **extra)


def invalid_name(name: str, reason: str) -> EsError:
    return EsError(400, "invalid_index_name_exception", "Invalid index name [%s], %s" % (name, reason), index_uuid="_na_", index=name)


def validate_name(name: str) -> None:
    if not name:
        raise invalid_name(name, "must not be empty")
    if name != name.lower():
        raise invalid_name(name, "must be lowercase")
    if any(char in _INVALID_CHARS for char in name):
        raise invalid_name(name, 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]')
    if name[0] in "_-+":
        raise invalid_name(name, "must not start with '_', '-', or '+'")
    if name in (".", ".."):
        raise invalid_name(name, "must not be '.' or '..'")


def _explicit_interval(settings: dict) -> str | None:
    """`refresh_interval`, `index.refresh_interval` or `{index: {refresh_interval}}` in the settings of a new index."""
    nested = settings.get("index") if isinstance(settings.get("index"), dict) else {}
    for value in (settings.get("refresh_interval"), settings.get("index.refresh_interval"), nested.get("refresh_interval")):
        if value is not None:
            return str(value)
    return None


def refresh_settings_for(settings: dict, default: RefreshSettings) -> RefreshSettings:
    """The node's refresh settings, or the index's own interval (IndexSettings.isExplicitRefresh: no search-idle)."""
    explicit = _explicit_interval(settings)
    if default.interval is None or explicit is None:
        return default  # the emulator's shortcut applies to every index
    try:
        return RefreshSettings(parse_interval(explicit), explicit=True)
    except ValueError:
        return default  # settings are accepted, not validated (README, "Not emulated")


def split_expression(expression: str) -> list[str]:
    """Comma separated names; a comma inside a date math name (`<logs-{now/d{yyyy,MM}}>`) does not split."""
    parts, current, depth = [], [], 0
    for char in expression:
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        if char == "," and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


class Index:
    def __init__(self, name: str, settings: dict | None = None, mappings: dict | None = None, clock=time.monotonic,
                 refresh: RefreshSettings = IMMEDIATE):
        self.name = name
        self.uuid = uuid.uuid4().hex[:22]
        self.docs = WatchStore(clock=clock, refresh=refresh_settings_for(settings or {}, refresh))
        self.docs.index_exists = True
        self.settings = settings or {}
        self.mappings = mappings or {}
        # The history template maps the record's strings as keywords.
        self.keyword_strings = name.startswith(HISTORY_PREFIX)


def resolve_date_math(expression: str, now: datetime) -> str:
    """IndexNameExpressionResolver.resolveDateMathExpression; its ElasticsearchParseException is a 400 parse_exception."""
    try:
        return datemath.resolve_index_name(expression, now)
    except (datemath.IndexNameError, datemath.DateError) as error:
        raise EsError(400, "parse_exception", str(error)) from error


class Indices:
    def __init__(self, clock=time.monotonic, refresh: RefreshSettings = IMMEDIATE, wall_clock=None):
        self.indices: dict[str, Index] = {}
        self._clock = clock
        self._refresh = refresh
        # Date math in index names (`<logs-{now/d}>`) is resolved against the time of the request.
        self.wall_clock = wall_clock or (lambda: datetime.now(timezone.utc))

    def concrete_name(self, expression: str) -> str:
        return resolve_date_math(expression, self.wall_clock())

    def reset(self) -> None:
        self.indices = {}

    def get(self, name: str) -> Index | None:
        return self.indices.get(self.concrete_name(name))

    def create(self, name: str, settings: dict | None = None, mappings: dict | None = None) -> Index:
        name = self.concrete_name(name)
        validate_name(name)
        if name in self.indices:
            raise EsError(400, "resource_already_exists_exception", "index [%s/%s] already exists" % (name, self.indices[name].uuid),
                          index_uuid=self.indices[name].uuid, index=name)
        index = Index(name, settings, mappings, self._clock, self._refresh)
        self.indices[name] = index
        return index

    def for_write(self, name: str) -> Index:
        name = self.concrete_name(name)
        index = self.indices.get(name)
        return index if index is not None else self.create(name)

    def resolve(self, expression, allow_no_indices: bool = True, ignore_unavailable: bool = False) -> list[str]:
        """Concrete index names for an expression (a string or a list)."""
        parts = expression if isinstance(expression, list) else split_expression(str(expression or "_all"))
        names: list[str] = []
        for part in (self.concrete_name(item.strip()) for item in parts):
            if not part:
                continue
            if part.startswith("-") and names:
                names = [name for name in names if not fnmatch.fnmatchcase(name, part[1:])]
                continue
            if part in ("_all", "*"):
                found = [name for name in self.indices if not name.startswith(".")]
            elif "*" in part:
                found = [name for name in self.indices if fnmatch.fnmatchcase(name, part) and (part.startswith(".") or not name.startswith("."))]
            elif part in self.indices:
                found = [part]
            elif ignore_unavailable:
                found = []
            else:
                raise index_missing(part)
            if not found and "*" not in part and part not in ("_all", "*") and not allow_no_indices:
                raise index_missing(part)
            names.extend(name for name in sorted(found) if name not in names)
        return names

    def delete(self, expression: str) -> list[str]:
        names = self.resolve(expression, ignore_unavailable=False)
        for name in names:
            del self.indices[name]
        return names

    def to_dict(self) -> dict:
        return {name: {"settings": index.settings, "mappings": index.mappings, "docs": index.docs.to_dict()} for name, index in self.indices.items()}

    def from_dict(self, state: dict) -> None:
        self.reset()
        for name, item in state.items():
            index = Index(name, item.get("settings"), item.get("mappings"), self._clock, self._refresh)
            index.docs.from_dict(item.get("docs", {}))
            self.indices[name] = index
