"""The site's configuration (`site.yaml`): parsed and validated in one place."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.posts.model import ContentError, slug_of

SOURCE = "site.yaml"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class CallToAction:
    heading: str
    body: str
    link: Link | None = None


@dataclass(frozen=True)
class CommentPolicy:
    """Every moderation threshold, from `comments:` in site.yaml."""

    page_size: int = 50
    thread_depth: int = 5
    close_after_days: int = 0  # 0: never close by age
    flood_seconds: int = 15
    min_submit_seconds: float = 3.0
    max_form_age_seconds: int = 86400
    max_links: int = 2  # this many links or more: held for moderation
    blocklist: tuple[str, ...] = ()
    watchwords: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    moderator_emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteConfig:
    title: str
    url: str
    tagline: str = ""
    language: str = "en"
    description: str = ""
    notice_text: str = ""
    notice_email: str = ""
    calls_to_action: Mapping[str, CallToAction] = field(default_factory=dict)
    related_links: tuple[Link, ...] = ()
    comments: CommentPolicy = field(default_factory=CommentPolicy)

    def call_to_action(self, category: str) -> CallToAction | None:
        return self.calls_to_action.get(slug_of(category))

    def to_json(self) -> str:
        """The validated config as publishing stores it beside site.yaml: what the Lambda
        reads instead of parsing YAML."""
        data = dataclasses.asdict(self)  # nested blocks, links and the policy included
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SiteConfig:
        data = json.loads(text)
        policy: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.pop("comments").items()
        }
        return cls(
            **{
                **data,
                "calls_to_action": {
                    key: CallToAction(
                        heading=block["heading"],
                        body=block["body"],
                        link=Link(**block["link"]) if block["link"] else None,
                    )
                    for key, block in data["calls_to_action"].items()
                },
                "related_links": tuple(Link(**link) for link in data["related_links"]),
                "comments": CommentPolicy(**policy),
            }
        )


def _fail(field_name: str, message: str) -> ContentError:
    return ContentError(SOURCE, field_name, message)


def _str(data: Mapping[str, Any], key: str, where: str, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise _fail(f"{where}{key}", "is required")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _fail(f"{where}{key}", "must be text")
    return str(value).strip()


def _link(data: Any, where: str) -> Link:
    if not isinstance(data, dict):
        raise _fail(where, "must be a mapping with title and url")
    url = _str(data, "url", f"{where}.", required=True)
    if not url.startswith(("https://", "http://", "/")):
        raise _fail(f"{where}.url", "must be an http(s) URL or a site path")
    return Link(title=_str(data, "title", f"{where}.", required=True), url=url)


def _words(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(f"comments.{key}", "must be a list of text")
    return tuple(v.strip().lower() for v in value if v.strip())


def _policy(data: Any) -> CommentPolicy:
    if data is None:
        return CommentPolicy()
    if not isinstance(data, dict):
        raise _fail("comments", "must be a mapping")
    defaults = CommentPolicy()
    numbers: dict[str, Any] = {}
    for key in (
        "page_size",
        "thread_depth",
        "close_after_days",
        "flood_seconds",
        "min_submit_seconds",
        "max_form_age_seconds",
        "max_links",
    ):
        value = data.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise _fail(f"comments.{key}", "must be a number of at least 0")
        numbers[key] = value
    if not 1 <= numbers["page_size"] <= 500:
        raise _fail("comments.page_size", "must be between 1 and 500")
    if not 1 <= numbers["thread_depth"] <= 10:
        raise _fail("comments.thread_depth", "must be between 1 and 10")
    unknown = (
        set(data)
        - set(numbers)
        - {
            "blocklist",
            "watchwords",
            "cors_origins",
            "moderator_emails",
        }
    )
    if unknown:
        raise _fail(f"comments.{sorted(unknown)[0]}", "is not a known setting")
    return CommentPolicy(
        **numbers,
        blocklist=_words(data, "blocklist"),
        watchwords=_words(data, "watchwords"),
        cors_origins=tuple(o.rstrip("/") for o in _words(data, "cors_origins")),
        moderator_emails=_words(data, "moderator_emails"),
    )


def parse_site(text: str) -> SiteConfig:
    """Parse site.yaml, or raise ContentError naming the field at fault."""
    from chalicelib.posts.yamltext import load_yaml  # publishing only: PyYAML stays out of pages

    data = load_yaml(text, SOURCE, None) or {}
    if not isinstance(data, dict):
        raise _fail("", "must be a mapping")
    url = _str(data, "url", "", required=True).rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise _fail("url", "must be the site's absolute URL, such as https://blog.example.org")
    notice = data.get("notice") or {}
    if not isinstance(notice, dict):
        raise _fail("notice", "must be a mapping with text and email")
    ctas: dict[str, CallToAction] = {}
    raw_ctas = data.get("calls_to_action") or {}
    if not isinstance(raw_ctas, dict):
        raise _fail("calls_to_action", "must map category names to blocks")
    for category, block in raw_ctas.items():
        where = f"calls_to_action.{category}"
        if not isinstance(block, dict):
            raise _fail(where, "must be a mapping with heading, body and link")
        ctas[slug_of(str(category))] = CallToAction(
            heading=_str(block, "heading", f"{where}.", required=True),
            body=_str(block, "body", f"{where}.", required=True),
            link=_link(block["link"], f"{where}.link") if block.get("link") else None,
        )
    related = data.get("related_links") or []
    if not isinstance(related, list):
        raise _fail("related_links", "must be a list of {title, url}")
    return SiteConfig(
        title=_str(data, "title", "", required=True),
        url=url,
        tagline=_str(data, "tagline", ""),
        language=_str(data, "language", "") or "en",
        description=_str(data, "description", ""),
        notice_text=_str(notice, "text", "notice."),
        notice_email=_str(notice, "email", "notice."),
        calls_to_action=ctas,
        related_links=tuple(_link(item, f"related_links[{i}]") for i, item in enumerate(related)),
        comments=_policy(data.get("comments")),
    )
