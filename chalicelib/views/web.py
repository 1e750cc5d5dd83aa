"""Request helpers shared by the blueprints: base path, client address, JSON errors."""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import chalice
from chalice import Response
from chalice.app import ChaliceUnhandledError, Request

from chalicelib import origin, settings
from chalicelib.faults import Unavailable
from chalicelib.posts.site import SiteConfig
from chalicelib.rendering import HTML, conditional, render

JSON = "application/json"


class ServiceUnavailable(ChaliceUnhandledError):
    """An AWS fault carried past Chalice's own handler to the edge, which answers 503."""

    def __init__(self, fault: Unavailable) -> None:
        super().__init__(str(fault))
        self.fault = fault


class Blueprint(chalice.Blueprint):
    """Chalice's Blueprint, whose views let an AWS fault through to the edge middleware
    (Chalice would turn any other exception into its own 500)."""

    def route(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def guarded(*args: Any, **kw: Any) -> Any:
                try:
                    return view(*args, **kw)
                except Unavailable as exc:
                    raise ServiceUnavailable(exc) from exc

            register(guarded)
            return view

        return decorator


def now() -> float:
    return time.time()


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def through_edge(request: Request) -> bool:
    """The request came through the stage's CloudFront distribution (which has one)."""
    secret = settings.current().origin_secret
    return bool(secret) and origin.from_edge(request.headers, secret)


def base_path(request: Request) -> str:
    """The prefix in front of the app's routes: "" under `chalice local` and behind the
    distribution (its origin path adds the stage), "/api" on the stage's own URL.

    API Gateway's requestContext.path is the path the client asked for, stage
    prefix included; the route with its parameters filled in is what the app sees.
    """
    if through_edge(request):
        return ""
    full = (request.context or {}).get("path") or ""
    route = request.path
    for name, value in (request.uri_params or {}).items():
        route = route.replace(f"{{{name}+}}", value).replace(f"{{{name}}}", value)
    if route == "/":
        return full.rstrip("/")
    if full.endswith(route):
        return full[: -len(route)].rstrip("/")
    return ""


def client_ip(request: Request) -> str:
    """The reader's address: CloudFront's viewer address when the request provably came
    through the distribution, else the connection's (one edge location is many readers)."""
    identity = (request.context or {}).get("identity") or {}
    source = str(identity.get("sourceIp") or "0.0.0.0")  # noqa: S104 - a value, not a bind
    return origin.viewer_address(request.headers, source, settings.current().origin_secret)


def query(request: Request, name: str) -> str:
    params: Any = request.query_params or {}
    return str(params.get(name) or "")


def whole_number(raw: str, low: int, high: int) -> int | None:
    """A number from a query string: ASCII digits within [low, high]; else None.

    `"²".isdigit()` is true and int() of 5,000 digits is refused: check before converting.
    """
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)):
        return None
    number = int(raw)
    return number if low <= number <= high else None


def parse_form(request: Request, max_bytes: int, max_fields: int) -> dict[str, list[str]] | None:
    """A urlencoded body's fields, every value of each; None when it is larger or has more
    fields than the form it answers could send."""
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        return None
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    try:
        return parse_qs(text, keep_blank_values=True, max_num_fields=max_fields)
    except ValueError:
        return None


def json_object(request: Request) -> dict[str, Any] | None:
    """The request's body as a JSON object; None for anything else, however hostile
    (invalid UTF-8, nesting too deep for the parser, a top-level array)."""
    try:
        data = json.loads(request.raw_body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def json_request(request: Request) -> dict[str, Any] | Response:
    """The body of a JSON request as an object, or the 415 or 400 that says what is wrong.

    Chalice takes a body without Content-Type for JSON; the API asks for it to be said."""
    if "content-type" not in request.headers:
        return api_error(415, "unsupported_media_type", "Send the body as application/json.")
    data = json_object(request)
    if data is None:
        return api_error(400, "malformed", "The body must be a JSON object.")
    return data


@dataclass(frozen=True)
class Links:
    """Builds links for templates: relative to the request's base, or absolute from the site URL."""

    site: SiteConfig
    base: str

    def url(self, path: str) -> str:
        return self.base + path

    def absolute(self, path: str) -> str:
        return self.site.url + path


def links_for(request: Request, site: SiteConfig) -> Links:
    return Links(site=site, base=base_path(request))


def error_page(
    request: Request,
    site: SiteConfig,
    status: int,
    heading: str,
    message: str,
    cache_control: str = "no-store",
) -> Response:
    """The site's own page for a status other than 200, in the site's layout."""
    links = links_for(request, site)
    body = render("error.html", links=links, site=site, heading=heading, message=message)
    return conditional(request.headers, body, HTML, cache_control=cache_control, status=status)


def not_found_page(
    request: Request, site: SiteConfig, message: str = "We couldn't find that page."
) -> Response:
    return error_page(request, site, 404, "Page not found", message, "public, max-age=60")


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None, cache: str = "no-store"
) -> Response:
    return Response(
        body=json.dumps(data, ensure_ascii=False),
        status_code=status,
        headers={
            "Content-Type": JSON,
            "Cache-Control": cache,
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        },
    )


def api_error(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return json_response({"error": error}, status=status, headers=headers)
