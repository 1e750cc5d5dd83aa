"""The reader's site around the posts: listings, feeds, sitemap, robots.txt, and the 404 page."""

from __future__ import annotations

import math
from typing import Any

from chalice import Response

from chalicelib import deps
from chalicelib.posts.model import PostMeta
from chalicelib.rendering import FEED_CACHE, HTML, conditional, render
from chalicelib.views.web import (
    Blueprint,
    api_error,
    links_for,
    not_found_page,
    query,
    today,
    whole_number,
)

bp = Blueprint(__name__)

POSTS_PER_PAGE = 10
# HEAD too: uptime monitors and CDNs ask it, and API Gateway refuses methods a route lacks.
READ = ["GET", "HEAD"]


def _visible() -> list[PostMeta]:
    return deps.posts().index().visible(today())


def _not_found(message: str) -> Response:
    return not_found_page(bp.current_request, deps.posts().site(), message)


def _listing(posts: list[PostMeta], template_vars: dict[str, Any]) -> Response:
    request = bp.current_request
    pages = max(1, math.ceil(len(posts) / POSTS_PER_PAGE))
    number = whole_number(query(request, "page") or "1", 1, pages)
    if number is None:
        return _not_found("There is no such page of posts.")
    links = links_for(request, deps.posts().site())
    start = (number - 1) * POSTS_PER_PAGE
    body = render(
        "list.html",
        links=links,
        site=links.site,
        posts=posts[start : start + POSTS_PER_PAGE],
        page=number,
        pages=pages,
        **template_vars,
    )
    return conditional(request.headers, body, HTML)


@bp.route("/", methods=READ)
def home() -> Response:
    return _listing(_visible(), {"heading": None, "path": "/", "feed": "/feed.xml"})


def _tagged(tag: str) -> tuple[list[PostMeta], str]:
    """The visible posts with a tag, and the tag's name (empty when there are none)."""
    posts = [p for p in _visible() if tag in {t.slug for t in p.tags}]
    name = next((t.name for t in posts[0].tags if t.slug == tag), "") if posts else ""
    return posts, name


@bp.route("/tags/{tag}", methods=READ)
def tag_page(tag: str) -> Response:
    posts, name = _tagged(tag)
    if not posts:
        return _not_found("There are no posts with that tag.")
    return _listing(
        posts,
        {
            "heading": f"Posts tagged “{name}”",
            "path": f"/tags/{tag}",
            "feed": f"/tags/{tag}/feed.xml",
        },
    )


@bp.route("/categories/{category}", methods=READ)
def category_page(category: str) -> Response:
    posts = [p for p in _visible() if p.category_slug == category]
    if not posts:
        return _not_found("There are no posts in that category.")
    return _listing(
        posts,
        {
            "heading": f"Posts in {posts[0].category}",
            "path": f"/categories/{category}",
            "feed": None,
        },
    )


# --- feeds and discovery --------------------------------------------------------


def _feed(posts: list[PostMeta], title: str, path: str) -> Response:
    request = bp.current_request
    links = links_for(request, deps.posts().site())
    body = render(
        "feed.xml", links=links, site=links.site, posts=posts[:20], title=title, path=path
    )
    return conditional(request.headers, body, "application/rss+xml; charset=utf-8", FEED_CACHE)


@bp.route("/feed.xml", methods=READ)
def feed() -> Response:
    return _feed(_visible(), deps.posts().site().title, "/feed.xml")


@bp.route("/tags/{tag}/feed.xml", methods=READ)
def tag_feed(tag: str) -> Response:
    posts, name = _tagged(tag)
    if not posts:
        return _not_found("There are no posts with that tag.")
    return _feed(posts, f"{deps.posts().site().title}: {name}", f"/tags/{tag}/feed.xml")


@bp.route("/sitemap.xml", methods=READ)
def sitemap() -> Response:
    request = bp.current_request
    posts = _visible()
    links = links_for(request, deps.posts().site())
    tags = sorted({t.slug for p in posts for t in p.tags})
    categories = sorted({p.category_slug for p in posts})
    body = render("sitemap.xml", links=links, posts=posts, tags=tags, categories=categories)
    return conditional(request.headers, body, "application/xml; charset=utf-8", FEED_CACHE)


@bp.route("/robots.txt", methods=READ)
def robots() -> Response:
    request = bp.current_request
    body = render("robots.txt", links=links_for(request, deps.posts().site()))
    return conditional(request.headers, body, "text/plain; charset=utf-8", FEED_CACHE)


@bp.route("/{proxy+}", methods=[*READ, "POST", "PUT", "PATCH", "DELETE"])
def unknown() -> Response:
    # Chalice passes no argument for a greedy parameter; API Gateway fills uri_params.
    proxy = (bp.current_request.uri_params or {}).get("proxy", "")
    if proxy.startswith("api/"):
        return api_error(404, "not_found", "There is no such API route.")
    return _not_found("We couldn't find that page.")
