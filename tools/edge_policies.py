"""CloudFront's policies for the site: what is cached, on which key, and the headers added.

Pages and the public API are kept as long as the origin's Cache-Control says (nothing
without it), keyed on the query strings that change a page and never on cookies.
"""

from __future__ import annotations

from typing import Any

# IDs of CloudFront's managed policies (the same in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# All viewer headers (Authorization too, on uncached behaviours), cookies and query
# strings, and CloudFront's headers (CloudFront-Viewer-Address), without Host: API
# Gateway answers only to its own host name.
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# The query strings that change a page (WordPress's names kept for imported links).
PAGE_QUERY_STRINGS = ["page", "cursor", "comments", "replytocom", "unapproved", "moderation-hash"]
HSTS_SECONDS = 63072000  # two years


def name(stage: str, what: str) -> dict[str, str]:
    """A name unique in the account (policies and origin access controls are global to it)."""
    return {"Fn::Sub": f"lambdapress-{stage}-{what}-${{AWS::Region}}"}


def cache_policy(stage: str, what: str, headers: list[str]) -> dict[str, Any]:
    """Kept as Cache-Control says; keyed on page query strings and `headers`, no cookies."""
    headers_config: dict[str, Any] = {"HeaderBehavior": "none"}
    if headers:
        headers_config = {"HeaderBehavior": "whitelist", "Headers": headers}
    return {
        "Type": "AWS::CloudFront::CachePolicy",
        "Properties": {
            "CachePolicyConfig": {
                "Name": name(stage, what),
                "Comment": "Honours the origin's Cache-Control; no cookies",
                # Without Cache-Control nothing is kept; with it, up to a year.
                "MinTTL": 0,
                "DefaultTTL": 0,
                "MaxTTL": 31536000,
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "EnableAcceptEncodingGzip": True,
                    "EnableAcceptEncodingBrotli": True,
                    "CookiesConfig": {"CookieBehavior": "none"},
                    "HeadersConfig": headers_config,
                    "QueryStringsConfig": {
                        "QueryStringBehavior": "whitelist",
                        "QueryStrings": PAGE_QUERY_STRINGS,
                    },
                },
            }
        },
    }


def headers_policy(stage: str) -> dict[str, Any]:
    """HSTS on every answer; the app's own security headers are left as they are."""
    return {
        "Type": "AWS::CloudFront::ResponseHeadersPolicy",
        "Properties": {
            "ResponseHeadersPolicyConfig": {
                "Name": name(stage, "headers"),
                "SecurityHeadersConfig": {
                    "StrictTransportSecurity": {
                        "AccessControlMaxAgeSec": HSTS_SECONDS,
                        # A blog on a subdomain must not force HTTPS on its siblings.
                        "IncludeSubdomains": False,
                        "Override": True,
                    },
                    "ContentTypeOptions": {"Override": False},
                },
            }
        },
    }
