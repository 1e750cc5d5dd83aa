"""The moderation screen: sign-in, the lists, every action by POST with a CSRF token."""

from __future__ import annotations

import pytest

from chalicelib import deps
from chalicelib.comments.model import STATUSES
from chalicelib.views import admin_screen
from tests.conftest import ADMIN_TOKEN
from tests.functional.comment_helpers import FORM, SLUG, TITLE, heading
from tests.functional.screen_helpers import csrf_of, post, screen, sign_in
from tests.functional.test_moderation_admin import add
from tests.support import soup


def exact_counts() -> dict[str, int]:
    """Every comment's status, counted the slow way, to check the counter item against."""
    found = {s: 0 for s in STATUSES}
    for status in STATUSES:
        found[status] = len(deps.comments().by_status(status, limit=1000)[0])
    return found


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin"),
        ("GET", "/admin?status=spam"),
        ("POST", "/admin/comments"),
        ("POST", "/admin/logout"),
        ("GET", f"/admin/comments/{'a' * 20}/edit"),
    ],
)
@pytest.mark.parametrize(
    "cookie", [None, "lambdapress_admin=forged.value", 'lambdapress_admin=\x7f"', "=;;"]
)
def test_every_admin_page_without_a_session_goes_to_sign_in(client, method, path, cookie) -> None:
    headers = {**(FORM if method == "POST" else {}), **({"cookie": cookie} if cookie else {})}
    body = b"csrf=x" if method == "POST" else b""
    response = client.http.request(method, path, headers=headers, body=body)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/login"


def test_the_sign_in_page_has_a_labelled_password_field_and_is_never_cached(client) -> None:
    response = client.http.get("/admin/login")
    assert response.status_code == 200
    page = soup(response.body)
    field = page.find("input", attrs={"name": "token"})
    assert field["type"] == "password"
    assert page.find("label", attrs={"for": field["id"]}).get_text() == "Admin token"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_signing_in_sets_a_strict_session_cookie_for_twelve_hours(client, monkeypatch) -> None:
    response = client.http.post("/admin/login", headers=FORM, body=f"token={ADMIN_TOKEN}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin"
    attributes = [a.strip() for a in response.headers["Set-Cookie"].split(";")]
    assert {"Max-Age=43200", "Path=/admin", "HttpOnly", "SameSite=Strict"} <= set(attributes)
    assert "Secure" not in attributes  # chalice local is plain HTTP
    monkeypatch.setenv("BLOG_STAGE", "dev")
    from chalicelib import settings

    settings.reset()
    deployed = client.http.post("/admin/login", headers=FORM, body=f"token={ADMIN_TOKEN}")
    assert "Secure" in [a.strip() for a in deployed.headers["Set-Cookie"].split(";")]


def test_a_wrong_token_answers_401_then_429_until_the_window_passes(client, monkeypatch) -> None:
    moment = [1_800_000_000.0]
    monkeypatch.setattr(admin_screen, "now", lambda: moment[0])
    for _ in range(admin_screen.LOGIN_POLICY.attempts):
        wrong = client.http.post("/admin/login", headers=FORM, body="token=guess")
        assert wrong.status_code == 401
        assert soup(wrong.body).find("input", attrs={"name": "token"}) is not None
    slowed = client.http.post("/admin/login", headers=FORM, body=f"token={ADMIN_TOKEN}")
    assert slowed.status_code == 429
    assert 0 < int(slowed.headers["Retry-After"]) <= admin_screen.LOGIN_POLICY.window
    assert "Set-Cookie" not in slowed.headers
    moment[0] += admin_screen.LOGIN_POLICY.window  # the item is still there: TTL is late
    assert sign_in(client)


def test_a_session_ends_with_sign_out_and_with_a_new_admin_token(client, monkeypatch) -> None:
    cookie = sign_in(client)
    page = screen(client, cookie)
    no_csrf = post(client, "/admin/logout", cookie, [])
    assert no_csrf.status_code == 403
    out = post(client, "/admin/logout", cookie, [("csrf", csrf_of(page.body))])
    assert out.status_code == 303 and "Max-Age=0" in out.headers["Set-Cookie"]
    from chalicelib import settings

    monkeypatch.setenv("BLOG_ADMIN_TOKEN", "a-brand-new-admin-token-0123")
    settings.reset()
    assert client.http.get("/admin", headers=cookie).status_code == 303


def test_the_queue_shows_what_a_moderator_needs(client) -> None:
    parent = add(email="first@example.org", body="The original point, made at some length here.")
    deps.comments().set_status(parent.id, "approved")
    held = add(
        email="reader@example.org",
        body="**Bold** <script>x</script>",
        ip="192.0.2.3",
        parent_id=parent.id,
    )
    cookie = sign_in(client)
    page = soup(screen(client, cookie).body)
    item = page.find(id=f"comment-{held.id}")
    text = " ".join(item.get_text().split())
    assert "reader@example.org" in text
    assert "new author" in text  # why it was held
    assert "“The original point, made at some length here.”" in text
    assert "(0 approved comments)" in text
    assert item.find("a", string=TITLE)["href"] == f"/posts/{SLUG}"
    assert item.select_one(".comment-body strong").get_text() == "Bold"
    assert item.find("script") is None
    tabs = {a.get_text(" ", strip=True) for a in page.select(".tabs a")}
    assert {"Pending (1)", "Approved (1)", "Spam (0)", "Trash (0)"} == tabs


def test_approving_from_the_screen_needs_the_csrf_token_and_updates_the_post(client) -> None:
    held = add()
    cookie = sign_in(client)
    csrf = csrf_of(screen(client, cookie).body)
    forged = post(client, "/admin/comments", cookie, [("one", f"approve:{held.id}")])
    assert forged.status_code == 403
    other = post(
        client, "/admin/comments", cookie, [("csrf", "x" * 40), ("one", f"approve:{held.id}")]
    )
    assert other.status_code == 403
    assert deps.comments().get(held.id).status == "pending"
    done = post(client, "/admin/comments", cookie, [("csrf", csrf), ("one", f"approve:{held.id}")])
    assert done.status_code == 303
    assert done.headers["Location"] == "/admin?status=pending&done=approve&n=1"
    approved = deps.comments().get(held.id)
    assert (approved.status, approved.moderated_by) == ("approved", "screen")
    assert heading(client.http.get(f"/posts/{SLUG}").body) == f"One comment on “{TITLE}”"
    notice = soup(client.http.get(done.headers["Location"], headers=cookie).body)
    assert notice.select_one(".admin-notice").get_text() == "1 comment(s) approved."


def test_bulk_spam_then_delete_for_ever_keeps_every_count_exact(client) -> None:
    ids = [
        add(body=f"Spammy {i}", ip=f"192.0.2.{i}", email=f"s{i}@example.org").id for i in range(4)
    ]
    deps.comments().set_status(ids[3], "approved")
    cookie = sign_in(client)
    csrf = csrf_of(screen(client, cookie).body)
    chosen = [("ids", i) for i in ids[:3]]
    spam = post(
        client, "/admin/comments", cookie, [("csrf", csrf), ("bulk_action", "spam"), *chosen]
    )
    assert spam.status_code == 303
    assert (
        deps.comments().status_counts()
        == exact_counts()
        == {"approved": 1, "pending": 0, "spam": 3, "trash": 0}
    )
    # "Delete for ever" only from spam and trash: the approved one stays.
    gone = [("ids", i) for i in ids]
    post(client, "/admin/comments", cookie, [("csrf", csrf), ("bulk_action", "delete"), *gone])
    assert (
        deps.comments().status_counts()
        == exact_counts()
        == {"approved": 1, "pending": 0, "spam": 0, "trash": 0}
    )
    assert heading(client.http.get(f"/posts/{SLUG}").body) == f"One comment on “{TITLE}”"


def test_editing_a_comment_re_renders_it_and_refuses_bad_input(client) -> None:
    held = add(body="Teh original")
    cookie = sign_in(client)
    path = f"/admin/comments/{held.id}/edit"
    form = client.http.get(path, headers=cookie)
    assert soup(form.body).find("textarea").get_text() == "Teh original"
    csrf = csrf_of(form.body)
    fields = [("author", "Reader"), ("url", "http://["), ("body", "The *fixed* text")]
    bad = post(client, path, cookie, [("csrf", csrf), *fields])
    assert bad.status_code == 422
    assert soup(bad.body).find(id="url-error") is not None
    assert post(client, path, cookie, fields).status_code == 403
    fields[1] = ("url", "example.org")
    saved = post(client, path, cookie, [("csrf", csrf), *fields])
    assert saved.status_code == 303
    edited = deps.comments().get(held.id)
    assert edited.html == "<p>The <em>fixed</em> text</p>\n"
    assert (edited.url, edited.status) == ("http://example.org", "pending")
    assert deps.comments().status_counts() == exact_counts()


def test_lists_filter_by_email_and_post_and_page_with_a_signed_cursor(client) -> None:
    for i in range(5):
        add(body=f"Mine {i}", ip=f"192.0.2.{i}", email="Me@Example.org", now=1_800_000_000 + i)
    add(body="Theirs", ip="192.0.2.9", email="them@example.org", now=1_800_000_010)
    cookie = sign_in(client)
    first = soup(screen(client, cookie, "status=pending&email=me@example.org").body)
    shown = [" ".join(b.get_text().split()) for b in first.select(".comment-body")]
    assert len(shown) == 5 and "Theirs" not in " ".join(shown)
    other_post = soup(screen(client, cookie, "post=practise-suturing-at-home").body)
    assert other_post.select(".queue-item") == []
    assert screen(client, cookie, f"post={SLUG}").body.count(b'class="queue-item"') == 6


def test_the_screen_pages_with_a_signed_cursor(client, monkeypatch) -> None:
    monkeypatch.setattr(admin_screen, "PAGE_SIZE", 2)
    for i in range(3):
        add(body=f"c{i}", ip=f"192.0.2.{i}", now=1_800_000_000 + i)
    cookie = sign_in(client)
    first = soup(screen(client, cookie).body)
    more = first.find("a", string="More comments →")["href"]
    rest = soup(screen(client, cookie, more.split("?", 1)[1]).body)
    assert [p.get_text(strip=True) for p in rest.select(".comment-body")] == ["c0"]
    forged = client.http.get("/admin?cursor=abc.def", headers=cookie)
    assert forged.status_code == 400


@pytest.mark.parametrize(
    "query", ["status=whatever", "status=%00", "email=" + "x" * 5000, "post=%ff%fe"]
)
def test_hostile_queries_answer_4xx_or_an_empty_list(client, query) -> None:
    response = client.http.get(f"/admin?{query}", headers=sign_in(client))
    assert response.status_code in (200, 404)


def test_hostile_forms_change_nothing(client) -> None:
    held = add()
    cookie = sign_in(client)
    csrf = csrf_of(screen(client, cookie).body)
    for fields in (
        [("csrf", csrf), ("one", "approve:" + "a" * 3000)],
        [("csrf", csrf), ("bulk_action", "explode"), ("ids", held.id)],
        [("csrf", csrf), ("one", "delete:" + held.id)],  # pending: not deletable for ever
    ):
        assert post(client, "/admin/comments", cookie, fields).status_code == 303
    big = client.http.post(
        "/admin/comments", headers={**FORM, **cookie}, body="csrf=" + "x" * 300_000
    )
    assert big.status_code == 413
    many = client.http.post(
        "/admin/comments", headers={**FORM, **cookie}, body="&".join(["a=1"] * 2000)
    )
    assert many.status_code == 413
    assert deps.comments().get(held.id).status == "pending"
