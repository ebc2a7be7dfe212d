# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The execution environment definitions: ansible-builder accepts them, and a build installs the
collection's Python requirements (meta/execution-environment.yml) into the image.

No container engine exists here, so nothing is built: ``ansible-builder create`` writes the build
context, and the introspection script it puts there (the one the image build runs after
``ansible-galaxy collection install``) is run on this collection as installed in .collections.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from awx_credentials import COLLECTIONS_PATH, REPO

BUILDER = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
META_EE = os.path.join(REPO, "meta", "execution-environment.yml")
AWX_EE = os.path.join(REPO, "extensions", "awx", "execution-environment.yml")
AWX_EE_ES8 = os.path.join(REPO, "extensions", "awx", "es8", "execution-environment.yml")


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def requirement_lines(path):
    return [line.split("#")[0].strip() for line in read(path).splitlines() if line.split("#")[0].strip()]


def create(definition, context):
    """`ansible-builder create` of one definition; returns the Containerfile text."""
    result = subprocess.run(
        [BUILDER, "create", "-f", definition, "-c", str(context), "--output-filename", "Containerfile", "-v", "3"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return read(os.path.join(context, "Containerfile"))


def introspect(context, collections_path, *options):
    """Run the build's own introspection script (from the generated context) on a collections path."""
    script = os.path.join(context, "_build", "scripts", "introspect.py")
    result = subprocess.run(
        [sys.executable, script, "introspect", *options, collections_path],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return yaml.safe_load(result.stdout)


def test_collection_metadata_is_what_ansible_builder_reads():
    """meta/execution-environment.yml names its files relative to the collection root, which is
    how ansible-builder resolves a collection's own file (absolute paths are refused, inline lists
    are not read), and the files it names ship in the collection artifact."""
    meta = yaml.safe_load(read(META_EE))
    assert meta["version"] == 3
    dependencies = meta["dependencies"]
    assert set(dependencies) <= {"python", "system"}, "ansible-builder reads only python and system from a collection"
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        build_ignore = yaml.safe_load(handle).get("build_ignore", [])
    for relative in ["meta/execution-environment.yml"] + list(dependencies.values()):
        assert isinstance(relative, str) and not os.path.isabs(relative)
        assert os.path.isfile(os.path.join(REPO, relative)), relative
        ignored = [pattern for pattern in build_ignore if fnmatch.fnmatch(relative, pattern)]
        assert not ignored, "%s is left out of the collection artifact by build_ignore %s" % (relative, ignored)
    names = [line.split("=")[0].split("<")[0].split(">")[0].strip() for line in requirement_lines(os.path.join(REPO, dependencies["python"]))]
    assert names == ["requests", "elasticsearch"]
    elasticsearch = [line for line in requirement_lines(os.path.join(REPO, "requirements.txt")) if line.startswith("elasticsearch")]
    assert len(elasticsearch) == 1 and elasticsearch[0].startswith(("elasticsearch==9.", "elasticsearch>=9")), "the 9.x client"


def test_ansible_builder_accepts_the_collection_definition(tmp_path):
    """`ansible-builder create` takes meta/execution-environment.yml (schema version 3) and puts the
    Python requirements into the build context. Its paths are relative to the collection root, so
    the file is given to ansible-builder from a folder laid out like that root."""
    root = tmp_path / "collection-root"
    root.mkdir()
    shutil.copy(META_EE, root / "execution-environment.yml")
    for relative in yaml.safe_load(read(META_EE))["dependencies"].values():
        shutil.copy(os.path.join(REPO, relative), root / relative)
    context = tmp_path / "context"
    containerfile = create(str(root / "execution-environment.yml"), context)
    assert requirement_lines(context / "_build" / "requirements.txt") == requirement_lines(os.path.join(REPO, "requirements.txt"))
    assert "COPY _build/requirements.txt requirements.txt" in containerfile
    assert "introspect.py introspect --user-pip=requirements.txt" in containerfile
    assert "RUN /output/scripts/assemble" in containerfile


@pytest.mark.parametrize("definition, elasticsearch", [
    (AWX_EE, None),
    (AWX_EE_ES8, "elasticsearch>=8,<9"),
], ids=["es9", "es8"])
def test_execution_environment_installs_the_collection_and_its_requirements(tmp_path, definition, elasticsearch):
    """The definitions users build (extensions/awx): ansible-builder accepts them, the image gets
    ilert.watcher from ansible-galaxy, ansible-core and ansible-runner, and the build's
    introspection of the installed collection yields requests and the right Elasticsearch client."""
    context = tmp_path / "context"
    containerfile = create(definition, context)
    with open(context / "_build" / "requirements.yml", encoding="utf-8") as handle:
        assert {"name": "ilert.watcher"} in yaml.safe_load(handle)["collections"]
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.16 ansible-runner>=2.4"' in containerfile
    assert "RUN /output/scripts/install-from-bindep" in containerfile

    # What the builder stage runs once the collection is installed, with the same options.
    options = []
    for option, name in (("--user-pip", "requirements.txt"), ("--exclude-pip-reqs", "exclude-requirements.txt")):
        if os.path.exists(context / "_build" / name):
            assert "%s=%s" % (option, name) in containerfile
            options.append("%s=%s" % (option, context / "_build" / name))
    found = introspect(str(context), COLLECTIONS_PATH, *options)
    python = [line.split("#")[0].strip() for line in found["python"]]
    collection_requirements = requirement_lines(os.path.join(REPO, "requirements.txt"))
    assert [line for line in collection_requirements if line.startswith("requests")] == [line for line in python if line.startswith("requests")]
    if elasticsearch is None:
        assert python == collection_requirements
        assert all("from collection ilert.watcher" in line for line in found["python"])
    else:
        assert [line for line in python if line.startswith("elasticsearch")] == [elasticsearch]
    assert found["system"] == []
