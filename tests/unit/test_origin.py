"""The origin's proof that a request came through the distribution, and the viewer's address."""

from __future__ import annotations

import pytest

from chalicelib.origin import from_edge, viewer_address

SECRET = "s" * 40
EDGE = {"X-Origin-Verify": SECRET}


def test_without_a_distribution_every_request_is_accepted() -> None:
    assert from_edge({}, "") is True
    assert from_edge({"X-Origin-Verify": "anything"}, "") is True


def test_a_request_with_the_secret_came_through_the_edge() -> None:
    assert from_edge(EDGE, SECRET) is True


def test_the_header_name_is_matched_in_any_case() -> None:
    assert from_edge({"x-origin-verify": SECRET}, SECRET) is True


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Origin-Verify": ""}, {"X-Origin-Verify": "s" * 39}, {"X-Origin-Verify": SECRET + "x"}],
)
def test_a_request_without_the_exact_secret_did_not(headers: dict[str, str]) -> None:
    assert from_edge(headers, SECRET) is False


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("192.0.2.1:443", "192.0.2.1"),
        ("198.51.100.10:46532", "198.51.100.10"),
        ("2001:db8::1:443", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001:5000", "2001:db8::1"),
    ],
)
def test_the_viewers_address_loses_its_port(header: str, expected: str) -> None:
    headers = {**EDGE, "CloudFront-Viewer-Address": header}
    assert viewer_address(headers, "203.0.113.9", SECRET) == expected


def test_the_viewers_address_is_trusted_only_with_the_secret() -> None:
    forged = {"X-Origin-Verify": "guess", "CloudFront-Viewer-Address": "192.0.2.1:443"}
    assert viewer_address(forged, "203.0.113.9", SECRET) == "203.0.113.9"


def test_without_a_distribution_the_header_is_anyones_and_ignored() -> None:
    headers = {"CloudFront-Viewer-Address": "192.0.2.1:443"}
    assert viewer_address(headers, "127.0.0.1", "") == "127.0.0.1"


@pytest.mark.parametrize("header", ["", "192.0.2.1", "not-an-address:443", "192.0.2.1:port"])
def test_a_missing_or_malformed_address_falls_back_to_the_connections(header: str) -> None:
    headers = {**EDGE, "CloudFront-Viewer-Address": header}
    assert viewer_address(headers, "203.0.113.9", SECRET) == "203.0.113.9"
