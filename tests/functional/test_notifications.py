"""Notification emails from the comment stream, checked in moto's SES."""

from __future__ import annotations

import email
import itertools
from dataclasses import replace
from email.message import Message
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import deps
from chalicelib.comments.model import Comment
from chalicelib.comments.table import comment_key
from tests.functional.comment_helpers import SLUG
from tests.functional.test_moderation_admin import add

SENDER = "notify@blog.example.org"


@pytest.fixture
def ses(client, monkeypatch):
    monkeypatch.setenv("BLOG_NOTIFY_FROM", SENDER)
    from chalicelib import settings

    settings.reset()
    deps.client("ses").verify_email_identity(EmailAddress=SENDER)
    site = deps.posts().site()
    policy = replace(site.comments, moderator_emails=("mod@example.org",))
    monkeypatch.setattr(type(deps.posts()), "site", lambda self: replace(site, comments=policy))
    return ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"]


def item(comment: Comment) -> dict[str, Any]:
    """The comment's item as the table holds it now (its status decides its partition)."""
    key = comment_key(deps.comments().get(comment.id) or comment)
    got = deps.client("dynamodb").get_item(TableName="lambdapress-test", Key=key)
    return got["Item"]  # type: ignore[no-any-return]


_SEQUENCE = itertools.count(100)


def record(event: str, new: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "Keys": {"PK": new["PK"], "SK": new["SK"]},
        "NewImage": new,
        "SequenceNumber": str(next(_SEQUENCE)),
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        data["OldImage"] = old
    return {
        "eventID": "1",
        "eventName": event,
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "dynamodb": data,
        "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/s",
    }


def invoke(client, *records: dict[str, Any]) -> Any:
    return client.lambda_.invoke("notify", {"Records": list(records)}).payload


class Sent:
    """A raw message moto's SES received, parsed."""

    def __init__(self, raw: Any) -> None:
        self.source = raw.source
        self.message: Message = email.message_from_string(raw.raw_data)
        self.to = [a.strip() for a in self.message["To"].split(",")]
        self.subject = str(self.message["Subject"])
        self.body = self.message.get_payload(decode=True).decode("utf-8")


def sent(backend) -> list[Sent]:
    return [Sent(m) for m in backend.sent_messages]


def test_moderators_get_one_email_per_batch_of_waiting_comments(client, ses) -> None:
    first = add(body="First waiting", now=1_800_000_000)
    second = add(email="other@example.org", body="Second waiting", ip="192.0.2.2")
    counter = {"PK": {"S": f"POST#{SLUG}"}, "SK": {"S": "#COUNT"}, "approved": {"N": "0"}}
    invoke(
        client,
        record("INSERT", item(first)),
        record("INSERT", item(second)),
        record("INSERT", counter),
    )
    (mail,) = sent(ses)
    assert mail.to == ["mod@example.org"]
    assert mail.source == SENDER
    assert "2 comment(s) awaiting moderation" in mail.subject
    assert "First waiting" in mail.body and "Second waiting" in mail.body
    assert f"comments approve {first.id}" in mail.body
    assert mail.body.count("/admin/review/") == 2


def test_a_reply_notifies_the_parent_author_only_once_it_is_approved(client, ses) -> None:
    parent = add(email="asker@example.org", body="A question?")
    store = deps.comments()
    store.set_status(parent.id, "approved")
    store.client.update_item(  # the parent asked to be told about replies
        TableName="lambdapress-test",
        Key=comment_key(store.get(parent.id)),
        UpdateExpression="SET notify = :t",
        ExpressionAttributeValues={":t": {"BOOL": True}},
    )
    reply = add(
        email="answerer@example.org", body="An answer.", ip="192.0.2.5", parent_id=parent.id
    )
    assert reply.status == "pending"
    pending_image = item(reply)
    invoke(client, record("INSERT", pending_image))
    assert [m.to for m in sent(ses)] == [["mod@example.org"]]

    store.set_status(reply.id, "approved")
    invoke(client, record("MODIFY", item(reply), old=pending_image))
    reply_mail = sent(ses)[-1]
    assert reply_mail.to == ["asker@example.org"]
    assert "replied to your comment" in reply_mail.subject
    assert f"#comment-{reply.id}" in reply_mail.body
    assert "An answer." in reply_mail.body

    invoke(client, record("MODIFY", item(reply), old=item(reply)))  # edited, still approved
    assert len(sent(ses)) == 2


def test_no_reply_email_unless_asked_and_none_for_ones_own_reply(client, ses) -> None:
    from chalicelib.comments.rules import validate
    from chalicelib.comments.service import Context, submit

    parent = add(email="quiet@example.org", body="No emails please")
    deps.comments().set_status(parent.id, "approved")
    reply = add(email="someone@example.org", body="Reply", ip="192.0.2.6", parent_id=parent.id)
    deps.comments().set_status(reply.id, "approved")
    invoke(client, record("INSERT", item(reply)))
    assert sent(ses) == []

    fields = {"author": "Self", "email": "self@example.org", "body": "Tell me", "notify": "on"}
    sub, _ = validate(fields)
    meta = deps.posts().index().get(SLUG)
    asker = submit(
        deps.comments(),
        deps.signing(),
        deps.posts().site(),
        meta,
        sub,
        Context(client_ip="192.0.2.7", now=1_800_000_000),
    )
    assert asker.notify is True  # the checkbox is kept with the comment
    deps.comments().set_status(asker.id, "approved")
    own = add(email="SELF@example.org", body="Answering myself", ip="192.0.2.8", parent_id=asker.id)
    invoke(client, record("INSERT", item(deps.comments().get(own.id))))
    assert sent(ses) == []


def test_without_a_sender_nothing_is_sent(client, ses, monkeypatch) -> None:
    from chalicelib import settings

    monkeypatch.setenv("BLOG_NOTIFY_FROM", "")
    settings.reset()
    invoke(client, record("INSERT", item(add(body="Waiting"))))
    assert sent(ses) == []
