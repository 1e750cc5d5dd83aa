# ruff: noqa: F811 - `browser` is the fixture imported from test_browser
"""A moderator in headless Chromium, without JavaScript and at 375 px, against `make run`'s
stack: sign in, approve, bulk spam, edit, review links from the outbox, CSRF, the throttle."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import ROOT
from tests.e2e.test_browser import browser, comment_heading, fill_and_submit  # noqa: F401
from tools.live_stack import LiveStack

pytestmark = pytest.mark.e2e

SLUG = "machine-learning-skin-cancer-photos"
TITLE = "Can a neural network read a skin lesion as well as a dermatologist?"
PHONE = {"width": 375, "height": 812}
AXE = Path(os.environ.get("AXE_JS", ROOT / ".cache" / "axe-core-4.10.2" / "axe.min.js"))


@pytest.fixture(scope="module")
def stack() -> Iterator[LiveStack]:
    with LiveStack() as live:
        live.set_comment_policy(flood_seconds=0, min_submit_seconds=1)
        yield live


@pytest.fixture
def moderator(browser: Browser, stack: LiveStack) -> Iterator[Page]:
    """A phone-sized page with JavaScript off, signed in."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{stack.url}/admin")
    assert page.url.endswith("/admin/login")
    page.get_by_label("Admin token").fill(stack.token)
    page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{stack.url}/admin"
    yield page
    context.close()


def held(stack: LiveStack, body: str, email: str) -> str:
    code, data = stack.request(
        "POST",
        f"/api/posts/{SLUG}/comments",
        {"author": "Held " + email.split("@")[0], "email": email, "body": body},
    )
    assert code == 201 and data["status"] == "pending", data
    return str(data["id"])


def status_of(stack: LiveStack, comment_id: str) -> str:
    for status in ("pending", "approved", "spam", "trash"):
        if any(c["id"] == comment_id for c in stack.admin_comments(status)):
            return status
    return "gone"


def no_serious_violations(page: Page) -> None:
    """axe-core on the page's URL, at the same size and with the same cookies; in a context
    of its own, as axe needs JavaScript (and the site's CSP lets no script in)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not at {AXE}: make axe fetches it with npm")
    owner = page.context.browser
    assert owner is not None
    checking = owner.new_context(
        storage_state=page.context.storage_state(), viewport=PHONE, bypass_csp=True
    )
    try:
        audit = checking.new_page()
        audit.set_default_timeout(15_000)
        audit.goto(page.url)
        audit.evaluate(AXE.read_text())
        result = audit.evaluate("axe.run(document, {resultTypes: ['violations']})")
        width = audit.evaluate("document.documentElement.scrollWidth")
    finally:
        checking.close()
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    assert width <= PHONE["width"], "the page scrolls sideways at 375 px"


def test_a_held_comment_from_the_form_is_approved_on_the_screen_and_appears(
    stack: LiveStack,
    browser: Browser,
    moderator: Page,
) -> None:
    reader = browser.new_page()
    reader.goto(f"{stack.url}/posts/{SLUG}")
    fill_and_submit(reader, "Ida Reader", "ida@example.org", "Held until a person looks.")
    assert (
        reader.locator(".moderation-notice").inner_text() == "Your comment is awaiting moderation."
    )
    moderator.reload()
    item = moderator.locator(".queue-item", has_text="Held until a person looks.")
    assert "ida@example.org" in item.inner_text()
    assert moderator.locator(".tabs a", has_text="Approved").inner_text() == "Approved (0)"
    item.get_by_role("button", name="Approve the comment by Ida Reader").click()
    assert moderator.locator(".admin-notice").inner_text() == "1 comment(s) approved."
    assert moderator.locator(".tabs a", has_text="Approved").inner_text() == "Approved (1)"
    reader.goto(f"{stack.url}/posts/{SLUG}")
    assert comment_heading(reader) == f"One comment on “{TITLE}”"
    assert "Held until a person looks." in reader.locator(".comment-list").inner_text()
    reader.close()


def test_a_bulk_spam_of_three(stack: LiveStack, moderator: Page) -> None:
    ids = [held(stack, f"Buy now {i}", f"bulk{i}@example.org") for i in range(3)]
    moderator.reload()
    for i in range(3):
        moderator.get_by_role("checkbox", name=f"Held bulk{i} (select this comment)").check()
    moderator.get_by_label("With the selected comments").select_option("spam")
    moderator.get_by_role("button", name="Apply to selected").click()
    assert moderator.locator(".admin-notice").inner_text() == "3 comment(s) marked as spam."
    assert [status_of(stack, i) for i in ids] == ["spam"] * 3
    assert moderator.locator(".tabs a", has_text="Spam").inner_text() == "Spam (3)"


def test_editing_a_comment(stack: LiveStack, moderator: Page) -> None:
    held(stack, "Teh typo", "editme@example.org")
    moderator.reload()
    moderator.get_by_role("link", name="Edit the comment by Held editme").click()
    moderator.get_by_label("Comment").fill("The *fixed* text")
    moderator.get_by_role("button", name="Save").click()
    fixed = moderator.locator(".queue-item", has_text="The fixed text")
    assert fixed.locator("em").inner_text() == "fixed"
    no_serious_violations(moderator)


def _review_link(stack: LiveStack, comment_id: str, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for eml in sorted(stack.outbox.glob("*.eml")):
            text = eml.read_text()
            for author, link in re.findall(r"- (.+?) on .*?\n.*?\n\s+Review it.*?: (\S+)", text):
                if author == f"Held {comment_id}":
                    return link
        time.sleep(0.5)
    raise AssertionError(f"no moderation email in {stack.outbox}: {stack.output[-20:]}")


def test_a_review_link_from_the_outbox_changes_nothing_on_get_and_approves_once(
    stack: LiveStack,
    browser: Browser,
) -> None:
    comment_id = held(stack, "Review me from the email", "reviewme@example.org")
    link = _review_link(stack, "reviewme")
    page = browser.new_page(java_script_enabled=False, viewport=PHONE)
    for _ in range(2):
        assert page.goto(link).status == 200
    assert status_of(stack, comment_id) == "pending"
    no_serious_violations(page)
    csrf = page.locator("input[name=csrf]").get_attribute("value")
    page.get_by_role("button", name="Approve").click()
    assert "approved by the review link" in page.locator(".admin-notice").inner_text()
    assert page.get_by_role("button", name="Approve").count() == 0
    assert status_of(stack, comment_id) == "approved"
    replay = page.request.post(link, form={"csrf": csrf or "", "action": "trash"})
    assert replay.status == 409
    assert status_of(stack, comment_id) == "approved"
    page.close()


def test_a_post_without_the_csrf_token_is_refused(stack: LiveStack, moderator: Page) -> None:
    comment_id = held(stack, "Nobody may approve me by forgery", "csrf@example.org")
    answer = moderator.request.post(
        f"{stack.url}/admin/comments", form={"one": f"approve:{comment_id}"}
    )
    assert answer.status == 403
    assert status_of(stack, comment_id) == "pending"
    moderator.reload()
    no_serious_violations(moderator)


def test_the_sign_in_page_is_accessible_then_wrong_tokens_401_then_429(
    stack: LiveStack,
    browser: Browser,
) -> None:
    # Last in this module: every page here comes from 127.0.0.1, which this locks out.
    page = browser.new_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"{stack.url}/admin/login")
    no_serious_violations(page)
    statuses = []
    for _ in range(6):
        page.get_by_label("Admin token").fill("not-the-token")
        with page.expect_response(f"{stack.url}/admin/login") as answer:
            page.get_by_role("button", name="Sign in").click()
        statuses.append(answer.value.status)
    assert statuses == [401] * 5 + [429]
    assert "Too many attempts" in page.locator(".form-message").inner_text()
    assert int(answer.value.headers["retry-after"]) > 0
    page.close()
