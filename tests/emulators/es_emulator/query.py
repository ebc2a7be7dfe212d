# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small query DSL: query watches, searches of `.watches` and of the document store.

The `.watches` mapping (Watcher.getWatchesIndexMappings; watches.json on 7.x) indexes `_id` and,
dynamically, `metadata.*`; everything else, the status included, is `enabled: false` or
`index: false`, so queries on it match nothing and sorting on it finds no mapping. Other indices are mapped dynamically: strings are `text` with a `.keyword`
sub-field (`term` on the text field matches one lower-cased token, on `.keyword` the whole
value), strings that look like dates are `date` fields (date detection), numbers and booleans
are what they are; the history indices map the record's strings as keywords. Supported queries:
match_all, match_none, ids, term, terms, match, prefix, wildcard, exists, range (numbers, strings,
dates with date math, `time_zone`), bool, constant_score.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from . import datemath
from .cluster import NODE_ID
from .errors import EsError, WATCHES_INDEX

_NOT_INDEXED = ("status", "trigger", "input", "condition", "transform", "throttle_period", "throttle_period_in_millis", "actions")


@dataclass(frozen=True)
class Mapping:
    """How the documents of an index are mapped."""
    not_indexed: tuple = ()
    keyword_prefixes: tuple = ()
    keyword_strings: bool = False
    date_detection: bool = True


WATCHES = Mapping(not_indexed=_NOT_INDEXED, date_detection=False)
DOCUMENTS = Mapping()
HISTORY = Mapping(keyword_strings=True)


class Field:
    """The indexed values of one field of one document, with the mapping type they imply."""

    def __init__(self, values: list, keyword: bool, dates: bool = False):
        self.values = values
        self.keyword = keyword
        self.dates = dates

    def is_text(self) -> bool:
        return not self.keyword and not self.dates and any(isinstance(value, str) for value in self.values)


def _flatten(value) -> list:
    if isinstance(value, list):
        return [item for element in value for item in _flatten(element)]
    return [] if value is None or isinstance(value, dict) else [value]


def field_values(doc_id: str, source: dict, name: str, mapping: Mapping = WATCHES) -> Field:
    if name == "_id":
        return Field([doc_id], True)
    keyword = name.endswith(".keyword")
    path = name[: -len(".keyword")] if keyword else name
    if path.split(".")[0] in mapping.not_indexed:
        return Field([], keyword)
    current = [source]
    for part in path.split("."):
        current = [item.get(part) for item in current if isinstance(item, dict)]
        current = [item for element in current for item in (element if isinstance(element, list) else [element]) if item is not None]
    values = _flatten(current)
    if keyword:
        values = [value for value in values if isinstance(value, str)]
    strings = [value for value in values if isinstance(value, str)]
    dates = bool(mapping.date_detection and not keyword and strings and all(datemath.is_date_string(value) for value in strings))
    return Field(values, keyword or mapping.keyword_strings or any(path.startswith(prefix) for prefix in mapping.keyword_prefixes), dates)


def _tokens(text: str) -> list[str]:
    return [token for token in re.split(r"\W+", text.lower()) if token]


def _date_equals(field: Field, wanted, now: datetime) -> bool:
    try:
        target = datemath.millis(datemath.resolve(wanted, now))
    except (datemath.DateError, ValueError):
        return False
    for value in field.values:
        try:
            if datemath.millis(datemath.parse_date(value)) == target:
                return True
        except (datemath.DateError, ValueError):
            continue
    return False


def _equals(field: Field, wanted, now: datetime | None = None) -> bool:
    if field.dates:
        return _date_equals(field, wanted, now or datetime.now(timezone.utc))
    for value in field.values:
        if isinstance(value, str) and not field.keyword:
            if isinstance(wanted, str) and wanted in _tokens(value):
                return True
        elif isinstance(value, bool) or isinstance(wanted, bool):
            if str(value).lower() == str(wanted).lower():
                return True
        elif isinstance(value, (int, float)) and not isinstance(wanted, str):
            if value == wanted:
                return True
        elif isinstance(value, (int, float)):
            try:
                if value == float(wanted):
                    return True
            except ValueError:
                pass
        elif value == wanted or str(value) == str(wanted):
            return True
    return False


def _single(spec: dict, kind: str):
    if not isinstance(spec, dict) or len(spec) != 1:
        raise query_error("[%s] query doesn't support multiple fields, found [%s]" % (kind, ", ".join(spec) if isinstance(spec, dict) else spec))
    name, value = next(iter(spec.items()))
    return name, value


def query_error(reason: str) -> EsError:
    return EsError(400, "parsing_exception", reason, line=1, col=1)


_RANGE_OPS = ("gt", "gte", "lt", "lte")
# Which bound rounds up in date math (JavaDateMathParser roundUp): lte and gt do.
_ROUNDS_UP = {"gt": True, "gte": False, "lt": False, "lte": True}


def _legacy_bounds(bounds: dict) -> dict:
    out = {op: bound for op, bound in bounds.items() if op in _RANGE_OPS and bound is not None}
    if bounds.get("from") is not None:
        out["gte" if bounds.get("include_lower", True) else "gt"] = bounds["from"]
    if bounds.get("to") is not None:
        out["lte" if bounds.get("include_upper", True) else "lt"] = bounds["to"]
    return out


def _date_range(field: Field, bounds: dict, now: datetime) -> bool:
    zone = datemath.zone(bounds.get("time_zone"))
    limits = {}
    for op, bound in _legacy_bounds(bounds).items():
        try:
            limits[op] = datemath.millis(datemath.resolve(bound, now, _ROUNDS_UP[op], zone))
        except (datemath.DateError, ValueError) as error:
            raise EsError(400, "parse_exception", "failed to parse date field [%s] with format [strict_date_optional_time||epoch_millis]: [%s]" % (
                bound, error)) from error
    for value in field.values:
        try:
            stamp = datemath.millis(datemath.parse_date(value, zone))
        except (datemath.DateError, ValueError):
            continue
        if all({"gt": stamp > limit, "gte": stamp >= limit, "lt": stamp < limit, "lte": stamp <= limit}[op] for op, limit in limits.items()):
            return True
    return False


def _range(field: Field, bounds: dict, now: datetime | None = None) -> bool:
    if field.dates or any(isinstance(bound, str) and (bound.startswith("now") or "||" in bound) for bound in bounds.values()):
        return _date_range(field, bounds, now or datetime.now(timezone.utc))

    def compare(value, op, bound):
        try:
            if isinstance(value, str):
                bound = str(bound)
            else:
                bound = float(bound)
        except ValueError:
            return False
        return {"gt": value > bound, "gte": value >= bound, "lt": value < bound, "lte": value <= bound}[op]

    for value in field.values:
        if isinstance(value, bool):
            continue
        if all(compare(value, op, bound) for op, bound in _legacy_bounds(bounds).items()):
            return True
    return False


class Matcher:
    """Queries over the documents of one mapping; `now` anchors date math."""

    def __init__(self, mapping: Mapping = WATCHES, now: datetime | None = None):
        self.mapping = mapping
        self.now = now or datetime.now(timezone.utc)

    def matches(self, query: dict | None, doc_id: str, source: dict) -> bool:
        if query is None:
            return True
        if not isinstance(query, dict) or len(query) != 1:
            raise query_error("[_na] query malformed, must start with start_object")
        kind, spec = next(iter(query.items()))
        if kind == "match_all":
            return True
        if kind == "match_none":
            return False
        if kind == "ids":
            return doc_id in [str(value) for value in (spec or {}).get("values", [])]
        if kind == "bool":
            return self._bool(spec, doc_id, source)
        if kind == "constant_score":
            return self.matches(spec.get("filter"), doc_id, source)
        if kind == "exists":
            return bool(field_values(doc_id, source, spec.get("field", ""), self.mapping).values)
        if kind in ("script", "script_score"):
            raise query_error("[%s] queries need Painless, which the Elasticsearch emulator does not have" % kind)
        if kind not in ("term", "terms", "match", "prefix", "wildcard", "range"):
            raise query_error("unknown query [%s]" % kind)
        name, value = _single(spec, kind)
        field = field_values(doc_id, source, name, self.mapping)
        if kind == "term":
            wanted = value.get("value") if isinstance(value, dict) else value
            return _equals(field, wanted, self.now)
        if kind == "terms":
            return any(_equals(field, wanted, self.now) for wanted in value)
        if kind == "match":
            wanted = value.get("query") if isinstance(value, dict) else value
            if field.is_text() and isinstance(wanted, str):
                return any(_equals(field, token, self.now) for token in _tokens(wanted))
            if field.dates:
                return _equals(field, wanted, self.now)
            return _equals(Field(field.values, True), wanted, self.now)
        if kind in ("prefix", "wildcard"):
            wanted = value.get("value") if isinstance(value, dict) else value
            pattern = str(wanted) + "*" if kind == "prefix" else str(wanted)
            candidates = [token for v in field.values if isinstance(v, str) for token in (_tokens(v) if field.is_text() else [v])]
            return any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates)
        return _range(field, value if isinstance(value, dict) else {}, self.now)

    def _bool(self, spec: dict, doc_id: str, source: dict) -> bool:
        must = _clauses(spec, "must") + _clauses(spec, "filter")
        if not all(self.matches(clause, doc_id, source) for clause in must):
            return False
        if any(self.matches(clause, doc_id, source) for clause in _clauses(spec, "must_not")):
            return False
        should = _clauses(spec, "should")
        minimum = spec.get("minimum_should_match", 0 if must else 1)
        if should:
            return sum(self.matches(clause, doc_id, source) for clause in should) >= int(str(minimum).rstrip("%") or 0)
        return True


def matches(query: dict | None, doc_id: str, source: dict, mapping: Mapping = WATCHES, now: datetime | None = None) -> bool:
    return Matcher(mapping, now).matches(query, doc_id, source)


def _clauses(spec: dict, name: str) -> list:
    value = spec.get(name, [])
    return value if isinstance(value, list) else [value]


# --- sorting -----------------------------------------------------------------------------------

def shard_failure(reason_type: str, reason: str, index: str = WATCHES_INDEX) -> EsError:
    """A search whose only shard failed (SearchPhaseExecutionException "all shards failed", 400).

    The root causes are the shard's failure (SearchPhaseExecutionException.guessRootCauses). An Elasticsearch
    exception (query_shard_exception) carries its index and is not repeated as `caused_by` (deduplicateCause);
    a plain Java exception (illegal_argument_exception) has no index, and the cause the search phase reports is
    the wrapper ElasticsearchException.guessRootCauses makes of it, whose own cause is that exception
    (AbstractSearchAsyncAction: "all shards failed" with the guessed root cause of the first failure)."""
    inner = EsError(400, reason_type, reason)
    if inner.es_exception:
        inner = EsError(400, reason_type, reason, index_uuid="wAtChEsEmUlAtOrIdX0001", index=index)
    failure = {"shard": 0, "index": index, "node": NODE_ID, "reason": inner.to_xcontent()}  # ShardSearchFailure: the node's id
    cause = None if inner.es_exception else EsError(400, reason_type, reason, EsError(400, reason_type, reason))
    error = EsError(400, "search_phase_execution_exception", "all shards failed", cause, phase="query", grouped=True, failed_shards=[failure])
    error.root_causes = [inner.to_xcontent()]
    return error


def parse_sort(sort) -> list[tuple[str, bool]]:
    """[{field: {order}} | {field: "desc"} | "field"] -> [(field, descending)]."""
    fields = []
    for item in sort if isinstance(sort, list) else [sort]:
        if isinstance(item, str):
            for part in item.split(","):
                name, dummy, order = part.strip().partition(":")
                fields.append((name, order == "desc" if order else name == "_score"))
        elif isinstance(item, dict):
            for name, spec in item.items():
                order = spec.get("order", "desc" if name == "_score" else "asc") if isinstance(spec, dict) else spec
                if order not in ("asc", "desc"):
                    raise EsError(400, "illegal_argument_exception", "Unknown SortOrder [%s]" % order)
                fields.append((name, order == "desc"))
    return fields


def sort_key(doc_id: str, source: dict, name: str, mapping: Mapping = WATCHES, index: str = WATCHES_INDEX):
    """The value a document sorts by (the smallest value of a multi-valued field), or None."""
    if name == "_score":
        return 1.0
    field = field_values(doc_id, source, name, mapping)
    if field.is_text():
        raise shard_failure("illegal_argument_exception", (
            "Text fields are not optimised for operations that require per-document field data like aggregations and sorting, "
            "so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on "
            "[%s] in order to load field data by uninverting the inverted index. Note that this can use significant memory." % name), index)
    values = [value for value in field.values if not isinstance(value, dict)]
    if field.dates:
        values = [datemath.millis(datemath.parse_date(value)) for value in values]
    return min(values) if values else None


def check_sortable(hits: list, name: str, mapping: Mapping = WATCHES, index: str = WATCHES_INDEX) -> None:
    if name in ("_id", "_score", "_doc"):
        return
    if not any(field_values(doc_id, source, name, mapping).values for doc_id, source in hits):
        raise shard_failure("query_shard_exception", "No mapping found for [%s] in order to sort on" % name, index)


def sort_hits(hits: list, fields: list[tuple[str, bool]], mapping: Mapping = WATCHES, index: str = WATCHES_INDEX) -> list:
    """Stable multi-key sort; documents without a value sort last in either direction."""
    for name in fields:
        check_sortable(hits, name[0], mapping, index)
    ordered = list(hits)
    for name, descending in reversed(fields):
        if name in ("_doc", "_score"):
            continue
        present = [hit for hit in ordered if sort_key(hit[0], hit[1], name, mapping, index) is not None]
        missing = [hit for hit in ordered if sort_key(hit[0], hit[1], name, mapping, index) is None]
        present.sort(key=lambda hit, field=name: sort_key(hit[0], hit[1], field, mapping, index), reverse=descending)
        ordered = present + missing
    return ordered


def after(values: list, search_after: list, fields: list[tuple[str, bool]]) -> bool:
    """Whether a hit with sort `values` comes after `search_after`."""
    for value, marker, (dummy, descending) in zip(values, search_after, fields):
        if value == marker:
            continue
        if value is None:
            return True
        if marker is None:
            return False
        try:
            bigger = value > marker
        except TypeError:
            bigger = str(value) > str(marker)
        return bigger != descending
    return False
