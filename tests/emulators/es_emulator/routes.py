# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The REST routes of the emulated release: path, methods, parameters, whether a body is read.

Parameters follow the rest-api-spec of 9.1 / 8.19 / 7.17 (conformance/elasticsearch/spec).
Legacy `/_xpack/watcher/...` routes exist on 7.x (deprecated) and, for `compatible-with=7`
requests only, on 8.x.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.routing import BaseConverter, Map, Rule

from .versions import ServerVersion


@dataclass(frozen=True)
class Endpoint:
    params: frozenset = frozenset()
    body: bool = False


_HEALTH = frozenset({"expand_wildcards", "level", "local", "master_timeout", "timeout", "wait_for_active_shards", "wait_for_events",
                     "wait_for_nodes", "wait_for_no_initializing_shards", "wait_for_no_relocating_shards", "wait_for_status"})

_WRITE = frozenset({"refresh", "routing", "timeout", "version", "version_type", "if_seq_no", "if_primary_term", "wait_for_active_shards"})
_SEARCH = frozenset({"rest_total_hits_as_int", "size", "from", "sort", "_source", "_source_includes", "_source_excludes", "track_total_hits",
                     "allow_no_indices", "ignore_unavailable", "expand_wildcards", "search_type", "q", "version", "seq_no_primary_term",
                     "timeout", "typed_keys", "preference", "routing", "request_cache", "ignore_throttled", "allow_partial_search_results",
                     "batched_reduce_size", "ccs_minimize_roundtrips", "pre_filter_shard_size", "max_concurrent_shard_requests"})

ENDPOINTS = {
    "info": Endpoint(),
    "cluster_health": Endpoint(_HEALTH),
    "get_cluster_settings": Endpoint(frozenset({"flat_settings", "include_defaults", "master_timeout", "timeout"})),
    "put_cluster_settings": Endpoint(frozenset({"flat_settings", "master_timeout", "timeout"}), body=True),
    "get_license": Endpoint(frozenset({"local", "accept_enterprise"})),
    "put_watch": Endpoint(frozenset({"active", "version", "if_seq_no", "if_primary_term"}), body=True),
    "get_watch": Endpoint(),
    "delete_watch": Endpoint(),
    "activate_watch": Endpoint(),
    "deactivate_watch": Endpoint(),
    "ack_watch": Endpoint(),
    "execute_watch": Endpoint(frozenset({"debug", "record_execution", "ignore_condition"}), body=True),
    "query_watches": Endpoint(body=True),
    "start": Endpoint(frozenset({"master_timeout"})),
    "stop": Endpoint(frozenset({"master_timeout"})),
    "stats": Endpoint(frozenset({"metric", "emit_stacktraces"})),
    "get_settings": Endpoint(frozenset({"master_timeout"})),
    "update_settings": Endpoint(frozenset({"master_timeout", "timeout"}), body=True),
    "index_doc": Endpoint(_WRITE | {"op_type", "pipeline", "require_alias", "require_data_stream", "type"}, body=True),
    "create_doc": Endpoint(_WRITE | {"pipeline", "require_alias", "type"}, body=True),
    "get_doc": Endpoint(frozenset({"_source", "_source_excludes", "_source_includes", "preference", "realtime", "refresh", "routing",
                                   "stored_fields", "version", "version_type", "type"})),
    "delete_doc": Endpoint(_WRITE | {"type"}),
    "bulk": Endpoint(frozenset({"refresh", "routing", "timeout", "wait_for_active_shards", "pipeline", "require_alias", "_source",
                                "_source_excludes", "_source_includes", "type"}), body=True),
    "refresh": Endpoint(frozenset({"allow_no_indices", "expand_wildcards", "ignore_unavailable"})),
    "index_admin": Endpoint(frozenset({"master_timeout", "timeout", "wait_for_active_shards", "allow_no_indices", "expand_wildcards",
                                       "ignore_unavailable", "flat_settings", "include_defaults", "local", "features"}), body=True),
    "search": Endpoint(_SEARCH, body=True),
    "count": Endpoint(frozenset({"allow_no_indices", "expand_wildcards", "ignore_unavailable", "q", "routing", "preference",
                                 "min_score", "terminate_after", "ignore_throttled", "analyzer", "default_operator", "df", "lenient"}), body=True),
    "mget": Endpoint(frozenset({"_source", "_source_excludes", "_source_includes", "preference", "realtime", "refresh", "routing",
                                "stored_fields", "force_synthetic_source"}), body=True),
    "cluster_state": Endpoint(frozenset({"allow_no_indices", "expand_wildcards", "flat_settings", "ignore_unavailable", "local",
                                         "master_timeout", "wait_for_metadata_version", "wait_for_timeout"})),
    "nodes_info": Endpoint(frozenset({"flat_settings", "master_timeout", "timeout"})),
    "put_script": Endpoint(frozenset({"master_timeout", "timeout", "context"}), body=True),
    "get_script": Endpoint(frozenset({"master_timeout"})),
    "delete_script": Endpoint(frozenset({"master_timeout", "timeout"})),
    "search_watches_index": Endpoint(frozenset({"rest_total_hits_as_int", "size", "from", "seq_no_primary_term", "version",
                                                "track_total_hits", "q", "sort", "allow_no_indices", "ignore_unavailable",
                                                "expand_wildcards"}), body=True),
}

# (path, methods, endpoint)
_WATCHER = [
    ("/_watcher/watch/<id>", ["PUT", "POST"], "put_watch"),
    ("/_watcher/watch/<id>", ["GET"], "get_watch"),
    ("/_watcher/watch/<id>", ["DELETE"], "delete_watch"),
    ("/_watcher/watch/<watch_id>/_activate", ["PUT", "POST"], "activate_watch"),
    ("/_watcher/watch/<watch_id>/_deactivate", ["PUT", "POST"], "deactivate_watch"),
    ("/_watcher/watch/<watch_id>/_ack", ["PUT", "POST"], "ack_watch"),
    ("/_watcher/watch/<watch_id>/_ack/<action_id>", ["PUT", "POST"], "ack_watch"),
    ("/_watcher/watch/<id>/_execute", ["PUT", "POST"], "execute_watch"),
    ("/_watcher/watch/_execute", ["PUT", "POST"], "execute_watch"),
    ("/_watcher/_start", ["POST"], "start"),
    ("/_watcher/_stop", ["POST"], "stop"),
    ("/_watcher/stats", ["GET"], "stats"),
    ("/_watcher/stats/<metric>", ["GET"], "stats"),
]
_QUERY = [("/_watcher/_query/watches", ["GET", "POST"], "query_watches")]
_SETTINGS = [("/_watcher/settings", ["GET"], "get_settings"), ("/_watcher/settings", ["PUT"], "update_settings")]
_CLUSTER = [
    ("/", ["GET"], "info"),
    ("/_cluster/health", ["GET"], "cluster_health"),
    ("/_cluster/health/<index>", ["GET"], "cluster_health"),
    ("/_cluster/settings", ["GET"], "get_cluster_settings"),
    ("/_cluster/settings", ["PUT"], "put_cluster_settings"),
    ("/_license", ["GET"], "get_license"),
    ("/_cluster/state", ["GET"], "cluster_state"),
    ("/_cluster/state/<metric>", ["GET"], "cluster_state"),
    ("/_cluster/state/<metric>/<index:index>", ["GET"], "cluster_state"),
    ("/_nodes", ["GET"], "nodes_info"),
    ("/_nodes/<first>", ["GET"], "nodes_info"),
    ("/_nodes/<first>/<metric>", ["GET"], "nodes_info"),
    ("/.watches/_search", ["GET", "POST"], "search_watches_index"),
]
# The document store (indices other than .watches) and stored scripts.
_DOCUMENTS = [
    ("/<index:index>/_doc", ["POST"], "index_doc"),
    ("/<index:index>/_doc/<id>", ["PUT", "POST"], "index_doc"),
    ("/<index:index>/_create/<id>", ["PUT", "POST"], "create_doc"),
    ("/<index:index>/_doc/<id>", ["GET"], "get_doc"),
    ("/_mget", ["GET", "POST"], "mget"),
    ("/<index:index>/_mget", ["GET", "POST"], "mget"),
    ("/<index:index>/_doc/<id>", ["DELETE"], "delete_doc"),
    ("/_bulk", ["POST", "PUT"], "bulk"),
    ("/<index:index>/_bulk", ["POST", "PUT"], "bulk"),
    ("/_refresh", ["POST", "GET"], "refresh"),
    ("/<index:index>/_refresh", ["POST", "GET"], "refresh"),
    ("/<index:index>", ["PUT", "GET", "DELETE"], "index_admin"),
    ("/_search", ["GET", "POST"], "search"),
    ("/<index:index>/_search", ["GET", "POST"], "search"),
    ("/_count", ["GET", "POST"], "count"),
    ("/<index:index>/_count", ["GET", "POST"], "count"),
    ("/_scripts/<id>", ["PUT", "POST"], "put_script"),
    ("/_scripts/<id>", ["GET"], "get_script"),
    ("/_scripts/<id>", ["DELETE"], "delete_script"),
]
# The 7.x names of the Watcher routes (RestWatcherAction `replaces` / deprecated routes).
_LEGACY = [
    ("/_xpack/watcher/watch/<id>", ["PUT", "POST"], "put_watch"),
    ("/_xpack/watcher/watch/<id>", ["GET"], "get_watch"),
    ("/_xpack/watcher/watch/<id>", ["DELETE"], "delete_watch"),
    ("/_xpack/watcher/watch/<watch_id>/_activate", ["PUT", "POST"], "activate_watch"),
    ("/_xpack/watcher/watch/<watch_id>/_deactivate", ["PUT", "POST"], "deactivate_watch"),
    ("/_xpack/watcher/watch/<watch_id>/_ack", ["PUT", "POST"], "ack_watch"),
    ("/_xpack/watcher/watch/<watch_id>/_ack/<action_id>", ["PUT", "POST"], "ack_watch"),
    ("/_xpack/watcher/watch/<id>/_execute", ["PUT", "POST"], "execute_watch"),
    ("/_xpack/watcher/watch/_execute", ["PUT", "POST"], "execute_watch"),
    ("/_xpack/watcher/_start", ["POST"], "start"),
    ("/_xpack/watcher/_stop", ["POST"], "stop"),
    ("/_xpack/watcher/stats", ["GET"], "stats"),
    ("/_xpack/watcher/stats/<metric>", ["GET"], "stats"),
]

READ_ONLY_ROUTES = frozenset({"/_watcher/_query/watches", "/.watches/_search", "/_search", "/<index:index>/_search", "/_count",
                              "/<index:index>/_count", "/_mget", "/<index:index>/_mget"})


class IndexConverter(BaseConverter):
    """An index expression in a path: not starting with `_` (those are API names). A date math name
    (`<logs-{now/d}>`, sent URL-encoded) may hold a `/`, which arrives decoded."""
    regex = r"(?:[^_/<]|<[^>]*>)(?:[^/<]|<[^>]*>)*"


def modern_path(legacy_path: str) -> str:
    """The route a legacy path was replaced by, in the `{param}` notation of deprecation warnings."""
    return legacy_path.replace("/_xpack/watcher/", "/_watcher/").replace("<", "{").replace(">", "}")


def build_map(version: ServerVersion) -> Map:
    table = list(_CLUSTER) + list(_WATCHER) + list(_DOCUMENTS)
    if version.has_query_watches:
        table += _QUERY
    if version.has_settings_api:
        table += _SETTINGS
    rules = [Rule(path, methods=methods, endpoint=endpoint) for path, methods, endpoint in table]
    if version.legacy_routes_native or version.legacy_routes_for_v7:
        rules += [Rule(path, methods=methods, endpoint="legacy", defaults={"target": endpoint}) for path, methods, endpoint in _LEGACY]
    return Map(rules, redirect_defaults=False, strict_slashes=False, merge_slashes=False, converters={"index": IndexConverter})
