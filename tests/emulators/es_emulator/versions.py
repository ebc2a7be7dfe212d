# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which release is emulated, and what that release can do."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

LUCENE = {9: "10.2.2", 8: "9.12.2", 7: "8.11.3"}


@dataclass(frozen=True)
class ServerVersion:
    """An Elasticsearch release number and the version-dependent behaviour the emulator follows."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> "ServerVersion":
        match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text.strip())
        if not match:
            raise ValueError("version must look like 9.1.0, got %r" % text)
        version = cls(*(int(part) for part in match.groups()))
        if version < cls(7, 17, 0) or version.major > 9:
            raise ValueError("emulated versions are 7.17.x, 8.x and 9.x, got %s" % text)
        return version

    def __lt__(self, other: "ServerVersion") -> bool:
        return (self.major, self.minor, self.patch) < (other.major, other.minor, other.patch)

    def at_least(self, major: int, minor: int = 0, patch: int = 0) -> bool:
        return (self.major, self.minor, self.patch) >= (major, minor, patch)

    @property
    def number(self) -> str:
        return "%d.%d.%d" % (self.major, self.minor, self.patch)

    @property
    def build_hash(self) -> str:
        return hashlib.sha1(("es-emulator-" + self.number).encode("ascii")).hexdigest()

    # --- REST compatibility (RestCompatibleVersionHelper) -------------------------------------
    @property
    def minimum_compatible_major(self) -> int:
        """7.x has no older REST API to be compatible with; 8.x and 9.x accept the previous major."""
        return self.major if self.major == 7 else self.major - 1

    # --- features that appeared in a given release ---------------------------------------------
    @property
    def has_query_watches(self) -> bool:
        return self.at_least(7, 11)

    @property
    def has_settings_api(self) -> bool:
        return self.at_least(8, 8)

    @property
    def settings_allow_allocation(self) -> bool:
        """`index.routing.allocation.{include,exclude,require}.*` (elastic/elasticsearch#115251, 8.17)."""
        return self.at_least(8, 17)

    @property
    def has_schedule_timezone(self) -> bool:
        """`trigger.schedule.timezone` (elastic/elasticsearch#117033, backported to 8.18)."""
        return self.at_least(8, 18)

    @property
    def redacts_authorization_header(self) -> bool:
        """GET hides an `Authorization` header (elastic/elasticsearch#89482; first release assumed 8.6)."""
        return self.at_least(8, 6)

    @property
    def legacy_routes_native(self) -> bool:
        """7.x serves `/_xpack/watcher/...` itself; 8.x only for `compatible-with=7`; 9.x not at all."""
        return self.major == 7

    @property
    def legacy_routes_for_v7(self) -> bool:
        return self.major == 8

    @property
    def json_content_type(self) -> str:
        return "application/json; charset=UTF-8" if self.major == 7 else "application/json"

    def warning_header(self, message: str) -> str:
        escaped = message.replace("\\", "\\\\").replace('"', '\\"')
        return '299 Elasticsearch-%s-%s "%s"' % (self.number, self.build_hash, escaped)
