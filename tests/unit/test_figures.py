"""Markdown images render as sized, responsive figures; authors' raw HTML stays sanitised."""

from __future__ import annotations

import pytest

from chalicelib.posts.markdown import render_body
from chalicelib.posts.media import MediaCatalog, MediaImage, Variant, media_path

KEY = "media/0123456789abcdef/pad"
PAD = MediaImage(
    "2026/pad.png",
    f"{KEY}.png",
    "image/png",
    800,
    450,
    (
        Variant(480, f"{KEY}-480w.png", f"{KEY}-480w.webp"),
        Variant(800, f"{KEY}.png", f"{KEY}.webp"),
    ),
)
CATALOG = MediaCatalog([PAD])


def test_only_the_first_image_loads_eagerly() -> None:
    html = render_body("![One](../media/2026/pad.png)\n\n![Two](/media/2026/pad.png)", CATALOG).html
    first, second = html.split("<figure>")[1:]
    assert 'loading="lazy"' not in first and 'loading="lazy"' in second
    assert html.count('decoding="async"') == 2


def test_a_title_becomes_the_caption_and_an_inline_image_is_no_figure() -> None:
    html = render_body('![A](../media/2026/pad.png "The <pad>")', CATALOG).html
    assert "<figcaption>The &lt;pad&gt;</figcaption></figure>" in html
    assert "<p>" not in html
    inline = render_body("Text ![A](../media/2026/pad.png) more", CATALOG).html
    assert "<figure>" not in inline and inline.startswith("<p>Text <picture>")
    assert "<figcaption>" not in render_body("![A](../media/2026/pad.png)", CATALOG).html


def test_the_image_carries_its_size_and_variants() -> None:
    html = render_body("![A](../media/2026/pad.png)", CATALOG).html
    assert f'srcset="/{KEY}-480w.png 480w, /{KEY}.png 800w"' in html
    assert f'<source type="image/webp" srcset="/{KEY}-480w.webp 480w, /{KEY}.webp 800w"' in html
    assert 'width="800" height="450"' in html


def test_an_authors_srcset_with_another_scheme_is_dropped() -> None:
    html = render_body('<img src="/a.png" srcset="javascript:alert(1) 2x" onerror="x">').html
    assert "srcset" not in html and "onerror" not in html


@pytest.mark.parametrize(
    "reference,path",
    [
        ("../media/2023/a.jpg", "2023/a.jpg"),
        ("/media/a%20b.png", "a b.png"),
        ("../media/../posts/x.md", None),
        ("../media/a/./b.png", None),
        ("https://example.org/media/a.png", None),
        ("media/a.png", None),
        ("/media/", None),
    ],
)
def test_media_references(reference: str, path: str | None) -> None:
    assert media_path(reference) == path
