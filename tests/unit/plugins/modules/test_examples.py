# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every EXAMPLES entry runs in the integration target: its task files must be the EXAMPLES, unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.ilert.watcher.plugins.modules import es_watch, es_watch_info, es_watches, ilert_alert_source, ilert_alert_source_info

TASKS = Path(__file__).resolve().parents[3] / "integration" / "targets" / "ilert_alert_source" / "tasks"


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps Ansible's !unsafe tag visible, so a lost tag counts as a difference."""


_Loader.add_constructor("!unsafe", lambda loader, node: ("!unsafe", loader.construct_scalar(node)))


@pytest.mark.parametrize("module, task_file", [
    (ilert_alert_source, "examples_source.yml"),
    (ilert_alert_source_info, "examples_info.yml"),
])
def test_integration_runs_the_examples_as_documented(module, task_file):
    documented = yaml.load(module.EXAMPLES.replace("Elasticsearch production", '"{{ ilert_example_name }}"'), Loader=_Loader)
    run = yaml.load((TASKS / task_file).read_text(encoding="utf-8"), Loader=_Loader)
    assert documented, "no EXAMPLES"
    assert run == documented


def test_examples_use_fully_qualified_names_and_no_log_where_keys_are_returned():
    tasks = yaml.load(ilert_alert_source.EXAMPLES, Loader=_Loader)
    flat = []
    for task in tasks:
        flat.extend(task.get("block", [task]))
    for task in flat:
        assert "ilert.watcher.ilert_alert_source" in task, task["name"]
        if task["ilert.watcher.ilert_alert_source"].get("state") != "absent":
            assert task.get("no_log") is True, task["name"]


WATCH_TASKS = Path(__file__).resolve().parents[3] / "integration" / "targets" / "es_watch" / "tasks"


@pytest.mark.parametrize("module, task_file", [
    (es_watch, "examples_watch.yml"),
    (es_watch_info, "examples_info.yml"),
])
def test_the_es_watch_target_runs_the_examples_as_documented(module, task_file):
    documented = yaml.load(module.EXAMPLES, Loader=_Loader)
    run = yaml.load((WATCH_TASKS / task_file).read_text(encoding="utf-8"), Loader=_Loader)
    assert documented, "no EXAMPLES"
    assert run == documented


SET_TASKS = Path(__file__).resolve().parents[3] / "integration" / "targets" / "es_watches" / "tasks"


def test_the_es_watches_target_runs_the_examples_as_documented():
    documented = yaml.load(es_watches.EXAMPLES, Loader=_Loader)
    run = yaml.load((SET_TASKS / "examples_watches.yml").read_text(encoding="utf-8"), Loader=_Loader)
    assert documented, "no EXAMPLES"
    assert run == documented
