"""API Gateway proxy events for the app, as Lambda delivers them: for the bench and the tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalice.local import RouteMatcher


def apigw_event(
    app: Any,
    method: str,
    path: str,
    stage_prefix: str = "/api",
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """A Lambda proxy event as API Gateway sends it for a stage URL such as /api/posts/x."""
    parts = urlsplit(path)
    match = RouteMatcher(list(app.routes)).match_route(parts.path)
    query = parse_qs(parts.query)
    return {
        "resource": match.route,
        "path": parts.path,
        "httpMethod": method,
        "headers": headers or {},
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": match.captured or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": match.route,
            "httpMethod": method,
            "path": stage_prefix + parts.path,
            "stage": stage_prefix.strip("/") or "api",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": body,
        "isBase64Encoded": False,
    }
