# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`_search` and `_count` over the document store (one or more indices, wildcards).

Body: query (see query.py), from, size, sort, _source (false, patterns, {includes, excludes}),
track_total_hits, aggs/aggregations (terms, value_count, min, max, sum, avg; anything else is a 400).
Every hit scores 1.0 (0.0 for a filter-only bool query), as no relevance is computed.
"""

from __future__ import annotations

import fnmatch
from datetime import datetime

from . import query
from .errors import EsError, illegal_argument
from .indices import Indices

_BODY_KEYS = frozenset({"query", "from", "size", "sort", "_source", "track_total_hits", "aggs", "aggregations", "timeout", "version",
                        "seq_no_primary_term", "stored_fields", "explain", "min_score", "terminate_after", "search_after", "fields"})
_METRICS = ("value_count", "min", "max", "sum", "avg")
# IndexSettings.MAX_RESULT_WINDOW_SETTING (index.max_result_window) default.
MAX_RESULT_WINDOW = 10000
ID_FIELD_DATA_DISALLOWED = ("Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: "
                            "indices.id_field_data.enabled")
ID_FIELD_DATA_DEPRECATION = ("Loading the fielddata on the _id field is deprecated and will be removed in future versions. If you require "
                             "sorting or aggregating on this field you should also include the id in the body of your documents, and map "
                             "this field as a keyword field that has [doc_values] enabled")


def result_window_message(window: int) -> str:
    """DefaultSearchContext.preProcess, for a search that is not a scroll."""
    return ("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. See the scroll api for a more "
            "efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level "
            "setting." % (MAX_RESULT_WINDOW, window))


def _mapping(name: str) -> query.Mapping:
    return query.HISTORY if name.startswith(".watcher-history-") else query.DOCUMENTS


def _patterns(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _pick(source, path: list[str], patterns: list[list[str]]):
    """Keep the parts of `source` that a pattern (split on dots) matches."""
    if not isinstance(source, dict):
        return source
    out = {}
    for key, value in source.items():
        rest = [pattern[1:] for pattern in patterns if pattern and fnmatch.fnmatchcase(key, pattern[0])]
        whole = [pattern for pattern in patterns if pattern and fnmatch.fnmatchcase(".".join(path + [key]), ".".join(pattern))]
        if any(not item for item in rest) or whole:
            out[key] = value
        elif rest and isinstance(value, dict):
            kept = _pick(value, path + [key], rest)
            if kept:
                out[key] = kept
    return out


def _drop(source, patterns: list[list[str]]):
    if not isinstance(source, dict):
        return source
    out = {}
    for key, value in source.items():
        rest = [pattern[1:] for pattern in patterns if pattern and fnmatch.fnmatchcase(key, pattern[0])]
        if any(not item for item in rest):
            continue
        out[key] = _drop(value, rest) if rest and isinstance(value, dict) else value
    return out


def filter_source(source: dict, spec):
    """`_source` filtering; returns None when the source is not wanted at all."""
    if spec is None or spec is True:
        return source
    if spec is False:
        return None
    if isinstance(spec, (str, list)):
        includes, excludes = _patterns(spec), []
    elif isinstance(spec, dict):
        includes, excludes = _patterns(spec.get("includes", spec.get("include"))), _patterns(spec.get("excludes", spec.get("exclude")))
    else:
        raise EsError(400, "parsing_exception", "Expected one of [VALUE_BOOLEAN, VALUE_STRING, START_ARRAY, START_OBJECT] but found something else")
    out = source
    if includes:
        out = _pick(out, [], [pattern.split(".") for pattern in includes])
    if excludes:
        out = _drop(out, [pattern.split(".") for pattern in excludes])
    return out


def _values(hits: list, field: str) -> list:
    values = []
    for index, doc_id, source in hits:
        values.extend(query.field_values(doc_id, source, field, _mapping(index)).values)
    return values


def _aggregate(name: str, spec: dict, hits: list) -> dict:
    if not isinstance(spec, dict) or not spec:
        raise EsError(400, "parsing_exception", "Aggregation definition for [%s] starts with a [VALUE_STRING], expected a [START_OBJECT]." % name)
    kinds = [key for key in spec if key not in ("aggs", "aggregations", "meta")]
    if len(kinds) != 1:
        raise EsError(400, "parsing_exception", "Expected [START_OBJECT] under [%s], but got a [FIELD_NAME] in [%s]" % (kinds[-1] if kinds else "", name))
    kind = kinds[0]
    body = spec[kind] or {}
    field = body.get("field")
    if kind == "terms":
        if field is None:
            raise illegal_argument("Required one of fields [field, script], but none were specified.")
        counts: dict = {}
        for index, doc_id, source in hits:
            found = query.field_values(doc_id, source, field, _mapping(index))
            if found.is_text():
                raise EsError(400, "illegal_argument_exception", "Fielddata is disabled on [%s] in [%s]. Text fields are not optimised for "
                              "operations that require per-document field data like aggregations and sorting, so these operations are "
                              "disabled by default. Please use a keyword field instead." % (field, index))
            for value in set(found.values):
                counts.setdefault(value, []).append((index, doc_id, source))
        ordered = sorted(counts.items(), key=lambda item: (-len(item[1]), item[0]))
        size = int(body.get("size", 10))
        buckets = []
        for key, members in ordered[:size]:
            bucket = {"key": key, "doc_count": len(members)}
            if isinstance(key, bool):
                bucket = {"key": 1 if key else 0, "key_as_string": "true" if key else "false", "doc_count": len(members)}
            bucket.update(aggregations(spec.get("aggs", spec.get("aggregations")), members))
            buckets.append(bucket)
        return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": sum(len(members) for dummy, members in ordered[size:]),
                "buckets": buckets}
    if kind in _METRICS:
        if field is None:
            raise illegal_argument("Required one of fields [field, script], but none were specified.")
        values = _values(hits, field)
        if kind == "value_count":
            return {"value": len(values)}
        numbers = [float(value) for value in values if isinstance(value, (int, float)) and not isinstance(value, bool)]
        if kind == "sum":
            return {"value": sum(numbers)}
        if not numbers:
            return {"value": None}
        return {"value": {"min": min, "max": max, "avg": lambda items: sum(items) / len(items)}[kind](numbers)}
    raise EsError(400, "illegal_argument_exception", "aggregation [%s] of type [%s] is not supported by the emulator (supported: terms, %s)" % (
        name, kind, ", ".join(_METRICS)))


def aggregations(specs, hits: list) -> dict:
    if not specs:
        return {}
    if not isinstance(specs, dict):
        raise EsError(400, "parsing_exception", "Expected [START_OBJECT] for [aggs]")
    return {name: _aggregate(name, spec, hits) for name, spec in specs.items()}


def _int(body: dict, name: str, default: int) -> int:
    value = body.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise EsError(400, "x_content_parse_exception", "[1:1] [search] failed to parse field [%s]" % name) from error


def searchers(indices: Indices, names: list[str]) -> dict:
    """What each index shows a search: the documents of its last refresh (store.WatchStore.searcher)."""
    return {name: indices.get(name).docs.searcher() for name in names}


def matching(indices: Indices, names: list[str], body: dict, now: datetime | None = None, seen: dict | None = None) -> list:
    hits = []
    query.Matcher(query.DOCUMENTS, now).matches(body.get("query"), "", {})  # parse errors even when there is nothing to search
    seen = searchers(indices, names) if seen is None else seen
    for name in names:
        matcher = query.Matcher(_mapping(name), now)
        for doc_id, document in seen[name].items():
            if matcher.matches(body.get("query"), doc_id, document.source):
                hits.append((name, doc_id, document.source))
    return hits


def _filter_only(body_query) -> bool:
    if not isinstance(body_query, dict) or "bool" not in body_query:
        return False
    spec = body_query["bool"] or {}
    return bool(spec.get("filter")) and not spec.get("must") and not spec.get("should")


def search(indices: Indices, expression, body: dict | None, total_as_int: bool = False, now: datetime | None = None,
           ignore_unavailable: bool = False, allow_no_indices: bool = True, id_field_data: bool = True, warnings: list | None = None) -> dict:
    """`id_field_data`: `indices.id_field_data.enabled`; sorting on `_id` needs it (and logs a deprecation, added to `warnings`)."""
    body = dict(body or {})
    unknown = sorted(set(body) - _BODY_KEYS)
    if unknown:
        raise EsError(400, "parsing_exception", "Unknown key for a START_OBJECT in [%s]." % unknown[0], line=1, col=1)
    start, size = _int(body, "from", 0), _int(body, "size", 10)
    if start < 0:
        raise illegal_argument("[from] parameter cannot be negative, found [%d]" % start)
    names = indices.resolve(expression, allow_no_indices, ignore_unavailable)
    seen = searchers(indices, names)
    hits = matching(indices, names, body, now, seen)
    total = len(hits)
    sort = query.parse_sort(body["sort"]) if body.get("sort") is not None else None
    if names and sort and any(name == "_id" for name, dummy in sort):
        # ProvidedIdFieldMapper.IdFieldType.fielddataBuilder, on every shard, documents or not
        if not id_field_data:
            raise query.shard_failure("illegal_argument_exception", ID_FIELD_DATA_DISALLOWED, names[0])
        if warnings is not None:
            warnings.append(ID_FIELD_DATA_DEPRECATION)
    if sort:
        for name, dummy in sort:
            if hits and name not in ("_id", "_score", "_doc") and not any(query.field_values(d, s, name, _mapping(i)).values for i, d, s in hits):
                raise query.shard_failure("query_shard_exception", "No mapping found for [%s] in order to sort on" % name, hits[0][0])
        for name, descending in reversed(sort):
            if name in ("_doc", "_score"):
                continue

            def key(hit, field=name):
                return query.sort_key(hit[1], hit[2], field, _mapping(hit[0]), hit[0])
            present = [hit for hit in hits if key(hit) is not None]
            missing = [hit for hit in hits if key(hit) is None]
            present.sort(key=key, reverse=descending)
            hits = present + missing
    search_after = body.get("search_after")
    if names and search_after:
        # SearchAfterBuilder.buildFieldDoc, on the shard
        if not sort:
            raise query.shard_failure("illegal_argument_exception", "Sort must contain at least one field.", names[0])
        if len(search_after) != len(sort):
            raise query.shard_failure("illegal_argument_exception",
                                      "search_after has %d value(s) but sort has %d." % (len(search_after), len(sort)), names[0])
        hits = [hit for hit in hits if query.after([query.sort_key(hit[1], hit[2], name, _mapping(hit[0]), hit[0]) for name, dummy in sort],
                                                   search_after, sort)]
    if names and start + size > MAX_RESULT_WINDOW:
        raise query.shard_failure("illegal_argument_exception", result_window_message(start + size), names[0])
    score = None if sort else (0.0 if _filter_only(body.get("query")) else 1.0)
    page = []
    for index, doc_id, source in hits[start:start + size]:
        hit = {"_index": index, "_id": doc_id, "_score": score}
        document = seen[index][doc_id]
        if body.get("version"):
            hit["_version"] = document.version
        if body.get("seq_no_primary_term"):
            hit["_seq_no"], hit["_primary_term"] = document.seq_no, document.primary_term
        kept = filter_source(source, body.get("_source"))
        if kept is not None:
            hit["_source"] = kept
        if sort:
            hit["sort"] = [query.sort_key(doc_id, source, name, _mapping(index), index) if name not in ("_doc", "_score") else 1.0
                           for name, dummy in sort]
        page.append(hit)
    track = body.get("track_total_hits", True)
    if isinstance(track, int) and not isinstance(track, bool) and total > track:
        total_value = {"value": track, "relation": "gte"}
    else:
        total_value = {"value": total, "relation": "eq"}
    answer = {
        "took": 1, "timed_out": False, "_shards": {"total": len(names), "successful": len(names), "skipped": 0, "failed": 0},
        "hits": {"total": total_value["value"] if total_as_int else total_value, "max_score": score if page else None, "hits": page},
    }
    if track is False:
        del answer["hits"]["total"]
    aggs = aggregations(body.get("aggs", body.get("aggregations")), hits)
    if aggs:
        answer["aggregations"] = aggs
    return answer


def count(indices: Indices, expression, body: dict | None, now: datetime | None = None, ignore_unavailable: bool = False) -> dict:
    body = dict(body or {})
    unknown = sorted(set(body) - {"query"})
    if unknown:
        raise EsError(400, "parsing_exception", "request does not support [%s]" % unknown[0], line=1, col=1)
    names = indices.resolve(expression, True, ignore_unavailable)
    hits = matching(indices, names, body, now)
    return {"count": len(hits), "_shards": {"total": len(names), "successful": len(names), "skipped": 0, "failed": 0}}
