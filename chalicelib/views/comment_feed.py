"""A post's comments feed: RSS 2.0 of its newest approved comments, never an email."""

from __future__ import annotations

from chalice import Response

from chalicelib import deps
from chalicelib.comments.queue import newest_approved
from chalicelib.rendering import FEED_CACHE, conditional, render
from chalicelib.views.post_page import published
from chalicelib.views.site import READ
from chalicelib.views.web import Blueprint, links_for, not_found_page, today

bp = Blueprint(__name__)
FEED_SIZE = 50


@bp.route("/posts/{slug}/comments.xml", methods=READ)
def comments_feed(slug: str) -> Response:
    request = bp.current_request
    stores = deps.stores()
    post = published(stores, slug, today())
    if post is None:
        return not_found_page(request, stores.site(), "There is no post at this address.")
    links = links_for(request, stores.site())
    body = render(
        "comments_feed.xml",
        links=links,
        site=links.site,
        meta=post.meta,
        comments=newest_approved(stores.comments, slug, FEED_SIZE),
    )
    return conditional(request.headers, body, "application/rss+xml; charset=utf-8", FEED_CACHE)
