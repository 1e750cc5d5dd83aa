"""Front matter -> PostMeta: one table of typed fields, converted in one place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from chalicelib.posts.markdown import reading_minutes, render_body, summarize
from chalicelib.posts.media import MediaCatalog, media_path
from chalicelib.posts.model import (
    Citation,
    ContentError,
    ContentErrors,
    Post,
    PostMeta,
    Tag,
    make_tag,
    slug_from_filename,
)
from chalicelib.posts.yamltext import load_yaml

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
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                moment = parse(value.strip())
            except ValueError:
                continue
            return moment.date() if isinstance(moment, dt.datetime) else moment
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


_BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)


def _split(source: str, text: str) -> tuple[dict[str, Any], str]:
    """The front matter's mapping and the body; raise ContentError if there is none."""
    text = text.removeprefix("\ufeff")
    if not text.lstrip().startswith("---"):
        raise ContentError(source, "front matter", "is missing: start the file with ---")
    parts = _BOUNDARY.split(text.lstrip(), 2)
    if len(parts) < 3:
        raise ContentError(source, "front matter", "has no closing --- line")
    raw = load_yaml(parts[1], source, "front matter")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ContentError(source, "front matter", "must be a mapping of field: value lines")
    return raw, parts[2]


def _values(source: str, raw: dict[Any, Any], errors: list[ContentError]) -> dict[str, Any]:
    """Convert every field by the table, adding one error per bad or unknown field."""
    for name in sorted(str(key) for key in raw if key not in _FIELDS):
        errors.append(ContentError(source, name, "is not a known field"))
    values: dict[str, Any] = {}
    for name, (required, convert) in _FIELDS.items():
        if raw.get(name) is None:
            if required:
                errors.append(ContentError(source, name, "is required"))
            continue
        try:
            values[name] = convert(raw[name])
        except (ValueError, TypeError) as exc:
            errors.append(ContentError(source, name, str(exc)))
    return values


def parse_post(source: str, text: str, media: MediaCatalog | None = None) -> Post:
    """Parse `posts/<slug>.md` text into a Post, or raise ContentErrors listing every problem
    (each naming file and field). `media` sizes the post's images; publishing checks that
    each one exists (posts/images.py)."""
    errors: list[ContentError] = []
    slug = ""
    try:
        slug = slug_from_filename(source)
    except ContentError as exc:
        errors.append(exc)
    try:
        raw, body = _split(source, text)
    except ContentError as exc:
        raise ContentErrors([*errors, exc]) from None
    values = _values(source, raw, errors)
    if not body.strip():
        errors.append(ContentError(source, "body", "is empty"))
    if errors:
        raise ContentErrors(errors)
    rendered = render_body(body, media)
    text_only = rendered.text
    first_image = next((ref.path for ref in rendered.images if ref.path), "")
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
        meta=meta, body_html=rendered.html, draft=values.get("draft", False), images=rendered.images
    )
