"""A reader in headless Chromium against the real local stack (`tools.run_local`, as `make run`)."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tools.live_stack import LiveStack

pytestmark = pytest.mark.e2e

SLUG = "machine-learning-skin-cancer-photos"
TITLE = "Can a neural network read a skin lesion as well as a dermatologist?"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class LiveSite:
    def __init__(self, url: str, token: str, env: dict[str, str]) -> None:
        self.url = url
        self.token = token
        self.env = env

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            return json.loads(response.read() or b"null")


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """`make run`'s stack, with faster moderation thresholds for the test."""
    with LiveStack(tmp_path_factory.mktemp("stack")) as stack:
        stack.set_comment_policy(flood_seconds=0, min_submit_seconds=1)
        yield LiveSite(stack.url, stack.token, stack.cli_env)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(
            f"Chromium is needed for the browser tests and is not at {executable}: "
            "run `make test`, which installs Debian's chromium, or set CHROMIUM."
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def fill_and_submit(page: Page, author: str, email: str, comment: str, url: str = "") -> None:
    page.get_by_role("textbox", name="Comment", exact=True).fill(comment)
    page.get_by_role("textbox", name="Name", exact=True).fill(author)
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    if url:
        page.get_by_role("textbox", name="Website", exact=True).fill(url)
    page.wait_for_timeout(1200)  # a person takes longer than the time trap allows a bot
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_load_state("domcontentloaded")


def comment_heading(page: Page) -> str:
    return " ".join(page.locator("#comments-title").inner_text().split())


def test_a_reader_comments_a_moderator_approves_and_the_comment_appears(
    live_site: LiveSite, page: Page
) -> None:
    page.goto(f"{live_site.url}/posts/{SLUG}")
    assert page.locator("h1").inner_text().startswith("[2 min read]")
    assert comment_heading(page) == "No comments yet"
    fill_and_submit(page, "Grace Browser", "grace@example.org", "Clear summary, thank you.")

    assert "unapproved=" in page.url
    notice = page.locator(".moderation-notice")
    assert notice.inner_text() == "Your comment is awaiting moderation."
    assert "Clear summary, thank you." in page.locator(".comment.pending").inner_text()

    queue = live_site.admin("GET", "/api/admin/comments?status=pending")["comments"]
    (mine,) = [c for c in queue if c["email"] == "grace@example.org"]
    assert (
        live_site.admin("PATCH", f"/api/admin/comments/{mine['id']}", {"status": "approved"})[
            "status"
        ]
        == "approved"
    )

    page.reload()
    assert comment_heading(page) == f"One comment on “{TITLE}”"
    shown = page.locator(f"#comment-{mine['id']}")
    assert "Clear summary, thank you." in shown.inner_text()
    assert page.locator(".moderation-notice").count() == 0
    assert "grace@example.org" not in page.content()

    # The same reader again: approved at once.
    fill_and_submit(page, "Grace Browser", "grace@example.org", "One more thought.")
    assert "unapproved=" not in page.url
    page.goto(f"{live_site.url}/posts/{SLUG}")
    assert comment_heading(page) == f"2 comments on “{TITLE}”"


def test_xss_payloads_in_name_website_and_text_render_as_inert_text(
    live_site: LiveSite, page: Page
) -> None:
    page.goto(f"{live_site.url}/posts/practise-suturing-at-home")
    payload = '<script>alert("name")</script><img src=x onerror=alert(1)>'
    text = (
        '<script>alert("text")</script> <svg onload=alert(2)> '
        '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>'
    )
    fill_and_submit(
        page,
        payload,
        "mallory@example.org",
        text,
        url='https://evil.example/"onmouseover="alert(5)',
    )
    queue = live_site.admin("GET", "/api/admin/comments?status=pending")["comments"]
    (evil,) = [c for c in queue if c["email"] == "mallory@example.org"]
    live_site.admin("PATCH", f"/api/admin/comments/{evil['id']}", {"status": "approved"})

    page.goto(f"{live_site.url}/posts/practise-suturing-at-home")
    comment = page.locator(f"#comment-{evil['id']}")
    comment.hover()
    page.locator(f"#comment-{evil['id']} .comment-author").hover()
    page.wait_for_timeout(300)
    assert page.dialogs == []
    found = page.evaluate(
        """(id) => {
            const root = document.getElementById('comment-' + id);
            const all = [root, ...root.querySelectorAll('*')];
            return {
                scripts: root.querySelectorAll('script, svg, img, iframe').length,
                handlers: all.flatMap(el => [...el.attributes]
                    .filter(a => a.name.startsWith('on')).map(a => a.name)),
                jsLinks: [...root.querySelectorAll('a')]
                    .filter(a => a.href.startsWith('javascript:')).length,
                author: root.querySelector('.comment-author').textContent,
            };
        }""",
        evil["id"],
    )
    assert found["scripts"] == 0
    assert found["handlers"] == []
    assert found["jsLinks"] == 0
    assert found["author"].strip() == payload


def test_the_site_reads_without_javascript_on_a_phone(
    live_site: LiveSite, browser: Browser
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{live_site.url}/")
    page.get_by_role("link", name=re.compile("Practise suturing")).click()
    assert page.locator("table").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "no sideways scrolling on a phone"
    page.get_by_role("link", name="Read more recent research on training").click()
    assert page.locator("h1").inner_text() == "Posts tagged “training”"
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_a_posts_image_loads_at_its_size_under_the_pages_csp(
    live_site: LiveSite, browser: Browser, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.add_init_script(
        "window.__blocked = []; document.addEventListener("
        "'securitypolicyviolation', e => window.__blocked.push(e.blockedURI));"
    )
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    response = page.goto(f"{live_site.url}/posts/practise-suturing-at-home")
    assert response is not None and "img-src 'self'" in response.headers["content-security-policy"]
    image = page.locator(".post-body figure img")
    image.wait_for()
    page.wait_for_function("document.querySelector('.post-body figure img').complete")
    shown = image.evaluate(
        "img => ({natural: img.naturalWidth, src: img.currentSrc,"
        " w: img.getBoundingClientRect().width, h: img.getBoundingClientRect().height,"
        " attrs: [img.getAttribute('width'), img.getAttribute('height')],"
        " lazy: img.loading, caption: img.closest('figure').querySelector('figcaption').innerText})"
    )
    assert shown["natural"] > 0, shown  # decoded: not broken, not blocked
    assert "/media/" in shown["src"] and shown["src"].endswith(".webp"), shown
    assert shown["attrs"] == ["1200", "675"]  # the space is kept before it loads
    assert 0 < shown["w"] <= min(width - 32, 640) + 1, shown  # the column, never wider
    assert abs(shown["h"] - shown["w"] * 675 / 1200) <= 1, shown  # its intrinsic proportions
    assert shown["lazy"] != "lazy" and shown["caption"].startswith("The pad in cross-section")
    assert page.evaluate("window.__blocked") == [] and failed == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
