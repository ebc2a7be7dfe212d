#!/usr/bin/env bash
# The collection's documentation as Ansible's docs site renders it (antsibull-docs).
#   tools/docs.sh lint          antsibull-docs lint-collection-docs --plugin-docs: markup, links, option references
#   tools/docs.sh build         the HTML site into $DOCS_DIR (default .cache/docs), offline
#   tools/docs.sh fingerprint   the hash of everything the site is built from (tests/docs reuses a build only when it matches)
# Uses $VENV (default .venv) with requirements-docs.txt installed.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
DOCS_DIR="${DOCS_DIR:-$ROOT/.cache/docs}"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
# Only this clone's copy of the collection, never one a user installed elsewhere.
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"

need_antsibull() {
  command -v antsibull-docs >/dev/null 2>&1 || {
    echo "docs: antsibull-docs is not in $VENV; install it with: $VENV/bin/python -m pip install -r requirements-docs.txt" >&2
    exit 2
  }
}

# Everything the generated pages depend on: the docs live in the plugins, the doc fragments and the role's
# argument spec; galaxy.yml and meta/ feed the collection index; this script, the pins and ansible-doc's
# version (ansible-core) shape the rest.
fingerprint() {
  cd "$ROOT"
  {
    antsibull-docs --version 2>/dev/null || echo "no antsibull-docs"
    ansible --version 2>/dev/null | sed -n 1p || echo "no ansible"
    find plugins roles/*/meta galaxy.yml meta tools/docs.sh requirements-docs.txt -type f \
      ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

lint() {
  need_antsibull
  # 'dependent': references to this collection and ansible.builtin are checked, and one to a collection
  # we do not depend on is an error rather than silently left unchecked.
  antsibull-docs lint-collection-docs --plugin-docs \
    --validate-collection-refs dependent --disallow-unknown-collection-refs \
    --check-extra-docs-refs "$ROOT"
  echo "docs lint: clean"
}

# Sphinx resolves the pages' links into Ansible's own docs (ansible_configuration_settings, common_return_values)
# through intersphinx, which downloads objects.inv files. Instead the build reads this small local inventory that
# points the same labels at docs.ansible.com, so the links stay and nothing is fetched. A label antsibull-docs
# starts using later fails the build (sphinx-build -W) until it is added here.
write_inventory() {
  python - "$1" <<'EOF'
import sys
import zlib

labels = {
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings",
                                       "Ansible Configuration Settings"),
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values",
                             "Return Values"),
}
body = "".join(f"{name} std:label -1 {uri} {title}\n" for name, (uri, title) in sorted(labels.items()))
with open(sys.argv[1], "wb") as f:
    f.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
            b"# The remainder of this file is compressed using zlib.\n")
    f.write(zlib.compress(body.encode("utf-8")))
EOF
}

build() {
  need_antsibull
  local started=$SECONDS
  # Only ever remove a directory an earlier build made (conf.py from sphinx-init) or an empty one.
  if [ -d "$DOCS_DIR" ] && [ ! -f "$DOCS_DIR/conf.py" ] && [ -n "$(ls -A "$DOCS_DIR")" ]; then
    echo "docs build: $DOCS_DIR is not empty and not a docs build; choose another DOCS_DIR" >&2
    exit 2
  fi
  rm -rf "$DOCS_DIR"
  mkdir -p "$DOCS_DIR"
  antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$DOCS_DIR" \
    --project ilert.watcher --copyright "ilert.watcher maintainers" --title "ilert.watcher" \
    ilert.watcher >/dev/null
  write_inventory "$DOCS_DIR/ansible_devel.inv"
  # sphinx-init maps python, python3, jinja2 and ansible_devel to inventories on the web; keep only ansible_devel,
  # read from the local file (relative to rst/, the source directory).
  cat >> "$DOCS_DIR/conf.py" <<'EOF'

# tools/docs.sh: an offline build, no inventory is downloaded.
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv'),
}
EOF
  # build.sh: antsibull-docs collection (RST from ansible-doc) then sphinx-build -W --keep-going.
  "$DOCS_DIR/build.sh" > "$DOCS_DIR/build.log" 2>&1 || {
    grep -E 'WARNING|ERROR|Error' "$DOCS_DIR/build.log" >&2 || tail -n 30 "$DOCS_DIR/build.log" >&2
    echo "docs build: failed (log: $DOCS_DIR/build.log)" >&2
    exit 1
  }
  if grep -E 'loading intersphinx inventory .*https?://' "$DOCS_DIR/build.log" >&2; then
    echo "docs build: an inventory was fetched from the network" >&2
    exit 1
  fi
  fingerprint > "$DOCS_DIR/.fingerprint"
  echo "docs build: $DOCS_DIR/build/html/index.html ($((SECONDS - started)) s)"
}

case "${1:-}" in
  lint) lint ;;
  build) build ;;
  fingerprint) fingerprint ;;
  *) echo "usage: tools/docs.sh lint|build|fingerprint" >&2; exit 2 ;;
esac
