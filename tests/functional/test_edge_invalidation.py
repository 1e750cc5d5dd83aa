"""After a publish or a moderation action readers see, the CDN forgets the affected pages:
one CreateInvalidation per action, on the distribution whose id the stack wrote to SSM."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib import cli, deps
from chalicelib.edge_cache import EdgeCache, NoEdge, parameter_name, paths_for
from chalicelib.posts.model import PostMeta
from tests.functional.comment_helpers import ADMIN, SLUG, approve, post_api

TAGS = ["/tags/artificial-intelligence", "/tags/skin-cancer"]


def a_distribution(stage: str = "prod") -> str:
    """A distribution in moto, and its id in the SSM parameter, as the stack leaves them."""
    config = {
        "CallerReference": "lambdapress-test",
        "Comment": "",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "api",
                    "DomainName": "api.example.org",
                    "CustomOriginConfig": {
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "https-only",
                    },
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "api",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }
    found = boto3.client("cloudfront").create_distribution(DistributionConfig=config)
    distribution_id = str(found["Distribution"]["Id"])
    boto3.client("ssm").put_parameter(
        Name=parameter_name(stage), Value=distribution_id, Type="String"
    )
    return distribution_id


def deployed_edge(stage: str = "prod") -> str:
    """The app's invalidator as on a deployed stage, its clients from deps (the IAM test
    records their calls); returns the distribution's id."""
    distribution_id = a_distribution(stage)
    edge = EdgeCache(deps.client("cloudfront"), deps.client("ssm"), parameter_name(stage))
    deps.override(edge=edge)
    return distribution_id


def invalidations(distribution_id: str) -> list[list[str]]:
    cf = boto3.client("cloudfront")
    listed = cf.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    found = []
    for summary in listed.get("Items", []):
        one = cf.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
        found.append(one["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return found


def pending_comment(client: Any) -> str:
    return str(json.loads(post_api(client).body)["id"])


def test_approving_a_comment_invalidates_its_posts_pages_in_one_request(client) -> None:
    distribution = deployed_edge()
    comment_id = pending_comment(client)
    assert invalidations(distribution) == []  # a pending comment changes no public page
    assert approve(client, comment_id).status_code == 200
    (paths,) = invalidations(distribution)
    assert f"/posts/{SLUG}*" in paths  # the page, its pages of comments, comments.xml
    for path in ("/", "/feed.xml", "/sitemap.xml", "/categories/general-dermatology", *TAGS):
        assert path in paths
    assert f"{TAGS[0]}/feed.xml" in paths


def test_only_changes_to_approved_comments_are_invalidated(client) -> None:
    distribution = deployed_edge()
    comment_id = pending_comment(client)
    spam = client.http.request(
        "PATCH",
        f"/api/admin/comments/{comment_id}",
        headers=ADMIN,
        body=json.dumps({"status": "spam"}),
    )
    assert spam.status_code == 200
    assert client.http.delete(f"/api/admin/comments/{comment_id}", headers=ADMIN).status_code == 204
    assert invalidations(distribution) == []


def test_deleting_an_approved_comment_invalidates_its_post(client) -> None:
    distribution = deployed_edge()
    comment_id = pending_comment(client)
    approve(client, comment_id)
    assert client.http.delete(f"/api/admin/comments/{comment_id}", headers=ADMIN).status_code == 204
    assert len(invalidations(distribution)) == 2


def test_a_cdn_fault_never_fails_the_moderation_action(client, caplog) -> None:
    a_distribution()
    boto3.client("ssm").put_parameter(
        Name=parameter_name("prod"), Value="EGONE", Type="String", Overwrite=True
    )
    edge = EdgeCache(deps.client("cloudfront"), deps.client("ssm"), parameter_name("prod"))
    deps.override(edge=edge)  # the id names no distribution: CloudFront refuses
    comment_id = pending_comment(client)
    with caplog.at_level(logging.WARNING, logger="chalicelib.edge_cache"):
        assert approve(client, comment_id).status_code == 200
    assert "CDN invalidation of" in caplog.text
    assert deps.comments().get(comment_id).status == "approved"  # type: ignore[union-attr]


def test_the_distribution_id_is_read_once_per_container(aws) -> None:
    a_distribution()
    ssm = deps.client("ssm")
    calls: list[str] = []
    ssm.meta.events.register("before-call.ssm.GetParameter", lambda **kw: calls.append("get"))
    edge = EdgeCache(deps.client("cloudfront"), ssm, parameter_name("prod"))
    assert edge.invalidate(["/"]) and edge.invalidate(["/feed.xml"])
    assert calls == ["get"]


def test_publish_invalidates_what_changed_in_one_request(aws, content: Path, capsys) -> None:
    distribution = deployed_edge()
    assert cli.main(["publish", str(content)]) == 0
    assert invalidations(distribution) == [["/*"]]  # the first publish: site.yaml is new
    assert cli.main(["publish", str(content)]) == 0
    assert len(invalidations(distribution)) == 1  # nothing changed, nothing invalidated
    post = content / "posts" / "sun-protection-advice-that-sticks.md"
    post.write_text(post.read_text().replace("teaspoon", "half teaspoon"))
    assert cli.main(["publish", str(content)]) == 0
    paths = next(p for p in invalidations(distribution) if p != ["/*"])
    assert "/posts/sun-protection-advice-that-sticks*" in paths
    assert not any(p.startswith("/posts/") and "sun-protection" not in p for p in paths)
    assert "CDN: invalidation" in capsys.readouterr().out


def test_a_changed_image_invalidates_the_posts_that_show_it(aws, content: Path) -> None:
    from PIL import Image

    distribution = deployed_edge()
    assert cli.main(["publish", str(content)]) == 0
    image = content / "media" / "2026" / "suturing-pad-layers.png"
    Image.new("RGB", (640, 360), (200, 40, 40)).save(image)
    assert cli.main(["publish", str(content)]) == 0
    paths = next(p for p in invalidations(distribution) if p != ["/*"])
    assert "/posts/practise-suturing-at-home*" in paths


def test_moderating_from_the_cli_invalidates_too(client) -> None:
    distribution = deployed_edge()
    comment_id = pending_comment(client)
    assert cli.main(["comments", "approve", comment_id]) == 0
    assert len(invalidations(distribution)) == 1


def test_under_make_run_nothing_is_invalidated(aws) -> None:
    assert isinstance(deps.edge(), NoEdge)  # stage local: no distribution, no call


def meta(slug: str, tags: int = 1) -> PostMeta:
    from chalicelib.posts.frontmatter import parse_post

    tag_list = ", ".join(f"t{slug}{i}" for i in range(tags))
    text = f"---\ntitle: T\ndate: 2026-01-01\nauthor: A\ncategory: C\ntags: [{tag_list}]\n---\nB\n"
    return parse_post(f"posts/{slug}.md", text).meta


@pytest.mark.parametrize("posts,expected", [(1, False), (5, False), (6, True)])
def test_a_wide_change_is_one_wildcard(posts: int, expected: bool) -> None:
    paths = paths_for([meta(f"p{i}") for i in range(posts)])
    assert (paths == ["/*"]) is expected
    assert len(paths) <= 60


def test_a_bulk_approval_and_an_edit_from_the_screen_invalidate_once_each(client) -> None:
    from tests.functional.screen_helpers import csrf_of, post, screen, sign_in
    from tests.functional.test_moderation_screen import add

    distribution = deployed_edge()
    ids = [add(body=f"Worth reading {i}", ip=f"192.0.2.{i}").id for i in range(3)]
    cookie = sign_in(client)
    csrf = csrf_of(screen(client, cookie).body)
    chosen = [("ids", i) for i in ids]
    approved = post(
        client, "/admin/comments", cookie, [("csrf", csrf), ("bulk_action", "approve"), *chosen]
    )
    assert approved.status_code == 303
    assert len(invalidations(distribution)) == 1  # three comments, one request
    edit = [("csrf", csrf), ("author", "Renamed"), ("url", ""), ("body", "Edited text.")]
    assert post(client, f"/admin/comments/{ids[0]}/edit", cookie, edit).status_code == 303
    assert len(invalidations(distribution)) == 2
    assert f"/posts/{SLUG}*" in invalidations(distribution)[-1]
