# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: es_watch, one Watcher watch kept as declared.

Every PUT of a watch resets its acknowledgements and throttling and, without ``active``,
re-activates it. So a PUT happens only when the canonical definition differs; a change of
``active`` alone goes through ``_activate`` / ``_deactivate``. PUTs carry ``if_seq_no`` /
``if_primary_term`` from the read, and a conflict (an execution or another run wrote in between)
means: read again and decide again, a bounded number of times.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from ansible_collections.ilert.watcher.plugins.module_utils._elasticsearch import translate_error
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_auto_resolve import DEFAULT_RESOLVE_THROTTLE, auto_resolving
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import (
    DEFAULT_ACTION_ID,
    DEFAULT_API_URL,
    KEY_PLACEHOLDER,
    ILertWebhookError,
    ilert_action,
    key_placeholder_paths,
    with_key,
)
from ansible_collections.ilert.watcher.plugins.module_utils._resource import ResourceModule
from ansible_collections.ilert.watcher.plugins.module_utils._watch_canonical import (
    CANONICAL_ORDER,
    WatchDefinitionError,
    canonical_watch,
    time_millis,
)
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import (
    ASSUME_UNCHANGED,
    comparable,
    is_secret_path,
    mask,
    path_text,
    redacted_secrets_in,
)

PART_OPTIONS = ("trigger", "input", "condition", "actions", "transform", "throttle_period", "metadata")
# A GET answer pasted as definition: the watch is under "watch", the rest is server state.
GET_RESPONSE_FIELDS = frozenset(("found", "_id", "_version", "_seq_no", "_primary_term", "status", "watch"))
CONFLICT_ATTEMPTS = 3
NOT_ELASTICSEARCH = ("Cannot read watch '%s': the server at hosts answered 404 without the X-Elastic-Product header, so it is not "
                     "Elasticsearch (a proxy, a wrong port or another service?). Nothing was written: check hosts.")


def watch_argument_spec(in_set: bool = False) -> dict:
    """The options of one watch: es_watch's own, and each entry of es_watches' ``watches``.

    In a set the entry's ``ilert`` has no defaults and no required key: it is merged over the set's ``ilert``.
    """
    ilert_options = dict(
        integration_key=dict(type="str", required=not in_set, no_log=True),
        api_url=dict(type="str", default=None if in_set else DEFAULT_API_URL),
        action_id=dict(type="str", default=None if in_set else DEFAULT_ACTION_ID),
        auto_resolve=dict(type="bool", default=None if in_set else False),
        add_action=dict(type="bool", default=None if in_set else True),
        summary=dict(type="str"),
        resolve_throttle_period=dict(type="str", default=None if in_set else DEFAULT_RESOLVE_THROTTLE),
    )
    return dict(
        watch_id=dict(type="str", required=True, aliases=["id"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        active=dict(type="bool", default=True),
        definition=dict(type="raw"),
        trigger=dict(type="dict"),
        input=dict(type="dict"),
        condition=dict(type="dict"),
        actions=dict(type="dict"),
        transform=dict(type="dict"),
        throttle_period=dict(type="str"),
        metadata=dict(type="dict"),
        ilert=dict(type="dict", options=ilert_options),
        redacted_values=dict(type="str", choices=["assume_unchanged", "always_update"], default="assume_unchanged"),
    )


WATCH_MUTUALLY_EXCLUSIVE = [("definition", part) for part in PART_OPTIONS]
WATCH_REQUIRED_IF = [("state", "present", ("definition", "trigger"), True)]


class WatchError(Exception):
    """A problem es_watch reports as it is (the message is complete)."""


class WatchFailure(Exception):
    """A watch that could not be brought to its declared state: the message and the error's details."""

    def __init__(self, msg: str, **details):
        super().__init__(msg)
        self.details = details


def _is_conflict(exc) -> bool:
    return getattr(getattr(exc, "meta", None), "status", None) == 409


def _is_not_found(exc) -> bool:
    """A 404 from Elasticsearch itself: a server that is not one (a proxy, a wrong port) does not count.

    The client checks the X-Elastic-Product header on successful answers only, so a 404 from
    anything else would pass for "no such watch" and the module would write there.
    """
    meta = getattr(exc, "meta", None)
    if getattr(meta, "status", None) != 404:
        return False
    headers = getattr(meta, "headers", None) or {}
    return any(name.lower() == "x-elastic-product" and value == "Elasticsearch" for name, value in headers.items())


def check_watch_id(watch_id) -> str:
    if not isinstance(watch_id, str) or not watch_id.strip() or any(char.isspace() for char in watch_id):
        raise WatchError("watch_id must be a non-empty id without whitespace, got %r" % (watch_id,))
    return watch_id


def definition_from_params(params: dict) -> dict:
    """The watch as the user wrote it: ``definition`` or the separate options, plus the iLert action."""
    parts = dict((option, params[option]) for option in PART_OPTIONS if params.get(option) is not None)
    definition = params.get("definition")
    if definition is not None:
        if isinstance(definition, str):
            try:
                definition = json.loads(definition)
            except ValueError as exc:
                # The text itself is not shown: an exported watch may carry credentials.
                raise WatchError("definition is not valid JSON (%s at line %d, column %d)" % (exc.msg, exc.lineno, exc.colno)) from None
        if not isinstance(definition, dict):
            raise WatchError("definition must be an object (a dict, or a JSON string of one), got %s" % type(definition).__name__)
        if isinstance(definition.get("watch"), dict) and set(definition) <= GET_RESPONSE_FIELDS:
            definition = definition["watch"]
        parts = dict(definition)
    ilert = params.get("ilert")
    try:
        parts = with_key_filled(parts, (ilert or {}).get("integration_key"))
        if ilert:
            parts = with_ilert(parts, ilert, params["watch_id"])
    except ILertWebhookError as exc:
        raise WatchError(str(exc)) from None
    return parts


def with_key_filled(parts: dict, integration_key) -> dict:
    """The watch with the integration key in place of KEY_PLACEHOLDER in its actions (elsewhere it stays text)."""
    actions = parts.get("actions")
    found = key_placeholder_paths(actions, ("actions",))
    if not found:
        return parts
    if not integration_key:
        raise WatchError(
            "%s holds %s, which stands for the iLert integration key: give ilert.integration_key to fill it in (the eswatcher role"
            " fills in the alert source's key)" % (path_text(found[0]), KEY_PLACEHOLDER))
    return dict(parts, actions=with_key(actions, integration_key))


def with_ilert(parts: dict, ilert: dict, watch_id: str) -> dict:
    """The watch with its iLert action: the plain webhook, or the auto-resolving ALERT / RESOLVE pair; none with add_action false."""
    if ilert.get("add_action") is False:
        if ilert.get("auto_resolve"):
            raise ILertWebhookError("ilert.add_action false and ilert.auto_resolve true cannot go together: auto_resolve needs the iLert"
                                    " actions that add_action false leaves out")
        return parts
    action_id = ilert.get("action_id") or DEFAULT_ACTION_ID
    api_url = ilert.get("api_url") or DEFAULT_API_URL
    if ilert.get("auto_resolve"):
        try:
            time_millis(ilert.get("resolve_throttle_period") or DEFAULT_RESOLVE_THROTTLE, "ilert.resolve_throttle_period")
        except WatchDefinitionError as exc:
            raise ILertWebhookError(str(exc)) from None
        summary = ilert.get("summary") or ((parts.get("metadata") or {}).get("name")) or watch_id
        return auto_resolving(parts, ilert.get("integration_key"), api_url, action_id, alert_key=watch_id, summary=str(summary),
                              resolve_throttle_period=ilert.get("resolve_throttle_period") or DEFAULT_RESOLVE_THROTTLE)
    actions = dict(parts.get("actions") or {})
    if action_id in actions:
        raise ILertWebhookError("actions already has an action '%s'; give ilert.action_id another id, or drop one of the two" % action_id)
    actions[action_id] = ilert_action(ilert.get("integration_key"), api_url)
    return dict(parts, actions=actions)


def wanted_watch(params: dict) -> dict:
    """The canonical watch to store; refuses what Elasticsearch would refuse or store broken."""
    try:
        watch = canonical_watch(definition_from_params(params))
    except WatchDefinitionError as exc:
        raise WatchError("Invalid watch '%s': %s" % (params["watch_id"], exc)) from None
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        # A shape the rules above do not name: still the user's watch, never the cluster's fault.
        raise WatchError("Invalid watch '%s': a part of it has the wrong type (%s: %s)" % (params["watch_id"], type(exc).__name__, exc)) from None
    for path in redacted_secrets_in(watch):
        if not is_secret_path(path):
            # Elasticsearch hides nothing there, so no stored watch can match it: every run would have to send it.
            raise WatchError(
                "%s is '::es_redacted::', the placeholder Elasticsearch shows instead of a secret, where Elasticsearch never hides one."
                " Sent, it would be stored as the literal text: give the real value." % path_text(path))
    return watch


def refuse_redacted_write(watch: dict, creating: bool) -> None:
    """Raises WatchError when writing ``watch`` would store ``::es_redacted::`` instead of a secret.

    Elasticsearch keeps the stored password when an update sends the placeholder for it, but takes any
    other placeholder (an Authorization header) as the new value, and a new watch has no password to keep.
    """
    redacted = redacted_secrets_in(watch)
    headers = [path for path in redacted if path[-1] != "password"]
    if headers:
        raise WatchError(
            "%s %s '::es_redacted::', the placeholder Elasticsearch shows instead of a secret, and the watch must be %s. Sent, it would"
            " be stored as the literal header and break the request: give the real value. Nothing was written."
            % (", ".join(path_text(path) for path in headers), "is" if len(headers) == 1 else "are", "created" if creating else "updated"))
    if creating and redacted:
        raise WatchError("A new watch cannot be created with '::es_redacted::' passwords (%s): give the real values."
                         % ", ".join(path_text(path) for path in redacted))


def parts_of(watch: dict) -> dict:
    """A watch as one state key per top-level part, None for a part it lacks (so removals count)."""
    return dict((part, watch.get(part)) for part in CANONICAL_ORDER)


def has_keys_to_remove(stored, wanted) -> bool:
    """Whether the stored watch has an object key, at any depth, that the wanted watch lacks.

    A PUT with ``if_seq_no`` is an update request to Elasticsearch (TransportPutWatchAction:
    ``UpdateRequest.doc``), which merges the body into the stored watch: such a key would stay.
    """
    if not isinstance(stored, dict) or not isinstance(wanted, dict):
        return False
    return any(key not in wanted or has_keys_to_remove(value, wanted[key]) for key, value in stored.items())


class EsWatch(ResourceModule):
    """es_watch: one watch, by id."""

    resource_type = "watch"
    # result_values() below replaces it with the masked canonical watch.
    result_key = "watch"

    def __init__(self, module, client, known=None):
        """``known``: this watch as Query Watches or GET already returned it, so the first read() sends no request."""
        super().__init__(module)
        self.client = client
        self.params = module.params
        self.watch_id = check_watch_id(self.params["watch_id"])
        key = (self.params.get("ilert") or {}).get("integration_key")
        # The key as filled in for KEY_PLACEHOLDER too: stripped, and URL-quoted in a path.
        self.secrets = [key, key.strip(), quote(key.strip(), safe="")] if isinstance(key, str) else [key]
        self.current = None
        # Before any request: bad input never reaches the cluster.
        self.wanted = wanted_watch(self.params) if self.params.get("state", "present") == "present" else None
        self.known = known
        self._doing = "read"

    @property
    def identity(self) -> str:
        return self.watch_id

    # --- entry point --------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            result = self.converge()
        except WatchFailure as exc:
            self.module.fail_json(msg=str(exc), **exc.details)
        self.module.exit_json(**result)

    def converge(self) -> dict:
        """The module result for this watch; raises WatchFailure with a message that names it."""
        try:
            return super().converge()
        except WatchError as exc:
            raise WatchFailure(str(exc)) from None
        except Exception as exc:  # pylint: disable=broad-exception-caught
            error = translate_error(exc, self.params)
            raise WatchFailure("Cannot %s watch '%s': %s" % (self._doing, self.watch_id, error.msg), **error.details()) from None

    # --- hooks --------------------------------------------------------------------------------------
    def read(self):
        self._doing = "read"
        if self.known is not None:
            known, self.known = self.known, None  # a re-read after a conflict must ask the cluster
            return self._remember(known)
        try:
            answer = self.client.watcher.get_watch(id=self.watch_id).body
        except Exception as exc:  # pylint: disable=broad-exception-caught
            if _is_not_found(exc):
                self.current = None
                return None
            if getattr(getattr(exc, "meta", None), "status", None) == 404:
                raise WatchError(NOT_ELASTICSEARCH % self.watch_id) from None
            raise
        return self._remember(answer)

    def _remember(self, answer: dict) -> dict:
        """The current state from a GET or Query Watches answer (both carry watch, status, _seq_no, _primary_term)."""
        self.current = {
            "watch": answer.get("watch") or {},
            "active": bool(((answer.get("status") or {}).get("state") or {}).get("active", True)),
            "seq_no": answer.get("_seq_no"),
            "primary_term": answer.get("_primary_term"),
        }
        return self.current

    def desired_state(self) -> dict:
        stored = (self.current or {}).get("watch") or {}
        watch = comparable(self.wanted, stored, self.params.get("redacted_values") or ASSUME_UNCHANGED)
        return dict(parts_of(watch), active=self.params.get("active", True) is not False)

    def current_state(self, current) -> dict:
        return dict(parts_of(current["watch"]), active=current["active"])

    def update_operation(self, current, desired, changed_keys) -> str:
        if changed_keys == ["active"]:
            return "activated" if desired["active"] else "deactivated"
        return "updated"

    def create_object(self, desired: dict):
        refuse_redacted_write(self.wanted, creating=True)
        self._doing = "create"
        self.client.watcher.put_watch(id=self.watch_id, active=desired["active"], body=self.wanted)
        return {"watch": self.wanted, "active": desired["active"]}

    def update_object(self, current, desired: dict, changed_keys: list):
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return self._update_once(current, desired, changed_keys)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                if not _is_conflict(exc) or attempt == CONFLICT_ATTEMPTS - 1:
                    raise
            # Something wrote the watch since it was read: decide again on what it is now.
            current = self.read()
            if current is None:
                return self.create_object(desired)
            desired = self.desired_state()
            view = self.current_state(current)
            changed_keys = sorted(key for key in desired if view.get(key) != desired[key])
            if not changed_keys:
                return current
        raise AssertionError("unreachable")  # pragma: no cover

    def _update_once(self, current, desired, changed_keys):
        if changed_keys == ["active"]:
            self._doing = "activate" if desired["active"] else "deactivate"
            if desired["active"]:
                self.client.watcher.activate_watch(watch_id=self.watch_id)
            else:
                self.client.watcher.deactivate_watch(watch_id=self.watch_id)
            return dict(current, active=desired["active"])
        refuse_redacted_write(self.wanted, creating=False)
        self._doing = "update"
        if has_keys_to_remove(current["watch"], self.wanted) and not redacted_secrets_in(self.wanted):
            # Only a PUT without if_seq_no replaces the watch (a conditional one would merge): the declared watch wins.
            self.client.watcher.put_watch(id=self.watch_id, active=desired["active"], body=self.wanted)
        else:
            self.client.watcher.put_watch(id=self.watch_id, active=desired["active"], body=self.wanted,
                                          if_seq_no=current["seq_no"], if_primary_term=current["primary_term"])
        return {"watch": self.wanted, "active": desired["active"]}

    def delete_object(self, current) -> None:
        self._doing = "delete"
        try:
            self.client.watcher.delete_watch(id=self.watch_id)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            if not _is_not_found(exc):  # deleted meanwhile: the goal is reached all the same
                raise

    def preview(self, current, desired: dict):
        # Check mode stands in for the write here, so it refuses what the write would refuse.
        if current is None:
            refuse_redacted_write(self.wanted, creating=True)
        elif any(desired[key] != value for key, value in self.current_state(current).items() if key != "active"):
            refuse_redacted_write(self.wanted, creating=False)
        return {"watch": self.wanted if self.wanted is not None else (current or {}).get("watch"), "active": desired.get("active")}

    def shown(self, state: dict) -> dict:
        return mask(state, self.secrets)

    def result_values(self, obj) -> dict:
        if obj is None:
            return {"watch_id": self.watch_id, "watch": None, "active": None}
        return {"watch_id": self.watch_id, "watch": mask(obj["watch"], self.secrets), "active": obj["active"]}
