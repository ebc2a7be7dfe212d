# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Elasticsearch's error envelope: `{error: {root_cause, type, reason, caused_by?}, status}`.

An error is a chain of causes, like the Java exceptions it stands for. Only Elasticsearch's own
exception types (`es_exception=True`) count when the root cause is chosen: the root cause is the
innermost of them, exactly as ElasticsearchException.guessRootCauses does.
"""

from __future__ import annotations

WATCHES_INDEX = ".watches"
WATCHES_INDEX_UUID = "wAtChEsEmUlAtOrIdX0001"

# Java exceptions that are not ElasticsearchExceptions (they never become a root cause below one).
_JAVA_TYPES = frozenset({
    "illegal_argument_exception", "illegal_state_exception", "zone_rules_exception", "date_time_exception",
    "x_content_parse_exception", "json_parse_exception", "media_type_header_exception", "number_format_exception",
    "unsupported_operation_exception",
})


class EsError(Exception):
    """One exception of the chain; raise it from anywhere in a handler to answer with its envelope."""

    def __init__(self, status: int, type_: str, reason: str, caused_by: "EsError | None" = None, **extra):
        super().__init__(reason)
        self.status = status
        self.type = type_
        self.reason = reason
        self.caused_by = caused_by
        self.extra = extra
        self.es_exception = type_ not in _JAVA_TYPES
        # An exception that guesses its root causes itself (SearchPhaseExecutionException: its shards' failures).
        self.root_causes: list[dict] | None = None

    def _own(self) -> dict:
        body = {"type": self.type, "reason": self.reason}
        body.update(self.extra)
        return body

    def to_xcontent(self) -> dict:
        body = self._own()
        if self.caused_by is not None:
            body["caused_by"] = self.caused_by.to_xcontent()
        return body

    def root_cause(self) -> "EsError":
        if not self.es_exception:
            return self
        current = self
        while current.caused_by is not None and current.caused_by.es_exception:
            current = current.caused_by
        return current

    def body(self) -> dict:
        causes = self.root_causes if self.root_causes is not None else [self.root_cause()._own()]  # pylint: disable=protected-access
        error = {"root_cause": causes}
        error.update(self.to_xcontent())
        return {"error": error, "status": self.status}


class PlainError(Exception):
    """The few answers Elasticsearch gives as `{"error": "<text>", "status": N}` (routing, content type)."""

    def __init__(self, status: int, text: str, headers: dict | None = None):
        super().__init__(text)
        self.status = status
        self.text = text
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": self.text, "status": self.status}


def parse_error(reason: str, caused_by: EsError | None = None) -> EsError:
    """ElasticsearchParseException: 400 `parse_exception`."""
    return EsError(400, "parse_exception", reason, caused_by)


def illegal_argument(reason: str, caused_by: EsError | None = None) -> EsError:
    return EsError(400, "illegal_argument_exception", reason, caused_by)


def validation_error(*messages: str) -> EsError:
    """ActionRequestValidationException: `Validation Failed: 1: first;2: second;`."""
    text = "".join("%d: %s;" % (number, message) for number, message in enumerate(messages, start=1))
    return EsError(400, "action_request_validation_exception", "Validation Failed: " + text)


def index_extras() -> dict:
    return {"index_uuid": WATCHES_INDEX_UUID, "shard": "0", "index": WATCHES_INDEX}


def document_missing(doc_id: str) -> EsError:
    return EsError(404, "document_missing_exception", "[%s]: document missing" % doc_id, **index_extras())


def index_not_found(index: str = WATCHES_INDEX) -> EsError:
    return EsError(404, "index_not_found_exception", "no such index [%s]" % index,
                   **{"resource.type": "index_or_alias", "resource.id": index, "index_uuid": "_na_", "index": index})


def watch_not_found(watch_id: str) -> EsError:
    return EsError(404, "resource_not_found_exception", "Watch with id [%s] does not exist" % watch_id)


def version_conflict(doc_id: str, seq_no: int, primary_term: int, current_seq_no: int, current_term: int) -> EsError:
    reason = "[%s]: version conflict, required seqNo [%d], primary term [%d]. current document has seqNo [%d] and primary term [%d]" % (
        doc_id, seq_no, primary_term, current_seq_no, current_term)
    return EsError(409, "version_conflict_engine_exception", reason, **index_extras())


def licence_error(feature: str = "watcher") -> EsError:
    """LicenseUtils.newComplianceException: what every licensed Watcher action answers on a basic licence."""
    return EsError(403, "security_exception", "current license is non-compliant for [%s]" % feature,
                   **{"license.expired.feature": feature})


# What injected status faults look like: the exception a real cluster would report with that status.
FAULT_TYPES = {
    429: "es_rejected_execution_exception",
    500: "illegal_state_exception",
    502: "status_exception",
    503: "cluster_block_exception",
    504: "status_exception",
}


def fault_error(status: int, reason: str) -> EsError:
    return EsError(status, FAULT_TYPES.get(status, "status_exception"), reason)
