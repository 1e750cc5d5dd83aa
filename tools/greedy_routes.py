"""Teach chalice's local gateway API Gateway's greedy path parameters (`{proxy+}`).

On Lambda, API Gateway sends `/a/b/c` to a `/{proxy+}` route; chalice 1.34's
local RouteMatcher only matches routes with as many segments as the URL, so
`chalice local` and `chalice.test.Client` would answer unknown nested paths with
a JSON 403 instead of the site's 404 page. `make run` and the tests install this.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from chalice.local import MatchResult, RouteMatcher

_original = RouteMatcher.match_route


def _greedy_match(self: RouteMatcher, url: str) -> MatchResult:
    parsed = urlparse(url)
    path = parsed.path
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    parts = path.split("/")
    query = parse_qs(parsed.query, keep_blank_values=True)
    try:
        result = _original(self, url)
    except ValueError:
        result = None
    if result is not None and not result.route.endswith("+}"):
        return result
    for route in self.route_urls:
        route_parts = route.split("/")
        greedy = route_parts[-1]
        if not (greedy.startswith("{") and greedy.endswith("+}")):
            continue
        prefix = route_parts[:-1]
        if len(parts) <= len(prefix):
            continue
        captured: dict[str, Any] = {}
        for given, expected in zip(parts, prefix, strict=False):
            if expected.startswith("{") and expected.endswith("}"):
                captured[expected[1:-1]] = given
            elif given != expected:
                break
        else:
            captured[greedy[1:-2]] = "/".join(parts[len(prefix) :])
            return MatchResult(route, captured, query)
    raise ValueError(f"No matching route found for: {url}")


def install() -> None:
    RouteMatcher.match_route = _greedy_match  # type: ignore[method-assign]
