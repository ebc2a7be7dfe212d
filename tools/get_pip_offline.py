# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the get-pip.py that ansible-test downloads into every venv it makes.

ansible-test fetches get-pip from a host these machines cannot reach, but first looks in
~/.ansible/test/cache/get_pip_<version>.py; tools/ansible-test.sh puts this file there.
It bootstraps pip from the interpreter's own ensurepip, then installs what ansible-test asked for.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys


def main() -> int:
    # ensurepip points PIP_CONFIG_FILE at /dev/null inside os.environ; the later pip install
    # needs the machine's pip.conf (CA bundle, package index), so keep the original environment.
    environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    requested = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    return subprocess.call([sys.executable, "-m", "pip", "install"] + requested, env=environment)


if __name__ == "__main__":
    sys.exit(main())
