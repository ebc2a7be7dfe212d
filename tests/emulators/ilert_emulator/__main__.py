# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: `PYTHONPATH=tests/emulators python -m ilert_emulator [options]` (`--help` lists them)."""

from __future__ import annotations

import argparse
import sys

from emulator_kit.server import argument_parser, serve

from .access import DEFAULT_TOKEN
from .app import IlertEmulator
from .rate_limits import DOCUMENTED, RateLimits
from .seed import SeedError

DEFAULT_PORT = 18080


def _limit(value: str) -> tuple[str, int]:
    scope, dummy, number = value.partition("=")
    if scope not in DOCUMENTED or not number.isdigit():
        raise argparse.ArgumentTypeError("expected SCOPE=N with SCOPE one of %s, got %r" % (", ".join(sorted(DOCUMENTED)), value))
    return scope, int(number)


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argument_parser("A local emulator of iLert's REST API (alert sources, look-ups, events, alerts).", DEFAULT_PORT)
    parser.prog = "python -m ilert_emulator"
    parser.add_argument("--token", action="extend", nargs="+", metavar="TOKEN",
                        help="API key(s) accepted as the seed's first ADMIN user (default: %s)" % DEFAULT_TOKEN)
    parser.add_argument("--seed", metavar="FILE", help="YAML/JSON seed: users, teams, supportHours, escalationPolicies, apiKeys "
                                                       "(default: the package's default_seed.yml)")
    parser.add_argument("--public-url", metavar="URL", help="base URL for integrationUrl and Location headers "
                                                            "(default: the address the client used)")
    parser.add_argument("--rate-limits", action="store_true",
                        help="enforce iLert's documented rate limits per minute: %s" % ", ".join("%s=%d" % item for item in sorted(DOCUMENTED.items())))
    parser.add_argument("--rate-limit", action="append", type=_limit, default=[], metavar="SCOPE=N",
                        help="change one limit (implies --rate-limits)")
    parser.add_argument("--rate-limit-window", type=float, default=60.0, metavar="SECONDS",
                        help="length of the fixed rate limit window (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    try:
        rate_limits = RateLimits(enabled=arguments.rate_limits or bool(arguments.rate_limit),
                                 limits=dict(arguments.rate_limit), window=arguments.rate_limit_window)
        app = IlertEmulator(tokens=arguments.token, seed=arguments.seed, faults=arguments.faults, data_file=arguments.data,
                            rate_limits=rate_limits, public_url=arguments.public_url)
    except (SeedError, ValueError) as error:
        print("ilert_emulator: %s" % error, file=sys.stderr)
        return 2
    if not arguments.token:
        print("accepting the demo API key: ILERT_API_TOKEN=%s" % DEFAULT_TOKEN, flush=True)
    serve(app, arguments.host, arguments.port, "iLert emulator", quiet=arguments.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
