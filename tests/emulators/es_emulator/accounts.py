# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The notification accounts a cluster has configured (`xpack.notification.<type>.account.<name>.*`).

A fresh cluster has none. The configuration, at start-up (`--notification-accounts`), through
`WatcherEmulator(notification_accounts=...)` or `PUT /_emulator/notification_accounts`, maps a
notification type to its account names, or to `{accounts: [names], default_account: name}`:

    {"slack": ["team1"], "email": {"accounts": ["smtp", "backup"], "default_account": "smtp"}}

NotificationService.getAccount resolves a name as Elasticsearch does: the named account, else the
default account (`default_account`, or any account when none is set), and fails only when neither
exists. The slack, pagerduty and jira action factories look their account up when a watch is
parsed (PUT, GET, query); the email factory does not.
"""

from __future__ import annotations

from .errors import illegal_argument

NOTIFICATION_TYPES = ("email", "slack", "pagerduty", "jira")


class AccountsConfigError(ValueError):
    """A configuration of notification accounts that a cluster's settings could not express."""


def _type_config(kind: str, value) -> dict:
    if isinstance(value, list):
        value = {"accounts": value}
    if not isinstance(value, dict) or set(value) - {"accounts", "default_account"}:
        raise AccountsConfigError("notification accounts of type [%s] must be a list of names or {accounts: [names], default_account: name}" % kind)
    names = value.get("accounts") or []
    if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
        raise AccountsConfigError("notification accounts of type [%s]: accounts must be a list of non-empty names" % kind)
    default = value.get("default_account")
    if default is not None and default not in names:
        # NotificationService.findDefaultAccountOrNull: the settings update is refused.
        raise AccountsConfigError("could not find default account [%s]" % default)
    return {"accounts": list(dict.fromkeys(names)), "default_account": default}


def normalize(config) -> dict:
    """The configuration with every type spelled `{accounts, default_account}`; types without accounts left out."""
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise AccountsConfigError("notification accounts must be an object of type to accounts")
    out = {}
    for kind, value in config.items():
        if kind not in NOTIFICATION_TYPES:
            raise AccountsConfigError("unknown notification type [%s]; known: %s" % (kind, ", ".join(NOTIFICATION_TYPES)))
        entry = _type_config(kind, value)
        if entry["accounts"]:
            out[kind] = entry
    return out


class NotificationAccounts:
    """The accounts of every notification service, as the node holds them after its settings were applied."""

    def __init__(self, config=None):
        self.config = normalize(config)

    def describe(self) -> dict:
        return {kind: dict(entry, accounts=list(entry["accounts"])) for kind, entry in self.config.items()}

    def default_account(self, kind: str) -> str | None:
        entry = self.config.get(kind)
        if entry is None:
            return None
        return entry["default_account"] or entry["accounts"][0]

    def resolve(self, kind: str, name: str | None) -> str:
        """NotificationService.getAccount: the account a name stands for, or the IllegalArgumentException it throws."""
        entry = self.config.get(kind)
        if entry is not None and name in entry["accounts"]:
            return name
        default = self.default_account(kind)
        if default is not None:
            return default
        if name is None:
            raise illegal_argument("no accounts of type [%s] configured. Please set up an account using the [xpack.notification.%s] settings"
                                   % (kind, kind))
        raise illegal_argument("no account found for name: [%s]" % name)


__all__ = ["NOTIFICATION_TYPES", "AccountsConfigError", "NotificationAccounts", "normalize"]
