"""The post page and its comment form."""

from __future__ import annotations

from chalice import Response

from chalicelib import deps
from chalicelib.comments.errors import CommentError
from chalicelib.comments.rules import LIMITS, form_signals, validate
from chalicelib.comments.service import Context, submit
from chalicelib.deps import Stores
from chalicelib.faults import Unavailable
from chalicelib.posts.model import Post
from chalicelib.rendering import HTML, HTML_CACHE, PRIVATE, conditional
from chalicelib.signing import InvalidToken
from chalicelib.views.errors import refusal
from chalicelib.views.post_page import (
    FormState,
    Reader,
    comment_location,
    gather,
    published,
    render_post_page,
    with_token,
)
from chalicelib.views.site import READ
from chalicelib.views.web import (
    Blueprint,
    client_ip,
    error_page,
    links_for,
    not_found_page,
    now,
    parse_form,
    query,
    today,
)

bp = Blueprint(__name__)

_TOO_LARGE = "This form sent more than a comment can hold."
_NOT_SAVED = (
    "Your comment could not be saved just now. "
    "It is kept below: please send it again in a few seconds."
)

FORM = "application/x-www-form-urlencoded"
_NO_POST = "There is no post at this address."
# What the reader typed comes back to them in full when a little over a limit (so they can
# trim it), but a field of megabytes is cut: the page must not grow with an attack.
_ECHO = {
    "author": 4 * LIMITS.author,
    "email": 4 * LIMITS.email,
    "url": 4 * LIMITS.url,
    "comment": 2 * LIMITS.body_bytes,
    "comment_parent": 40,
    "notify": 8,
}
_FORM_FIELDS = ("author", "email", "url", "comment", "comment_parent", "notify")
# The form keeps WordPress's field names; the rules speak the API's.
_TO_FORM = {"body": "comment", "parent_id": "comment_parent"}


def _page_response(
    stores: Stores,
    post: Post,
    reader: Reader,
    form: FormState | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    request = bp.current_request
    page = gather(stores, post, reader, today(), form)
    if page is None:
        return not_found_page(request, stores.site(), "That page of comments does not exist.")
    body = render_post_page(page, links_for(request, stores.site()), stores)
    # A page showing a reader their own pending comment, their form, or a fault must never
    # be shared by a cache.
    cache = PRIVATE if page.pending or form or page.comments is None else HTML_CACHE
    response = conditional(
        request.headers, body, HTML, cache_control=cache, status=status, extra_headers=headers
    )
    return with_token(response, stores, now())


def _no_post(stores: Stores) -> Response:
    return not_found_page(bp.current_request, stores.site(), "There is no post at this address.")


@bp.route("/posts/{slug}", methods=READ)
def post_page(slug: str) -> Response:
    stores = deps.stores()
    post = published(stores, slug, today())
    if post is None:
        return _no_post(stores)
    request = bp.current_request
    reader = Reader(
        cursor=query(request, "comments"),
        unapproved=query(request, "unapproved"),
        moderation_hash=query(request, "moderation-hash"),
        reply_to=query(request, "replytocom"),
    )
    return _page_response(stores, post, reader)


def _form_fields() -> dict[str, str] | None:
    """The form's fields, the first value of each; None when the body is no form of ours."""
    # API Gateway's own limit, so what a reader typed is never turned away for size here.
    parsed = parse_form(bp.current_request, 10 * 1024 * 1024, 100)
    return None if parsed is None else {name: values[0] for name, values in parsed.items()}


def _again(
    stores: Stores,
    post: Post,
    form: FormState,
    status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    """The post page again with the reader's input and what to correct."""
    reader = Reader(reply_to=form.values.get("comment_parent", ""))
    return _page_response(stores, post, reader, form, status, headers)


@bp.route("/posts/{slug}/comments", methods=["POST"], content_types=[FORM])
def post_comment_form(slug: str) -> Response:
    stores = deps.stores()
    post = published(stores, slug, today())
    if post is None:
        return _no_post(stores)
    fields = _form_fields()
    if fields is None:
        return error_page(bp.current_request, stores.site(), 413, "Too large", _TOO_LARGE)
    typed = {name: fields.get(name, "") for name in _FORM_FIELDS}
    sub, errors = validate({**typed, **{api: typed[name] for api, name in _TO_FORM.items()}})
    form = FormState(values={name: value[: _ECHO[name]] for name, value in typed.items()})
    if errors:
        form.errors = {_TO_FORM.get(k, k): v for k, v in errors.items()}
        form.message = "Please correct the fields marked below."
        return _again(stores, post, form, 422)
    moment = now()
    try:
        token = stores.signing.read_form_token(fields.get("form_token", ""))
        issued_at, nonce = token.issued_at, token.nonce
    except InvalidToken:
        issued_at, nonce = None, None
    ctx = Context(
        client_ip=client_ip(bp.current_request),
        now=moment,
        form_nonce=nonce,
        form=form_signals(fields, issued_at, moment),
    )
    try:
        comment = submit(stores.comments, stores.signing, stores.site(), post.meta, sub, ctx)
    except Unavailable as exc:
        form.message = _NOT_SAVED
        return _again(stores, post, form, 503, {"Retry-After": str(exc.retry_after)})
    except CommentError as exc:
        answer = refusal(exc)
        if "parent_id" in answer.fields:
            form.values["comment_parent"] = ""
        form.errors = {_TO_FORM.get(k, k): v for k, v in answer.fields.items()}
        form.message = answer.message
        return _again(stores, post, form, answer.status, answer.headers)
    location = comment_location(comment, links_for(bp.current_request, stores.site()), stores)
    return Response(
        body="", status_code=303, headers={"Location": location, "Cache-Control": PRIVATE}
    )
