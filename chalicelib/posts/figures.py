"""Markdown images -> responsive `<img>` markup, inside `<figure>` when alone in a paragraph.

A published image (found in the posts index's media catalog) gets its content-addressed
URL, `width` and `height` (no layout shift), a `srcset` of its resized copies with a WebP
`<source>` beside it, `decoding="async"`, and `loading="lazy"` unless it is the post's
first image (likely above the fold). Its Markdown title becomes the `<figcaption>`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from chalicelib.posts.media import MediaCatalog, MediaImage, media_path
from chalicelib.posts.model import ImageRef

# The post column is 42rem less 1rem of padding on each side (templates/static/site.css).
SIZES = "(max-width: 42rem) calc(100vw - 2rem), 40rem"


def mark_figures(tokens: list[Token]) -> None:
    """An image alone in its paragraph is a figure: the paragraph's tags are not rendered."""
    for i, tok in enumerate(tokens):
        if tok.type != "inline" or not tok.children or not 0 < i < len(tokens) - 1:
            continue
        images = [c for c in tok.children if c.type == "image"]
        others = [c for c in tok.children if c.type != "image"]
        blank = all(c.type in ("softbreak", "text") and not c.content.strip() for c in others)
        if len(images) == 1 and blank and tokens[i - 1].type == "paragraph_open":
            tokens[i - 1].hidden = tokens[i + 1].hidden = True
            images[0].meta["figure"] = True


def image_refs(tokens: Sequence[Token]) -> list[ImageRef]:
    """Every image the Markdown names, in order, with its alt text and title."""
    found: list[ImageRef] = []
    for tok in tokens:
        for child in tok.children or ():
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                alt = "".join(c.content for c in child.children or ()).strip()
                title = str(child.attrGet("title") or "")
                found.append(ImageRef(src, alt, title, media_path(src)))
    return found


def _attrs(values: Mapping[str, str | int]) -> str:
    return "".join(f' {name}="{escapeHtml(str(value))}"' for name, value in values.items())


def _picture(image: MediaImage, alt: str, first: bool) -> str:
    img: dict[str, str | int] = {"src": image.url, "alt": alt}
    if image.variants:
        img.update(srcset=image.srcset(), sizes=SIZES)
    img.update(width=image.width, height=image.height, decoding="async")
    if not first:
        img["loading"] = "lazy"
    tag = f"<img{_attrs(img)}>"
    if not image.variants:
        return tag
    webp = {"type": "image/webp", "srcset": image.srcset(webp=True), "sizes": SIZES}
    return f"<picture><source{_attrs(webp)}>{tag}</picture>"


def render_image(
    tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any], renderer: Any
) -> str:
    """markdown-it's `image` rule: the markup above, from the catalog in `env["media"]`."""
    tok = tokens[idx]
    alt = renderer.renderInlineAsText(tok.children or [], options, env)
    src, title = str(tok.attrGet("src") or ""), str(tok.attrGet("title") or "")
    first = env.get("images_seen", 0) == 0
    env["images_seen"] = env.get("images_seen", 0) + 1
    catalog: MediaCatalog | None = env.get("media")
    image = catalog.get(media_path(src)) if catalog is not None else None
    if image is not None:
        html = _picture(image, alt, first)
    else:
        plain: dict[str, str | int] = {"src": src, "alt": alt, "decoding": "async"}
        html = f"<img{_attrs(plain if first else {**plain, 'loading': 'lazy'})}>"
    if not tok.meta.get("figure"):
        return html
    caption = f"<figcaption>{escapeHtml(title)}</figcaption>" if title else ""
    return f"<figure>{html}{caption}</figure>\n"
