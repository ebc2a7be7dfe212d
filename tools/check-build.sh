#!/usr/bin/env bash
# Builds the collection tarball and fails if it carries anything that is not collection content
# (venvs, caches, test output, CI files, the .collections back-link) or lacks what it must carry.
# Usage: tools/check-build.sh OUTPUT_DIR
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
output=${1:?usage: tools/check-build.sh OUTPUT_DIR}
mkdir -p "$output"
cd "$root"
ansible-galaxy collection build --force --output-path "$output" >/dev/null
version=$(sed -n 's/^version: *//p' galaxy.yml)
tarball=$output/ilert-watcher-$version.tar.gz
listing=$(tar -tzf "$tarball")

forbidden='(^|/)(\.venv[^/]*|\.cache|\.ansible|\.collections|\.ci|\.git|\.emulators|__pycache__|\.pytest_cache)(/|$)|^collections/|^tests/output/|^bench/results/|\.tar\.gz$'
if bad=$(grep -E "$forbidden" <<<"$listing"); then
    echo "FAIL: $tarball contains files that must stay out of it:" >&2
    head -n 20 <<<"$bad" >&2
    exit 1
fi
for required in MANIFEST.json FILES.json README.md meta/runtime.yml plugins/module_utils/_collection.py \
        tests/emulators/serve.py tests/emulators/requirements.txt; do
    if ! grep -qx "$required" <<<"$listing"; then
        echo "FAIL: $tarball lacks $required" >&2
        exit 1
    fi
done
echo "build: $tarball ($(wc -l <<<"$listing") entries, $(du -k "$tarball" | cut -f1) KiB), no venvs, caches or test output"
