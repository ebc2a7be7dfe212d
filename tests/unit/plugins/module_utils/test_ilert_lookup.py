# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Names of escalation policies, teams, support hours and services to ids."""

from __future__ import annotations

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._ilert_lookup import Resolver, UnresolvedName


class ListingClient:
    """Answers paginate() from fixed lists and records every call."""

    def __init__(self, **lists):
        self.lists = lists
        self.calls = []

    def paginate(self, path, page_size=50):
        self.calls.append((path, page_size))
        return self.lists[path]


POLICIES = [{"id": 4001, "name": "Default"}, {"id": 4002, "name": "Platform on-call"}, {"id": 4005, "name": "Twice"},
            {"id": 4006, "name": "Twice"}]
TEAMS = [{"id": 2001, "name": "Platform"}, {"id": 2002, "name": "Observability"}]


SERVICES = [{"id": 6001, "name": "Checkout", "alias": "checkout"}, {"id": 6002, "name": "Search"}]


def client():
    return ListingClient(**{"/api/escalation-policies": POLICIES, "/api/teams": TEAMS, "/api/support-hours": [], "/api/services": SERVICES})


def test_ids_need_no_request():
    api = client()
    assert Resolver(api).resolve("escalation_policy", 4001) == 4001
    assert api.calls == []


def test_one_list_call_per_kind_however_many_names():
    api = client()
    resolver = Resolver(api)
    assert [resolver.resolve("teams", name) for name in ("Observability", "Platform", "Observability")] == [2002, 2001, 2002]
    assert resolver.resolve("escalation_policy", "Default") == 4001
    # Teams allow 100 per page, policies 50 (more is a 400 at iLert).
    assert api.calls == [("/api/teams", 100), ("/api/escalation-policies", 50)]
    assert resolver.names["teams"] == {2002: "Observability", 2001: "Platform"}


def test_names_the_current_source_already_holds_need_no_request():
    api = client()
    current = {"escalationPolicy": {"id": 4001, "name": "Default"}, "teams": [{"id": 2001, "name": "Platform"}]}
    resolver = Resolver(api, current)
    assert resolver.resolve("escalation_policy", "Default") == 4001
    assert resolver.resolve("teams", "Platform") == 2001
    assert api.calls == []
    assert resolver.resolve("teams", "Observability") == 2002
    assert api.calls == [("/api/teams", 100)]


def test_unknown_name_lists_close_matches_and_names_the_option():
    with pytest.raises(UnresolvedName) as info:
        Resolver(client()).resolve("escalation_policy", "Defualt")
    message = str(info.value)
    assert message.startswith("escalation_policy: no escalation policy named 'Defualt'")
    assert "Did you mean: 'Default'?" in message


def test_names_are_case_sensitive_but_the_other_case_is_suggested():
    with pytest.raises(UnresolvedName) as info:
        Resolver(client()).resolve("teams", "platform")
    assert "'Platform'" in str(info.value) and "case-sensitive" in str(info.value)


def test_unknown_name_without_anything_close_says_how_many_exist():
    with pytest.raises(UnresolvedName) as info:
        Resolver(client()).resolve("teams", "Quantum accounting")
    assert "Did you mean" not in str(info.value)
    assert "2 team entries are visible" in str(info.value)


def test_ambiguous_name_lists_the_ids():
    with pytest.raises(UnresolvedName) as info:
        Resolver(client()).resolve("escalation_policy", "Twice")
    assert "ids 4005, 4006" in str(info.value) and "give the id" in str(info.value)


def test_services_resolve_like_teams_from_one_list_of_up_to_100():
    api = client()
    resolver = Resolver(api)
    assert [resolver.resolve("services", name) for name in ("Search", "Checkout", 6009)] == [6002, 6001, 6009]
    assert api.calls == [("/api/services", 100)]
    assert resolver.names["services"] == {6002: "Search", 6001: "Checkout"}


def test_an_unknown_service_names_the_option_and_the_alias_does_not_count():
    with pytest.raises(UnresolvedName) as info:
        Resolver(client()).resolve("services", "checkout")
    assert str(info.value).startswith("services: no service named 'checkout' exists in iLert")
    assert "Did you mean: 'Checkout'?" in str(info.value)


def test_services_the_source_has_need_no_request():
    api = client()
    current = {"services": [{"id": 6001, "name": "Checkout", "alias": "checkout"}]}
    assert Resolver(api, current).resolve("services", "Checkout") == 6001
    assert api.calls == []
