# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTML documentation (tools/docs.sh build) has a page for every module, filter and the role, naming every option.

The expected names are read from the sources (DOCUMENTATION of each module with its doc fragments, the filters'
DOCUMENTATION, the role's meta/argument_specs.yml), not from what antsibull-docs produced. A build left by
`tools/docs.sh build` is reused only when its fingerprint matches the current sources; otherwise the site is rebuilt.
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS_SH = ROOT / "tools" / "docs.sh"
COLLECTION = "ilert.watcher"


def _docs_dir():
    return Path(os.environ.get("DOCS_DIR") or ROOT / ".cache" / "docs")


def _fingerprint():
    return subprocess.run([str(DOCS_SH), "fingerprint"], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(name="site", scope="session")
def _site():
    docs_dir = _docs_dir()
    marker = docs_dir / ".fingerprint"
    current = _fingerprint()
    if not marker.is_file() or marker.read_text().strip() != current:
        # Built before the last change to a documented source (or never): build again rather than test old pages.
        subprocess.run([str(DOCS_SH), "build"], check=True, env={**os.environ, "DOCS_DIR": str(docs_dir)})
        assert marker.read_text().strip() == current, "the sources changed while the docs were being built"
    html = docs_dir / "build" / "html" / "collections" / "ilert" / "watcher"
    assert html.is_dir(), f"no collection pages under {html}"
    return html


class _Page(HTMLParser):
    """Element ids and the visible text of an HTML page."""

    def __init__(self):
        super().__init__()
        self.ids = set()
        self._text = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)

    def handle_data(self, data):
        self._text.append(data)

    @property
    def text(self):
        return " ".join(self._text)


def _read_page(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _option_paths(options, prefix=""):
    """(anchor path, name) for every option and suboption, aliases as names of the same anchor."""
    for name, spec in (options or {}).items():
        path = f"{prefix}{name}"
        yield path, name
        for alias in (spec or {}).get("aliases") or []:
            yield path, alias
        yield from _option_paths((spec or {}).get("suboptions"), prefix=f"{path}/")


def missing_options(page_path, expected, anchor_prefix="parameter-"):
    """Option names the page does not name: no anchor for the option, or the name nowhere in the text."""
    page = _read_page(page_path)
    words = set(re.findall(r"[\w.-]+", page.text))
    return sorted({f"{path} ({name})" for path, name in expected
                   if f"{anchor_prefix}{path}" not in page.ids or name not in words})


def _fragment(name):
    """The YAML of doc fragment `ilert.watcher.X[.SECTION]` from plugins/doc_fragments/X.py (read, not imported)."""
    parts = name[len(COLLECTION) + 1:].split(".")
    attribute = parts[1].upper() if len(parts) > 1 else "DOCUMENTATION"
    tree = ast.parse((ROOT / "plugins" / "doc_fragments" / f"{parts[0]}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "ModuleDocFragment":
            for item in node.body:
                if isinstance(item, ast.Assign) and any(getattr(t, "id", None) == attribute for t in item.targets):
                    return yaml.safe_load(ast.literal_eval(item.value))
    raise AssertionError(f"doc fragment {name}: no {attribute} in ModuleDocFragment")


def _module_documentation(path):
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(ast.literal_eval(node.value))
    raise AssertionError(f"{path}: no DOCUMENTATION")


def module_options(path):
    doc = _module_documentation(path)
    options = {}
    for fragment in doc.get("extends_documentation_fragment") or []:
        assert fragment.startswith(f"{COLLECTION}."), f"{path.name}: fragment {fragment} from another collection"
        options.update(_fragment(fragment).get("options") or {})
    options.update(doc.get("options") or {})
    return list(_option_paths(options))


def _filter_names():
    """Every filter the collection provides: the keys of FilterModule.filters() in plugins/filter/*.py."""
    for path in sorted((ROOT / "plugins" / "filter").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == "filters":
                returned = next((n.value for n in ast.walk(node) if isinstance(n, ast.Return)), None)
                if returned is None:
                    continue
                yield from (ast.literal_eval(key) for key in returned.keys)


def _filter_documentation(name):
    """What ansible-doc shows for a filter: its sidecar NAME.yml, else DOCUMENTATION in NAME.py."""
    sidecar = ROOT / "plugins" / "filter" / f"{name}.yml"
    if sidecar.is_file():
        return yaml.safe_load(sidecar.read_text())["DOCUMENTATION"]
    return _module_documentation(ROOT / "plugins" / "filter" / f"{name}.py")


MODULES = sorted(p for p in (ROOT / "plugins" / "modules").glob("*.py") if p.name != "__init__.py")
FILTERS = sorted(_filter_names())
ROLES = sorted(p.parent.parent for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))


def test_sources_found():
    assert MODULES and FILTERS and ROLES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_module_page_names_every_option(site, module):
    page = site / f"{module.stem}_module.html"
    assert page.is_file(), f"no page for module {module.stem}"
    expected = module_options(module)
    assert expected, f"{module.name}: no options documented"
    assert missing_options(page, expected) == []


@pytest.mark.parametrize("name", FILTERS)
def test_filter_page_names_every_option(site, name):
    page = site / f"{name}_filter.html"
    assert page.is_file(), f"no page for filter {name}"
    doc = _filter_documentation(name)
    assert doc["name"] == name, f"the documentation shown for filter {name} is that of {doc['name']}"
    # The input is rendered under the heading "Input", not by its name _input: its anchor is what shows it.
    expected = [(path, option) for path, option in _option_paths(doc.get("options")) if path != "_input"]
    assert missing_options(page, expected) == []
    assert "parameter-_input" in _read_page(page).ids


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_role_page_names_every_option_of_every_entry_point(site, role):
    page = site / f"{role.name}_role.html"
    assert page.is_file(), f"no page for role {role.name}"
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    for entry_point, spec in specs.items():
        expected = list(_option_paths(spec.get("options")))
        assert expected, f"role {role.name}, entry point {entry_point}: no options"
        # Role option anchors carry the entry point: parameter-<entry point>--<option path>.
        assert missing_options(page, expected, anchor_prefix=f"parameter-{entry_point}--") == [], entry_point


def test_a_page_without_an_option_fails_the_check(site, tmp_path):
    """The check above can fail: the es_watch page with one option's anchor and name taken out is caught."""
    module = ROOT / "plugins" / "modules" / "es_watch.py"
    expected = module_options(module)
    path, name = next((p, n) for p, n in expected if "/" not in p and p == n)
    html = (site / "es_watch_module.html").read_text(encoding="utf-8")
    html = html.replace(f'id="parameter-{path}"', 'id="parameter-gone"')
    html = re.sub(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", "gone", html)
    mutilated = tmp_path / "es_watch_module.html"
    mutilated.write_text(html, encoding="utf-8")
    assert f"{path} ({name})" in missing_options(mutilated, expected)
