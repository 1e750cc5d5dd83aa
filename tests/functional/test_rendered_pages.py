"""Publishing renders every page's JSON; requests read it and never parse Markdown or YAML.

A bucket last published by a version without rendered pages (its index at version 1) is
still served, by parsing its sources, until the next publish renders them.
"""

from __future__ import annotations

import json

import pytest

from chalicelib import deps, settings
from chalicelib.posts.publishing import load_content, publish, unpublish
from chalicelib.posts.store import INDEX_KEY, SITE_KEY, PostStore, page_key
from tests.conftest import CONTENT
from tests.support import aws_calls

SLUG = "machine-learning-skin-cancer-photos"
POST = f"/posts/{SLUG}"


def keys(prefix: str) -> set[str]:
    listed = deps.client("s3").list_objects_v2(Bucket=settings.current().bucket, Prefix=prefix)
    return {obj["Key"] for obj in listed.get("Contents", [])}


def fresh_store() -> PostStore:
    return PostStore(deps.client("s3"), settings.current().bucket)


def as_an_older_version_left_it() -> None:
    """The bucket as the previous version published it: sources and a version-1 index."""
    s3, bucket = deps.client("s3"), settings.current().bucket
    for key in keys("rendered/"):
        s3.delete_object(Bucket=bucket, Key=key)
    index = json.loads(s3.get_object(Bucket=bucket, Key=INDEX_KEY)["Body"].read())
    index["version"] = 1
    s3.put_object(Bucket=bucket, Key=INDEX_KEY, Body=json.dumps(index).encode())


def test_publishing_renders_every_post_every_draft_and_the_site_config(published) -> None:
    posts = {k.removeprefix("posts/") for k in keys("posts/")}
    drafts = {k.removeprefix("drafts/") for k in keys("drafts/")}
    assert drafts, "the sample content has a draft"
    assert keys("rendered/") == {
        "rendered/site.json",
        *(f"rendered/posts/{name.removesuffix('.md')}.json" for name in posts),
        *(f"rendered/drafts/{name.removesuffix('.md')}.json" for name in drafts),
    }


def test_a_rendered_page_holds_what_parsing_the_source_gives(published) -> None:
    from chalicelib.posts.frontmatter import parse_post

    store = fresh_store()
    key = f"posts/{SLUG}.md"
    parsed = parse_post(key, (CONTENT / key).read_text(), store.index().media)
    assert store.post(SLUG) == parsed
    from chalicelib.posts.site import parse_site

    assert store.site() == parse_site((CONTENT / SITE_KEY).read_text())


def test_a_post_page_reads_the_rendered_json_not_the_sources(client) -> None:
    deps.override(posts=fresh_store())
    read: list[str] = []
    s3 = deps.client("s3")
    s3.meta.events.register(
        "provide-client-params.s3.GetObject", lambda params, **_: read.append(params["Key"])
    )
    assert client.http.get(POST).status_code == 200
    assert sorted(read) == sorted([INDEX_KEY, "rendered/site.json", f"rendered/posts/{SLUG}.json"])


def test_publishing_again_uploads_no_unchanged_page(published) -> None:
    with aws_calls() as calls:
        publish(fresh_store(), load_content(CONTENT))
    assert calls["s3.PutObject"] == 1  # the index only


def test_unpublishing_a_post_removes_its_rendered_page(published) -> None:
    unpublish(fresh_store(), SLUG)
    assert page_key(f"posts/{SLUG}.md") not in keys("rendered/")
    assert fresh_store().post(SLUG) is None


def test_a_bucket_from_the_older_version_is_served_from_its_sources(client, caplog) -> None:
    as_an_older_version_left_it()
    deps.override(posts=fresh_store())
    page = client.http.get(POST)
    assert page.status_code == 200
    assert b"Dermatologist-level classification" in page.body
    assert client.http.get("/").status_code == 200
    assert "published by an older version" in caplog.text


def test_publishing_an_older_bucket_renders_its_pages_even_with_no_source_changed(
    published,
) -> None:
    as_an_older_version_left_it()
    report = publish(fresh_store(), load_content(CONTENT))
    assert report.uploaded == []  # no source changed...
    assert page_key(f"posts/{SLUG}.md") in keys("rendered/")  # ...yet every page is rendered
    assert "rendered/site.json" in keys("rendered/")
    assert fresh_store().index().rendered


def test_an_edit_is_on_the_page_as_soon_as_it_is_published(client, content) -> None:
    client.http.get(POST)  # the page is in this container's memory
    source = content / "posts" / f"{SLUG}.md"
    source.write_text(source.read_text() + "\nA sentence added while the site runs.\n")
    publish(deps.posts(), load_content(content))  # what make run's watcher does on a save
    assert b"A sentence added while the site runs." in client.http.get(POST).body


def test_site_yaml_uploaded_alone_updates_its_rendered_config(published) -> None:
    import yaml

    site = yaml.safe_load((CONTENT / SITE_KEY).read_text())
    site["title"] = "Renamed"
    fresh_store().put_source(SITE_KEY, yaml.safe_dump(site))
    assert fresh_store().site().title == "Renamed"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda page: {**page, "version": page["version"] + 1},  # a later version's layout
        lambda page: {k: v for k, v in page.items() if k != "meta"},  # damaged
    ],
)
def test_a_rendered_page_this_version_cannot_read_is_parsed_from_its_source(
    client, caplog, spoil
) -> None:
    """A rollback to this version over pages a later one rendered, or a damaged page: the
    post is served from its Markdown, never a 500."""
    s3, bucket = deps.client("s3"), settings.current().bucket
    key = page_key(f"posts/{SLUG}.md")
    page = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(spoil(page)).encode())
    s3.put_object(Bucket=bucket, Key="rendered/site.json", Body=b"{not json")
    deps.override(posts=fresh_store())
    response = client.http.get(POST)
    assert response.status_code == 200
    assert b"Dermatologist-level classification" in response.body
    assert "cannot be read: its source is parsed instead" in caplog.text
