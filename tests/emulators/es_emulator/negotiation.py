# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Content negotiation: `Accept`, `Content-Type` and REST API compatibility (`compatible-with=N`).

Mirrors RestRequest/RestCompatibleVersionHelper: a compatible version may be the server's own
major or the one before it; when a body is sent, Accept and Content-Type must both carry the same
version or neither; malformed or refused headers give 400 `media_type_header_exception`, an
unsupported body type gives 406 `Content-Type header [...] is not supported`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import EsError, PlainError
from .versions import ServerVersion

_TOKEN = re.compile(r"^[\w!#$%&'*+.^`|~-]+$")
# What the emulator can read and write; smile and cbor are binary formats it does not speak.
_FORMATS = {"json": "json", "x-ndjson": "json", "yaml": "yaml"}


@dataclass(frozen=True)
class MediaType:
    type: str
    subtype: str
    params: dict

    @property
    def vendor(self) -> bool:
        return self.subtype.startswith("vnd.elasticsearch+")

    @property
    def format(self) -> str | None:
        if self.type not in ("application", "*"):
            return None
        if self.type == "*" or self.subtype == "*":
            return "json"
        subtype = self.subtype[len("vnd.elasticsearch+"):] if self.vendor else self.subtype
        return _FORMATS.get(subtype)


def parse_media_type(value: str | None) -> MediaType | None:
    """None for no header, a media range list or `*/*`; raises ValueError for a malformed value."""
    if value is None or "," in value or value.strip() == "*/*":
        return None
    elements = re.split(r"[ \t]*;", value.strip().lower())
    parts = elements[0].split("/")
    if len(parts) != 2 or not all(_TOKEN.match(part.strip()) for part in parts):
        raise ValueError("invalid media-type [%s]" % value)
    params = {}
    for element in elements[1:]:
        element = element.strip()
        if not element:
            continue
        key, sep, val = element.partition("=")
        if not sep or " " in key.strip() or " " in val.strip():
            raise ValueError("invalid parameters for header [%s]" % value)
        params[key.strip()] = val.strip()
    return MediaType(parts[0].strip(), parts[1].strip(), params)


@dataclass(frozen=True)
class Negotiated:
    """What one request asked for: the REST API version and the response format."""

    compatible_with: int | None
    response_format: str
    content_type: str
    request_format: str | None

    def is_v7_compat(self) -> bool:
        return self.compatible_with == 7


def _media_header_error(names: str, cause: EsError) -> EsError:
    return EsError(400, "media_type_header_exception", "Invalid media-type value on headers [%s]" % names, cause)


def _version(media: MediaType | None) -> int | None:
    if media is None or "compatible-with" not in media.params:
        return None
    return int(media.params["compatible-with"])


def negotiate(accept_header: str | None, content_type_header: str | None, has_body: bool,
              version: ServerVersion) -> Negotiated:
    try:
        accept = parse_media_type(accept_header)
        accept_version = _version(accept)
    except ValueError as error:
        raise _media_header_error("Accept", EsError(400, "illegal_argument_exception", str(error))) from error
    try:
        content_type = parse_media_type(content_type_header)
        content_version = _version(content_type)
    except ValueError as error:
        raise _media_header_error("Content-Type", EsError(400, "illegal_argument_exception", str(error))) from error

    current, minimum = version.major, version.minimum_compatible_major
    wanted_accept = current if accept_version is None else accept_version
    wanted_content = current if content_version is None else content_version
    problem = None
    if not minimum <= wanted_accept <= current:
        problem = "Accept version must be either version %d or %d, but found %d. Accept=%s" % (
            current, minimum, wanted_accept, accept_header)
    elif has_body and not minimum <= wanted_content <= current:
        problem = "Content-Type version must be either version %d or %d, but found %d. Content-Type=%s" % (
            current, minimum, wanted_content, content_type_header)
    elif has_body and wanted_content != wanted_accept:
        problem = ("A compatible version is required on both Content-Type and Accept headers if either one has requested a "
                   "compatible version and the compatible versions must match. Accept=%s, Content-Type=%s" % (accept_header, content_type_header))
    elif has_body and (accept_version is None) != (content_version is None):
        problem = ("A compatible version is required on both Content-Type and Accept headers if either one has requested a "
                   "compatible version. Accept=%s, Content-Type=%s" % (accept_header, content_type_header))
    if problem:
        raise _media_header_error("Accept, Content-Type", EsError(400, "status_exception", problem))

    request_format = None
    if has_body:
        if content_type_header is None:
            raise PlainError(406, "Content-Type header is missing")
        request_format = content_type.format if content_type is not None else None
        if request_format is None or content_type.type == "*" or content_type.subtype == "*":
            raise PlainError(406, "Content-Type header [%s] is not supported" % content_type_header)

    compat = None
    if has_body and content_version is not None:
        compat = content_version
    elif accept_version is not None:
        compat = accept_version
    response_format = (accept.format if accept is not None else None) or request_format or "json"
    if compat is not None:
        header = "application/vnd.elasticsearch+%s;compatible-with=%d" % (response_format, compat)
    elif response_format == "yaml":
        header = "application/yaml"
    else:
        header = version.json_content_type
    # A version equal to the server's own major is no compatibility mode at all.
    return Negotiated(compat if compat != current else None, response_format, header, request_format)
