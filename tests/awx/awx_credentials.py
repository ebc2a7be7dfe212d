# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX does with a custom credential type, in a few functions, for tests.

``validate`` applies the checks AWX makes when a credential type is created through its API
(``CredentialTypeInputField`` and ``CredentialTypeInjectorField`` in ``awx/main/fields.py``):
the JSON schemas of ``inputs`` and ``injectors``, unique field ids, ``tower`` reserved, string-only
keys, environment variable names, and every injector template rendered with ``StrictUndefined``
against the defined field ids. ``inject`` renders the injectors the way a job does
(``CredentialType.inject_credential`` in ``awx/main/models/credential/__init__.py``): inputs left
empty are undefined, ``file`` templates are written to files under ``<private_data_dir>/env``
whose paths become ``tower.filename``, and every ``env`` template is rendered in jinja2's
immutable sandbox.
"""

from __future__ import annotations

import os
import stat
import tempfile

import jsonschema
import yaml
from jinja2 import StrictUndefined, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_PATH = os.path.join(REPO, ".collections")
CREDENTIAL_TYPES_DIR = os.path.join(REPO, "extensions", "awx", "credential_types")

# AWX refuses these in credential injectors (settings.ENV_BLOCKLIST), as well as ANSIBLE_*.
ENV_BLOCKLIST = frozenset((
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
    "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
    "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH",
))

# The fields AWX's API accepts for a custom credential type (POST /api/v2/credential_types/).
CREDENTIAL_TYPE_KEYS = frozenset(("name", "description", "kind", "inputs", "injectors"))

INPUTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"enum": ["string", "boolean"]},
                    "format": {"enum": ["ssh_private_key", "url"]},
                    "choices": {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
                    "id": {"type": "string", "pattern": "^[a-zA-Z_]+[a-zA-Z0-9_]*$"},
                    "label": {"type": "string"},
                    "help_text": {"type": "string"},
                    "multiline": {"type": "boolean"},
                    "secret": {"type": "boolean"},
                    "ask_at_runtime": {"type": "boolean"},
                    "default": {},
                },
                "additionalProperties": False,
                "required": ["id", "label"],
            },
        },
    },
}

_NAME = "^[a-zA-Z_]+[a-zA-Z0-9_]*$"
INJECTORS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "object",
            "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {"type": "string"}},
            "additionalProperties": False,
        },
        "env": {
            "type": "object",
            "patternProperties": {_NAME: {"type": "string", "pattern": "^[\x00-\x7F]*$"}},
            "additionalProperties": False,
        },
        "extra_vars": {
            "type": "object",
            "patternProperties": {_NAME: {"type": "string"}},
            "additionalProperties": False,
        },
    },
}


def credential_type_files():
    return sorted(
        os.path.join(CREDENTIAL_TYPES_DIR, name) for name in os.listdir(CREDENTIAL_TYPES_DIR) if name.endswith((".yml", ".yaml"))
    )


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_by_name():
    """{file name without extension: credential type}."""
    return dict((os.path.splitext(os.path.basename(path))[0], load(path)) for path in credential_type_files())


def field_ids(credential_type):
    return [field["id"] for field in credential_type["inputs"].get("fields", [])]


def secret_ids(credential_type):
    return set(field["id"] for field in credential_type["inputs"].get("fields", []) if field.get("secret"))


def validate(credential_type):
    """The problems AWX would refuse the credential type for, as a list of messages (empty: accepted)."""
    problems = []
    unknown = set(credential_type) - CREDENTIAL_TYPE_KEYS
    if unknown:
        problems.append("keys AWX does not take: %s" % sorted(unknown))
    for key in ("name", "kind", "inputs", "injectors"):
        if key not in credential_type:
            problems.append("missing %s" % key)
    if problems:
        return problems
    if credential_type["kind"] not in ("cloud", "net"):
        problems.append("custom credential types must be of kind cloud or net, not %r" % credential_type["kind"])
    if not isinstance(credential_type["name"], str) or not credential_type["name"] or len(credential_type["name"]) > 512:
        problems.append("name must be a non-empty string of at most 512 characters")

    inputs, injectors = credential_type["inputs"], credential_type["injectors"]
    for schema, value, what in ((INPUTS_SCHEMA, inputs, "inputs"), (INJECTORS_SCHEMA, injectors, "injectors")):
        for error in jsonschema.Draft4Validator(schema).iter_errors(value):
            problems.append("%s: %s at %s" % (what, error.message, list(error.path)))
    if problems:
        return problems
    if "dependencies" in inputs:
        problems.append("'dependencies' is not supported for custom credentials")

    seen = set()
    for field in inputs.get("fields", []):
        field_type = field.get("type", "string")
        if field["id"] == "tower":
            problems.append('"tower" is a reserved field name')
        if field["id"] in seen:
            problems.append("field IDs must be unique (%s)" % field["id"])
        seen.add(field["id"])
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}[field_type]):
            problems.append("default of %s is not a %s" % (field["id"], field_type))
        for key in ("choices", "multiline", "format", "secret"):
            if key in field and field_type != "string":
                problems.append("%s not allowed for %s type (%s)" % (key, field_type, field["id"]))
    for required in inputs.get("required", []):
        if required not in seen:
            problems.append("required names an undefined field: %s" % required)

    for env_var in injectors.get("env", {}):
        if env_var.startswith("ANSIBLE_") or env_var in ENV_BLOCKLIST:
            problems.append("environment variable %s is not allowed in credentials" % env_var)

    namespace = dict((field_id, "EXAMPLE") for field_id in seen)

    class ExplodingNamespace:
        def __str__(self):
            raise UndefinedError("Must define unnamed file injector in order to reference `tower.filename`.")

    class TowerNamespace:
        def __init__(self):
            self.filename = ExplodingNamespace()

        def __str__(self):
            raise UndefinedError("Cannot directly reference reserved `tower` namespace container.")

    namespace["tower"] = TowerNamespace()
    template_names = [name for name in injectors.get("file", {}) if name.startswith("template")]
    if "template" in template_names:
        namespace["tower"].filename = "EXAMPLE_FILENAME"
        if len(template_names) > 1:
            problems.append("Must use multi-file syntax when injecting multiple files")
    else:
        for name in template_names:
            setattr(namespace["tower"].filename, name.split(".")[1], "EXAMPLE_FILENAME")

    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind, injector in injectors.items():
        for key, template in injector.items():
            try:
                environment.from_string(template).render(namespace)
            except Exception as exc:  # pylint: disable=broad-except  # AWX turns every failure into a 400
                problems.append("%s %s: %s: %s" % (kind, key, type(exc).__name__, exc))
    return problems


def inject(credential_type, inputs, private_data_dir):
    """The environment variables a job gets from a credential of this type with these inputs.

    Files of ``file`` injectors are written under ``<private_data_dir>/env``, as AWX does; the
    paths are the host paths (AWX maps them into the execution environment's /runner/env).
    """
    class Namespace:
        pass

    tower = Namespace()
    namespace = {"tower": tower}
    for name, value in inputs.items():
        if isinstance(value, bool):
            namespace[name] = value
        elif len(value):
            namespace[name] = value
    for field in credential_type["inputs"].get("fields", []):
        if field.get("type", "string") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False

    environment = ImmutableSandboxedEnvironment()
    env_dir = os.path.join(private_data_dir, "env")
    os.makedirs(env_dir, exist_ok=True)
    for label, template in credential_type["injectors"].get("file", {}).items():
        data = environment.from_string(template).render(**namespace)
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as stream:
            stream.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." not in label:
            tower.filename = path
        else:
            if not hasattr(tower, "filename"):
                tower.filename = Namespace()
            setattr(tower.filename, label.split(".")[1], path)

    return dict(
        (name, environment.from_string(template).render(**namespace))
        for name, template in credential_type["injectors"].get("env", {}).items()
    )
