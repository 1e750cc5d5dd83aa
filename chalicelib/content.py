"""Pure content functions: front matter, Markdown, reading time, slugs, summaries."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import frontmatter
import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from slugify import slugify

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
WORDS_PER_MINUTE = 200
SUMMARY_WORDS = 50


class ContentError(ValueError):
    """Invalid content: names the file and the field at fault."""

    def __init__(self, source: str, field_name: str | None, message: str) -> None:
        self.source = source
        self.field = field_name
        self.message = message
        where = f"{source}: {field_name}" if field_name else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str


@dataclass(frozen=True)
class Citation:
    authors: tuple[str, ...]
    year: int
    title: str
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def first_page(self) -> str:
        return self.pages.split("-")[0].strip() if self.pages else ""

    @property
    def last_page(self) -> str:
        parts = self.pages.split("-")
        return parts[-1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True)
class PostMeta:
    """What listings, feeds and the index need: everything but the body."""

    slug: str
    title: str
    date: dt.date
    author: str
    category: str
    tags: tuple[Tag, ...]
    summary: str
    reading_minutes: int
    comments_open: bool = True
    citation: Citation | None = None
    updated: dt.date | None = None

    @property
    def category_slug(self) -> str:
        return slugify(self.category)

    def is_visible(self, today: dt.date) -> bool:
        """Published posts dated in the future stay hidden until their day."""
        return self.date <= today

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "date": self.date.isoformat(),
            "updated": self.updated.isoformat() if self.updated else None,
            "author": self.author,
            "category": self.category,
            "tags": [t.name for t in self.tags],
            "summary": self.summary,
            "reading_minutes": self.reading_minutes,
            "comments_open": self.comments_open,
            "citation": _citation_dict(self.citation),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PostMeta:
        return cls(
            slug=data["slug"],
            title=data["title"],
            date=dt.date.fromisoformat(data["date"]),
            updated=dt.date.fromisoformat(data["updated"]) if data.get("updated") else None,
            author=data["author"],
            category=data["category"],
            tags=tuple(make_tag(name) for name in data["tags"]),
            summary=data["summary"],
            reading_minutes=data["reading_minutes"],
            comments_open=data["comments_open"],
            citation=Citation(**{**data["citation"], "authors": tuple(data["citation"]["authors"])})
            if data.get("citation")
            else None,
        )


@dataclass(frozen=True)
class Post:
    meta: PostMeta
    body_html: str
    draft: bool = False
    words: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.meta.slug


def _citation_dict(citation: Citation | None) -> dict[str, Any] | None:
    if citation is None:
        return None
    return {
        "authors": list(citation.authors),
        "year": citation.year,
        "title": citation.title,
        "journal": citation.journal,
        "volume": citation.volume,
        "issue": citation.issue,
        "pages": citation.pages,
        "doi": citation.doi,
    }


def make_tag(name: str) -> Tag:
    return Tag(name=name, slug=slugify(name))


def slug_from_filename(filename: str) -> str:
    """`posts/stem-cells.md` -> `stem-cells`, validated."""
    stem = filename.rsplit("/", 1)[-1]
    stem = stem[:-3] if stem.endswith(".md") else stem
    if not SLUG_RE.match(stem):
        raise ContentError(
            filename,
            None,
            "file name must be a slug: lowercase letters, digits and hyphens, "
            "starting with a letter or digit",
        )
    return stem


# --- Markdown ---------------------------------------------------------------

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


# --- front matter -----------------------------------------------------------


def _text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError("must be text")
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("must be a date written YYYY-MM-DD")


def _tags(value: Any) -> tuple[Tag, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list):
        raise ValueError("must be a list of tag names")
    tags: list[Tag] = []
    for name in names:
        tag = make_tag(_text(name))
        if not tag.slug:
            raise ValueError(f"tag {name!r} has no letters or digits")
        if tag.slug not in {t.slug for t in tags}:
            tags.append(tag)
    return tuple(tags)


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _comments(value: Any) -> bool:
    if value in ("open", True):
        return True
    if value in ("closed", False):
        return False
    raise ValueError("must be open or closed")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _citation(value: Any) -> Citation:
    if not isinstance(value, dict):
        raise ValueError("must be a mapping with authors, year, title, ...")
    unknown = set(value) - {
        "authors",
        "year",
        "title",
        "journal",
        "volume",
        "issue",
        "pages",
        "doi",
    }
    if unknown:
        raise ValueError(f"unknown citation field(s): {', '.join(sorted(unknown))}")
    authors = value.get("authors")
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not authors:
        raise ValueError("authors must be a non-empty list")
    year = value.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValueError("year must be a four-digit year")
    doi = str(value.get("doi") or "").strip()
    for prefix in ("https://doi.org/", "http://dx.doi.org/", "doi:"):
        doi = doi.removeprefix(prefix)
    if doi and not DOI_RE.match(doi):
        raise ValueError(f"doi {doi!r} is not a DOI (10.NNNN/...)")
    return Citation(
        authors=tuple(_text(a) for a in authors),
        year=year,
        title=_text(value.get("title")),
        journal=str(value.get("journal") or "").strip(),
        volume=str(value.get("volume") or "").strip(),
        issue=str(value.get("issue") or "").strip(),
        pages=str(value.get("pages") or "").strip().replace("–", "-"),
        doi=doi,
    )


# name -> (required, converter); one table instead of scattered ifs.
_FIELDS: dict[str, tuple[bool, Callable[[Any], Any]]] = {
    "title": (True, _text),
    "date": (True, _date),
    "updated": (False, _date),
    "author": (True, _text),
    "category": (True, _text),
    "tags": (False, _tags),
    "summary": (False, _text),
    "reading_minutes": (False, _positive_int),
    "citation": (False, _citation),
    "comments": (False, _comments),
    "draft": (False, _bool),
}


def parse_post(source: str, text: str) -> Post:
    """Parse `posts/<slug>.md` text into a Post, or raise ContentError naming file and field."""
    slug = slug_from_filename(source)
    try:
        doc = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise ContentError(source, "front matter", f"is not valid YAML: {exc}") from exc
    if not text.lstrip().startswith("---"):
        raise ContentError(source, "front matter", "is missing: start the file with ---")
    raw = doc.metadata
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise ContentError(source, unknown[0], "is not a known field")
    values: dict[str, Any] = {}
    for name, (required, convert) in _FIELDS.items():
        if raw.get(name) is None:
            if required:
                raise ContentError(source, name, "is required")
            continue
        try:
            values[name] = convert(raw[name])
        except ValueError as exc:
            raise ContentError(source, name, str(exc)) from exc
    if not doc.content.strip():
        raise ContentError(source, "body", "is empty")
    body_html, text_only = render_post_body(doc.content)
    words = len(text_only.split())
    meta = PostMeta(
        slug=slug,
        title=values["title"],
        date=values["date"],
        updated=values.get("updated"),
        author=values["author"],
        category=values["category"],
        tags=values.get("tags", ()),
        summary=values.get("summary") or summarize(text_only),
        reading_minutes=values.get("reading_minutes") or reading_minutes(words),
        comments_open=values.get("comments", True),
        citation=values.get("citation"),
    )
    return Post(meta=meta, body_html=body_html, draft=values.get("draft", False), words=words)


# --- comments ---------------------------------------------------------------

_MD_COMMENT = MarkdownIt("commonmark", {"html": False}).disable(
    ["heading", "lheading", "image", "hr", "html_block", "html_inline", "table"],
    ignoreInvalid=True,
)
_COMMENT_TAGS = {"p", "br", "em", "strong", "a", "code", "pre", "blockquote", "ul", "ol", "li"}


def render_comment(body: str) -> str:
    """A commenter's Markdown subset to sanitised HTML; the result is stored and never altered."""
    html = _MD_COMMENT.render(body)
    return nh3.clean(
        html,
        tags=_COMMENT_TAGS,
        attributes={"a": {"href"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
