#!/usr/bin/env bash
# Runs ansible-test (sanity, units, integration) on this work tree, offline.
#
# ansible-test only runs from a physical .../ansible_collections/<namespace>/<name>/ directory
# (a symlink is resolved and refused), while this repository's root is the collection itself.
# So the work tree (tracked files plus new files not ignored by git) is copied to
# .cache/ansible-test/ansible_collections/ilert/watcher and ansible-test runs there.
# Usage: tools/ansible-test.sh sanity|units|integration [ansible-test options]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
python_version=${PY:-3.12}
# One tree per stack (ANSIBLE set: an older ansible-core on the same Python) and command, so
# neither two stacks nor sanity and integration of one stack share a tree (each run copies it
# afresh) or the delegation venv in its tests/output. Sanity keeps the plain stack name.
stack=py$python_version${ANSIBLE:+-ansible$ANSIBLE}
case ${1:-} in
    sanity) ;;
    *) stack=$stack-${1:-} ;;
esac
tree=$root/.cache/ansible-test/$stack/ansible_collections/ilert/watcher

# ansible-test bootstraps pip in each venv it makes with a downloaded script; offer ours under the
# names the pinned ansible-core versions look for (2.16: pip 23.1.2, 2.19: 24.2, 2.21: 25.2).
# Written to a temporary name and renamed, so a run of another stack never reads a half copy.
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
for pip_version in 23_1_2 24_2 25_2; do
    if ! cmp -s "$root/tools/get_pip_offline.py" "$cache/get_pip_$pip_version.py"; then
        cp "$root/tools/get_pip_offline.py" "$cache/get_pip_$pip_version.py.$$"
        mv -f "$cache/get_pip_$pip_version.py.$$" "$cache/get_pip_$pip_version.py"
    fi
done

# Keep ansible-test's previous output (it holds the delegation venv) across the fresh copy.
saved_output=
if [ -d "$tree/tests/output" ]; then
    saved_output=$(mktemp -d "$root/.cache/ansible-test/output.XXXXXX")
    mv "$tree/tests/output" "$saved_output/"
fi
rm -rf "$tree"
mkdir -p "$tree"
(
    cd "$root"
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' path; do
            # The .collections symlink points back at the repository root; ansible-test
            # must not see it (it is only for running playbooks from a clone).
            case "$path" in .collections/*) continue ;; esac
            [ -e "$path" ] && printf '%s\0' "$path"
        done \
        | tar --null -T - -cf - \
        | tar -xf - -C "$tree"
)
# Written per run by tools/integration.sh (INTEGRATION_CONFIG) outside the work tree, so copied explicitly.
integration_config=${INTEGRATION_CONFIG:-$root/tests/integration/integration_config.yml}
if [ -f "$integration_config" ]; then
    cp "$integration_config" "$tree/tests/integration/integration_config.yml"
fi
if [ -n "$saved_output" ]; then
    mv "$saved_output/output" "$tree/tests/output"
    rmdir "$saved_output"
fi
(
    cd "$tree"
    git init -q
    git add -A
)

cd "$tree"
export PATH="$venv/bin:$PATH"
# --venv unless the caller asked for --local (integration tests need the project venv's libraries).
mode=--venv
for argument in "$@"; do [ "$argument" = --local ] && mode=; done
exec ansible-test "$@" ${mode:+"$mode"} --python "$python_version" --color no
