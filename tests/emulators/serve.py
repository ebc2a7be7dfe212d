# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Both emulators in the foreground, for trying watches offline and for a user's CI job.

    python -m pip install -r <collection>/tests/emulators/requirements.txt
    python <collection>/tests/emulators/serve.py [--es-port 19200] [--ilert-port 18080] ...

Works from an installed collection as from a clone: it needs only the files beside it. Each emulator
runs in a process of its own (`python -m es_emulator`, `python -m ilert_emulator`, as tools/emulators.sh
starts them); once both listen it prints the environment variables that point ilert.watcher at them
as `export` lines, then the line `emulators ready`. SIGINT (Ctrl-C) or SIGTERM stops both; if one
stops on its own, the other is stopped too and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_TOKEN = "il-demo-token-not-a-secret"
READY_LINE = "emulators ready"
# The e-mail account a cluster with only xpack.notification.email configured has (as tools/emulators.sh).
DEFAULT_ACCOUNTS = '{"email": ["default"]}'
LISTENING = re.compile(r" listening on (https?://\S+?):(\d+)$")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="serve.py",
        description="The local Elasticsearch Watcher and iLert emulators together, in the foreground. Once both listen it prints "
                    "'export NAME=value' lines for ELASTICSEARCH_ENDPOINTS, ILERT_ENDPOINT and ILERT_API_TOKEN, then '%s'." % READY_LINE)
    parser.add_argument("--host", default="127.0.0.1", help="address both listen on (default: %(default)s)")
    parser.add_argument("--es-port", type=int, default=19200, help="Elasticsearch emulator's port, 0 for any free one (default: %(default)s)")
    parser.add_argument("--ilert-port", type=int, default=18080, help="iLert emulator's port, 0 for any free one (default: %(default)s)")
    parser.add_argument("--es-version", default="9.1.0", metavar="X.Y.Z", help="Elasticsearch release to emulate (default: %(default)s)")
    parser.add_argument("--notification-accounts", default=DEFAULT_ACCOUNTS, metavar="JSON|@FILE",
                        help="the cluster's notification accounts; slack, pagerduty and jira actions are refused without one "
                             "(default: %(default)s)")
    parser.add_argument("--token", action="append", metavar="TOKEN",
                        help="iLert API key the emulator accepts (repeatable; default: %s)" % DEMO_TOKEN)
    parser.add_argument("--seed", metavar="FILE", help="iLert account to start with: users, teams, escalation policies, ... "
                                                       "(default: ilert_emulator/default_seed.yml)")
    parser.add_argument("--es-args", default="", metavar="'OPTIONS'",
                        help="more options for the Elasticsearch emulator, e.g. --es-args='--license basic' (python -m es_emulator --help)")
    parser.add_argument("--ilert-args", default="", metavar="'OPTIONS'",
                        help="more options for the iLert emulator, e.g. --ilert-args='--rate-limits' (python -m ilert_emulator --help)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def commands(arguments: argparse.Namespace) -> dict[str, list[str]]:
    common = ["--host", arguments.host] + ([] if arguments.verbose else ["--quiet"])
    es_command = [sys.executable, "-m", "es_emulator", "--port", str(arguments.es_port), "--version", arguments.es_version,
                  "--notification-accounts", arguments.notification_accounts] + common + shlex.split(arguments.es_args)
    ilert_command = [sys.executable, "-m", "ilert_emulator", "--port", str(arguments.ilert_port)] + common
    for token in arguments.token or ():
        ilert_command += ["--token", token]
    if arguments.seed:
        ilert_command += ["--seed", os.path.abspath(arguments.seed)]
    return {"elasticsearch": es_command, "ilert": ilert_command + shlex.split(arguments.ilert_args)}


class Emulator:
    """One emulator process; its standard output is passed on, and read for the address it listens on."""

    def __init__(self, name: str, command: list[str], lock: threading.Lock, changed: threading.Event):
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [HERE, environment.get("PYTHONPATH")]))
        self.name = name
        self.url = None
        self._lock = lock
        self._changed = changed
        self.process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                                        stdin=subprocess.DEVNULL, text=True, bufsize=1,
                                        # Its own session: a Ctrl-C reaches only this script, which stops both in turn.
                                        start_new_session=True)
        self._reader = threading.Thread(target=self._relay, daemon=True)
        self._reader.start()

    def _relay(self) -> None:
        for line in self.process.stdout:
            with self._lock:
                sys.stdout.write(line)
                sys.stdout.flush()
            found = LISTENING.search(line.rstrip("\n"))
            if found and self.url is None:
                self.url = "%s:%s" % found.groups()
                self._changed.set()
        self.process.wait()
        self._changed.set()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            except ProcessLookupError:
                pass
        self._reader.join(STOP_TIMEOUT)


def client_url(url: str) -> str:
    """The address to connect to: a wildcard listen address is reached on the loopback."""
    return re.sub(r"^(https?://)(0\.0\.0\.0|\[?::\]?)(:\d+)$", r"\g<1>127.0.0.1\3", url)


def announce(arguments: argparse.Namespace, urls: dict[str, str], lock: threading.Lock) -> None:
    with lock:
        print("export ELASTICSEARCH_ENDPOINTS=%s" % urls["elasticsearch"])
        print("export ILERT_ENDPOINT=%s" % urls["ilert"])
        if arguments.token:
            # A key of the user's own stays out of logs; a comment, so that eval-ing the output sets no wrong key.
            print("# ILERT_API_TOKEN: a key given with --token")
        else:
            print("export ILERT_API_TOKEN=%s" % DEMO_TOKEN)
        print("%s (Ctrl-C or SIGTERM stops both)" % READY_LINE, flush=True)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    lock, changed, stopping = threading.Lock(), threading.Event(), threading.Event()

    def stop(signum, frame):  # pylint: disable=unused-argument
        stopping.set()
        changed.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    emulators = [Emulator(name, command, lock, changed) for name, command in commands(arguments).items()]
    status, ready, deadline = 0, False, time.monotonic() + START_TIMEOUT
    try:
        while not stopping.is_set():
            # A short wait, so a signal is acted on at once whatever the platform does with blocked waits.
            changed.wait(0.5)
            changed.clear()
            if stopping.is_set():
                break
            ended = [emulator for emulator in emulators if emulator.process.poll() is not None]
            if ended:
                print("serve.py: the %s emulator stopped (exit status %s); stopping the other" % (ended[0].name, ended[0].process.returncode),
                      file=sys.stderr, flush=True)
                status = 1
                break
            if ready:
                continue
            if all(emulator.url for emulator in emulators):
                ready = True
                announce(arguments, {emulator.name: client_url(emulator.url) for emulator in emulators}, lock)
            elif time.monotonic() > deadline:
                waiting = " and ".join(emulator.name for emulator in emulators if not emulator.url)
                print("serve.py: the %s emulator did not listen within %d s" % (waiting, START_TIMEOUT), file=sys.stderr, flush=True)
                status = 1
                break
    finally:
        for emulator in emulators:
            emulator.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
