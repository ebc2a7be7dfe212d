# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: the declarative state machine every write module shares.

read the current object -> compare only what the user set -> create / update / delete, with check
mode enforced here, in the lowest layer (a subclass's write methods are simply never called), and
a diff that shows only the keys that change. Each module subclasses `ResourceModule`, fills in the
hooks, and calls `run()`. Private: backwards-incompatible changes can happen in any release.
"""

from __future__ import annotations

import copy


class ResourceModule:
    """Base of the write modules. Subclasses set the class attributes and implement the hooks.

    The state shape used for comparison (`desired_state` / `current_state`) is the subclass's own
    canonical form: two values are compared with `==`, so normalise (sort sets, fill server
    defaults, ...) before returning them. Keys the user did not set must be absent from
    `desired_state`: the server's value for them never causes a change.
    """

    resource_type = "resource"  # in messages: "alert source 'x' created"
    result_key = "resource"  # the module's return value holding the object

    def __init__(self, module):
        self.module = module

    # --- hooks ----------------------------------------------------------------------------------
    @property
    def identity(self) -> str:
        """How messages name the object, e.g. the alert source name or the watch id."""
        raise NotImplementedError

    def read(self):
        """The object as the API holds it, or None when it does not exist."""
        raise NotImplementedError

    def desired_state(self) -> dict:
        """What the user asked for, only the keys the user set, in canonical form."""
        raise NotImplementedError

    def current_state(self, current) -> dict:
        """The current object in the same canonical form as desired_state()."""
        raise NotImplementedError

    def create_object(self, desired: dict):
        """Create the object; return it as the API now holds it. Never called in check mode."""
        raise NotImplementedError

    def update_object(self, current, desired: dict, changed_keys: list):
        """Bring the object to desired; return it as the API now holds it. Never called in check mode."""
        raise NotImplementedError

    def update_operation(self, current, desired: dict, changed_keys: list) -> str:
        """The name of the update about to happen, for `operation` and the message.

        "updated" by default; a module whose API has lighter ways to change some keys says which,
        e.g. "activated" when only a watch's `active` flag differs.
        """
        return "updated"

    def delete_object(self, current) -> None:
        """Delete the object. Never called in check mode."""
        raise NotImplementedError

    def preview(self, current, desired: dict):
        """The object as it would be after create (current is None) or update, for check mode."""
        merged = copy.deepcopy(current) if current is not None else {}
        merged.update(copy.deepcopy(desired))
        return merged

    def shown(self, state: dict) -> dict:
        """A state as diffs show it; a module whose objects hold secrets masks them here."""
        return state

    def result_values(self, obj) -> dict:
        """Extra return values derived from the final object (ids, keys, ...); obj is None when absent."""
        return {}

    # --- the state machine ----------------------------------------------------------------------
    def run(self) -> None:
        self.module.exit_json(**self.converge())

    def converge(self) -> dict:
        """Read, decide and (outside check mode) write; the module result, without exiting.

        A module that converges several objects in one execution calls this once per object.
        """
        state = self.module.params.get("state", "present")
        current = self.read()
        if state == "absent":
            result = self._ensure_absent(current)
        else:
            result = self._ensure_present(current)
        obj = result.pop("object")
        result[self.result_key] = obj
        result.update(self.result_values(obj))
        return result

    def _ensure_present(self, current) -> dict:
        desired = self.desired_state()
        if current is None:
            obj = self._write(lambda: self.create_object(desired), lambda: self.preview(None, desired))
            return self._outcome("created", obj, before={"state": "absent"}, after=dict(desired, state="present"))

        current_view = self.current_state(current)
        changed_keys = sorted(key for key in desired if current_view.get(key) != desired[key])
        if not changed_keys:
            return self._outcome("none", current)
        operation = self.update_operation(current, desired, changed_keys)
        obj = self._write(lambda: self.update_object(current, desired, changed_keys), lambda: self.preview(current, desired))
        return self._outcome(
            operation, obj,
            before=dict((key, current_view.get(key)) for key in changed_keys),
            after=dict((key, desired[key]) for key in changed_keys),
        )

    def _ensure_absent(self, current) -> dict:
        if current is None:
            return self._outcome("none", None)
        self._write(lambda: self.delete_object(current), lambda: None)
        return self._outcome("deleted", None, before=dict(self.current_state(current), state="present"), after={"state": "absent"})

    def _write(self, perform, preview):
        """The one place where writes happen, so check mode can never write."""
        if self.module.check_mode:
            return preview()
        return perform()

    def _outcome(self, operation: str, obj, before=None, after=None) -> dict:
        result = dict(changed=operation != "none", operation=operation, object=obj, msg=self.message(operation))
        if result["changed"] and self.module._diff:
            result["diff"] = dict(before=self.shown(before), after=self.shown(after))
        return result

    def message(self, operation: str) -> str:
        """One fixed message per outcome."""
        state = self.module.params.get("state", "present")
        name = "%s '%s'" % (self.resource_type, self.identity)
        if operation == "none":
            return "%s already absent" % name if state == "absent" else "%s already up to date" % name
        if self.module.check_mode:
            return "%s would be %s (check mode)" % (name, operation)
        return "%s %s" % (name, operation)
