# ruff: noqa: F811 - `ses` is the fixture imported from test_notifications
"""Review links, one-click unsubscribe, sending each email once, and partial batch failures."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import itsdangerous.timed
from botocore.exceptions import ClientError

from chalicelib import deps
from chalicelib.comments.mail import SesMailer
from chalicelib.comments.table import comment_key
from chalicelib.signing import REVIEW_SECONDS
from tests.functional.comment_helpers import FORM
from tests.functional.screen_helpers import csrf_of
from tests.functional.test_moderation_admin import add
from tests.functional.test_notifications import invoke, item, record, sent, ses  # noqa: F401
from tests.support import soup


def review_path(body: str) -> str:
    (link,) = re.findall(r"https?://\S+/admin/review/\S+", body)
    return urlsplit(link).path


def numbered(event: dict, sequence: str) -> dict:
    event["dynamodb"]["SequenceNumber"] = sequence
    return event


def test_a_review_link_shows_the_comment_changes_nothing_on_get_and_acts_once(
    client,
    ses,
) -> None:
    held = add(body="Please *review* me")
    invoke(client, record("INSERT", item(held)))
    path = review_path(sent(ses)[0].body)
    for _ in range(3):  # a link scanner, a preview, the moderator
        opened = client.http.get(path)
        assert opened.status_code == 200
        assert opened.headers["Cache-Control"] == "no-store"
    assert deps.comments().get(held.id).status == "pending"
    page = soup(opened.body)
    assert page.select_one(".comment-body em").get_text() == "review"
    assert client.http.post(path, headers=FORM, body="action=approve").status_code == 403
    assert client.http.post(path, headers=FORM, body="csrf=x&action=approve").status_code == 403
    csrf = csrf_of(opened.body)
    done = client.http.post(path, headers=FORM, body=f"csrf={csrf}&action=approve")
    assert done.status_code == 303
    approved = deps.comments().get(held.id)
    assert (approved.status, approved.moderated_by) == ("approved", "review link")
    again = client.http.post(path, headers=FORM, body=f"csrf={csrf}&action=trash")
    assert again.status_code == 409
    assert deps.comments().get(held.id).status == "approved"
    after = soup(client.http.get(path).body)
    assert "approved by the review link" in " ".join(after.get_text().split())
    assert after.find("button", string="Approve") is None


def test_a_review_link_stops_once_moderated_elsewhere_expires_and_cannot_be_forged(
    client, monkeypatch
) -> None:
    held = add()
    token = deps.signing().review_token(held.id)
    deps.comments().set_status(held.id, "spam")  # not by a moderator: still reviewable
    from chalicelib.comments.model import moderation_now

    deps.comments().set_status(held.id, "trash", moderation_now("CLI"))
    shown = " ".join(soup(client.http.get(f"/admin/review/{token}").body).get_text().split())
    assert "moved to the trash by the CLI" in shown
    assert client.http.get("/admin/review/forged.token.here").status_code == 404
    fresh = add(body="Another", ip="192.0.2.8")
    old = deps.signing().review_token(fresh.id)
    later = time.time() + REVIEW_SECONDS + 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    assert client.http.get(f"/admin/review/{old}").status_code == 410
    assert client.http.post(f"/admin/review/{old}", headers=FORM, body="x=1").status_code == 403


def reply_notice(client, ses, parent_email: str = "asker@example.org", n: int = 0):
    parent = add(email=parent_email, body=f"A question {n}?", ip=f"192.0.2.2{n}")
    store = deps.comments()
    store.set_status(parent.id, "approved")
    store.client.update_item(
        TableName="lambdapress-test",
        Key=comment_key(store.get(parent.id)),
        UpdateExpression="SET notify = :t",
        ExpressionAttributeValues={":t": {"BOOL": True}},
    )
    reply = add(email="x@example.org", body=f"Answer {n}", ip=f"192.0.2.4{n}", parent_id=parent.id)
    before = item(reply)
    store.set_status(reply.id, "approved")
    return record("MODIFY", item(reply), old=before)


def test_reply_notices_carry_one_click_unsubscribe_that_works_for_every_post(
    client,
    ses,
) -> None:
    invoke(client, reply_notice(client, ses))
    (notice,) = sent(ses)
    assert notice.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = notice.message["List-Unsubscribe"].strip("<>")
    assert link in notice.body
    path = urlsplit(link).path
    assert client.http.get(path).status_code == 200  # opening it changes nothing
    assert not deps.ledger().unsubscribed(deps.signing().email_hash("asker@example.org"))
    one_click = client.http.post(path, headers=FORM, body="List-Unsubscribe=One-Click")
    assert one_click.status_code == 200
    assert deps.ledger().unsubscribed(deps.signing().email_hash("ASKER@example.org"))
    invoke(client, reply_notice(client, ses, n=1))  # another thread, same email
    assert len(sent(ses)) == 1
    assert (
        client.http.post("/comments/unsubscribe/forged", headers=FORM, body="").status_code == 404
    )


def test_a_retried_batch_never_sends_an_email_twice(client, ses) -> None:
    event = record("INSERT", item(add(body="Waiting")))
    invoke(client, event)
    invoke(client, event)
    assert len(sent(ses)) == 1


def test_one_failed_send_fails_only_its_record_and_the_retry_sends_only_it(
    client,
    ses,
    monkeypatch,
) -> None:
    notice = numbered(reply_notice(client, ses, parent_email="bounces@example.org"), "200")
    queue = numbered(record("INSERT", item(add(body="Waiting", ip="192.0.2.30"))), "300")
    real = SesMailer.send
    rejected = {"bounces@example.org"}

    def rejecting(self, email):
        if rejected & set(email.to):
            error = {"Error": {"Code": "MessageRejected", "Message": "Address blacklisted."}}
            raise ClientError(error, "SendRawEmail")
        return real(self, email)

    monkeypatch.setattr(SesMailer, "send", rejecting)
    answer = invoke(client, notice, queue)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "200"}]}
    assert [m.to for m in sent(ses)] == [["mod@example.org"]]
    rejected.clear()  # the address is fixed; the stream retries from the failed record
    assert invoke(client, notice, queue) == {"batchItemFailures": []}
    assert [m.to for m in sent(ses)] == [["mod@example.org"], ["bounces@example.org"]]


def test_with_an_outbox_emails_are_written_as_eml_files(client, ses, tmp_path, monkeypatch) -> None:
    from chalicelib import settings

    monkeypatch.setenv("BLOG_OUTBOX", str(tmp_path / "outbox"))
    settings.reset()
    invoke(client, record("INSERT", item(add(body="Local"))))
    (written,) = (tmp_path / "outbox").glob("*.eml")
    assert "/admin/review/" in written.read_text()
    assert sent(ses) == []
