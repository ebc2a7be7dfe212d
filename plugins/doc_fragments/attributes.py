# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Standard attribute descriptions; each module only states its level of support."""

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: In check mode the module reports what it would change, with the same C(changed) and diff as a real run, and sends no write request.
  diff_mode:
    description: In diff mode the module returns the keys that change (or would change in check mode), before and after.
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads, so check mode changes nothing about what it does.
  diff_mode:
    support: N/A
    details: The module only reads.
"""

    ACTIONGROUP_ILERT = r"""
options: {}
attributes:
  action_group:
    description: The connection options can be set for all iLert modules at once with C(module_defaults) and C(group/ilert.watcher.ilert).
    support: full
    membership:
      - ilert.watcher.ilert
"""

    ACTIONGROUP_ELASTICSEARCH = r"""
options: {}
attributes:
  action_group:
    description: >-
      The connection options can be set for all Elasticsearch modules at once with C(module_defaults)
      and C(group/ilert.watcher.elasticsearch).
    support: full
    membership:
      - ilert.watcher.elasticsearch
"""
