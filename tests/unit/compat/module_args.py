# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""patch_module_args on every ansible-core meta/runtime.yml claims (2.16 and later).

ansible-core 2.19 added ansible.module_utils.testing.patch_module_args, and from 2.19 on patching
basic._ANSIBLE_ARGS alone fails ("No serialization profile was specified"); before 2.19 there is
no helper and that patch is the way, so the older releases get it here.
"""

from __future__ import annotations

import contextlib
import json
from unittest import mock

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args=None):
        """AnsibleModule in the block reads `args` as its module arguments."""
        serialized = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))
        with mock.patch.object(basic, "_ANSIBLE_ARGS", serialized):
            yield

__all__ = ["patch_module_args"]
