"""Images in posts: validated, uploaded once under content-addressed keys with their variants,
shown with sizes and srcset, shared as og:image, and served by `make run`'s local route."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from chalicelib import cli, deps, settings
from chalicelib.posts.media import IMMUTABLE
from chalicelib.posts.media_publishing import media_keys
from chalicelib.posts.publishing import PublishError, load_content, publish
from tests.conftest import ROOT
from tests.support import soup

SLUG = "practise-suturing-at-home"
PAD = "2026/suturing-pad-layers.png"


def bucket_object(key: str) -> dict[str, object]:
    s3 = deps.client("s3")
    found = s3.get_object(Bucket=settings.current().bucket, Key=key)
    return {**found, "bytes": found["Body"].read()}


def test_publish_uploads_each_variant_once_with_its_type_and_a_years_caching(aws) -> None:
    report = publish(deps.posts(), load_content(ROOT / "content"))
    image = deps.posts().index().media.get(PAD)
    assert image is not None and (image.width, image.height) == (1200, 675)
    assert [v.width for v in image.variants] == [480, 960, 1200]  # never wider than 1200
    assert sorted(report.media_uploaded) == sorted(image.object_keys())
    assert len(report.media_uploaded) == 6  # the original, two resized PNGs, three WebPs
    for key in image.object_keys():
        found = bucket_object(key)
        decoded = Image.open(io.BytesIO(found["bytes"]))  # type: ignore[arg-type]
        assert found["ContentType"] == ("image/webp" if key.endswith(".webp") else "image/png")
        assert decoded.format == ("WEBP" if key.endswith(".webp") else "PNG")
        assert found["CacheControl"] == IMMUTABLE
        assert decoded.width in (480, 960, 1200)
    assert publish(deps.posts(), load_content(ROOT / "content")).media_uploaded == []


def test_a_changed_image_gets_a_new_key_and_prune_removes_the_old(aws, content: Path) -> None:
    publish(deps.posts(), load_content(content))
    old = deps.posts().index().media.get(PAD)
    Image.new("RGB", (400, 300), (10, 120, 200)).save(content / "media" / PAD)
    report = publish(deps.posts(), load_content(content), prune=True)
    new = deps.posts().index().media.get(PAD)
    assert old and new and new.key != old.key and [v.width for v in new.variants] == [400]
    assert set(report.media_removed) == set(old.object_keys())
    assert media_keys(deps.posts()) == set(new.object_keys())
    assert new.url in (deps.posts().post(SLUG).body_html)  # type: ignore[union-attr]


def test_the_page_shows_a_sized_responsive_figure_with_its_caption(client) -> None:
    page = soup(client.http.get(f"/posts/{SLUG}").body)
    figure = page.select_one(".post-body figure")
    img, source = figure.select_one("picture img"), figure.select_one("picture source")
    assert (img["width"], img["height"]) == ("1200", "675")
    assert img["src"].startswith("/media/") and img["decoding"] == "async"
    assert "loading" not in img.attrs  # the first image is not lazy
    assert [c.split()[1] for c in img["srcset"].split(", ")] == ["480w", "960w", "1200w"]
    assert img["sizes"] and source["type"] == "image/webp" and ".webp 480w" in source["srcset"]
    assert img["alt"].startswith("Cross-section of the practice pad")
    assert figure.figcaption.get_text().startswith("The pad in cross-section")


def test_the_first_image_is_the_pages_share_image(client) -> None:
    page = soup(client.http.get(f"/posts/{SLUG}").body)
    image = deps.posts().index().media.get(PAD)
    assert image is not None
    og = page.find("meta", property="og:image")["content"]
    assert og == deps.posts().site().url + image.url
    assert page.find("meta", property="og:image:width")["content"] == "1200"
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["image"]["url"] == og and data["image"]["height"] == 675
    other = soup(client.http.get("/posts/reading-an-ecg-strip-quickly").body)
    assert other.find("meta", property="og:image") is None
    assert other.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"


POST = "---\ntitle: T\ndate: 2026-01-01\nauthor: A\ncategory: C\n---\n"


@pytest.mark.parametrize(
    "body,message",
    [
        ("![](../media/2026/suturing-pad-layers.png)", "needs alt text"),
        ("![A scan](../media/2026/missing.jpg)", "../media/2026/missing.jpg: no such file"),
        ("![A scan](/media/nowhere/x.png)", "/media/nowhere/x.png: no such file"),
        ("![A scan](https://elsewhere.example/x.png)", "must be in content/media/"),
        ("![A scan](../media/../posts/x.png)", "must be in content/media/"),
    ],
)
def test_an_image_missing_or_without_alt_fails_naming_file_and_image(
    aws, content: Path, capsys, body: str, message: str
) -> None:
    (content / "posts" / "with-image.md").write_text(POST + body + "\n")
    with pytest.raises(PublishError) as err:
        load_content(content)
    assert any("with-image.md: image: " in str(e) and message in str(e) for e in err.value.errors)
    assert cli.main(["publish", str(content)]) == 1
    assert "Nothing was published." in capsys.readouterr().err
    assert media_keys(deps.posts()) == set()


def test_a_share_image_must_exist_and_an_unreadable_image_is_named(aws, content: Path) -> None:
    (content / "posts" / "shared.md").write_text(
        POST.replace("category: C\n", "category: C\nimage: ../media/none.png\n") + "Text\n"
    )
    (content / "media" / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(PublishError) as err:
        load_content(content)
    messages = [str(e) for e in err.value.errors]
    assert any("shared.md: image: none.png: no such file" in m for m in messages), messages
    assert any("broken.jpg: is not a readable image" in m for m in messages), messages


BROWSER = {"accept": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"}  # Chromium's


def test_make_runs_route_serves_published_images_as_binary(client) -> None:
    image = deps.posts().index().media.get(PAD)
    assert image is not None
    for variant in image.variants:
        answer = client.http.get("/" + variant.webp_key, headers=BROWSER)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/webp"
        assert answer.body == bucket_object(variant.webp_key)["bytes"]
        assert answer.headers["Cache-Control"] == IMMUTABLE
    for path in ("/media/0123456789abcdef/none.png", "/media/x/..%2Fsite.yaml", "/media/a/b"):
        assert client.http.get(path, headers=BROWSER).status_code == 404


def test_only_the_local_stage_serves_media(client, monkeypatch) -> None:
    image = deps.posts().index().media.get(PAD)
    monkeypatch.setenv("BLOG_STAGE", "prod")
    settings.reset()
    assert client.http.get(image.url).status_code == 404  # type: ignore[union-attr]


def test_the_lambda_never_imports_pillow() -> None:
    code = "import sys, app; sys.exit('PIL' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0
