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

from werkzeug.routing import Map, Rule

from .versions import ServerVersion


@dataclass(frozen=True)
class Endpoint:
    params: frozenset = frozenset()
    body: bool = False


_HEALTH = frozenset({"expand_wildcards", "level", "local", "master_timeout", "timeout", "wait_for_active_shards", "wait_for_events",
                     "wait_for_nodes", "wait_for_no_initializing_shards", "wait_for_no_relocating_shards", "wait_for_status"})

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
    ("/.watches/_search", ["GET", "POST"], "search_watches_index"),
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

READ_ONLY_ROUTES = frozenset({"/_watcher/_query/watches", "/.watches/_search"})


def modern_path(legacy_path: str) -> str:
    """The route a legacy path was replaced by, in the `{param}` notation of deprecation warnings."""
    return legacy_path.replace("/_xpack/watcher/", "/_watcher/").replace("<", "{").replace(">", "}")


def build_map(version: ServerVersion) -> Map:
    table = list(_CLUSTER) + list(_WATCHER)
    if version.has_query_watches:
        table += _QUERY
    if version.has_settings_api:
        table += _SETTINGS
    rules = [Rule(path, methods=methods, endpoint=endpoint) for path, methods, endpoint in table]
    if version.legacy_routes_native or version.legacy_routes_for_v7:
        rules += [Rule(path, methods=methods, endpoint="legacy", defaults={"target": endpoint}) for path, methods, endpoint in _LEGACY]
    return Map(rules, redirect_defaults=False, strict_slashes=False, merge_slashes=False)
