# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several site.yml runs at once end with one alert source per name and one watch per id.

iLert does not enforce unique names, so runs that read at the same moment all find no source
and all create one. ilert_alert_source looks again after its create and keeps the oldest source
(lowest id); a run whose copy is younger deletes it. Source lists answered late make the runs'
reads overlap, so that the race really happens in this test.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from conftest import ANSIBLE_PLAYBOOK, ROOT, sources_vars


@pytest.mark.parametrize("runs", [2, 4])
def test_parallel_runs_leave_one_source_per_name_and_one_watch_per_id(emulators, tmp_path, runs, record_property):
    variables = sources_vars(2, 2, prefix="par")
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(yaml.safe_dump(variables), encoding="utf-8")
    # Every list of sources is answered as it is at arrival but only 2 s later (the "timeout" fault,
    # held back less than the client waits), so runs that read within those 2 s all find nothing.
    emulators.ilert.app.faults.configure({"rate": 1, "kinds": ["timeout"], "timeout_s": 2, "routes": ["^GET /api/alert-sources$"]})
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false",
               **emulators.env())
    command = [ANSIBLE_PLAYBOOK, str(ROOT / "playbooks" / "site.yml"), "-e", "@" + str(vars_file), "-e", "ansible_python_interpreter=" + sys.executable]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for dummy in range(runs)]
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    emulators.ilert.app.faults.configure({})
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-4000:]

    names = sorted(source["name"] for source in emulators.sources())
    assert names == sorted(source["name"] for source in variables["eswatcher_sources"])
    wanted_watches = sorted(watch["id"] for source in variables["eswatcher_sources"] for watch in source["watches"])
    assert emulators.watch_ids() == wanted_watches
    keys = dict((source["name"], source["integrationKey"]) for source in emulators.sources())
    for source in variables["eswatcher_sources"]:
        for watch in source["watches"]:
            action = emulators.watch(watch["id"])["watch"]["actions"]["ilert"]["webhook"]
            assert keys[source["name"]] in action["path"] + action.get("body", "")

    stats = emulators.stats()["ilert"]
    creates, removed = stats["by_method"].get("POST", 0), stats["by_method"].get("DELETE", 0)
    races = sum(output.count("was created at the same time by another run") for output in outputs)
    # The race happened (more creates than sources) and each extra copy was removed by its run.
    assert creates > len(names), "the runs did not overlap: the race was not exercised: %s" % stats["by_route"]
    assert creates - removed == len(names) and races == removed
    figures = "%d runs at once: %d creates, %d duplicates made and removed" % (runs, creates, removed)
    record_property("figures", figures)
    print(figures)
