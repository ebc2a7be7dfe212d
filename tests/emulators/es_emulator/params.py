# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Query string parameters read the way RestRequest reads them, and refused when unknown."""

from __future__ import annotations

from .errors import EsError, illegal_argument

# Understood by every endpoint (RestRequest / BaseRestHandler).
GLOBAL_PARAMS = frozenset({"pretty", "human", "error_trace", "filter_path", "format", "source", "source_content_type"})


def _levenshtein_similarity(first: str, second: str) -> float:
    """1 - distance / longer length, as Lucene's LevenshteinDistance reports it."""
    if not first and not second:
        return 1.0
    previous = list(range(len(second) + 1))
    for i, char_a in enumerate(first, start=1):
        current = [i]
        for j, char_b in enumerate(second, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return 1.0 - previous[-1] / max(len(first), len(second))


def check_unrecognized(path: str, given, allowed: frozenset[str]) -> None:
    """BaseRestHandler.unrecognized: 400 naming every unknown parameter, with suggestions."""
    known = allowed | GLOBAL_PARAMS
    unknown = sorted(name for name in given if name not in known)
    if not unknown:
        return
    parts = []
    for name in unknown:
        scored = sorted(((_levenshtein_similarity(name, candidate), candidate) for candidate in known), key=lambda item: (-item[0], item[1]))
        suggestions = [candidate for score, candidate in scored if score > 0.5]
        if not suggestions:
            parts.append("[%s]" % name)
        elif len(suggestions) == 1:
            parts.append("[%s] -> did you mean [%s]?" % (name, suggestions[0]))
        else:
            parts.append("[%s] -> did you mean any of %s?" % (name, "[" + ", ".join(suggestions) + "]"))
    message = "request [%s] contains unrecognized parameter%s: %s" % (path, "s" if len(unknown) > 1 else "", ", ".join(parts))
    raise illegal_argument(message)


def as_bool(args, name: str, default: bool) -> bool:
    """RestRequest.paramAsBoolean: a bare `?flag` means true; otherwise only `true` or `false`."""
    raw = args.get(name)
    if raw is None:
        return default
    if raw == "":
        return True
    if raw in ("true", "false"):
        return raw == "true"
    raise illegal_argument("Failed to parse value [%s] as only [true] or [false] are allowed." % raw)


def as_long(args, name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        return int(raw, 10)
    except ValueError as error:
        cause = EsError(400, "number_format_exception", 'For input string: "%s"' % raw)
        raise illegal_argument("Failed to parse long parameter [%s] with value [%s]" % (name, raw), cause) from error


def as_list(args, name: str) -> list[str]:
    raw = args.get(name)
    if not raw:
        return []
    return [item.strip() for item in raw.split(",") if item.strip()]
