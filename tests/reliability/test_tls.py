# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS certificates are verified by default, and the documented ways to trust a private CA work.

Both emulators are served over HTTPS with a certificate for 127.0.0.1 from a CA made for the test
(trustme). One playbook run asks each module, task by task, with and without the CA:
es_watch_info without ca_path (verified by default: it must fail and name ca_path), with ca_path,
with ELASTICSEARCH_CA_FILE, with ca_path of another CA, and with validate_certs=false;
ilert_alert_source_info (the iLert client has no ca_path: it honours REQUESTS_CA_BUNDLE) without a
CA, with REQUESTS_CA_BUNDLE, with REQUESTS_CA_BUNDLE of another CA, and with validate_certs=false,
also when REQUESTS_CA_BUNDLE names another CA; and both against a server whose certificate, from
the trusted CA, names another host (the host name is checked too). Each task asks for its own
watch or source id, so the emulators' request logs show which tasks got through the handshake: a
refused certificate must mean that no request was made. Last, the site playbook over HTTPS: it
stops at the first watch without eswatcher_es_ca_path and sends Elasticsearch nothing, and works
with it.
"""

from __future__ import annotations

import json
import ssl

import pytest
import requests
import trustme

from conftest import ROOT, LoggedServer, run_playbook, sources_vars
from es_emulator.app import WatcherEmulator
from ilert_emulator.access import DEFAULT_TOKEN
from ilert_emulator.app import IlertEmulator

# name: (module, its id option, the id it asks for, task options, task environment,
#        None when it must work, else what the failure must say)
CASES = {
    "es_default": ("es_watch_info", "watch_id", "tls-default", {}, {}, "CERTIFICATE_VERIFY_FAILED"),
    "es_ca_path": ("es_watch_info", "watch_id", "tls-ca-path", {"ca_path": "@CA@"}, {}, None),
    "es_ca_file_env": ("es_watch_info", "watch_id", "tls-ca-env", {}, {"ELASTICSEARCH_CA_FILE": "@CA@"}, None),
    "es_other_ca": ("es_watch_info", "watch_id", "tls-other-ca", {"ca_path": "@OTHER@"}, {}, "CERTIFICATE_VERIFY_FAILED"),
    "es_insecure": ("es_watch_info", "watch_id", "tls-insecure", {"validate_certs": False}, {}, None),
    "es_wrong_name": ("es_watch_info", "watch_id", "tls-wrong-name", {"hosts": ["@WRONG_NAME@"], "ca_path": "@CA@"}, {}, "match"),
    "ilert_default": ("ilert_alert_source_info", "id", 901, {}, {}, "CERTIFICATE_VERIFY_FAILED"),
    "ilert_ca_bundle": ("ilert_alert_source_info", "id", 902, {}, {"REQUESTS_CA_BUNDLE": "@CA@"}, None),
    "ilert_other_ca": ("ilert_alert_source_info", "id", 903, {}, {"REQUESTS_CA_BUNDLE": "@OTHER@"}, "CERTIFICATE_VERIFY_FAILED"),
    "ilert_insecure": ("ilert_alert_source_info", "id", 904, {"validate_certs": False}, {}, None),
    "ilert_insecure_other_ca": ("ilert_alert_source_info", "id", 905, {"validate_certs": False}, {"REQUESTS_CA_BUNDLE": "@OTHER@"}, None),
    "ilert_wrong_name": ("ilert_alert_source_info", "id", 906, {"api_url": "@WRONG_NAME@"}, {"REQUESTS_CA_BUNDLE": "@CA@"}, "match"),
}


def tls_playbook(files: dict, dump: str) -> str:
    """A play with one task per case, each registered and dumped."""
    tasks = []
    for name, (module, id_option, ident, options, environment, dummy) in CASES.items():
        arguments = dict(options, **{id_option: ident})
        task = {"name": name, "ilert.watcher." + module: arguments, "register": name, "ignore_errors": True}
        if environment:
            task["environment"] = environment
        tasks.append(task)
    tasks.append({"name": "Dump the results", "ansible.builtin.copy": {
        "content": "{{ {%s} | to_json }}" % ", ".join("'%s': %s" % (name, name) for name in CASES), "dest": dump, "mode": "0600"}})
    text = json.dumps([{"name": "TLS", "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}])
    for placeholder, value in (("@CA@", files["ca"]), ("@OTHER@", files["other"]), ("@WRONG_NAME@", files["wrong_name_url"])):
        text = text.replace(placeholder, value)
    return text


def certificates(tmp_path):
    """(CA files, server SSL context for 127.0.0.1, the CA): files `ca` (trusted) and `other` (a CA that signed nothing here)."""
    authority, other = trustme.CA(), trustme.CA()
    files = {"ca": str(tmp_path / "ca.pem"), "other": str(tmp_path / "other-ca.pem")}
    authority.cert_pem.write_to_path(files["ca"])
    other.cert_pem.write_to_path(files["other"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return files, context, authority


@pytest.fixture(name="tls", scope="module")
def fixture_tls(tmp_path_factory):
    """(results by case, iLert request log, Elasticsearch request log, playbook run) of one run against HTTPS emulators."""
    tmp_path = tmp_path_factory.mktemp("tls")
    files, context, authority = certificates(tmp_path)
    # A certificate from the trusted CA, but for another name than the one the client connects to.
    wrong_name = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("elasticsearch.example.test").configure_cert(wrong_name)
    playbook, dump = tmp_path / "tls.yml", tmp_path / "results.json"
    with LoggedServer(IlertEmulator(), ssl_context=context) as ilert, LoggedServer(WatcherEmulator(scheduler=False), ssl_context=context) as es, \
            LoggedServer(WatcherEmulator(scheduler=False), ssl_context=wrong_name) as misnamed:
        assert ilert.url.startswith("https://") and es.url.startswith("https://")
        files["wrong_name_url"] = misnamed.url
        playbook.write_text(tls_playbook(files, str(dump)), encoding="utf-8")
        environment = {"ILERT_ENDPOINT": ilert.url, "ILERT_API_TOKEN": DEFAULT_TOKEN, "ELASTICSEARCH_ENDPOINTS": es.url}
        answer = run_playbook(playbook, tmp_path, environment, None)
        assert answer.rc == 0, answer.stdout[-4000:] + answer.stderr[-2000:]
        assert misnamed.log.entries == [], "a request got through to a server with the wrong name"
        yield json.loads(dump.read_text(encoding="utf-8")), list(ilert.log.entries), list(es.log.entries), answer


def reached(log: list, ident) -> bool:
    """Whether a request for this watch or source id got through to the emulator."""
    return any("/%s" % ident in entry["request"].split("?", 1)[0] for entry in log)


@pytest.mark.parametrize("case", sorted(CASES))
def test_certificate_verification(tls, case):
    results, ilert_log, es_log, dummy = tls
    module, dummy, ident, dummy, dummy, reason = CASES[case]
    result = results[case]
    log = es_log if module.startswith("es_") else ilert_log
    if reason is None:
        assert not result.get("failed"), result
        assert reached(log, ident), "the module reported success without asking the emulator"
    else:
        assert result.get("failed"), "an untrusted certificate was accepted: %s" % result
        assert not reached(log, ident), "a request got through a refused handshake"
        assert "TLS/certificate problem" in result["msg"] and reason in result["msg"], result["msg"]
        assert "Traceback" not in result["msg"] and "\n" not in result["msg"], result["msg"]


def test_elasticsearch_failure_names_the_fix(tls):
    message = tls[0]["es_default"]["msg"]
    assert "ca_path" in message and "validate_certs=false" in message, message


def test_ilert_failure_names_the_fix(tls):
    message = tls[0]["ilert_default"]["msg"]
    assert "REQUESTS_CA_BUNDLE" in message and "validate_certs=false" in message, message


def test_opting_out_is_quiet_and_everything_else_got_through(tls):
    results, ilert_log, es_log, answer = tls
    # validate_certs=false is a choice the user made: the client's InsecureRequestWarning is not printed.
    assert "InsecureRequestWarning" not in answer.stdout + answer.stderr
    assert results["es_insecure"]["watches"] == [] and results["ilert_insecure"]["alert_sources"] == []
    assert len(es_log) > 0 and len(ilert_log) > 0 and all(entry["status"] < 500 for entry in es_log + ilert_log)


def test_site_playbook_verifies_and_takes_the_ca(tmp_path):
    """The role over HTTPS: eswatcher_es_ca_path reaches es_watch, and without it nothing is sent to Elasticsearch."""
    files, context, dummy = certificates(tmp_path)
    with LoggedServer(IlertEmulator(), ssl_context=context) as ilert, LoggedServer(WatcherEmulator(scheduler=False), ssl_context=context) as es:
        environment = {"ILERT_ENDPOINT": ilert.url, "ILERT_API_TOKEN": DEFAULT_TOKEN, "ELASTICSEARCH_ENDPOINTS": es.url,
                       "REQUESTS_CA_BUNDLE": files["ca"]}
        variables = sources_vars(1, 1, prefix="tls")
        refused = run_playbook(ROOT / "playbooks" / "site.yml", tmp_path, environment, variables)
        assert refused.rc != 0 and refused.recap()["failed"] == 1, refused.stdout[-3000:]
        assert "TLS/certificate problem" in refused.stdout and "Set ca_path" in refused.stdout, refused.stdout[-3000:]
        assert es.log.entries == [] and es.app.stats.snapshot()["requests"] == 0
        assert len(ilert.app.account.all("alertSources")) == 1  # iLert trusted the CA through REQUESTS_CA_BUNDLE

        trusted = run_playbook(ROOT / "playbooks" / "site.yml", tmp_path, environment, dict(variables, eswatcher_es_ca_path=files["ca"]))
        assert trusted.rc == 0 and trusted.recap()["failed"] == 0, trusted.stdout[-3000:]
        stored = es.app.stats.snapshot()["writes_by_route"]
        assert stored == {"PUT /_watcher/watch/<id>": 1}, stored
        stored_watch = requests.get(es.url + "/_watcher/watch/tls-0-0", verify=files["ca"], timeout=10).json()["watch"]
        assert stored_watch["actions"]["ilert"]["webhook"]["scheme"] == "https", stored_watch  # to iLert as the role reached it
