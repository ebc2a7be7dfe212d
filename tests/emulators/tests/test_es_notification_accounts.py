# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Notification accounts: none on a fresh emulator, set at start-up or through the control route, looked up
by the slack, pagerduty and jira actions whenever a watch is parsed (NotificationService.getAccount)."""

from __future__ import annotations

import argparse
import json

import pytest
import requests

from es_emulator.__main__ import _accounts
from es_emulator.accounts import AccountsConfigError, NotificationAccounts
from es_emulator.testing import control, reset, served, stats

TRIGGER = {"schedule": {"interval": "1m"}}
SLACK = {"slack": {"message": {"text": "fired"}}}
PAGERDUTY = {"pagerduty": {"description": "fired", "account": "pd_ops"}}
JIRA = {"jira": {"account": "jira_ops", "fields": {"summary": "fired"}}}
EMAIL = {"email": {"account": "nowhere", "to": "ops@example.com"}}


def _put(url: str, watch_id: str, action: dict) -> requests.Response:
    return requests.put("%s/_watcher/watch/%s" % (url, watch_id), json={"trigger": TRIGGER, "actions": {"a": action}}, timeout=10)


def _error(answer: requests.Response) -> dict:
    return answer.json()["error"]


@pytest.fixture(name="bare", scope="module")
def fixture_bare():
    with served(scheduler=False) as server:
        yield server.url


@pytest.fixture(name="configured", scope="module")
def fixture_configured():
    accounts = {"slack": ["team1"], "pagerduty": {"accounts": ["pd_ops", "pd_dev"], "default_account": "pd_dev"}}
    with served(scheduler=False, notification_accounts=accounts) as server:
        yield server.url


@pytest.fixture(autouse=True)
def fixture_reset(request):
    for name in ("bare", "configured"):
        if name in request.fixturenames:
            reset(request.getfixturevalue(name))


def test_a_fresh_emulator_has_no_account(bare):
    assert control(bare, "notification_accounts") == {}


@pytest.mark.parametrize("action, kind", [(SLACK, "slack"), (JIRA, "jira")])
def test_without_accounts_slack_pagerduty_and_jira_are_refused(bare, action, kind):
    answer = _put(bare, "w", action)
    assert answer.status_code == 400
    error = _error(answer)
    assert error["type"] == "illegal_argument_exception"
    if kind == "slack":
        assert error["reason"] == ("no accounts of type [slack] configured. "
                                   "Please set up an account using the [xpack.notification.slack] settings")
    else:
        assert error["reason"] == "no account found for name: [jira_ops]"
    assert requests.get(bare + "/_watcher/watch/w", timeout=10).status_code == 404


def test_email_accounts_are_not_looked_up(bare):
    assert _put(bare, "mail", EMAIL).status_code == 201
    shown = requests.get(bare + "/_watcher/watch/mail", timeout=10).json()["watch"]["actions"]["a"]["email"]
    assert shown == {"account": "nowhere", "profile": "standard", "to": ["ops@example.com"]}


def test_start_up_accounts_are_used(configured):
    assert control(configured, "notification_accounts") == {
        "slack": {"accounts": ["team1"], "default_account": None},
        "pagerduty": {"accounts": ["pd_ops", "pd_dev"], "default_account": "pd_dev"}}
    assert _put(configured, "s", SLACK).status_code == 201
    assert _put(configured, "p", PAGERDUTY).status_code == 201
    # Any account of the type resolves an unknown name: getOrDefault(name, defaultAccount).
    assert _put(configured, "other", {"slack": {"account": "nobody", "message": {"text": "x"}}}).status_code == 201
    answer = _put(configured, "j", JIRA)
    assert answer.status_code == 400 and _error(answer)["reason"] == "no account found for name: [jira_ops]"


def test_control_route_replaces_and_get_of_an_orphaned_watch_fails(configured):
    assert _put(configured, "s", SLACK).status_code == 201
    before = stats(configured)
    replaced = requests.put(configured + "/_emulator/notification_accounts", json={"jira": ["jira_ops"]}, timeout=10)
    assert replaced.status_code == 200 and replaced.json() == {"jira": {"accounts": ["jira_ops"], "default_account": None}}
    assert stats(configured) == before  # control routes are not counted
    answer = requests.get(configured + "/_watcher/watch/s", timeout=10)
    assert answer.status_code == 400
    assert _error(answer)["reason"].startswith("no accounts of type [slack] configured")
    query = requests.post(configured + "/_watcher/_query/watches", json={}, timeout=10)
    assert query.status_code == 400
    assert _put(configured, "j", JIRA).status_code == 201


@pytest.mark.parametrize("config, message", [
    ({"hipchat": ["room"]}, "unknown notification type [hipchat]"),
    ({"slack": {"accounts": ["a"], "default_account": "b"}}, "could not find default account [b]"),
    ({"slack": "team1"}, "must be a list of names"),
    ([], "must be an object"),
])
def test_a_bad_configuration_is_refused(bare, config, message):
    answer = requests.put(bare + "/_emulator/notification_accounts", json=config, timeout=10)
    assert answer.status_code == 400 and message in answer.json()["error"]
    assert control(bare, "notification_accounts") == {}
    with pytest.raises(AccountsConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        NotificationAccounts(config)


def test_reset_brings_back_the_start_up_accounts(configured):
    requests.put(configured + "/_emulator/notification_accounts", json={}, timeout=10).raise_for_status()
    assert _put(configured, "s", SLACK).status_code == 400
    reset(configured)
    assert sorted(control(configured, "notification_accounts")) == ["pagerduty", "slack"]
    assert _put(configured, "s", SLACK).status_code == 201


def test_command_line_option_takes_json_or_a_file(tmp_path):
    assert _accounts('{"email": ["smtp"]}') == {"email": {"accounts": ["smtp"], "default_account": None}}
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"slack": {"accounts": ["a", "b"], "default_account": "b"}}), encoding="utf-8")
    assert _accounts("@%s" % path) == {"slack": {"accounts": ["a", "b"], "default_account": "b"}}
    for bad in ("{not json", '{"sms": ["x"]}', "@%s" % (tmp_path / "missing.json")):
        with pytest.raises(argparse.ArgumentTypeError):
            _accounts(bad)
