"""The post model: Post, PostMeta, Citation, Tag, and the errors of content."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ContentError(ValueError):
    """Invalid content: names the file and the field at fault."""

    def __init__(self, source: str, field_name: str | None, message: str) -> None:
        self.source = source
        self.field = field_name
        self.message = message
        where = f"{source}: {field_name}" if field_name else source
        super().__init__(f"{where}: {message}")


class ContentErrors(ContentError):
    """Every problem of one file at once; the first one names the file and field."""

    def __init__(self, errors: list[ContentError]) -> None:
        first = errors[0]
        super().__init__(first.source, first.field, first.message)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(ValueError.__str__(e) for e in self.errors)


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
    image: str = ""  # the page's share image (og:image), under content/media/

    @property
    def category_slug(self) -> str:
        return slug_of(self.category)

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
            "image": self.image,
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
            image=data.get("image") or "",
        )


@dataclass(frozen=True)
class ImageRef:
    """An image as a post's Markdown names it."""

    src: str
    alt: str
    title: str
    path: str | None  # under content/media/, or None when it is not a media reference


PAGE_VERSION = 1  # the rendered page's JSON layout (Post.to_json)


@dataclass(frozen=True)
class Post:
    meta: PostMeta
    body_html: str
    draft: bool = False
    images: tuple[ImageRef, ...] = ()  # as the Markdown names them, in order

    @property
    def slug(self) -> str:
        return self.meta.slug

    def to_json(self) -> str:
        """The rendered page publishing stores beside the source: what the Lambda reads
        instead of parsing Markdown (its body is the sanitised HTML)."""
        return json.dumps(
            {
                "version": PAGE_VERSION,
                "meta": self.meta.to_dict(),
                "html": self.body_html,
                "draft": self.draft,
                "images": [[i.src, i.alt, i.title, i.path] for i in self.images],
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Post:
        """Raises ValueError for a page of another layout (another version published it)."""
        data = json.loads(text)
        if data.get("version") != PAGE_VERSION:
            raise ValueError(f"a rendered page of layout {data.get('version')!r}")
        return cls(
            meta=PostMeta.from_dict(data["meta"]),
            body_html=data["html"],
            draft=data["draft"],
            images=tuple(ImageRef(*image) for image in data["images"]),
        )


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
    return Tag(name=name, slug=slug_of(name))


def slug_of(text: str) -> str:
    """A name as it appears in URLs (python-slugify, imported by the first page that needs
    one: the notification function never does)."""
    from slugify import slugify

    return str(slugify(text))


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
