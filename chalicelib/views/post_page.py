"""The post page, assembled by one call: the post, a page of its comments, the reader's own
pending comment, the comment being replied to, and the form's state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib.comments.model import Comment, CommentPage, build_threads
from chalicelib.comments.rules import HONEYPOT_FIELD, LIMITS
from chalicelib.comments.service import comment_on, comments_open
from chalicelib.deps import Stores
from chalicelib.faults import Unavailable
from chalicelib.posts.media import MediaImage
from chalicelib.posts.model import Post, PostMeta
from chalicelib.rendering import render
from chalicelib.signing import InvalidToken
from chalicelib.views.web import Links

# The page's ETag must not change with every render's fresh form token, so the
# token is put in after the ETag is computed, in place of this marker.
TOKEN_MARKER = "__lambdapress_form_token__"  # noqa: S105 - a placeholder, not a secret


@dataclass
class FormState:
    """The comment form as the reader left it: their values, a message per field, a notice."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class Reader:
    """What the reader's request asks to see, from its query string."""

    cursor: str = ""  # a signed page of comments
    unapproved: str = ""  # their own pending comment, with its signed hash
    moderation_hash: str = ""
    reply_to: str = ""  # the comment they are replying to


@dataclass
class PostPage:
    post: Post
    comments: CommentPage | None  # None: the comments cannot be read right now
    comments_open: bool
    form: FormState
    pending: Comment | None = None
    reply_to: Comment | None = None


def published(stores: Stores, slug: str, today: dt.date) -> Post | None:
    """The post at `slug` if readers may see it today."""
    meta = stores.posts.index().get(slug)
    if meta is None or not meta.is_visible(today):
        return None
    return stores.posts.post(slug)


def _cursor_scope(slug: str) -> str:
    return f"comments:{slug}"


def _comment_page(stores: Stores, slug: str, cursor: str) -> CommentPage | None:
    """The page of comments a cursor names (the first without one); None for a forged one."""
    where: dict[str, Any] = {}
    if cursor:
        try:
            where = stores.signing.read_cursor(_cursor_scope(slug), cursor)
        except InvalidToken:
            return None
    return stores.comments.approved_page(
        slug,
        stores.site().comments.page_size,
        after=where.get("a"),
        before=where.get("b"),
        at=where.get("at"),
    )


def _pending(stores: Stores, slug: str, reader: Reader) -> Comment | None:
    """The reader's own comment awaiting moderation, shown only on its signed link."""
    if not (reader.unapproved and reader.moderation_hash):
        return None
    if not stores.signing.check_moderation_hash(reader.unapproved, reader.moderation_hash):
        return None
    return comment_on(stores.comments, slug, reader.unapproved, "pending")


def gather(
    stores: Stores, post: Post, reader: Reader, today: dt.date, form: FormState | None = None
) -> PostPage | None:
    """Everything the post page shows; None when the reader's cursor is not genuine.

    When the comments cannot be read (a DynamoDB fault), the page still shows the post and
    the form, with the reader's input kept.
    """
    page = PostPage(
        post=post,
        comments=None,
        comments_open=comments_open(post.meta, stores.site(), today),
        form=form or FormState(),
    )
    try:
        page.comments = _comment_page(stores, post.slug, reader.cursor)
        if page.comments is None:
            return None
        page.reply_to = comment_on(stores.comments, post.slug, reader.reply_to, "approved")
        page.pending = _pending(stores, post.slug, reader)
    except Unavailable:
        page.comments = None
    if form is None and page.reply_to is not None:
        page.form.values["comment_parent"] = page.reply_to.id
    return page


def render_post_page(page: PostPage, links: Links, stores: Stores, preview: bool = False) -> str:
    """The post page's HTML; the form token is left as TOKEN_MARKER. A preview is the same
    page marked noindex."""
    site, slug = links.site, page.post.slug
    comments = page.comments or CommentPage(count=0, comments=[])
    image = stores.posts.index().media.get(page.post.meta.image)

    def comments_link(**where: str) -> str:
        cursor = stores.signing.cursor(_cursor_scope(slug), where)
        return links.url(f"/posts/{slug}?" + urlencode({"comments": cursor}))

    return render(
        "post.html",
        links=links,
        site=site,
        post=page.post,
        meta=page.post.meta,
        cta=site.call_to_action(page.post.meta.category),
        json_ld=json_ld(page.post.meta, links, image),
        share_image=image,
        share_alt=next((i.alt for i in page.post.images if i.path == page.post.meta.image), ""),
        comment_count=comments.count,
        threads=build_threads(comments.comments),
        newer_link=comments_link(a=comments.next_after) if comments.next_after else "",
        older_link=comments_link(b=comments.prev_before) if comments.prev_before else "",
        comments_open=page.comments_open,
        comments_unavailable=page.comments is None,
        thread_depth=site.comments.thread_depth,
        form=page.form.values,
        errors=page.form.errors,
        message=page.form.message,
        pending=page.pending,
        reply_to=page.reply_to,
        form_token=TOKEN_MARKER,
        limits=LIMITS,
        honeypot=HONEYPOT_FIELD,
        noindex=preview,
    )


def with_token(response: Response, stores: Stores, now: float) -> Response:
    """Put a fresh signed form token into a rendered page."""
    if isinstance(response.body, str) and TOKEN_MARKER in response.body:
        response.body = response.body.replace(TOKEN_MARKER, stores.signing.form_token(now))
    return response


def comment_location(comment: Comment, links: Links, stores: Stores) -> str:
    """Where a commenter lands: their comment, or, while it waits, a signed link to see it."""
    if comment.status == "approved":
        cursor = stores.signing.cursor(_cursor_scope(comment.post), {"at": comment.path})
        params = {"comments": cursor}
    else:
        # Spam is answered exactly like a comment held for moderation.
        params = {
            "unapproved": comment.id,
            "moderation-hash": stores.signing.moderation_hash(comment.id),
        }
    return links.url(f"/posts/{comment.post}?{urlencode(params)}#comment-{comment.id}")


def api_cursor(stores: Stores, slug: str, after: str) -> str:
    return stores.signing.cursor(f"api-{_cursor_scope(slug)}", {"a": after})


def read_api_cursor(stores: Stores, slug: str, cursor: str) -> str | None:
    """The path an API cursor continues after; raises InvalidToken for a forged one."""
    after = stores.signing.read_cursor(f"api-{_cursor_scope(slug)}", cursor).get("a")
    return after if isinstance(after, str) else None


def json_ld(meta: PostMeta, links: Links, image: MediaImage | None = None) -> dict[str, Any]:
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
    if image is not None:
        data["image"] = {
            "@type": "ImageObject",
            "url": links.absolute(image.url),
            "width": image.width,
            "height": image.height,
        }
    if meta.citation is not None:
        data["citation"] = _cited(meta)
    return data


def _cited(meta: PostMeta) -> dict[str, Any]:
    c = meta.citation
    assert c is not None
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
    return cited
