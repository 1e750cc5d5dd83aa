"""site.yaml parsing and validation."""

from __future__ import annotations

import pytest

from chalicelib.posts.model import ContentError
from chalicelib.posts.site import parse_site
from tests.conftest import CONTENT

MINIMAL = "title: T\nurl: https://blog.example.org/\n"


def test_the_sample_site_config_parses() -> None:
    site = parse_site((CONTENT / "site.yaml").read_text())
    assert site.notice_email == "editor@example.org"
    cta = site.call_to_action("General Dermatology")
    assert cta is not None and cta.link is not None
    assert site.call_to_action("Nothing Here") is None
    assert len(site.related_links) == 2
    assert site.comments.flood_seconds == 15


def test_defaults_fill_what_is_not_given() -> None:
    site = parse_site(MINIMAL)
    assert site.url == "https://blog.example.org"
    assert site.comments.page_size == 50
    assert site.comments.thread_depth == 5
    assert site.comments.min_submit_seconds == 3


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("comments: {page_size: 0}", "comments.page_size"),
        ("comments: {thread_depth: 11}", "comments.thread_depth"),
        ("comments: {flood_seconds: -1}", "comments.flood_seconds"),
        ("comments: {blocklist: casino}", "comments.blocklist"),
        ("comments: {typo: 1}", "comments.typo"),
        ("related_links: [{title: X}]", "related_links[0].url"),
        ("related_links: [{title: X, url: 'ftp://x'}]", "related_links[0].url"),
        ("calls_to_action: {Derm: {heading: H}}", "calls_to_action.Derm.body"),
    ],
)
def test_bad_settings_name_their_field(extra: str, field: str) -> None:
    with pytest.raises(ContentError) as err:
        parse_site(MINIMAL + extra + "\n")
    assert err.value.field == field


@pytest.mark.parametrize("text", ["title: T\n", "title: T\nurl: blog.example.org\n", "- a list\n"])
def test_the_site_url_must_be_absolute(text: str) -> None:
    with pytest.raises(ContentError):
        parse_site(text)
