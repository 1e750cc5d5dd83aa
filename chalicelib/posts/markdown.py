"""Post Markdown to sanitised HTML (markdown-it-py, nh3), with word counts and summaries."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from chalicelib.posts.figures import image_refs, mark_figures, render_image
from chalicelib.posts.media import MediaCatalog
from chalicelib.posts.model import ImageRef

WORDS_PER_MINUTE = 200
SUMMARY_WORDS = 50


_POST_TAGS = {
    *nh3.ALLOWED_TAGS,
    "section",
    "figure",
    "figcaption",
    "sup",
    "sub",
    "hr",
    "img",
    "picture",
    "source",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "s",
}
_POST_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"},
    "source": {"type", "srcset", "sizes", "media"},
    "th": {"style", "scope"},
    "td": {"style"},
    "ol": {"start"},
    "abbr": {"title"},
}


def _srcset_filter(tag: str, attribute: str, value: str) -> str | None:
    """nh3 checks the schemes of src and href, not of srcset: keep only site and https URLs."""
    if attribute != "srcset":
        return value
    urls = [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]
    safe = all(u.startswith(("/", "https://")) and not u.startswith("//") for u in urls)
    return value if safe else None


def _image_rule(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return render_image(tokens, idx, options, env, self)


def _post_markdown() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": True, "typographer": True})
        .enable(["table", "strikethrough", "replacements", "smartquotes"])
        .use(footnote_plugin)
    )
    md.add_render_rule("image", _image_rule)
    return md


_MD_POST = _post_markdown()


def _demote_h1(tokens: list[Token]) -> None:
    """The page's title is its only h1: headings in a body start at h2."""
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close") and tok.tag == "h1":
            tok.tag = "h2"


def plain_text(tokens: Iterable[Token]) -> str:
    """The visible words of parsed Markdown, for word counts and summaries."""
    parts: list[str] = []
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            parts.append(
                "".join(
                    " " if child.type in ("softbreak", "hardbreak") else child.content
                    for child in tok.children
                    if child.type in ("text", "code_inline", "softbreak", "hardbreak")
                )
            )
        elif tok.type in ("code_block", "fence"):
            parts.append(tok.content)
    return " ".join(" ".join(parts).split())


@dataclass(frozen=True)
class RenderedBody:
    html: str
    text: str  # the visible words
    images: tuple[ImageRef, ...]  # every image the Markdown names, in order


def render_body(markdown_text: str, media: MediaCatalog | None = None) -> RenderedBody:
    """Render an author's Markdown to sanitised HTML, its images sized from `media`."""
    env: dict[str, Any] = {"media": media}
    tokens = _MD_POST.parse(markdown_text, env)
    _demote_h1(tokens)
    mark_figures(tokens)
    html = _MD_POST.renderer.render(tokens, _MD_POST.options, env)
    # Authors are trusted, but their HTML still passes an allow-list: a pasted
    # <script> or onclick from another site must never reach readers.
    safe = nh3.clean(
        html,
        tags=_POST_TAGS,
        attributes=_POST_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        attribute_filter=_srcset_filter,
    )
    return RenderedBody(safe, plain_text(tokens), tuple(image_refs(tokens)))


def render_post_body(markdown_text: str) -> tuple[str, str]:
    """Render an author's Markdown to sanitised HTML; return (html, plain text)."""
    body = render_body(markdown_text)
    return body.html, body.text


def reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def summarize(text: str, words: int = SUMMARY_WORDS) -> str:
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(",;:.") + "…"
