"""Front matter -> PostMeta: one table of typed fields, converted in one place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import frontmatter
import yaml

from chalicelib.posts.markdown import reading_minutes, render_body, summarize
from chalicelib.posts.media import MediaCatalog, media_path
from chalicelib.posts.model import (
    Citation,
    ContentError,
    Post,
    PostMeta,
    Tag,
    make_tag,
    slug_from_filename,
)

DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")


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


def _image(value: Any) -> str:
    path = media_path(_text(value))
    if path is None:
        raise ValueError("must name an image in content/media/ (../media/... or /media/...)")
    return path


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
    "image": (False, _image),
}


def parse_post(source: str, text: str, media: MediaCatalog | None = None) -> Post:
    """Parse `posts/<slug>.md` text into a Post, or raise ContentError naming file and field.

    `media` sizes the post's images; publishing checks that each one exists (posts/images.py).
    """
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
    body = render_body(doc.content, media)
    text_only = body.text
    first_image = next((ref.path for ref in body.images if ref.path), "")
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
        image=values.get("image") or first_image,
    )
    return Post(
        meta=meta, body_html=body.html, draft=values.get("draft", False), images=body.images
    )
