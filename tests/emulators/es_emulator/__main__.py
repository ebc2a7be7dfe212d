# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`PYTHONPATH=tests/emulators python -m es_emulator [--port 19200] [--version 9.1.0] [--license trial|basic] [--scheduler on|off]`."""

from __future__ import annotations

import argparse
import sys

from emulator_kit.server import argument_parser, serve

from .app import WatcherEmulator
from .versions import ServerVersion


def _version(text: str) -> str:
    try:
        return ServerVersion.parse(text).number
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser("Local Elasticsearch Watcher emulator (REST API of Elasticsearch 9.x, 8.x or 7.17).", 19200)
    parser.add_argument("--version", type=_version, default="9.1.0", help="Elasticsearch release to emulate (default: %(default)s)")
    parser.add_argument("--license", choices=("trial", "basic"), default="trial",
                        help="licence level; basic refuses Watcher like a real cluster (default: %(default)s)")
    parser.add_argument("--scheduler", choices=("on", "off"), default="on",
                        help="run active watches on their schedules; off for deterministic tests (default: %(default)s)")
    args = parser.parse_args(argv)
    app = WatcherEmulator(version=args.version, license_type=args.license, faults=args.faults, data_file=args.data,
                          scheduler=args.scheduler == "on")
    try:
        serve(app, args.host, args.port, "Elasticsearch %s emulator (%s licence, scheduler %s)" % (args.version, args.license, args.scheduler),
              quiet=args.quiet)
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
