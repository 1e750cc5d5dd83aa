"""AWS faults a request can survive: one exception for "the service did not answer, try later".

Stores turn a throttle, a 5xx or a connection that failed or timed out into Unavailable;
the post page then shows what it has (a stale copy, the post without its comments), and
everything else answers 503 with Retry-After. Any other AWS error is a bug and stays loud.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
_TRANSIENT_CODES = {
    "InternalError",
    "InternalServerError",
    "ServiceUnavailable",
    "SlowDown",
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "RequestTimeout",
    "LimitExceededException",
    "500",
    "502",
    "503",
    "504",
}


class Unavailable(Exception):
    """An AWS service did not answer usefully in time; the request may be retried later."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} unavailable: {reason}")
        self.service = service
        self.retry_after = RETRY_AFTER_SECONDS


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, ConnectionError | HTTPClientError):
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in _TRANSIENT_CODES or int(status or 0) >= 500
    return False


@contextmanager
def unavailable_on_fault(service: str) -> Iterator[None]:
    """Turn a transient AWS fault inside the block into Unavailable (logged once here)."""
    try:
        yield
    except (ClientError, ConnectionError, HTTPClientError) as exc:
        if not is_transient(exc):
            raise
        log.warning("%s fault: %s", service, exc)
        raise Unavailable(service, type(exc).__name__) from exc


class GuardedClient:
    """A boto3 client whose calls raise Unavailable on a transient fault; everything else
    (paginators, meta, exceptions) passes through."""

    def __init__(self, client: Any, service: str) -> None:
        self._client = client
        self._service = service

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr) or name.startswith(("get_paginator", "get_waiter", "can_")):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with unavailable_on_fault(self._service):
                return attr(*args, **kwargs)

        return call
