# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The custom credential types in extensions/awx/credential_types: accepted by AWX, and they set
exactly the environment variables the modules read, with the values a credential holds."""

from __future__ import annotations

import os
import re

import pytest

import awx_credentials

FILES = awx_credentials.credential_type_files()
TYPES = awx_credentials.load_by_name()
ES_TYPES = sorted(name for name in TYPES if name.startswith("elasticsearch"))
AUTH_VARIABLES = {"ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_API_KEY", "ELASTICSEARCH_BEARER_TOKEN"}
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n"


def test_the_expected_credential_types_exist():
    assert sorted(TYPES) == ["elasticsearch_api_key", "elasticsearch_basic_auth", "elasticsearch_bearer_token", "ilert"]
    assert len(set(ct["name"] for ct in TYPES.values())) == len(TYPES), "AWX needs unique credential type names"


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_awx_accepts_the_credential_type(path):
    credential_type = awx_credentials.load(path)
    assert awx_credentials.validate(credential_type) == []
    assert credential_type["kind"] == "cloud"
    assert credential_type["description"].strip()
    for field in credential_type["inputs"]["fields"]:
        assert field["label"].strip() and field["help_text"].strip()
        assert field["type"] == "string"


def test_the_validation_catches_what_awx_refuses():
    """The checks above are not vacuous: each mistake AWX refuses is reported."""
    good = TYPES["ilert"]
    broken = dict(good, injectors={"env": {"ILERT_API_TOKEN": "{{ api_tokn }}", "ANSIBLE_CONFIG": "x"}})
    problems = awx_credentials.validate(broken)
    assert any("api_tokn" in problem for problem in problems)
    assert any("ANSIBLE_CONFIG" in problem for problem in problems)
    broken = dict(good, inputs=dict(good["inputs"], required=["api_token", "nope"]))
    assert awx_credentials.validate(broken) == ["required names an undefined field: nope"]
    broken = dict(good, injectors={"env": {"X": "{{ tower.filename }}"}})
    assert "Must define unnamed file injector" in " ".join(awx_credentials.validate(broken))
    broken = dict(good, kind="ssh")
    assert awx_credentials.validate(broken)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_injectors_set_only_variables_the_modules_read(name, modules_env):
    env = TYPES[name]["injectors"]["env"]
    assert set(env) <= set(modules_env), "no module reads %s" % sorted(set(env) - set(modules_env))
    assert "extra_vars" not in TYPES[name]["injectors"]


@pytest.mark.parametrize("name", sorted(TYPES))
def test_secrets_are_marked_secret(name, modules_env):
    """A field whose value reaches a no_log option is secret (AWX encrypts it and hides it in the API and UI)."""
    credential_type = TYPES[name]
    secret = awx_credentials.secret_ids(credential_type)
    for variable, template in credential_type["injectors"]["env"].items():
        used = set(re.findall(r"\b(\w+)\b", template)) & set(awx_credentials.field_ids(credential_type))
        if modules_env[variable][1]:
            assert used and used <= secret, "%s feeds the no_log option %s" % (sorted(used), modules_env[variable][0])
        else:
            assert not used & secret, "%s is not secret in the modules, but %s is" % (variable, sorted(used & secret))
    assert secret, "every credential type carries a secret"
    assert set(credential_type["inputs"]["required"]) >= secret, "a credential without its secret is useless"


def test_ilert_injector(tmp_path, modules_env):
    credential_type = TYPES["ilert"]
    env = awx_credentials.inject(credential_type, {"api_token": "il-token", "api_url": "https://ilert.example.com/"}, str(tmp_path))
    assert env == {"ILERT_API_TOKEN": "il-token", "ILERT_ENDPOINT": "https://ilert.example.com/"}
    assert modules_env["ILERT_API_TOKEN"] == ("api_token", True)
    # An empty URL is not passed on as an empty ILERT_ENDPOINT (the module would take "" for the URL).
    env = awx_credentials.inject(credential_type, {"api_token": "il-token", "api_url": ""}, str(tmp_path))
    assert env["ILERT_ENDPOINT"] == "https://api.ilert.com"
    env = awx_credentials.inject(credential_type, {"api_token": "il-token"}, str(tmp_path))
    assert env["ILERT_ENDPOINT"] == "https://api.ilert.com"


@pytest.mark.parametrize("name, inputs, expected", [
    ("elasticsearch_api_key", {"api_key": "a2V5OnNlY3JldA=="}, {"ELASTICSEARCH_API_KEY": "a2V5OnNlY3JldA=="}),
    ("elasticsearch_basic_auth", {"username": "watcher", "password": "pw"}, {"ELASTICSEARCH_USERNAME": "watcher", "ELASTICSEARCH_PASSWORD": "pw"}),
    ("elasticsearch_bearer_token", {"bearer_token": "eyJhbGciOi"}, {"ELASTICSEARCH_BEARER_TOKEN": "eyJhbGciOi"}),
])
def test_elasticsearch_injectors(tmp_path, name, inputs, expected):
    """Each type sets its own authentication variables and no other: AWX sets every variable an
    injector names, even to "", and the modules count an empty ELASTICSEARCH_USERNAME beside
    ELASTICSEARCH_API_KEY as two authentication methods (mutually exclusive)."""
    credential_type = TYPES[name]
    hosts = "https://es1.example.com:9200,https://es2.example.com:9200"
    env = awx_credentials.inject(credential_type, dict(inputs, hosts=hosts), str(tmp_path))
    assert env == dict(expected, ELASTICSEARCH_ENDPOINTS=hosts, ELASTICSEARCH_CA_FILE="")
    assert set(env) & AUTH_VARIABLES == set(expected)


@pytest.mark.parametrize("name", ES_TYPES)
def test_ca_certificate_is_injected_as_a_file(tmp_path, name):
    credential_type = TYPES[name]
    inputs = dict((field_id, "value-of-%s" % field_id) for field_id in credential_type["inputs"]["required"])
    env = awx_credentials.inject(credential_type, dict(inputs, ca_cert=CA_PEM), str(tmp_path))
    path = env["ELASTICSEARCH_CA_FILE"]
    assert os.path.dirname(path) == str(tmp_path / "env")
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == CA_PEM
    assert os.stat(path).st_mode & 0o777 == 0o600
    # Without a CA the variable is empty, which the modules ignore (an empty file would not be).
    env = awx_credentials.inject(credential_type, dict(inputs, ca_cert=""), str(tmp_path / "other"))
    assert env["ELASTICSEARCH_CA_FILE"] == ""
