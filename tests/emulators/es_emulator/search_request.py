# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Search requests of search inputs and transforms (WatcherSearchTemplateRequest).

Stored as {search_type (default query_then_fetch), indices (always an array; a string is split on
commas, spaces and tabs deleted, empty names kept), rest_total_hits_as_int (always, default true),
body? (as given), indices_options? (only when not the default, then in full), template? (a Script,
lang mustache by default, compiled only when the watch runs)}. Reading an `ignore_throttled` option emits Elasticsearch's deprecation warning.
"""

from __future__ import annotations


from .errors import illegal_argument, parse_error
from .templates import DEFAULT_TEMPLATE_LANG, parse_script, script_for_output, token

SEARCH_TYPES = ("query_then_fetch", "dfs_query_then_fetch")
IGNORE_THROTTLED_WARNING = "Deprecated field [ignore_throttled] used, this field is unused and will be removed entirely"
_DEFAULT_OPTIONS = {"expand_wildcards": ["open"], "ignore_unavailable": True, "allow_no_indices": True, "ignore_throttled": False}
_WILDCARDS = ("open", "closed", "hidden")


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise illegal_argument("Failed to parse value [%s] as only [true] or [false] are allowed." % (value,))


def parse_indices_options(value, ctx) -> dict:
    """IndicesOptions.fromXContent, defaults lenientExpandOpen; written back in full."""
    if not isinstance(value, dict):
        raise parse_error("could not read indices options. expected an object but found [%s]" % token(value))
    options = dict(_DEFAULT_OPTIONS)
    for key, field_value in value.items():
        if key == "expand_wildcards":
            states = set()
            items = field_value if isinstance(field_value, list) else str(field_value).split(",")
            for item in items:
                item = str(item).strip()
                if item == "all":
                    states.update(_WILDCARDS)
                elif item == "none":
                    states.clear()
                elif item in _WILDCARDS:
                    states.add(item)
                else:
                    raise illegal_argument("No valid expand wildcard value [%s]" % item)
            options["expand_wildcards"] = [state for state in _WILDCARDS if state in states]
        elif key in ("ignore_unavailable", "allow_no_indices", "ignore_throttled"):
            options[key] = _boolean(field_value)
            if key == "ignore_throttled":
                ctx.warn(IGNORE_THROTTLED_WARNING)
        else:
            raise parse_error("could not read indices options. unexpected index option [%s]" % key)
    return options


def delimited_list(text: str) -> list[str]:
    """Strings.delimitedListToStringArray(text, ",", " \t"): spaces and tabs deleted everywhere, empty names kept."""
    if not text:
        return []
    return ["".join(char for char in part if char not in " \t") for part in text.split(",")]


def parse_search_request(value, ctx) -> dict:
    if not isinstance(value, dict):
        raise parse_error("could not read search request. unexpected token [%s]" % token(value))
    indices, search_type, total_hits_as_int = [], "query_then_fetch", True
    body, options, template = None, None, None
    for key, field_value in value.items():
        if isinstance(field_value, list):
            if key == "indices":
                for item in field_value:
                    if not isinstance(item, str):
                        raise parse_error("could not read search request. expected string values in [indices] field, but instead found [%s]" % token(item))
                    indices.append(item)
            elif key == "types":
                if field_value:
                    raise parse_error("could not read search request. unsupported non-empty array field [types]")
                ctx.warn("[types removal] Specifying empty types array in a watcher search request is deprecated.")
            else:
                raise parse_error("could not read search request. unexpected array field [%s]" % key)
        elif isinstance(field_value, dict):
            if key == "body":
                body = field_value
            elif key == "indices_options":
                options = parse_indices_options(field_value, ctx)
            elif key == "template":
                template = script_for_output(parse_script(field_value, DEFAULT_TEMPLATE_LANG))
            else:
                raise parse_error("could not read search request. unexpected object field [%s]" % key)
        elif isinstance(field_value, str):
            if key == "indices":
                indices.extend(delimited_list(field_value))
            elif key == "search_type":
                search_type = field_value.lower()
                if search_type not in SEARCH_TYPES:
                    raise illegal_argument("No search type for [%s]" % search_type)
            elif key == "rest_total_hits_as_int":
                total_hits_as_int = _boolean(field_value)
            else:
                raise parse_error("could not read search request. unexpected string field [%s]" % key)
        elif isinstance(field_value, bool):
            if key != "rest_total_hits_as_int":
                raise parse_error("could not read search request. unexpected boolean field [%s]" % key)
            total_hits_as_int = field_value
        else:
            raise parse_error("could not read search request. unexpected token [%s]" % token(field_value))
    request = {"search_type": search_type, "indices": indices, "rest_total_hits_as_int": total_hits_as_int}
    if body is not None:
        request["body"] = body
    if options is not None and options != _DEFAULT_OPTIONS:
        request["indices_options"] = options
    if template is not None:
        request["template"] = template
    return request
