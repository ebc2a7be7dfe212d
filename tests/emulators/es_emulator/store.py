# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One shard of an index (`.watches` or a document index): `_version`, `_seq_no`, `_primary_term`, refreshes.

`_seq_no` counts every operation of the shard (it is not per document); `_version` counts writes
to one document and survives a delete for `index.gc_deletes` (60 s) as a tombstone. An index
request overwrites the document; an update request merges a partial document into it (nested
objects merged, everything else replaced) and is a no-op when nothing changes.

Near-real-time search, as IndexShard does it (elastic/elasticsearch server/src/main/java/org/elasticsearch/
index/shard/IndexShard.java @70ae707c3d997c743af05436df90e61832452597, IndexSettings.java
@b27fe03668f8d0c9754c0f3b8f54ed4ed0682bed): a get is realtime (`docs`, always the latest write), a search sees the shard as of
its last refresh (`searcher()`). A write with `refresh=True` (RefreshPolicy.IMMEDIATE) refreshes the
shard before it answers. Otherwise the scheduled refresh makes it visible: every `index.refresh_interval`
(1 s by default, IndexSettings.DEFAULT_REFRESH_INTERVAL) counted from the shard's creation, except
while the shard is search-idle (no search for `index.search.idle.after`, 30 s) and the interval is not
set explicitly on the index and the shard is still active (written to in the last 5 minutes,
IndexingMemoryController): then the refresh is skipped and remembered as pending, and the next search
refreshes first and sees everything (ensureShardSearchActive). A search marks the shard search-active.
`RefreshSettings(interval=None)` is the emulator's own shortcut: every write is visible at once.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

from .errors import document_missing, version_conflict

GC_DELETES_SECONDS = 60.0
PRIMARY_TERM = 1
# IndexSettings.DEFAULT_REFRESH_INTERVAL and INDEX_SEARCH_IDLE_AFTER.
DEFAULT_REFRESH_INTERVAL = 1.0
SEARCH_IDLE_AFTER = 30.0
# IndexingMemoryController.SHARD_INACTIVE_TIME_SETTING (server/.../indices/IndexingMemoryController.java
# @17f5ad26593855cc20b009f8cd784950e2325667): a shard not written to for 5 minutes is inactive,
# and an inactive shard is refreshed on schedule even when search-idle (IndexShard.scheduledRefresh).
SHARD_INACTIVE_AFTER = 300.0


@dataclass
class Document:
    source: dict
    version: int
    seq_no: int
    primary_term: int = PRIMARY_TERM


@dataclass(frozen=True)
class RefreshSettings:
    """How writes become searchable. `interval`: seconds between scheduled refreshes, -1 for none
    (only explicit refreshes), None for the emulator's shortcut (every write visible at once).
    `explicit`: the interval was set on the index itself (`index.refresh_interval`), which turns the
    search-idle optimisation off (IndexSettings.isExplicitRefresh)."""
    interval: float | None = DEFAULT_REFRESH_INTERVAL
    explicit: bool = False
    search_idle_after: float = SEARCH_IDLE_AFTER
    inactive_after: float = SHARD_INACTIVE_AFTER


IMMEDIATE = RefreshSettings(interval=None)


def parse_interval(text) -> float | None:
    """`1s`, `500ms`, `2m`, `-1` (no scheduled refresh) or `immediate` (the emulator's shortcut) as seconds."""
    value = str(text).strip().lower()
    if value == "immediate":
        return None
    if value == "-1":
        return -1.0
    for unit, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0)):
        if value.endswith(unit) and value[: -len(unit)].replace(".", "", 1).isdigit():
            seconds = float(value[: -len(unit)]) * factor
            if seconds > 0:
                return seconds
    raise ValueError("refresh interval must be a positive duration (1s, 500ms, 2m), -1 or immediate, got %r" % text)


def merge(target: dict, changes: dict) -> bool:
    """XContentHelper.update: returns whether anything changed."""
    modified = False
    for key, value in changes.items():
        old = target.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            modified |= merge(old, value)
        elif key not in target or old != value or type(old) is not type(value):
            target[key] = copy.deepcopy(value)
            modified = True
    return modified


class WatchStore:
    def __init__(self, clock=time.monotonic, refresh: RefreshSettings = IMMEDIATE):
        self._clock = clock
        self.refresh_settings = refresh
        self.reset()

    def reset(self) -> None:
        self.docs: dict[str, Document] = {}
        self.tombstones: dict[str, tuple[int, float]] = {}
        self.max_seq_no = -1
        self.index_exists = False
        # What searches see, and the writes they do not see yet: (time, id, document or None for a delete).
        self.searchable: dict[str, Document] = {}
        self.pending: list[tuple[float, str, Document | None]] = []
        self.created = self.last_search = self.last_write = self.scheduled_until = self._clock()
        self.refresh_pending = False
        self.refreshes = 0

    # --- reads -----------------------------------------------------------------------------------
    def get(self, doc_id: str) -> Document | None:
        """Realtime get: the latest write, refreshed or not."""
        return self.docs.get(doc_id)

    def __len__(self) -> int:
        return len(self.docs)

    def searcher(self) -> dict[str, Document]:
        """The documents a search sees (in index order); the search makes the shard search-active."""
        now = self._clock()
        self._advance(now)
        if self.refresh_pending:
            # ensureShardSearchActive: a refresh skipped while search-idle is done now, and the search waits for it.
            self.refresh()
        self.last_search = now
        return self.searchable

    # --- refreshes -------------------------------------------------------------------------------
    def mark_created(self) -> None:
        """The index was just created: its shard starts search-active (IndexShard sets lastSearcherAccess)."""
        now = self._clock()
        self.created = self.last_search = self.scheduled_until = now

    def refresh(self) -> None:
        """Make every write so far searchable (a refresh of the whole shard)."""
        for dummy, doc_id, document in self.pending:
            self.searchable.pop(doc_id, None)
            if document is not None:
                self.searchable[doc_id] = document
        self.pending = []
        self.refresh_pending = False
        self.refreshes += 1

    def _idle(self, moment: float) -> bool:
        settings = self.refresh_settings
        return (not settings.explicit and moment - self.last_search >= settings.search_idle_after
                and moment - self.last_write < settings.inactive_after)

    def _next_tick(self, after: float) -> float:
        interval = self.refresh_settings.interval
        return self.created + (math.floor((after - self.created) / interval) + 1) * interval

    def _advance(self, now: float) -> None:
        """Run the scheduled refreshes due between the last look and `now` (IndexShard.scheduledRefresh).

        Every pending write is older than `scheduled_until` (each write advances first), so the first
        tick after it decides: refresh, or skip because search-idle; a skipped refresh happens at the
        first tick after the shard turns inactive, or at the next search."""
        interval = self.refresh_settings.interval
        since, self.scheduled_until = self.scheduled_until, max(self.scheduled_until, now)
        if interval is None or interval <= 0 or not self.pending:
            return
        tick = self._next_tick(since)
        if tick > now:
            return
        if not self._idle(tick):
            self.refresh()
            return
        self.refresh_pending = True
        if self._next_tick(max(since, self.last_write + self.refresh_settings.inactive_after)) <= now:
            self.refresh()

    def _record(self, doc_id: str, document: Document | None, refresh: bool) -> None:
        now = self._clock()
        self._advance(now)
        self.last_write = now
        self.pending.append((now, doc_id, document))
        if refresh or self.refresh_settings.interval is None:
            self.refresh()

    # --- writes ----------------------------------------------------------------------------------
    def _next_seq_no(self) -> int:
        self.max_seq_no += 1
        return self.max_seq_no

    def _previous_version(self, doc_id: str) -> int:
        if doc_id in self.docs:
            return self.docs[doc_id].version
        tombstone = self.tombstones.pop(doc_id, None)
        if tombstone is not None and self._clock() - tombstone[1] < GC_DELETES_SECONDS:
            return tombstone[0]
        return 0

    def _open(self) -> None:
        if not self.index_exists:
            self.index_exists = True
            self.mark_created()

    def _put(self, doc_id: str, source: dict, version: int, refresh: bool) -> Document:
        # A Lucene update deletes the old document and adds a new one at the end of the shard.
        self._open()
        self.docs.pop(doc_id, None)
        document = Document(source, version, self._next_seq_no())
        self.docs[doc_id] = document
        self._record(doc_id, document, refresh)
        return document

    def index(self, doc_id: str, source: dict, refresh: bool = False) -> tuple[Document, bool]:
        """Full overwrite (IndexRequest). Returns the document and whether it was created."""
        created = doc_id not in self.docs
        document = self._put(doc_id, copy.deepcopy(source), self._previous_version(doc_id) + 1, refresh)
        return document, created

    def update(self, doc_id: str, partial: dict, if_seq_no: int | None = None, if_primary_term: int | None = None,
               refresh: bool = False) -> tuple[Document, bool]:
        """Partial update (UpdateRequest.doc). Returns the document and whether it changed (False: noop)."""
        self._open()
        current = self.docs.get(doc_id)
        if current is None:
            raise document_missing(doc_id)
        if if_seq_no is not None and (if_seq_no != current.seq_no or if_primary_term != current.primary_term):
            raise version_conflict(doc_id, if_seq_no, if_primary_term or 0, current.seq_no, current.primary_term)
        merged = copy.deepcopy(current.source)
        if not merge(merged, partial):
            return current, False  # TransportUpdateAction: a noop writes nothing and refreshes nothing
        return self._put(doc_id, merged, current.version + 1, refresh), True

    def delete(self, doc_id: str, refresh: bool = False) -> tuple[int, bool]:
        """Returns the version the delete got and whether a document was found."""
        found = doc_id in self.docs
        version = self._previous_version(doc_id) + 1
        self.docs.pop(doc_id, None)
        self._next_seq_no()
        self.tombstones[doc_id] = (version, self._clock())
        self._record(doc_id, None, refresh)
        return version, found

    # --- state files -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "index_exists": self.index_exists,
            "max_seq_no": self.max_seq_no,
            "docs": [{"_id": doc_id, "_source": doc.source, "_version": doc.version, "_seq_no": doc.seq_no, "_primary_term": doc.primary_term}
                     for doc_id, doc in self.docs.items()],
        }

    def from_dict(self, state: dict) -> None:
        """A restart: the shard recovers from its store and translog, and recovery ends with a refresh."""
        self.reset()
        self.index_exists = bool(state.get("index_exists"))
        self.max_seq_no = int(state.get("max_seq_no", -1))
        for item in state.get("docs", []):
            self.docs[item["_id"]] = Document(item["_source"], item["_version"], item["_seq_no"], item.get("_primary_term", PRIMARY_TERM))
        self.searchable = dict(self.docs)
