# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The `.watches` index: one shard, documents with `_version`, `_seq_no` and `_primary_term`.

`_seq_no` counts every operation of the shard (it is not per document); `_version` counts writes
to one document and survives a delete for `index.gc_deletes` (60 s) as a tombstone. An index
request overwrites the document; an update request merges a partial document into it (nested
objects merged, everything else replaced) and is a no-op when nothing changes.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

from .errors import document_missing, version_conflict

GC_DELETES_SECONDS = 60.0
PRIMARY_TERM = 1


@dataclass
class Document:
    source: dict
    version: int
    seq_no: int
    primary_term: int = PRIMARY_TERM


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
    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        self.docs: dict[str, Document] = {}
        self.tombstones: dict[str, tuple[int, float]] = {}
        self.max_seq_no = -1
        self.index_exists = False

    # --- reads -----------------------------------------------------------------------------------
    def get(self, doc_id: str) -> Document | None:
        return self.docs.get(doc_id)

    def __len__(self) -> int:
        return len(self.docs)

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

    def _put(self, doc_id: str, source: dict, version: int) -> Document:
        # A Lucene update deletes the old document and adds a new one at the end of the shard.
        self.docs.pop(doc_id, None)
        document = Document(source, version, self._next_seq_no())
        self.docs[doc_id] = document
        self.index_exists = True
        return document

    def index(self, doc_id: str, source: dict) -> tuple[Document, bool]:
        """Full overwrite (IndexRequest). Returns the document and whether it was created."""
        created = doc_id not in self.docs
        document = self._put(doc_id, copy.deepcopy(source), self._previous_version(doc_id) + 1)
        return document, created

    def update(self, doc_id: str, partial: dict, if_seq_no: int | None = None, if_primary_term: int | None = None) -> tuple[Document, bool]:
        """Partial update (UpdateRequest.doc). Returns the document and whether it changed (False: noop)."""
        self.index_exists = True
        current = self.docs.get(doc_id)
        if current is None:
            raise document_missing(doc_id)
        if if_seq_no is not None and (if_seq_no != current.seq_no or if_primary_term != current.primary_term):
            raise version_conflict(doc_id, if_seq_no, if_primary_term or 0, current.seq_no, current.primary_term)
        merged = copy.deepcopy(current.source)
        if not merge(merged, partial):
            return current, False
        return self._put(doc_id, merged, current.version + 1), True

    def delete(self, doc_id: str) -> tuple[int, bool]:
        """Returns the version the delete got and whether a document was found."""
        found = doc_id in self.docs
        version = self._previous_version(doc_id) + 1
        self.docs.pop(doc_id, None)
        self._next_seq_no()
        self.tombstones[doc_id] = (version, self._clock())
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
        self.reset()
        self.index_exists = bool(state.get("index_exists"))
        self.max_seq_no = int(state.get("max_seq_no", -1))
        for item in state.get("docs", []):
            self.docs[item["_id"]] = Document(item["_source"], item["_version"], item["_seq_no"], item.get("_primary_term", PRIMARY_TERM))
