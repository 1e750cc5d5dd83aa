"""Post Markdown to sanitised HTML (markdown-it-py, nh3), with word counts and summaries."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

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
    "img": {"src", "alt", "width", "height", "loading"},
    "th": {"style", "scope"},
    "td": {"style"},
    "ol": {"start"},
    "abbr": {"title"},
}


def _post_markdown() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": True, "typographer": True})
        .enable(["table", "strikethrough", "replacements", "smartquotes"])
        .use(footnote_plugin)
    )


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


def render_post_body(markdown_text: str) -> tuple[str, str]:
    """Render an author's Markdown to sanitised HTML; return (html, plain text)."""
    env: dict[str, Any] = {}
    tokens = _MD_POST.parse(markdown_text, env)
    _demote_h1(tokens)
    html = _MD_POST.renderer.render(tokens, _MD_POST.options, env)
    # Authors are trusted, but their HTML still passes an allow-list: a pasted
    # <script> or onclick from another site must never reach readers.
    safe = nh3.clean(
        html,
        tags=_POST_TAGS,
        attributes=_POST_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )
    return safe, plain_text(tokens)


def reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def summarize(text: str, words: int = SUMMARY_WORDS) -> str:
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(",;:.") + "…"
