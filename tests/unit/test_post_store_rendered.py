"""The rendered JSON publishing stores is exactly what parsing the sources gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.posts.frontmatter import parse_post
from chalicelib.posts.model import Post
from chalicelib.posts.site import SiteConfig, parse_site
from chalicelib.posts.store import page_key
from tests.conftest import CONTENT

SOURCES = sorted((CONTENT / "posts").glob("*.md"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_every_sample_post_comes_back_from_its_rendered_json_unchanged(path: Path) -> None:
    post = parse_post(f"posts/{path.name}", path.read_text())
    assert Post.from_json(post.to_json()) == post


def test_a_post_with_images_citation_and_update_comes_back_whole() -> None:
    text = (
        "---\ntitle: T\ndate: 2026-01-02\nupdated: 2026-02-03\nauthor: A\ncategory: C\n"
        "tags: [one, Two words]\ncomments: closed\ndraft: true\n"
        "citation:\n  authors: [X, Y]\n  year: 2018\n  title: Z\n  doi: 10.1080/1\n---\n"
        '# Heading\n\n![alt text](../media/a.jpg "A caption")\n\n![](https://e.org/b.png)\n'
    )
    post = parse_post("posts/t.md", text)
    assert len(post.images) == 2 and post.meta.citation is not None and post.draft
    assert Post.from_json(post.to_json()) == post


def test_the_sample_site_config_comes_back_from_its_rendered_json_unchanged() -> None:
    site = parse_site((CONTENT / "site.yaml").read_text())
    assert site.calls_to_action and site.related_links and site.comments.moderator_emails
    assert SiteConfig.from_json(site.to_json()) == site


def test_a_site_config_with_every_moderation_list_comes_back_whole() -> None:
    text = (
        "title: T\nurl: https://e.org\ncomments:\n  blocklist: [spam]\n  watchwords: [w]\n"
        "  cors_origins: ['https://a.org']\n  moderator_emails: [m@e.org]\n  page_size: 7\n"
    )
    site = parse_site(text)
    assert SiteConfig.from_json(site.to_json()) == site


@pytest.mark.parametrize(
    ("source", "page"),
    [
        ("posts/a-post.md", "rendered/posts/a-post.json"),
        ("drafts/a-post.md", "rendered/drafts/a-post.json"),
        ("site.yaml", "rendered/site.json"),
    ],
)
def test_each_source_has_its_rendered_page_under_rendered(source: str, page: str) -> None:
    assert page_key(source) == page
