"""Comment validation limits and the moderation order (WordPress's)."""

from __future__ import annotations

import pytest

from chalicelib.comments.rules import FormSignals, Submission, classify, validate
from chalicelib.posts.site import CommentPolicy

GOOD = {"author": "Ann", "email": "ann@example.org", "url": "", "body": "Hello"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"author": ""}, "author"),
        ({"author": "   "}, "author"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"body": ""}, "body"),
        ({"author": "a" * 246}, "author"),
        ({"email": "a" * 90 + "@example.org"}, "email"),
        ({"url": "https://example.org/" + "a" * 200}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.org"}, "url"),
        ({"body": "é" * 32763}, "body"),  # 65,526 bytes
        ({"parent_id": "../../etc"}, "parent_id"),
    ],
)
def test_invalid_fields_get_a_message_each(changes: dict[str, str], field: str) -> None:
    _, errors = validate({**GOOD, **changes})
    assert set(errors) == {field}


def test_limits_are_inclusive() -> None:
    _, errors = validate(
        {**GOOD, "author": "a" * 245, "url": "https://e.org/" + "a" * 186, "body": "x" * 65525}
    )
    assert errors == {}


def test_a_bare_domain_becomes_a_web_address_and_values_are_trimmed() -> None:
    sub, errors = validate({**GOOD, "url": "example.org", "author": "  Ann  "})
    assert errors == {}
    assert sub.url == "http://example.org"
    assert sub.author == "Ann"


POLICY = CommentPolicy(blocklist=("casino",), watchwords=("miracle",), max_links=2)


def sub(body: str = "Thanks for this", author: str = "Ann") -> Submission:
    return Submission(author=author, email="ann@example.org", url="", body=body)


def never_asked() -> bool:
    raise AssertionError("reputation must not be consulted")


@pytest.mark.parametrize(
    ("submission", "kwargs", "status", "reason"),
    [
        (sub(), {"signals": FormSignals(honeypot="filled")}, "spam", "honeypot"),
        (sub(), {"signals": FormSignals(age=1.0)}, "pending", "too quick"),
        (sub(), {"signals": FormSignals(age=0.0, forged=True)}, "spam", "no form token"),
        (sub("win at the Casino"), {}, "spam", "blocklisted word 'casino'"),
        (sub(author="casino king"), {}, "spam", "blocklisted word 'casino'"),
        (sub("see https://a.org and https://b.org"), {}, "pending", "links"),
        (sub("a miracle cure"), {}, "pending", "watch word 'miracle'"),
    ],
)
def test_early_rules_decide_without_asking_about_the_author(
    submission: Submission, kwargs: dict[str, object], status: str, reason: str
) -> None:
    verdict = classify(submission, POLICY, never_asked, **kwargs)  # type: ignore[arg-type]
    assert (verdict.status, verdict.reason) == (status, reason)


def test_the_honeypot_is_checked_before_the_blocklist() -> None:
    verdict = classify(sub("casino"), POLICY, never_asked, FormSignals(honeypot="x"))
    assert verdict.reason == "honeypot"


def test_one_link_is_fine_and_a_slow_enough_form_passes() -> None:
    verdict = classify(sub("see https://a.org"), POLICY, lambda: True, FormSignals(age=3.0))
    assert verdict.status == "approved"


def test_a_trusted_author_is_approved_and_a_new_one_waits() -> None:
    assert classify(sub(), POLICY, lambda: True).status == "approved"
    assert classify(sub(), POLICY, lambda: False) == classify(sub(), POLICY, lambda: False)
    assert classify(sub(), POLICY, lambda: False).status == "pending"
