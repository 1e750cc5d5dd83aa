"""Read a WordPress export (WXR): published posts as Markdown, with their approved comments.

Used by the CLI only (never on a request path), so its libraries come from
requirements-run.txt, not the Lambda bundle: defusedxml parses the untrusted XML safely,
markdownify turns WordPress HTML into Markdown.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote

import yaml
from slugify import slugify

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_BLOCK = re.compile(
    r"^\s*<(p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|img|iframe|!--)[\s>/]", re.I
)
_SHORTCODE_PAIR = re.compile(r"\[(\w+)([^\]]*)\](.*?)\[/\1\]", re.S)
_SHORTCODE_SINGLE = re.compile(r"\[(gallery|playlist|audio|video|embed)\b[^\]]*\]")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


class WxrError(ValueError):
    """The export cannot be imported (not WXR, or malformed XML)."""


@dataclass
class WpComment:
    wp_id: str
    parent_wp_id: str
    author: str
    email: str
    url: str
    ip: str
    created: dt.datetime
    body_markdown: str


@dataclass
class WpPost:
    slug: str
    title: str
    date: dt.date
    author: str
    category: str
    tags: list[str]
    summary: str
    body_markdown: str
    comments_open: bool
    comments: list[WpComment] = field(default_factory=list)

    def to_file_text(self) -> str:
        front: dict[str, Any] = {
            "title": self.title,
            "date": self.date.isoformat(),
            "author": self.author,
            "category": self.category,
            "tags": self.tags,
        }
        if self.summary:
            front["summary"] = self.summary
        front["comments"] = "open" if self.comments_open else "closed"
        dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
        return f"---\n{dumped}---\n{self.body_markdown.strip()}\n"


@dataclass
class Skipped:
    title: str
    reason: str


def _text(node: Any, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def _gmt(value: str, fallback: str = "") -> dt.datetime:
    for candidate in (value, fallback):
        if candidate and not candidate.startswith("0000"):
            try:
                return dt.datetime.strptime(candidate, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
            except ValueError:
                pass
    raise ValueError(f"no usable date in {value!r}")


def _autop(text: str) -> str:
    """WordPress stores paragraphs as blank lines and adds <p> when displaying (wpautop)."""
    chunks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    out = []
    for chunk in chunks:
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(out)


def _caption(attrs: str, inner: str) -> str:
    """`[caption]<a><img></a> Text[/caption]` -> the image alone in its paragraph with the
    caption as its title, which the post's Markdown shows as a figure with its caption."""
    img = re.search(r"<img[^>]*>", inner)
    text = re.sub(r"<a[^>]*>\s*<img[^>]*>\s*</a>|<img[^>]*>", "", inner).strip()
    named = dict(_ATTR.findall(attrs))
    label = html.unescape(re.sub(r"<[^>]+>", "", text) or named.get("caption", "")).strip()
    if img is None:
        return f"<p>{html.escape(label)}</p>" if label else ""
    tag = re.sub(r'\s(title|width|height|class|srcset|sizes)="[^"]*"', "", img.group(0))
    return "\n\n" + tag.replace("<img", f'<img title="{html.escape(label)}"', 1) + "\n\n"


def _shortcodes(text: str) -> str:
    """Turn the common shortcodes into HTML; drop the ones with nothing to show."""

    def pair(match: re.Match[str]) -> str:
        name, attrs, inner = match.group(1).lower(), match.group(2), match.group(3)
        if name in ("caption", "wp_caption"):
            return _caption(attrs, inner)
        if name in ("embed", "video", "audio"):
            url = inner.strip()
            return f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>'
        return inner  # unknown pair: keep what it wraps

    text = _SHORTCODE_PAIR.sub(pair, text)
    return _SHORTCODE_SINGLE.sub("", text)


def to_markdown(wp_html: str) -> str:
    """WordPress post or comment HTML (shortcodes, wpautop) to clean Markdown."""
    import nh3
    from markdownify import markdownify

    # nh3 first: scripts, styles and event handlers go, content and all, before conversion.
    prepared = nh3.clean(_autop(_shortcodes(wp_html)), link_rel=None)
    markdown = markdownify(prepared, heading_style="ATX", bullets="-")
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"


# A theme or plugin that wrote the reading time into the title: the site adds its own.
_READING_TIME = re.compile(r"^\s*\[\s*\d+\s*min(?:ute)?s?\.?\s*read\s*\]\s*", re.I)
_READING_TIME_SLUG = re.compile(r"^\d+-min(?:ute)?s?-read-")


def strip_reading_time(title: str) -> str:
    """ "[3 min read] Stem cells" -> "Stem cells" (the page shows its own reading time)."""
    return _READING_TIME.sub("", title).strip() or title


def _slug(post_name: str, title: str) -> str:
    slug = slugify(unquote(post_name)) if post_name else ""
    slug = _READING_TIME_SLUG.sub("", slug or slugify(title))
    return slug or "untitled"


def _channel(xml_text: str) -> Any:
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise WxrError(f"the export is not well-formed XML: {exc}") from exc
    channel = root.find("channel")
    if channel is None or channel.find("wp:wxr_version", NS) is None:
        raise WxrError("this is not a WordPress export (no wp:wxr_version)")
    return channel


def _terms(item: Any, domain: str) -> list[str]:
    return [
        html.unescape(c.text or "")
        for c in item.findall("category")
        if c.get("domain") == domain and c.text
    ]


def _created(item: Any) -> dt.datetime:
    try:
        return _gmt(_text(item, "wp:post_date_gmt"), _text(item, "wp:post_date"))
    except ValueError:
        pub = _text(item, "pubDate")
        return parsedate_to_datetime(pub) if pub else dt.datetime.now(dt.UTC)


def _post(item: Any, title: str, authors: dict[str, str]) -> WpPost:
    title = strip_reading_time(title)
    categories, creator = _terms(item, "category"), _text(item, "dc:creator")
    excerpt = html.unescape(re.sub(r"<[^>]+>", "", _text(item, "excerpt:encoded"))).strip()
    return WpPost(
        slug=_slug(_text(item, "wp:post_name"), title),
        title=title,
        date=_created(item).date(),
        author=authors.get(creator) or creator or "Unknown",
        category=categories[0] if categories else "Uncategorized",
        tags=_terms(item, "post_tag") + categories[1:],
        summary=" ".join(excerpt.split()),
        body_markdown=to_markdown(_text(item, "content:encoded")),
        comments_open=_text(item, "wp:comment_status") != "closed",
        comments=_approved_comments(item),
    )


def _approved_comments(item: Any) -> list[WpComment]:
    """Approved comments only: no pending ones, pingbacks or trackbacks."""
    return [
        WpComment(
            wp_id=_text(node, "wp:comment_id"),
            parent_wp_id=_text(node, "wp:comment_parent"),
            author=html.unescape(_text(node, "wp:comment_author")) or "Anonymous",
            email=_text(node, "wp:comment_author_email"),
            url=_text(node, "wp:comment_author_url"),
            ip=_text(node, "wp:comment_author_IP"),
            created=_gmt(_text(node, "wp:comment_date_gmt"), _text(node, "wp:comment_date")),
            body_markdown=to_markdown(_text(node, "wp:comment_content")),
        )
        for node in item.findall("wp:comment", NS)
        if _text(node, "wp:comment_approved") == "1"
        and _text(node, "wp:comment_type") in ("", "comment")
    ]


def parse_export(xml_text: str) -> tuple[list[WpPost], list[Skipped]]:
    """Published posts with their approved comments; everything else is listed as skipped."""
    channel = _channel(xml_text)
    authors = {
        _text(a, "wp:author_login"): _text(a, "wp:author_display_name")
        for a in channel.findall("wp:author", NS)
    }
    posts: list[WpPost] = []
    skipped: list[Skipped] = []
    for item in channel.findall("item"):
        title = html.unescape(_text(item, "title")) or "Untitled"
        kind, status = _text(item, "wp:post_type"), _text(item, "wp:status")
        if kind != "post":
            skipped.append(Skipped(title, f"a {kind or 'item'}, not a post"))
        elif status != "publish":
            skipped.append(Skipped(title, f"status {status or 'unknown'}"))
        else:
            posts.append(_post(item, title, authors))
    return posts, skipped
