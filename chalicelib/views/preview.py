"""Signed previews: a draft or scheduled post exactly as it will look, for 24 hours.

The link comes from `make cli ARGS="preview SLUG"`; whoever holds it sees the page. It is
never indexed (robots meta and X-Robots-Tag) and never stored by any cache (no-store).
"""

from __future__ import annotations

from chalice import Response

from chalicelib import deps
from chalicelib.posts.model import SLUG_RE
from chalicelib.rendering import HTML, PRIVATE, conditional
from chalicelib.signing import ExpiredToken, InvalidToken
from chalicelib.views.post_page import Reader, gather, render_post_page, with_token
from chalicelib.views.web import Blueprint, error_page, links_for, now, today

bp = Blueprint(__name__)

NOINDEX = {"X-Robots-Tag": "noindex, nofollow"}


@bp.route("/preview/{token}", methods=["GET", "HEAD"])
def preview(token: str) -> Response:
    request = bp.current_request
    stores = deps.stores()
    site = stores.site()
    try:
        slug = stores.signing.read_preview_token(token)
    except ExpiredToken:
        return _refused("This preview link has expired: ask its author for a new one.")
    except InvalidToken:
        return _refused("This preview link is not valid.")
    post = stores.posts.preview(slug) if SLUG_RE.match(slug) else None
    if post is None:
        return _refused("This post is no longer there to preview.")
    page = gather(stores, post, Reader(), today())
    if page is None:
        return _refused("This preview link is not valid.")
    body = render_post_page(page, links_for(request, site), stores, preview=True)
    response = conditional(
        request.headers, body, HTML, cache_control=PRIVATE, extra_headers=NOINDEX
    )
    return with_token(response, stores, now())


def _refused(message: str) -> Response:
    request = bp.current_request
    response = error_page(request, deps.stores().site(), 404, "Preview not available", message)
    response.headers.update(NOINDEX)
    return response
