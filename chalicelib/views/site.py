"""The reader's site: HTML pages, feeds, sitemap, and the comment form."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qs, urlencode

from chalice import Blueprint, Response

from chalicelib import commenting, deps
from chalicelib.comments import (
    Comment,
    CommentPage,
    DuplicateComment,
    IdempotencyMismatch,
    ParentUnavailable,
    TooFast,
    build_threads,
)
from chalicelib.content import Post, PostMeta
from chalicelib.moderation import validate
from chalicelib.rendering import FEED_CACHE, HTML, HTML_CACHE, PRIVATE, conditional, render
from chalicelib.signing import InvalidToken
from chalicelib.views.web import Links, api_error, base_path, client_ip, now, query, today

bp = Blueprint(__name__)

POSTS_PER_PAGE = 10
# HEAD too: uptime monitors and CDNs ask it, and API Gateway refuses methods a route lacks.
READ = ["GET", "HEAD"]
FORM = "application/x-www-form-urlencoded"
# The page's ETag must not change with every render's fresh form token, so the
# token is put in after the ETag is computed, in place of this marker.
_TOKEN_MARKER = "__lambdapress_form_token__"  # noqa: S105 - a placeholder, not a secret
_FORM_FIELDS = ("author", "email", "url", "comment", "comment_parent", "notify")


def _links() -> Links:
    return Links(site=deps.posts().site(), base=base_path(bp.current_request))


def _headers() -> Any:
    return bp.current_request.headers


def _visible(posts: list[PostMeta]) -> list[PostMeta]:
    day = today()
    return [p for p in posts if p.is_visible(day)]


def not_found_page(message: str = "We couldn't find that page.") -> Response:
    links = _links()
    body = render(
        "error.html", links=links, site=links.site, heading="Page not found", message=message
    )
    return conditional(_headers(), body, HTML, cache_control="public, max-age=60", status=404)


def _listing(posts: list[PostMeta], template_vars: dict[str, Any]) -> Response:
    page_raw = query(bp.current_request, "page") or "1"
    pages = max(1, math.ceil(len(posts) / POSTS_PER_PAGE))
    if not page_raw.isdigit() or not 1 <= int(page_raw) <= pages:
        return not_found_page("There is no such page of posts.")
    number = int(page_raw)
    links = _links()
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
    return conditional(_headers(), body, HTML)


@bp.route("/", methods=READ)
def home() -> Response:
    posts = _visible(deps.posts().index().posts)
    return _listing(posts, {"heading": None, "path": "/", "feed": "/feed.xml"})


def _tagged(tag: str) -> tuple[list[PostMeta], str]:
    """The visible posts with a tag, and the tag's name (empty when there are none)."""
    posts = [p for p in _visible(deps.posts().index().posts) if tag in {t.slug for t in p.tags}]
    name = next((t.name for t in posts[0].tags if t.slug == tag), "") if posts else ""
    return posts, name


@bp.route("/tags/{tag}", methods=READ)
def tag_page(tag: str) -> Response:
    posts, name = _tagged(tag)
    if not posts:
        return not_found_page("There are no posts with that tag.")
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
    posts = [p for p in _visible(deps.posts().index().posts) if p.category_slug == category]
    if not posts:
        return not_found_page("There are no posts in that category.")
    return _listing(
        posts,
        {
            "heading": f"Posts in {posts[0].category}",
            "path": f"/categories/{category}",
            "feed": None,
        },
    )


# --- the post page ------------------------------------------------------------


def _published(slug: str) -> Post | None:
    meta = deps.posts().index().get(slug)
    if meta is None or not meta.is_visible(today()):
        return None
    return deps.posts().post(slug)


def _approved_page(slug: str, where: dict[str, str] | None = None) -> CommentPage:
    """A page of approved comments: the first, or the one a read cursor's `where` names."""
    where = where or {}
    return deps.comments().approved_page(
        slug,
        deps.posts().site().comments.page_size,
        after=where.get("a"),
        before=where.get("b"),
        at=where.get("at"),
    )


def _comment_page(slug: str, cursor: str) -> CommentPage | None:
    """The page of comments a cursor names; None for a cursor that is not genuine."""
    if not cursor:
        return _approved_page(slug)
    try:
        where = deps.signing().read_cursor(f"comments:{slug}", cursor)
    except InvalidToken:
        return None
    return _approved_page(slug, where)


def _cursor(slug: str, **where: str) -> str:
    return deps.signing().cursor(f"comments:{slug}", where)


def render_post_page(
    post: Post,
    comments: CommentPage,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    pending: Comment | None = None,
    reply_to: Comment | None = None,
) -> str:
    """The post page, comments and form included; the form token is left as a marker."""
    links = _links()
    site = links.site
    slug = post.slug

    def comments_link(**where: str) -> str:
        return links.url(f"/posts/{slug}?" + urlencode({"comments": _cursor(slug, **where)}))

    return render(
        "post.html",
        links=links,
        site=site,
        post=post,
        meta=post.meta,
        cta=site.call_to_action(post.meta.category),
        json_ld=json_ld(post.meta, links),
        comment_count=comments.count,
        threads=build_threads(comments.comments),
        newer_link=comments_link(a=comments.next_key) if comments.next_key else "",
        older_link=comments_link(b=comments.prev_key) if comments.prev_key else "",
        comments_open=commenting.comments_open(post.meta, site, today()),
        thread_depth=site.comments.thread_depth,
        form=form or {},
        errors=errors or {},
        message=message,
        pending=pending,
        reply_to=reply_to,
        form_token=_TOKEN_MARKER,
    )


def _with_token(response: Response) -> Response:
    if isinstance(response.body, str) and _TOKEN_MARKER in response.body:
        response.body = response.body.replace(_TOKEN_MARKER, deps.signing().form_token(now()))
    return response


@bp.route("/posts/{slug}", methods=READ)
def post_page(slug: str) -> Response:
    post = _published(slug)
    if post is None:
        return not_found_page("There is no post at this address.")
    request = bp.current_request
    comments = _comment_page(slug, query(request, "comments"))
    if comments is None:
        return not_found_page("That page of comments does not exist.")
    pending = None
    unapproved = query(request, "unapproved")
    digest = query(request, "moderation-hash")
    if unapproved and digest and deps.signing().check_moderation_hash(unapproved, digest):
        pending = commenting.comment_on(deps.comments(), slug, unapproved, "pending")
    replying_to = query(request, "replytocom")
    reply_to = commenting.comment_on(deps.comments(), slug, replying_to, "approved")
    body = render_post_page(
        post,
        comments,
        pending=pending,
        reply_to=reply_to,
        form={"comment_parent": reply_to.id} if reply_to else None,
    )
    # A page showing a reader their own pending comment must never be shared by a cache.
    cache = PRIVATE if pending else HTML_CACHE
    return _with_token(conditional(_headers(), body, HTML, cache_control=cache))


def json_ld(meta: PostMeta, links: Links) -> dict[str, Any]:
    """schema.org metadata for search engines: the post, and the study it discusses."""
    url = links.absolute(f"/posts/{meta.slug}")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": meta.title,
        "description": meta.summary,
        "datePublished": meta.date.isoformat(),
        "dateModified": (meta.updated or meta.date).isoformat(),
        "author": {"@type": "Person", "name": meta.author},
        "publisher": {"@type": "Organization", "name": links.site.title, "url": links.site.url},
        "mainEntityOfPage": url,
        "url": url,
        "articleSection": meta.category,
        "keywords": [t.name for t in meta.tags],
        "timeRequired": f"PT{meta.reading_minutes}M",
    }
    c = meta.citation
    if c is not None:
        cited: dict[str, Any] = {
            "@type": "ScholarlyArticle",
            "headline": c.title,
            "author": [{"@type": "Person", "name": a} for a in c.authors],
            "datePublished": str(c.year),
        }
        if c.journal:
            cited["isPartOf"] = {"@type": "Periodical", "name": c.journal}
        if c.pages:
            cited["pagination"] = c.pages
        if c.doi:
            cited["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": c.doi}
            cited["sameAs"] = c.doi_url
        data["citation"] = cited
    return data


# --- the comment form ---------------------------------------------------------


def _form_fields() -> dict[str, str]:
    raw = bp.current_request.raw_body or b""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    parsed = parse_qs(text, keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items() if values}


@bp.route("/posts/{slug}/comments", methods=["POST"], content_types=[FORM])
def post_comment_form(slug: str) -> Response:
    post = _published(slug)
    if post is None:
        return not_found_page("There is no post at this address.")
    fields = _form_fields()
    form = {name: fields.get(name, "") for name in _FORM_FIELDS}

    def again(
        status: int,
        errors: dict[str, str] | None = None,
        message: str = "",
        headers: dict[str, str] | None = None,
    ) -> Response:
        comments = _approved_page(slug)
        reply_to = commenting.comment_on(deps.comments(), slug, form["comment_parent"], "approved")
        body = render_post_page(
            post, comments, form=form, errors=errors, message=message, reply_to=reply_to
        )
        return _with_token(
            conditional(
                _headers(), body, HTML, cache_control=PRIVATE, status=status, extra_headers=headers
            )
        )

    sub, errors = validate(
        {
            "author": form["author"],
            "email": form["email"],
            "url": form["url"],
            "body": form["comment"],
            "parent_id": form["comment_parent"],
            "notify": form["notify"],
        }
    )
    if errors:
        form_names = {"body": "comment", "parent_id": "comment_parent"}
        errors = {form_names.get(k, k): v for k, v in errors.items()}
        return again(422, errors, "Please correct the fields marked below.")
    moment = now()
    nonce = None
    try:
        token = deps.signing().read_form_token(fields.get("form_token", ""))
        form_age, nonce = moment - token.issued_at, token.nonce
    except InvalidToken:
        form_age = 0.0  # no genuine page served this form: the time trap catches it
    policy = deps.posts().site().comments
    if form_age > policy.max_form_age_seconds:
        return again(422, message="This form has expired. Please submit your comment again.")
    ctx = commenting.Context(
        client_ip=client_ip(bp.current_request),
        now=moment,
        form_nonce=nonce,
        honeypot=fields.get("phone", ""),
        form_age=form_age,
    )
    try:
        comment = commenting.submit(
            deps.comments(), deps.signing(), deps.posts().site(), post.meta, sub, ctx
        )
    except commenting.CommentsClosed:
        return again(403, message="Comments are closed.")
    except (commenting.InvalidComment, ParentUnavailable):
        form["comment_parent"] = ""
        return again(
            422,
            {"comment_parent": "The comment you replied to is no longer available."},
            "The comment you replied to is no longer available.",
        )
    except DuplicateComment:
        return again(
            409, message="Duplicate comment detected; it looks as though you’ve already said that!"
        )
    except TooFast as exc:
        return again(
            429,
            message="You are posting comments too quickly. Slow down.",
            headers={"Retry-After": str(exc.retry_after)},
        )
    except IdempotencyMismatch:
        return again(409, message="This comment was already submitted.")
    return Response(
        body="",
        status_code=303,
        headers={"Location": comment_location(comment), "Cache-Control": PRIVATE},
    )


def comment_location(comment: Comment) -> str:
    """Where a commenter lands: their comment, or, while it waits, a signed link to see it."""
    links = _links()
    anchor = f"#comment-{comment.id}"
    if comment.status == "approved":
        params = {"comments": _cursor(comment.post, at=comment.sort_key)}
    else:
        # Spam is answered exactly like a comment held for moderation.
        params = {
            "unapproved": comment.id,
            "moderation-hash": deps.signing().moderation_hash(comment.id),
        }
    return links.url(f"/posts/{comment.post}?{urlencode(params)}{anchor}")


# --- feeds and discovery --------------------------------------------------------


def _feed(posts: list[PostMeta], title: str, path: str) -> Response:
    links = _links()
    body = render(
        "feed.xml", links=links, site=links.site, posts=posts[:20], title=title, path=path
    )
    return conditional(_headers(), body, "application/rss+xml; charset=utf-8", FEED_CACHE)


@bp.route("/feed.xml", methods=READ)
def feed() -> Response:
    return _feed(_visible(deps.posts().index().posts), deps.posts().site().title, "/feed.xml")


@bp.route("/tags/{tag}/feed.xml", methods=READ)
def tag_feed(tag: str) -> Response:
    posts, name = _tagged(tag)
    if not posts:
        return not_found_page("There are no posts with that tag.")
    return _feed(posts, f"{deps.posts().site().title}: {name}", f"/tags/{tag}/feed.xml")


@bp.route("/sitemap.xml", methods=READ)
def sitemap() -> Response:
    posts = _visible(deps.posts().index().posts)
    links = _links()
    tags = sorted({t.slug for p in posts for t in p.tags})
    categories = sorted({p.category_slug for p in posts})
    body = render("sitemap.xml", links=links, posts=posts, tags=tags, categories=categories)
    return conditional(_headers(), body, "application/xml; charset=utf-8", FEED_CACHE)


@bp.route("/robots.txt", methods=READ)
def robots() -> Response:
    links = _links()
    body = render("robots.txt", links=links)
    return conditional(_headers(), body, "text/plain; charset=utf-8", FEED_CACHE)


@bp.route("/{proxy+}", methods=[*READ, "POST", "PUT", "PATCH", "DELETE"])
def unknown() -> Response:
    # Chalice passes no argument for a greedy parameter; API Gateway fills uri_params.
    proxy = (bp.current_request.uri_params or {}).get("proxy", "")
    if proxy.startswith("api/"):
        return api_error(404, "not_found", "There is no such API route.")
    return not_found_page()
