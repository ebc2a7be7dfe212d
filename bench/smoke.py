# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench-smoke`: fails when the no-op run of the eswatcher role, or the export, costs more per watch at N=50 than at N=10.

A guard against growth worse than linear (a play that templates every watch once per watch, say),
not a speed target: it never compares a time with a fixed number. Against the local emulators on
ports of their own (ES 19260, iLert 18060), it runs the role's converge then its no-op run at
N = 10 and at N = 50 watches (sources of up to 10 watches, as bench/run.py builds them) in one
session, and fails when

    wall_noop(50) / 50 > 1.5 x wall_noop(10) / 10

and likewise for playbooks/export.yml run on the converged watches (it decides each watch with
es_watch's own comparison, many times per watch). Linear growth with a fixed start-up cost gives well under 1; quadratic growth goes over it. Stops the
emulators it started, also on failure, Ctrl-C or SIGTERM. Logs in bench/results/smoke/.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# bench/run.py reads its ports when imported: the smoke run gets its own, so that it does not clash
# with `make bench` or the emulators of `make emulators`.
os.environ["BENCH_ES_PORT"] = os.environ.get("SMOKE_ES_PORT", "19260")
os.environ["BENCH_ILERT_PORT"] = os.environ.get("SMOKE_ILERT_PORT", "18060")
sys.path.insert(0, str(BENCH))

import run as bench  # noqa: E402  pylint: disable=wrong-import-position

SIZES = (10, 50)
LIMIT = 1.5  # wall_noop(50)/50 may be at most this many times wall_noop(10)/10
STATE = bench.ROOT / ".emulators" / "bench-smoke"


def emulators(action: str) -> None:
    """tools/emulators.sh with bench/run.py's settings, but this run's ports and pid files."""
    env = dict(os.environ, EMULATORS_DIR=str(STATE), ES_EMULATOR_PORT=str(bench.ES_PORT),
               ILERT_EMULATOR_PORT=str(bench.ILERT_PORT), ES_EMULATOR_ARGS="--scheduler off")
    subprocess.run([str(bench.ROOT / "tools" / "emulators.sh"), action], env=env, check=True, stdout=subprocess.DEVNULL)


def slowest_tasks(record: dict, count: int = 4) -> str:
    return ", ".join("%s %.2f s" % (entry["task"], entry["seconds"]) for entry in bench.junit_breakdown(record["junit"])[:count])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    signal.signal(signal.SIGTERM, bench.on_sigterm)
    bench.WORK = BENCH / "results" / "smoke"  # not bench/results itself: `make bench` keeps its logs there
    bench.write_inputs(SIZES)
    print("bench-smoke: emulators on %s and %s; logs in %s" % (bench.ES_URL, bench.ILERT_URL, bench.WORK / "logs"), flush=True)
    noop, exported = {}, {}
    try:
        emulators("start")
        runner = bench.Runner()
        for size in SIZES:
            bench.reset()
            runner.run("ours", size, "converge", "ours.yml")
            noop[size] = runner.run("ours", size, "noop", "ours.yml")
            exported[size] = runner.run("export", size, "export", str(bench.ROOT / "playbooks" / "export.yml"), extra=(
                "-e", "eswatcher_export_overwrite=true", "-e", "eswatcher_export_path=%s" % (bench.WORK / ("exported-%d.yml" % size))))
    except bench.Failure as error:
        print("bench-smoke: %s" % error, file=sys.stderr)
        return 1
    finally:
        emulators("stop")
    failed = False
    for what, records in (("no-op", noop), ("export", exported)):
        small, large = (records[size]["wall"] / size for size in SIZES)
        for size in SIZES:
            print("bench-smoke: %s N=%d slowest tasks: %s" % (what, size, slowest_tasks(records[size])))
        print("bench-smoke: %s wall time per watch: N=%d %.3f s (%.1f s / %d), N=%d %.3f s (%.1f s / %d); ratio %.2f (limit %.1f)" % (
            what, SIZES[0], small, records[SIZES[0]]["wall"], SIZES[0], SIZES[1], large, records[SIZES[1]]["wall"], SIZES[1], large / small, LIMIT))
        if large > LIMIT * small:
            print("bench-smoke: FAILED: %s: a watch costs %.2f times as much at N=%d as at N=%d: it grows worse than linearly "
                  "(per-task times in %s)" % (what, large / small, SIZES[1], SIZES[0], bench.WORK / "logs"), file=sys.stderr)
            failed = True
    if failed:
        return 1
    print("bench-smoke: OK: no worse than linear growth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
