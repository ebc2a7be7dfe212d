# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small query DSL over `.watches` documents, for query watches and searches of `.watches`.

The `.watches` mapping indexes `_id`, `status.*` and (dynamically) `metadata.*`; the watch
definition itself (trigger, input, condition, transform, actions) is not indexed, so queries on
it match nothing. Dynamic strings are `text` with a `.keyword` sub-field: `term` on the text field
matches one lower-cased token, on `.keyword` the whole value. Supported queries: match_all,
match_none, ids, term, terms, match, prefix, wildcard, exists, range, bool, constant_score.
"""

from __future__ import annotations

import fnmatch
import re

from .errors import EsError, WATCHES_INDEX

_NOT_INDEXED = ("trigger", "input", "condition", "transform", "throttle_period_in_millis", "actions")


class Field:
    """The indexed values of one field of one document, with the mapping type they imply."""

    def __init__(self, values: list, keyword: bool):
        self.values = values
        self.keyword = keyword

    def is_text(self) -> bool:
        return not self.keyword and any(isinstance(value, str) for value in self.values)


def _flatten(value) -> list:
    if isinstance(value, list):
        return [item for element in value for item in _flatten(element)]
    return [] if value is None or isinstance(value, dict) else [value]


def field_values(doc_id: str, source: dict, name: str) -> Field:
    if name == "_id":
        return Field([doc_id], True)
    keyword = name.endswith(".keyword")
    path = name[: -len(".keyword")] if keyword else name
    if path.split(".")[0] in _NOT_INDEXED:
        return Field([], keyword)
    current = [source]
    for part in path.split("."):
        current = [item.get(part) for item in current if isinstance(item, dict)]
        current = [item for element in current for item in (element if isinstance(element, list) else [element]) if item is not None]
    values = _flatten(current)
    if keyword:
        values = [value for value in values if isinstance(value, str)]
    return Field(values, keyword or path.startswith("status.") or name == "_id")


def _tokens(text: str) -> list[str]:
    return [token for token in re.split(r"\W+", text.lower()) if token]


def _equals(field: Field, wanted) -> bool:
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


def _range(field: Field, bounds: dict) -> bool:
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
        if all(compare(value, op, bound) for op, bound in bounds.items() if op in ("gt", "gte", "lt", "lte")):
            return True
    return False


def matches(query: dict | None, doc_id: str, source: dict) -> bool:
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
        return _bool(spec, doc_id, source)
    if kind == "constant_score":
        return matches(spec.get("filter"), doc_id, source)
    if kind == "exists":
        return bool(field_values(doc_id, source, spec.get("field", "")).values)
    name, value = _single(spec, kind)
    field = field_values(doc_id, source, name)
    if kind == "term":
        wanted = value.get("value") if isinstance(value, dict) else value
        return _equals(field, wanted)
    if kind == "terms":
        return any(_equals(field, wanted) for wanted in value)
    if kind == "match":
        wanted = value.get("query") if isinstance(value, dict) else value
        if field.is_text() and isinstance(wanted, str):
            return any(_equals(field, token) for token in _tokens(wanted))
        return _equals(Field(field.values, True), wanted)
    if kind in ("prefix", "wildcard"):
        wanted = value.get("value") if isinstance(value, dict) else value
        pattern = str(wanted) + "*" if kind == "prefix" else str(wanted)
        candidates = [token for v in field.values if isinstance(v, str) for token in (_tokens(v) if field.is_text() else [v])]
        return any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates)
    if kind == "range":
        return _range(field, value if isinstance(value, dict) else {})
    raise query_error("unknown query [%s]" % kind)


def _clauses(spec: dict, name: str) -> list:
    value = spec.get(name, [])
    return value if isinstance(value, list) else [value]


def _bool(spec: dict, doc_id: str, source: dict) -> bool:
    must = _clauses(spec, "must") + _clauses(spec, "filter")
    if not all(matches(clause, doc_id, source) for clause in must):
        return False
    if any(matches(clause, doc_id, source) for clause in _clauses(spec, "must_not")):
        return False
    should = _clauses(spec, "should")
    minimum = spec.get("minimum_should_match", 0 if must else 1)
    if should:
        return sum(matches(clause, doc_id, source) for clause in should) >= int(minimum)
    return True


# --- sorting -----------------------------------------------------------------------------------

def _shard_failure(reason_type: str, reason: str) -> EsError:
    inner = EsError(400, reason_type, reason, index_uuid="wAtChEsEmUlAtOrIdX0001", index=WATCHES_INDEX)
    failure = {"shard": 0, "index": WATCHES_INDEX, "node": "es-emulator-node-0", "reason": inner.to_xcontent()}
    return EsError(400, "search_phase_execution_exception", "all shards failed", inner, phase="query", grouped=True, failed_shards=[failure])


def parse_sort(sort) -> list[tuple[str, bool]]:
    """[{field: {order}} | {field: "desc"} | "field"] -> [(field, descending)]."""
    fields = []
    for item in sort if isinstance(sort, list) else [sort]:
        if isinstance(item, str):
            fields.append((item, item == "_score"))
        elif isinstance(item, dict):
            for name, spec in item.items():
                order = spec.get("order", "desc" if name == "_score" else "asc") if isinstance(spec, dict) else spec
                if order not in ("asc", "desc"):
                    raise EsError(400, "illegal_argument_exception", "Unknown SortOrder [%s]" % order)
                fields.append((name, order == "desc"))
    return fields


def sort_key(doc_id: str, source: dict, name: str):
    """The value a document sorts by (the smallest value of a multi-valued field), or None."""
    if name == "_score":
        return 1.0
    field = field_values(doc_id, source, name)
    if field.is_text():
        raise _shard_failure("illegal_argument_exception", (
            "Text fields are not optimised for operations that require per-document field data like aggregations and sorting, "
            "so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on "
            "[%s] in order to load field data by uninverting the inverted index. Note that this can use significant memory." % name))
    values = [value for value in field.values if not isinstance(value, dict)]
    return min(values) if values else None


def check_sortable(hits: list, name: str) -> None:
    if name in ("_id", "_score", "_doc"):
        return
    if not any(field_values(doc_id, source, name).values for doc_id, source in hits):
        raise _shard_failure("query_shard_exception", "No mapping found for [%s] in order to sort on" % name)


def sort_hits(hits: list, fields: list[tuple[str, bool]]) -> list:
    """Stable multi-key sort; documents without a value sort last in either direction."""
    for name in fields:
        check_sortable(hits, name[0])
    ordered = list(hits)
    for name, descending in reversed(fields):
        if name == "_doc":
            continue
        present = [hit for hit in ordered if sort_key(hit[0], hit[1], name) is not None]
        missing = [hit for hit in ordered if sort_key(hit[0], hit[1], name) is None]
        present.sort(key=lambda hit, field=name: sort_key(hit[0], hit[1], field), reverse=descending)
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
