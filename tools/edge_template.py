"""The edge: a CloudFront distribution in front of API Gateway and the content bucket.

`fragment(stage)` returns the parameters, conditions, rules, resources and outputs that
tools/infra.py merges into Chalice's template:

- pages (the default behaviour) and the public JSON API are cached as the origin's
  Cache-Control says, keyed on the few query strings the pages use, never on cookies;
- the moderation screen, the admin API, the comment POST paths and the unsubscribe
  links are never cached
  and get the viewer's headers, cookies and query strings;
- /media/* and /static/* come from the private bucket through Origin Access Control;
- every request to API Gateway carries a secret header (X-Origin-Verify) that the
  function compares with BLOG_ORIGIN_SECRET (chalicelib/origin.py).
"""

from __future__ import annotations

from typing import Any

from chalicelib.edge_cache import parameter_name
from tools.edge_policies import (
    ALL_VIEWER_EXCEPT_HOST,
    CACHING_DISABLED,
    CACHING_OPTIMIZED,
    cache_policy,
    headers_policy,
    name,
)

# Every CloudFront distribution's hosted zone, for Route 53 alias records.
CLOUDFRONT_HOSTED_ZONE = "Z2FDTNDATAQYW2"

ORIGIN_HEADER = "X-Origin-Verify"
UNCACHED_PATHS = [
    "/admin*",
    "/api/admin*",
    "/posts/*/comments",
    "/api/posts/*/comments",
    "/comments/*",  # unsubscribe links: a POST without sign-in
]
BUCKET_PATHS = ["/media/*", "/static/*"]

ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
API_ORIGIN, BUCKET_ORIGIN = "api", "content"
HAS_DOMAIN = {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "DomainNames"}]}, ""]}]}


def _behaviour(origin: str, policy: Any, methods: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": "redirect-to-https",
        "Compress": True,
        "AllowedMethods": methods,
        "CachedMethods": ["GET", "HEAD"],
        "CachePolicyId": policy,
        "ResponseHeadersPolicyId": {"Ref": "EdgeHeadersPolicy"},
        **extra,
    }


def _behaviours() -> list[dict[str, Any]]:
    uncached = [
        _behaviour(
            API_ORIGIN,
            CACHING_DISABLED,
            ALL_METHODS,
            PathPattern=path,
            OriginRequestPolicyId=ALL_VIEWER_EXCEPT_HOST,
        )
        for path in UNCACHED_PATHS
    ]
    bucket = [
        _behaviour(BUCKET_ORIGIN, CACHING_OPTIMIZED, ["GET", "HEAD"], PathPattern=path)
        for path in BUCKET_PATHS
    ]
    # The public API answers CORS by the request's Origin: it is part of that key.
    api = _behaviour(
        API_ORIGIN,
        {"Ref": "ApiCachePolicy"},
        ["GET", "HEAD", "OPTIONS"],
        PathPattern="/api/*",
    )
    return [*uncached, *bucket, api]


def _distribution(stage: str) -> dict[str, Any]:
    api_origin = {
        "Id": API_ORIGIN,
        "DomainName": {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"},
        # Viewers see the site at /, API Gateway serves it under its stage.
        "OriginPath": "/api",
        "CustomOriginConfig": {
            "OriginProtocolPolicy": "https-only",
            "OriginSSLProtocols": ["TLSv1.2"],
        },
        "OriginCustomHeaders": [
            {"HeaderName": ORIGIN_HEADER, "HeaderValue": {"Ref": "OriginSecret"}}
        ],
    }
    bucket_origin = {
        "Id": BUCKET_ORIGIN,
        "DomainName": {"Fn::GetAtt": ["ContentBucket", "RegionalDomainName"]},
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "OriginAccessControlId": {"Fn::GetAtt": ["ContentOriginAccessControl", "Id"]},
    }
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {
            "DistributionConfig": {
                "Comment": f"lambdapress {stage}",
                "Enabled": True,
                "HttpVersion": "http2and3",
                "IPV6Enabled": True,
                "Origins": [api_origin, bucket_origin],
                "DefaultCacheBehavior": _behaviour(
                    API_ORIGIN, {"Ref": "PageCachePolicy"}, ["GET", "HEAD"]
                ),
                "CacheBehaviors": _behaviours(),
                "Aliases": {
                    "Fn::If": ["HasDomain", {"Ref": "DomainNames"}, {"Ref": "AWS::NoValue"}]
                },
                "ViewerCertificate": {
                    "Fn::If": [
                        "HasDomain",
                        {
                            "AcmCertificateArn": {"Ref": "CertificateArn"},
                            "SslSupportMethod": "sni-only",
                            "MinimumProtocolVersion": "TLSv1.2_2021",
                        },
                        {"CloudFrontDefaultCertificate": True},
                    ]
                },
            }
        },
    }


def bucket_statement() -> dict[str, Any]:
    """The bucket policy's grant: only this distribution reads, and only media and static."""
    return {
        "Sid": "DistributionReadsMediaAndStatic",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": [{"Fn::Sub": f"${{ContentBucket.Arn}}{p[:-1]}*"} for p in BUCKET_PATHS],
        "Condition": {
            "StringEquals": {
                "AWS:SourceArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                    ":distribution/${Distribution}"
                }
            }
        },
    }


PARAMETERS: dict[str, Any] = {
    "OriginSecret": {
        "Type": "String",
        "NoEcho": True,
        "MinLength": 32,
        "Description": f"CloudFront sends it as {ORIGIN_HEADER}; the API checks it",
    },
    "DomainNames": {
        "Type": "CommaDelimitedList",
        "Default": "",
        "Description": "Optional custom domain names of the site, comma-separated",
    },
    "CertificateArn": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": r"^$|^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$",
        "Description": "ACM certificate for the domain names: it must be in us-east-1",
    },
}


def fragment(stage: str) -> dict[str, Any]:
    """The edge's parameters, conditions, rules, resources and outputs for one stage."""
    return {
        "Parameters": PARAMETERS,
        "Conditions": {"HasDomain": HAS_DOMAIN},
        "Rules": {
            "DomainNeedsCertificate": {
                "RuleCondition": HAS_DOMAIN,
                "Assertions": [
                    {
                        "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]},
                        "AssertDescription": "A custom domain needs CertificateArn (in us-east-1)",
                    }
                ],
            }
        },
        "Resources": {
            "PageCachePolicy": cache_policy(stage, "pages", []),
            "ApiCachePolicy": cache_policy(stage, "api", ["Origin"]),
            "EdgeHeadersPolicy": headers_policy(stage),
            "ContentOriginAccessControl": {
                "Type": "AWS::CloudFront::OriginAccessControl",
                "Properties": {
                    "OriginAccessControlConfig": {
                        "Name": name(stage, "content"),
                        "OriginAccessControlOriginType": "s3",
                        "SigningBehavior": "always",
                        "SigningProtocol": "sigv4",
                    }
                },
            },
            "Distribution": _distribution(stage),
            # The functions and the CLI read the id here to invalidate: the function's
            # environment cannot name the distribution (it is the API's own origin).
            "DistributionIdParameter": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": parameter_name(stage),
                    "Type": "String",
                    "Value": {"Ref": "Distribution"},
                    "Description": f"lambdapress {stage}: the CloudFront distribution's id",
                },
            },
        },
        "Outputs": {
            "SiteURL": {"Value": {"Fn::Sub": "https://${Distribution.DomainName}"}},
            "DistributionId": {
                "Description": "For invalidations after a publish or a moderation action",
                "Value": {"Ref": "Distribution"},
            },
            "CustomDomainTarget": {
                "Condition": "HasDomain",
                "Description": "Each domain name: a CNAME or Route 53 alias (A, AAAA) to this",
                "Value": {"Fn::GetAtt": ["Distribution", "DomainName"]},
            },
            "CustomDomainHostedZoneId": {
                "Condition": "HasDomain",
                "Description": "The hosted zone of a Route 53 alias record to the distribution",
                "Value": CLOUDFRONT_HOSTED_ZONE,
            },
        },
    }
