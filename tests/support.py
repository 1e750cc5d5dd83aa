"""Test helpers: API Gateway events, HTML parsing, AWS request counting."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bs4 import BeautifulSoup

from chalicelib import deps
from tools.lambda_events import apigw_event


def soup(body: bytes | str) -> BeautifulSoup:
    return BeautifulSoup(body, "html.parser")


class Lambda:
    """Calls the app as Lambda would, behind an API Gateway stage."""

    def __init__(self, app: Any, stage_prefix: str = "/api") -> None:
        self.app = app
        self.stage_prefix = stage_prefix

    def get(self, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        event = apigw_event(self.app, "GET", path, self.stage_prefix, headers)
        return self.app(event, None)  # type: ignore[no-any-return]


class Calls(Counter[str]):
    """How many calls of each operation, and what each one sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []


@contextmanager
def aws_calls() -> Iterator[Calls]:
    """Count every AWS operation made through the app's clients (botocore event hooks)."""
    calls = Calls()

    def record(model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        calls[f"{model.service_model.service_name}.{model.name}"] += 1
        calls.sent.append(str(params.get("body", b"")))

    clients = [deps.client("s3"), deps.client("dynamodb")]
    for c in clients:
        c.meta.events.register("before-call", record)
    try:
        yield calls
    finally:
        for c in clients:
            c.meta.events.unregister("before-call", record)


def json_body(response: Any) -> Any:
    return json.loads(response.body)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


_FAULT_BODIES = {
    "s3": b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>",
    "dynamodb": b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",'
    b'"message":"Rate of requests exceeds the allowed throughput."}',
}


@contextmanager
def aws_fault(client: Any, operation: str = "", status: int = 503) -> Iterator[list[str]]:
    """Every request of `client` (or of one operation) is answered at the HTTP layer with
    `status` and the service's throttling error, retries included; yields the requests seen.
    status=0: the connection times out instead."""
    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ReadTimeoutError

    service = client.meta.service_model.service_id.hyphenize()
    seen: list[str] = []

    def answer(request: Any, **_: Any) -> Any:
        seen.append(request.url)
        if status == 0:
            raise ReadTimeoutError(endpoint_url=request.url)
        body = _FAULT_BODIES[service]
        content_type = "application/xml" if service == "s3" else "application/x-amz-json-1.0"
        return AWSResponse(request.url, status, {"Content-Type": content_type}, _Body(body))

    event = f"before-send.{service}" + (f".{operation}" if operation else "")
    client.meta.events.register(event, answer)
    try:
        yield seen
    finally:
        client.meta.events.unregister(event, answer)
