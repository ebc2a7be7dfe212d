# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The single-node cluster around Watcher: `GET /`, health, licence, Watcher state, stats, settings."""

from __future__ import annotations

import os

from .errors import EsError, validation_error
from .versions import LUCENE, ServerVersion

CLUSTER_NAME = "es-emulator"
CLUSTER_UUID = "eMuLaToRcLuStErUuId0001"
NODE_NAME = "es-emulator-node-0"
NODE_ID = "eMuLaToRnOdEiD00000001"
TAGLINE = "You Know, for Search"

WATCHES_INDEX_SETTINGS = {
    "index.auto_expand_replicas": "0-1",
    "index.number_of_replicas": "0",
    "index.number_of_shards": "1",
    "index.routing.allocation.include._tier_preference": "data_content",
}
_ALLOWED_KEYS = ("index.number_of_replicas", "index.auto_expand_replicas")
_ALLOWED_PREFIXES = ("index.routing.allocation.exclude", "index.routing.allocation.include", "index.routing.allocation.require")
_DENIED = ("index.routing.allocation.include._tier_preference",)


def info(version: ServerVersion) -> dict:
    previous = {9: "8.19.0", 8: "7.17.0", 7: "6.8.0"}[version.major]
    return {
        "name": NODE_NAME,
        "cluster_name": CLUSTER_NAME,
        "cluster_uuid": CLUSTER_UUID,
        "version": {
            "number": version.number,
            "build_flavor": "default",
            "build_type": "docker",
            "build_hash": version.build_hash,
            "build_date": "2025-07-15T10:00:00.000000000Z",
            "build_snapshot": False,
            "lucene_version": LUCENE[version.major],
            "minimum_wire_compatibility_version": previous,
            "minimum_index_compatibility_version": {9: "8.0.0", 8: "7.0.0", 7: "6.0.0-beta1"}[version.major],
        },
        "tagline": TAGLINE,
    }


def health(watches_index_exists: bool) -> dict:
    shards = 1 if watches_index_exists else 0
    return {
        "cluster_name": CLUSTER_NAME, "status": "green", "timed_out": False, "number_of_nodes": 1, "number_of_data_nodes": 1,
        "active_primary_shards": shards, "active_shards": shards, "relocating_shards": 0, "initializing_shards": 0,
        "unassigned_shards": 0, "unassigned_primary_shards": 0, "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0,
        "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0, "active_shards_percent_as_number": 100.0,
    }


def licence(kind: str) -> dict:
    return {"license": {
        "status": "active", "uid": "e0000000-0000-4000-8000-00000000000" + ("1" if kind == "trial" else "2"),
        "type": kind, "issue_date": "2025-01-01T00:00:00.000Z", "issue_date_in_millis": 1735689600000,
        "max_nodes": 1000, "max_resource_units": None, "issued_to": CLUSTER_NAME, "issuer": "elasticsearch",
        "start_date_in_millis": -1,
        **({"expiry_date": "2099-12-31T00:00:00.000Z", "expiry_date_in_millis": 4102358400000} if kind == "trial" else {}),
    }}


def thread_pool_max_size() -> int:
    return min(50, 5 * (os.cpu_count() or 1))


def stats(started: bool, manually_stopped: bool, active_watches: int, metrics: list[str], current: list | None = None) -> dict:
    """WatcherStatsResponse for the one node."""
    node = {
        "node_id": NODE_ID,
        "watcher_state": "started" if started else "stopped",
        "watch_count": active_watches if started else 0,
        "execution_thread_pool": {"queue_size": 0, "max_size": thread_pool_max_size()},
    }
    everything = "_all" in metrics
    if everything or "current_watches" in metrics:
        node["current_watches"] = list(current or [])
    if everything or "queued_watches" in metrics or "pending_watches" in metrics:
        node["queued_watches"] = []
    return {
        "_nodes": {"total": 1, "successful": 1, "failed": 0},
        "cluster_name": CLUSTER_NAME,
        "manually_stopped": manually_stopped,
        "stats": [node],
    }


def nest(flat: dict) -> dict:
    """Settings.toXContent without flat_settings: `a.b: 1` becomes `{a: {b: 1}}`."""
    out: dict = {}
    for key in sorted(flat):
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = flat[key]
    return out


def _settable(key: str, version: ServerVersion) -> bool:
    if key in _DENIED:
        return False
    if key in _ALLOWED_KEYS:
        return True
    return version.settings_allow_allocation and any(key.startswith(prefix + ".") for prefix in _ALLOWED_PREFIXES)


def visible_settings(settings: dict, version: ServerVersion) -> dict:
    return nest({key: value for key, value in settings.items() if _settable(key, version)})


def _settings_string(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_settings_string(item) for item in value)
    return str(value)


def update_settings(settings: dict, changes: dict, version: ServerVersion) -> None:
    """UpdateWatcherSettingsAction.Request.validate, then the index settings update."""
    forbidden = sorted(key for key in changes if not _settable(key, version))
    if forbidden:
        allowed = "[%s]" % ", ".join(_ALLOWED_KEYS)
        message = "illegal settings: [%s], these settings may not be configured. Only the following settings may be configured: %s" % (
            ", ".join(forbidden), allowed)
        if version.settings_allow_allocation:
            message += ", [%s] excluding the following explicitly denied settings: [%s]" % (
                ", ".join(prefix + ".*" for prefix in _ALLOWED_PREFIXES), ", ".join(_DENIED))
        raise validation_error(message)
    replicas = changes.get("index.number_of_replicas")
    if replicas is not None and not (isinstance(replicas, int) or str(replicas).isdigit()):
        raise EsError(400, "illegal_argument_exception", "Failed to parse value [%s] for setting [index.number_of_replicas]" % replicas)
    for key, value in changes.items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = _settings_string(value)


# --- the cluster state and node info, for clients (and YAML tests) that look up where the node is ----------------
ROLES = ["data", "data_cold", "data_content", "data_frozen", "data_hot", "data_warm", "ingest", "master", "ml", "remote_cluster_client",
         "transform"]
STATE_METRICS = ("version", "master_node", "blocks", "nodes", "metadata", "routing_table", "routing_nodes", "customs")
NODE_INFO_METRICS = ("settings", "os", "process", "jvm", "thread_pool", "transport", "http", "remote_cluster_server", "plugins", "ingest",
                     "aggregations", "indices")
TRANSPORT_ADDRESS = "127.0.0.1:9300"


def _state_metrics(metric: str | None) -> set:
    wanted = {item.strip() for item in (metric or "_all").split(",") if item.strip()}
    if "_all" in wanted:
        return set(STATE_METRICS)
    unknown = sorted(wanted - set(STATE_METRICS))
    if unknown:
        raise EsError(400, "illegal_argument_exception", "request [/_cluster/state/%s] contains unrecognized metric: [%s]" % (metric, unknown[0]))
    return wanted


def cluster_state(version: ServerVersion, indices: dict, metric: str | None = None) -> dict:
    """ClusterStateResponse of the one-node cluster: `indices` maps each index name to `{uuid, settings}`.

    RestClusterStateAction writes `cluster_name` always, `cluster_uuid` with the metadata's, then each metric asked for
    (ClusterState.toXContent); routing tables and customs are left out (the emulator has no shard allocation)."""
    metrics = _state_metrics(metric)
    state: dict = {"cluster_name": CLUSTER_NAME, "cluster_uuid": CLUSTER_UUID}
    if "version" in metrics:
        state.update({"version": 1, "state_uuid": "eMuLaToRsTaTeUuId000001"})
    if "master_node" in metrics:
        state["master_node"] = NODE_ID
    if "blocks" in metrics:
        state["blocks"] = {}
    if "nodes" in metrics:
        state["nodes"] = {NODE_ID: {"name": NODE_NAME, "ephemeral_id": "eMuLaToRePhEmErAlId0001", "transport_address": TRANSPORT_ADDRESS,
                                    "external_id": NODE_NAME, "attributes": {}, "roles": ROLES, "version": version.number}}
    if "metadata" in metrics:
        state["metadata"] = {
            "cluster_uuid": CLUSTER_UUID, "cluster_uuid_committed": True,
            "cluster_coordination": {"term": 1, "last_committed_config": [NODE_ID], "last_accepted_config": [NODE_ID],
                                     "voting_config_exclusions": []},
            "templates": {},
            "indices": {name: {"state": "open", "settings": nest(dict(item["settings"], **{"index.uuid": item["uuid"], "index.provided_name": name})),
                               "mappings": {}, "aliases": []} for name, item in sorted(indices.items())},
        }
    return state


def node_info_metrics(path_part: str | None) -> tuple[set, str | None]:
    """RestNodesInfoAction: `/_nodes/{x}` names metrics when every item of x is one, else nodes."""
    if not path_part:
        return set(NODE_INFO_METRICS), None
    items = {item.strip() for item in path_part.split(",") if item.strip()}
    if items <= set(NODE_INFO_METRICS) | {"_all"}:
        return (set(NODE_INFO_METRICS) if "_all" in items else items), None
    return set(NODE_INFO_METRICS), path_part


def nodes_info(version: ServerVersion, publish_address: str, metrics: set, node_filter: str | None = None) -> dict:
    """NodesInfoResponse with the sections the emulator can answer truthfully: where its HTTP and transport listen."""
    selected = node_filter is None or any(item in ("_all", "_local", "_master", NODE_ID, NODE_NAME, "*")
                                          for item in node_filter.split(","))
    node = {"name": NODE_NAME, "transport_address": TRANSPORT_ADDRESS, "host": "127.0.0.1", "ip": "127.0.0.1", "version": version.number,
            "build_flavor": "default", "build_type": "docker", "build_hash": version.build_hash, "roles": ROLES, "attributes": {}}
    if "http" in metrics:
        node["http"] = {"bound_address": [publish_address], "publish_address": publish_address, "max_content_length_in_bytes": 104857600}
    if "transport" in metrics:
        node["transport"] = {"bound_address": [TRANSPORT_ADDRESS], "publish_address": TRANSPORT_ADDRESS, "profiles": {}}
    return {"_nodes": {"total": 1 if selected else 0, "successful": 1 if selected else 0, "failed": 0}, "cluster_name": CLUSTER_NAME,
            "nodes": {NODE_ID: node} if selected else {}}
