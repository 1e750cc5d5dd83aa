"""What every request passes through: error shapes, CORS, and one structured log line."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib import deps, origin, settings
from chalicelib.faults import Unavailable
from chalicelib.posts.store import NotPublished
from chalicelib.rendering import HTML, render, security_headers
from chalicelib.views.web import ServiceUnavailable, api_error, error_page, through_edge

log = logging.getLogger(__name__)

_CHALICE_ERRORS = {
    400: ("bad_request", "The request is malformed."),
    405: ("method_not_allowed", "This method is not allowed here."),
    415: ("unsupported_media_type", "This content type is not accepted here."),
    500: ("internal", "Something went wrong on our side. Please try again."),
}
_HEADINGS = {500: "Something went wrong", 503: "Please try again shortly"}
_state = {"cold": True}
PUBLISH_HINT = 'make cli ARGS="--stage STAGE publish"'


def _is_chalice_error(response: Response) -> bool:
    body = response.body
    if isinstance(body, str) and body.startswith("{"):
        try:
            body = json.loads(body)
        except ValueError:
            return False
    return isinstance(body, dict) and "Code" in body and "Message" in body


def normalise_error(request: Request, response: Response) -> Response:
    """Chalice's own error bodies ({"Code", "Message"}) become the contract's shapes."""
    if response.status_code not in _CHALICE_ERRORS or not _is_chalice_error(response):
        return response
    code, message = _CHALICE_ERRORS[response.status_code]
    if _route(request).startswith("/api/"):
        if response.status_code == 415:
            message = "Send the body as application/json."
        return api_error(
            response.status_code,
            code,
            message,
            headers={k: str(v) for k, v in response.headers.items() if k.lower() == "allow"},
        )
    return _error_page(request, response.status_code, message)


def _error_page(request: Request, status: int, message: str) -> Response:
    """The site's own error page; a bare one if the site's config cannot be read."""
    heading = _HEADINGS.get(status, "This request cannot be handled")
    try:
        return error_page(request, deps.posts().site(), status, heading, message)
    except Unavailable:
        return bare_page(status, heading, message)
    except Exception:  # the failure may be the very thing the page needs
        log.exception("could not render the error page")
        return bare_page(status, heading, message)


def bare_page(status: int, heading: str, message: str, hint: str = "") -> Response:
    """A page that needs no site config: before the first publish, or when it is unreadable."""
    headers: dict[str, str | list[str]] = {"Cache-Control": "no-store", "Content-Type": HTML}
    headers.update(security_headers())
    body = render("bare.html", heading=heading, message=message, hint=hint)
    return Response(body=body, status_code=status, headers=headers)


def _route(request: Request) -> str:
    return str(request.path or "")


def add_cors(request: Request, response: Response) -> None:
    """CORS for the public API, only for the origins listed in site config."""
    route = _route(request)
    origin = request.headers.get("origin")
    if not origin or not route.startswith("/api/") or route.startswith("/api/admin"):
        return
    try:
        allowed = deps.posts().site().comments.cors_origins
    except Exception:  # no site config: no CORS
        return
    if origin.rstrip("/") not in allowed:
        return
    response.headers.update(
        {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
            "Access-Control-Expose-Headers": "Retry-After",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }
    )


def not_published(request: Request) -> Response | None:
    """A fresh stage, before its first publish, says so instead of failing on every page."""
    if _route(request).startswith("/api/admin"):
        return None  # moderation needs no published content
    try:
        deps.posts().site()  # cached: free on a warm container
    except NotPublished:
        message = "This site has no published content yet."
        if _route(request).startswith("/api/"):
            return api_error(503, "not_published", message, headers={"Retry-After": "60"})
        response = bare_page(503, "Not published yet", message + " Publish it with:", PUBLISH_HINT)
        response.headers["Retry-After"] = "60"
        return response
    return None


def unavailable(request: Request, fault: Unavailable) -> Response:
    """503 with Retry-After: the reader is told to come back shortly, never shown a 500."""
    retry = {"Retry-After": str(fault.retry_after)}
    message = "The site cannot answer right now. Please try again in a few seconds."
    if _route(request).startswith("/api/"):
        return api_error(503, "unavailable", message, headers=retry)
    response = _error_page(request, 503, message)
    response.headers.update(retry)
    return response


def trailing_slash(request: Request) -> Response | None:
    """`/posts/x/` is not a second address of `/posts/x`: readers are sent to the one URL."""
    asked = str((request.context or {}).get("path") or "")
    if _route(request) == "/" or not asked.endswith("/") or asked == "/":
        return None
    if request.method not in ("GET", "HEAD"):
        return None  # a redirect would lose the body: taken as sent
    context = request.context or {}
    stage = "/" + str(context.get("stage") or "")
    if through_edge(request) and asked.startswith(stage + "/"):
        asked = asked[len(stage) :]  # the distribution's origin path adds the stage
    # One leading slash: "//host/" must never become a redirect to another site.
    location = "/" + asked.strip("/")
    params: Any = request.query_params or {}
    location += "?" + urlencode(dict(params)) if params else ""
    return Response(
        body="",
        status_code=301,
        headers={"Location": location, "Cache-Control": "public, max-age=3600"},
    )


def not_from_edge(request: Request) -> Response | None:
    """On a stage behind CloudFront, a request that skipped it is refused: it would bypass
    the cache, the edge's headers and the viewer address the flood guard keys on."""
    secret = settings.current().origin_secret
    if not secret or origin.from_edge(request.headers, secret):
        return None
    message = "Use the site's public address."
    if _route(request).startswith("/api/"):
        return api_error(403, "forbidden", message)
    return bare_page(403, "Forbidden", message)


def register(app: Chalice) -> None:
    @app.middleware("http")
    def edge(request: Request, get_response: Callable[[Request], Response]) -> Response:
        started = time.perf_counter()
        cold, _state["cold"] = _state["cold"], False
        try:
            response = (
                not_from_edge(request)
                or trailing_slash(request)
                or not_published(request)
                or normalise_error(request, get_response(request))
            )
        except ServiceUnavailable as exc:
            response = unavailable(request, exc.fault)
        except Unavailable as exc:
            response = unavailable(request, exc)
        add_cors(request, response)
        if request.method == "HEAD":
            response.body = ""  # same status and headers as GET, no body
        # One line per request: no query string, no client address, no email.
        record: dict[str, Any] = {
            "method": request.method,
            "route": _route(request),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "cold_start": cold,
        }
        context = getattr(request, "lambda_context", None)
        if request_id := getattr(context, "aws_request_id", None):
            record["request_id"] = request_id
        log.info(json.dumps(record))
        return response
