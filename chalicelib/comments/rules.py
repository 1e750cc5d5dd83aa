"""The rules for a new comment, pure: validation, spam classification (WordPress's order)
and rendering the commenter's Markdown subset."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from chalicelib.comments.errors import FormExpired
from chalicelib.posts.site import CommentPolicy

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

HONEYPOT_FIELD = "phone"  # the form's hidden field that only robots fill in
_EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_HOST_RE = re.compile(r"^[\w-]+(\.[\w-]+)*\.?$")
_LINK_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
_ID_RE = re.compile(r"[0-9a-f]{20}")
_NOT_IN_A_NAME = {"Cc", "Zl", "Zp"}  # control characters and line breaks


@dataclass(frozen=True)
class Limits:
    """WordPress's column sizes; validation, the form's maxlength, the OpenAPI document and
    the import all use these."""

    author: int = 245
    email: int = 100
    url: int = 200
    body_bytes: int = 65525


LIMITS = Limits()


@dataclass(frozen=True)
class Submission:
    author: str
    email: str
    url: str
    body: str
    parent_id: str | None = None
    notify: bool = False


@dataclass(frozen=True)
class FormSignals:
    """What a form tells about its sender; the API sends none."""

    honeypot: str = ""
    age: float | None = None  # seconds since a genuine page served the form
    forged: bool = False  # no genuine form token: no page of this site served the form


def form_signals(fields: Mapping[str, str], issued_at: float | None, now: float) -> FormSignals:
    """A form without a genuine token was never served by a page: a robot's, like the
    honeypot's (a cached page's token is genuine too, until the form expires)."""
    return FormSignals(
        honeypot=fields.get(HONEYPOT_FIELD, ""),
        age=0.0 if issued_at is None else now - issued_at,
        forged=issued_at is None,
    )


@dataclass(frozen=True)
class Verdict:
    status: str  # approved | pending | spam
    reason: str


def valid_web_address(url: str) -> bool:
    """An http(s) URL with a plausible host and no spaces: safe to put in an href."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:  # "http://[": an invalid IPv6 literal
        return False
    host = parts.hostname or ""
    return (
        parts.scheme in ("http", "https")
        and bool(_HOST_RE.match(host))
        and not any(c.isspace() for c in url)
    )


def _clean(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _not_text(value: object) -> bool:
    """A string no UTF-8 can hold: a lone surrogate, which JSON's \\ud800 can carry."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _web_address(url: str) -> tuple[str, str | None]:
    if not url:
        return url, None
    if "://" not in url:
        url = "http://" + url
    if not valid_web_address(url):
        return url, "Please enter a web address starting with http:// or https://."
    return url, None


def _field_errors(sub: Submission, url_error: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not sub.author:
        errors["author"] = "Please enter your name."
    elif any(unicodedata.category(c) in _NOT_IN_A_NAME for c in sub.author):
        errors["author"] = "Please enter your name on one line, without control characters."
    if not sub.email:
        errors["email"] = "Please enter your email address."
    elif not _EMAIL_RE.match(sub.email):
        errors["email"] = "Please enter a valid email address."
    if not sub.body:
        errors["body"] = "Please type your comment."
    elif len(sub.body.encode("utf-8")) > LIMITS.body_bytes:
        errors["body"] = f"Your comment is too long: at most {LIMITS.body_bytes:,} bytes."
    if url_error:
        errors["url"] = url_error
    for name, value in (("author", sub.author), ("email", sub.email), ("url", sub.url)):
        limit = getattr(LIMITS, name)
        if len(value) > limit and name not in errors:
            errors[name] = f"This is too long: at most {limit} characters."
    if sub.parent_id is not None and not _ID_RE.fullmatch(sub.parent_id[:21]):
        errors["parent_id"] = "The comment you are replying to does not exist."
    return errors


def validate(fields: Mapping[str, object]) -> tuple[Submission, dict[str, str]]:
    """Check required fields and lengths; return the submission and a message per bad field."""
    names = ("author", "email", "url", "body", "parent_id")
    not_text = [name for name in names if _not_text(fields.get(name))]
    value = {name: "" if name in not_text else _clean(fields.get(name)) for name in names}
    url, url_error = _web_address(value["url"])
    sub = Submission(
        author=value["author"],
        email=value["email"],
        url=url,
        body=value["body"],
        parent_id=value["parent_id"] or None,
        notify=fields.get("notify") in (True, "1", "on", "yes", "true"),
    )
    errors = _field_errors(sub, url_error)
    errors.update(dict.fromkeys(not_text, "This contains characters that are not valid text."))
    return sub, errors


def check_form_age(signals: FormSignals, policy: CommentPolicy) -> None:
    """A form served too long ago is refused, so the reader submits a fresh one."""
    if signals.age is not None and signals.age > policy.max_form_age_seconds:
        raise FormExpired()


def _contains_any(words: tuple[str, ...], text: str) -> str | None:
    lowered = text.lower()
    return next((w for w in words if w in lowered), None)


def classify(
    sub: Submission,
    policy: CommentPolicy,
    author_is_trusted: Callable[[], bool],
    signals: FormSignals | None = None,
) -> Verdict:
    """Decide a valid, non-duplicate, non-flood comment's status.

    `author_is_trusted` is called only when the earlier checks leave the decision to it.
    """
    signals = signals or FormSignals()
    if signals.honeypot.strip():
        return Verdict("spam", "honeypot")
    if signals.forged:
        return Verdict("spam", "no form token")
    if signals.age is not None and signals.age < policy.min_submit_seconds:
        # Autofill and fast typists do this too: a moderator decides, not the rule.
        return Verdict("pending", "too quick")
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


@functools.cache
def _markdown(heavy: bool) -> MarkdownIt:
    """The comment parser, built on the first comment (markdown-it-py is imported only by
    writes: pages show comments as stored HTML)."""
    from markdown_it import MarkdownIt

    if heavy:
        return MarkdownIt("zero")
    return MarkdownIt("commonmark", {"html": False}).disable(
        ["heading", "lheading", "image", "hr", "html_block", "html_inline", "table"],
        ignoreInvalid=True,
    )


_COMMENT_TAGS = {"p", "br", "em", "strong", "a", "code", "pre", "blockquote", "ul", "ol", "li"}


# Link labels and emphasis runs make the parser's cost grow with the square of their count
# (65 KB of "[" took 0.7 s). No prose needs this many: past the budget a comment is shown as
# the plain paragraphs it is, which costs linear time.
_MARKUP_BUDGET = 500


def render_comment(body: str) -> str:
    """A commenter's Markdown subset to sanitised HTML; the result is stored and never altered."""
    import nh3

    heavy = any(body.count(mark) > _MARKUP_BUDGET for mark in "[*_`")
    html = _markdown(heavy).render(body)
    return nh3.clean(
        html,
        tags=_COMMENT_TAGS,
        attributes={"a": {"href"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
