"""Validation and moderation policy for new comments: pure functions, WordPress's order."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.siteconfig import CommentPolicy

# WordPress's column sizes.
MAX_CHARS = {"author": 245, "email": 100, "url": 200}
MAX_BODY_BYTES = 65525
_EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_HOST_RE = re.compile(r"^[\w-]+(\.[\w-]+)*\.?$")
_LINK_RE = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Submission:
    author: str
    email: str
    url: str
    body: str
    parent_id: str | None = None
    notify: bool = False


@dataclass(frozen=True)
class Verdict:
    status: str  # approved | pending | spam
    reason: str


def valid_web_address(url: str) -> bool:
    """An http(s) URL with a plausible host and no spaces: safe to put in an href."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    host = parts.hostname or ""
    return (
        parts.scheme in ("http", "https")
        and bool(_HOST_RE.match(host))
        and not any(c.isspace() for c in url)
    )


def _clean(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def validate(fields: Mapping[str, object]) -> tuple[Submission, dict[str, str]]:
    """Check required fields and lengths; return the submission and a message per bad field."""
    author, email = _clean(fields.get("author")), _clean(fields.get("email"))
    url, body = _clean(fields.get("url")), _clean(fields.get("body"))
    parent = _clean(fields.get("parent_id")) or None
    errors: dict[str, str] = {}
    if not author:
        errors["author"] = "Please enter your name."
    if not email:
        errors["email"] = "Please enter your email address."
    elif not _EMAIL_RE.match(email):
        errors["email"] = "Please enter a valid email address."
    if not body:
        errors["body"] = "Please type your comment."
    elif len(body.encode("utf-8")) > MAX_BODY_BYTES:
        errors["body"] = f"Your comment is too long: at most {MAX_BODY_BYTES:,} bytes."
    if url:
        if "://" not in url:
            url = "http://" + url
        if not valid_web_address(url):
            errors["url"] = "Please enter a web address starting with http:// or https://."
    for name, limit in MAX_CHARS.items():
        value = {"author": author, "email": email, "url": url}[name]
        if len(value) > limit and name not in errors:
            errors[name] = f"This is too long: at most {limit} characters."
    if parent is not None and not re.fullmatch(r"[0-9a-f]{20}", parent):
        errors["parent_id"] = "The comment you are replying to does not exist."
    sub = Submission(
        author=author,
        email=email,
        url=url,
        body=body,
        parent_id=parent,
        notify=fields.get("notify") in (True, "1", "on", "yes", "true"),
    )
    return sub, errors


def _contains_any(words: tuple[str, ...], text: str) -> str | None:
    lowered = text.lower()
    return next((w for w in words if w in lowered), None)


def classify(
    sub: Submission,
    policy: CommentPolicy,
    author_is_trusted: Callable[[], bool],
    honeypot: str = "",
    form_age: float | None = None,
) -> Verdict:
    """Decide a valid, non-duplicate, non-flood comment's status.

    `author_is_trusted` is called only when the earlier checks leave the decision to it.
    """
    if honeypot.strip():
        return Verdict("spam", "honeypot")
    if form_age is not None and form_age < policy.min_submit_seconds:
        return Verdict("spam", "too quick")
    everything = "\n".join((sub.author, sub.email, sub.url, sub.body))
    if word := _contains_any(policy.blocklist, everything):
        return Verdict("spam", f"blocklisted word {word!r}")
    if policy.max_links and len(_LINK_RE.findall(sub.body)) >= policy.max_links:
        return Verdict("pending", "links")
    if word := _contains_any(policy.watchwords, everything):
        return Verdict("pending", f"watch word {word!r}")
    if author_is_trusted():
        return Verdict("approved", "trusted author")
    return Verdict("pending", "new author")
