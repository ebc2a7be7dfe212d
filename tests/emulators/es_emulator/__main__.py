# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`PYTHONPATH=tests/emulators python -m es_emulator [--port 19200] [--version 9.1.0] [--license trial|basic] [--scheduler on|off]
[--refresh-interval immediate|1s|-1] [--id-field-data true|false|version] [--notification-accounts JSON|@FILE]`."""

from __future__ import annotations

import argparse
import json
import sys

from emulator_kit.server import argument_parser, serve

from .accounts import NotificationAccounts
from .app import DEFAULT_ID_FIELD_DATA, DEFAULT_REFRESH_INTERVAL, ID_FIELD_DATA_CHOICES, WatcherEmulator
from .store import parse_interval
from .versions import ServerVersion


def _version(text: str) -> str:
    try:
        return ServerVersion.parse(text).number
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _interval(text: str) -> str:
    try:
        parse_interval(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    return text


def _accounts(text: str) -> dict:
    """`--notification-accounts`: JSON, or @FILE holding JSON, in the shape accounts.py describes."""
    try:
        if text.startswith("@"):
            with open(text[1:], encoding="utf-8") as handle:
                text = handle.read()
        return NotificationAccounts(json.loads(text)).describe()
    except (OSError, ValueError) as error:
        raise argparse.ArgumentTypeError("--notification-accounts: %s" % error) from error


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser("Local Elasticsearch Watcher emulator (REST API of Elasticsearch 9.x, 8.x or 7.17).", 19200)
    parser.add_argument("--version", type=_version, default="9.1.0", help="Elasticsearch release to emulate (default: %(default)s)")
    parser.add_argument("--license", choices=("trial", "basic"), default="trial",
                        help="licence level; basic refuses Watcher like a real cluster (default: %(default)s)")
    parser.add_argument("--scheduler", choices=("on", "off"), default="on",
                        help="run active watches on their schedules; off for deterministic tests (default: %(default)s)")
    parser.add_argument("--refresh-interval", type=_interval, default=DEFAULT_REFRESH_INTERVAL, metavar="immediate|DURATION|-1",
                        help="when writes become searchable: 'immediate' (every write at once), or a cluster's scheduled refresh "
                             "every DURATION (1s is a cluster's default) with search-idle shards, -1 for explicit refreshes only "
                             "(default: %(default)s)")
    parser.add_argument("--id-field-data", choices=ID_FIELD_DATA_CHOICES, default=DEFAULT_ID_FIELD_DATA,
                        help="the node setting indices.id_field_data.enabled (sorting on _id); 'version' is the release's default: "
                             "true on 7.17, false from 8.0 (default: %(default)s)")
    parser.add_argument("--notification-accounts", type=_accounts, default=None, metavar="JSON|@FILE",
                        help='notification accounts the node has configured, e.g. \'{"email": ["smtp"], "slack": {"accounts": ["ops"], '
                             '"default_account": "ops"}}\'; a fresh cluster has none (default), and slack, pagerduty and jira actions '
                             "are refused without one")
    args = parser.parse_args(argv)
    app = WatcherEmulator(version=args.version, license_type=args.license, faults=args.faults, data_file=args.data,
                          scheduler=args.scheduler == "on", refresh_interval=args.refresh_interval, id_field_data=args.id_field_data,
                          notification_accounts=args.notification_accounts)
    try:
        name = "Elasticsearch %s emulator (%s licence, scheduler %s, refresh %s, _id field data %s)" % (
            args.version, args.license, args.scheduler, args.refresh_interval, args.id_field_data)
        serve(app, args.host, args.port, name, quiet=args.quiet)
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
