# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared read -> compare -> write state machine, on an in-memory resource."""

from __future__ import annotations

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._resource import ResourceModule


class Exited(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


class FakeModule:
    def __init__(self, params, check_mode=False, diff=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff

    def exit_json(self, **result):
        raise Exited(result)


class Thing(ResourceModule):
    """A key-value 'API' kept in a dict; `writes` records every write call."""

    resource_type = "thing"
    result_key = "thing"

    def __init__(self, module, store):
        super().__init__(module)
        self.store = store
        self.writes = []

    @property
    def identity(self):
        return self.module.params["name"]

    def read(self):
        return self.store.get(self.identity)

    def desired_state(self):
        return dict((key, value) for key, value in self.module.params["settings"].items() if value is not None)

    def current_state(self, current):
        return dict((key, value) for key, value in current.items() if key != "server_owned")

    def create_object(self, desired):
        self.writes.append("create")
        self.store[self.identity] = dict(desired, server_owned="generated")
        return self.store[self.identity]

    def update_object(self, current, desired, changed_keys):
        self.writes.append(("update", tuple(changed_keys)))
        self.store[self.identity] = dict(current, **desired)
        return self.store[self.identity]

    def delete_object(self, current):
        self.writes.append("delete")
        del self.store[self.identity]

    def result_values(self, obj):
        return {"generated": obj and obj.get("server_owned")}


def run(store, state="present", check_mode=False, diff=True, **settings):
    thing = Thing(FakeModule(dict(name="a", state=state, settings=settings), check_mode=check_mode, diff=diff), store)
    with pytest.raises(Exited) as exited:
        thing.run()
    return exited.value.result, thing.writes


def test_create_then_nothing_to_do():
    store = {}
    result, writes = run(store, colour="red", size=1)
    assert writes == ["create"]
    assert result["changed"] is True and result["operation"] == "created"
    assert result["msg"] == "thing 'a' created"
    assert result["thing"] == {"colour": "red", "size": 1, "server_owned": "generated"}
    assert result["generated"] == "generated"
    assert result["diff"] == {"before": {"state": "absent"}, "after": {"colour": "red", "size": 1, "state": "present"}}

    result, writes = run(store, colour="red", size=1)
    assert writes == [] and result["changed"] is False and result["operation"] == "none"
    assert result["msg"] == "thing 'a' already up to date"
    assert "diff" not in result


def test_only_user_set_keys_are_compared_and_the_diff_shows_only_changes():
    store = {"a": {"colour": "red", "size": 1, "extra": "kept", "server_owned": "x"}}
    result, writes = run(store, colour="blue", size=1, extra=None)
    assert writes == [("update", ("colour",))]
    assert result["operation"] == "updated" and result["msg"] == "thing 'a' updated"
    assert result["diff"] == {"before": {"colour": "red"}, "after": {"colour": "blue"}}
    assert store["a"]["extra"] == "kept"


def test_check_mode_reports_the_same_change_and_diff_without_writing():
    store = {"a": {"colour": "red", "server_owned": "x"}}
    checked, writes = run(store, check_mode=True, colour="blue")
    assert writes == [] and store["a"]["colour"] == "red"
    real, dummy = run(dict(store), colour="blue")
    assert checked["changed"] is True and real["changed"] is True
    assert checked["diff"] == real["diff"]
    assert checked["msg"] == "thing 'a' would be updated (check mode)"
    assert checked["thing"] == {"colour": "blue", "server_owned": "x"}

    created, writes = run({}, check_mode=True, colour="green")
    assert writes == [] and created["operation"] == "created" and created["thing"] == {"colour": "green"}


def test_absent_deletes_once_then_reports_already_absent():
    store = {"a": {"colour": "red", "server_owned": "x"}}
    result, writes = run(store, state="absent")
    assert writes == ["delete"] and store == {}
    assert result["operation"] == "deleted" and result["thing"] is None and result["generated"] is None
    assert result["diff"] == {"before": {"colour": "red", "state": "present"}, "after": {"state": "absent"}}

    result, writes = run(store, state="absent")
    assert writes == [] and result["changed"] is False and result["msg"] == "thing 'a' already absent"


def test_check_mode_delete_writes_nothing():
    store = {"a": {"colour": "red"}}
    result, writes = run(store, state="absent", check_mode=True)
    assert writes == [] and "a" in store and result["changed"] is True
    assert result["msg"] == "thing 'a' would be deleted (check mode)"


def test_no_diff_unless_asked():
    result, dummy = run({}, diff=False, colour="red")
    assert result["changed"] is True and "diff" not in result


class Switch(Thing):
    def update_operation(self, current, desired, changed_keys):
        return "switched" if changed_keys == ["on"] else "updated"


def test_a_module_can_name_its_lighter_update():
    store = {"a": {"on": False, "colour": "red"}}
    switch = Switch(FakeModule(dict(name="a", state="present", settings={"on": True}), diff=True), store)
    with pytest.raises(Exited) as exited:
        switch.run()
    result = exited.value.result
    assert result["operation"] == "switched" and result["msg"] == "thing 'a' switched"
    assert switch.writes == [("update", ("on",))]
    assert result["diff"] == {"before": {"on": False}, "after": {"on": True}}


class Secretive(Thing):
    def shown(self, state):
        return dict((key, "********" if key == "password" else value) for key, value in state.items())


def test_diffs_pass_through_the_shown_hook_so_secrets_can_be_masked():
    store = {"a": {"password": "old-secret", "colour": "red"}}
    secretive = Secretive(FakeModule(dict(name="a", state="present", settings={"password": "new-secret"}), diff=True), store)
    with pytest.raises(Exited) as exited:
        secretive.run()
    result = exited.value.result
    assert result["diff"] == {"before": {"password": "********"}, "after": {"password": "********"}}
    assert store["a"]["password"] == "new-secret"
