"""Least privilege: each function's policy allows exactly what its code calls.

Runs last among the functional tests: by then tests/iam.py has recorded every AWS call
the handlers made in this session; the workload here makes sure every route and the
stream handler ran even when this file runs alone.
"""

from __future__ import annotations

import json

import pytest
import yaml

from chalicelib import deps, settings
from chalicelib.posts.store import SITE_KEY, PostStore
from tests import iam
from tests.conftest import ADMIN_TOKEN, CONTENT, SECRET_KEY
from tests.functional.comment_helpers import ADMIN, SLUG, approve, post_api
from tests.functional.test_edge_invalidation import deployed_edge
from tests.functional.test_notifications import item, record
from tools import infra


def fresh_container() -> None:
    deps.override(posts=PostStore(deps.client("s3"), settings.current().bucket))


def publish_moderator_email() -> None:
    site = yaml.safe_load((CONTENT / "site.yaml").read_text())
    site["comments"]["moderator_emails"] = ["mod@example.org"]
    deps.posts().put_source(SITE_KEY, yaml.safe_dump(site))


def run_every_handler(client, clock, monkeypatch) -> None:
    deployed_edge()  # moderation invalidates at the CDN, as on a deployed stage
    for path in (
        "/",
        f"/posts/{SLUG}",
        "/tags/skin-cancer",
        "/categories/clinical-procedures",
        "/feed.xml",
        "/tags/skin-cancer/feed.xml",
        "/sitemap.xml",
        "/robots.txt",
        "/api/posts",
        f"/api/posts/{SLUG}",
        f"/api/posts/{SLUG}/comments",
        "/nowhere",
        "/posts/missing",
    ):
        client.http.get(path)
    deps.client("ses").verify_email_identity(EmailAddress="n@example.org")
    created = json.loads(post_api(client).body)
    pending = deps.comments().get(created["id"])
    assert pending is not None
    # The stream handler, in a container of its own: a moderation email, then a reply
    # notification (which reads the parent comment).
    fresh_container()
    client.lambda_.invoke("notify", {"Records": [record("INSERT", item(pending))]})
    client.http.get("/api/admin/comments?status=pending", headers=ADMIN)
    approve(client, created["id"])
    clock.advance(16)
    reply = json.loads(post_api(client, parent_id=created["id"], body="A reply").body)
    replied = deps.comments().get(reply["id"])
    assert replied is not None
    fresh_container()
    client.lambda_.invoke("notify", {"Records": [record("INSERT", item(replied))]})
    client.http.delete(f"/api/admin/comments/{reply['id']}", headers=ADMIN)
    # A send that fails (SES refuses an unverified sender): the email's claim is released.
    monkeypatch.setenv("BLOG_NOTIFY_FROM", "unverified@example.org")
    settings.reset()
    clock.advance(16)
    refused = deps.comments().get(
        json.loads(post_api(client, body="Refused", email="new@example.org").body)["id"]
    )
    assert refused is not None
    fresh_container()
    answer = client.lambda_.invoke("notify", {"Records": [record("INSERT", item(refused))]})
    assert answer.payload["batchItemFailures"]


def secrets_in_ssm(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """As on a deployed stage: the API reads its secrets from SSM, not its environment."""
    ssm = deps.client("ssm")
    for variable, name in settings.parameter_names(stage).items():
        value = {"BLOG_ADMIN_TOKEN": ADMIN_TOKEN, "BLOG_SECRET_KEY": SECRET_KEY}[variable]
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
        monkeypatch.delenv(variable)
        monkeypatch.setenv(f"{variable}_PARAMETER", name)
    deps.reset()


@pytest.mark.parametrize("stage", infra.STAGES)
def test_the_policies_grant_exactly_what_the_code_calls(client, clock, monkeypatch, stage) -> None:
    monkeypatch.setenv("BLOG_NOTIFY_FROM", "n@example.org")
    secrets_in_ssm(monkeypatch, stage)
    publish_moderator_email()
    run_every_handler(client, clock, monkeypatch)
    assert iam.RECORDED["api"] and iam.RECORDED["notify"]
    found = [
        p
        for fn in infra.FUNCTIONS
        for p in iam.problems(fn, infra.role_policy(stage, fn), iam.RECORDED[fn])
    ]
    assert found == []


@pytest.mark.parametrize("stage", infra.STAGES)
@pytest.mark.parametrize("function", list(infra.FUNCTIONS))
def test_no_wildcard_action_or_resource(stage: str, function: str) -> None:
    for statement in infra.role_policy(stage, function)["Statement"]:
        assert all("*" not in action for action in statement["Action"]), statement
        assert all(r != "*" and not r.endswith(":*:*") for r in statement["Resource"]), statement
        assert isinstance(statement["Resource"], list) and statement["Resource"]


def test_the_check_fails_when_the_code_calls_what_the_policy_lacks() -> None:
    policy = infra.role_policy("prod", "api")
    used = iam.allowed(policy) - iam.SERVICE_GRANTS["api"]
    assert iam.problems("api", policy, used) == []
    scan = iam.required("dynamodb", "Scan", {"TableName": "t"})
    assert iam.problems("api", policy, used | scan) == ["api: not allowed: dynamodb:Scan on table"]
    on_index = iam.required("dynamodb", "GetItem", {"IndexName": "by-status"})
    assert iam.problems("api", policy, used | on_index) == [
        "api: not allowed: dynamodb:GetItem on index/by-status"
    ]
    narrower = used - {("dynamodb:DeleteItem", "table")}
    assert iam.problems("api", policy, narrower) == [
        "api: allowed but never used: dynamodb:DeleteItem on table"
    ]
