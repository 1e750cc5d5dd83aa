"""`make package STAGE=prod` builds offline what an operator deploys, and cfn-lint accepts it."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.comments import table as t
from chalicelib.comments.table import STATUS_INDEX, TTL_ATTRIBUTE
from tests.functional.comment_helpers import numbered_comment
from tools import edge_policies, infra


def test_cfn_lint_accepts_the_template(prod) -> None:
    _, out = prod
    lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(lint), str(out / "sam.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_bucket_is_private_encrypted_and_versioned(prod) -> None:
    bucket = prod[0]["Resources"]["ContentBucket"]
    props = bucket["Properties"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["DeletionPolicy"] == "Retain"
    policy = prod[0]["Resources"]["ContentBucketPolicy"]["Properties"]["PolicyDocument"]
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_table_is_the_one_the_code_defines_with_recovery_ttl_and_stream(prod) -> None:
    table = prod[0]["Resources"]["CommentsTable"]["Properties"]
    assert table["TableName"] == "lambdapress-prod-comments"
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == [STATUS_INDEX]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_the_stream_reports_failed_records_bisects_retries_a_few_times_then_queues(prod) -> None:
    resources = prod[0]["Resources"]
    source = resources["Notify"]["Properties"]["Events"]["NotifyDynamodbEventSource"]
    props = source["Properties"]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert 0 < props["MaximumRetryAttempts"] <= 10
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["NotifyFailures", "Arn"]
    }
    assert props["BatchSize"] == 100  # Chalice's own, kept by the merge
    assert props["StartingPosition"]
    assert resources["NotifyFailures"]["Type"] == "AWS::SQS::Queue"


def test_the_stream_invokes_the_notification_function_for_comment_items_only(prod) -> None:
    """Lambda's event filter passes a record when its sort key starts with the pattern's
    prefix: exactly the records the handler acts on (a comment's), never a counter's, a
    stored first page's (up to 300 KB, twice in its record) or a guard's."""
    source = prod[0]["Resources"]["Notify"]["Properties"]["Events"]["NotifyDynamodbEventSource"]
    (only,) = source["Properties"]["FilterCriteria"]["Filters"]
    pattern = json.loads(only["Pattern"])
    (rule,) = pattern["dynamodb"]["Keys"]["SK"]["S"]
    comment = numbered_comment(1, "pending")
    keys = [
        t.comment_key(comment),
        t.approved_key(comment.post, comment.path),
        t.count_key(comment.post),
        t.first_page_key(comment.post),
        t.duplicate_key(comment.post, "digest"),
        t.pointer_key(comment.id),
        t.status_counts_key(),
        t.rate_key("client"),
    ]
    for key in keys:
        record = {
            "eventName": "INSERT",
            "dynamodb": {"Keys": key, "NewImage": {**t.comment_item(comment), **key}},
        }
        passes = key["SK"]["S"].startswith(rule["prefix"])
        assert passes == (t.stream_change(record) is not None), key
    assert sum(k["SK"]["S"].startswith(rule["prefix"]) for k in keys) == 2


def test_functions_run_on_arm64_with_timeouts_inside_api_gateways(prod) -> None:
    resources = prod[0]["Resources"]
    api, notify = resources["APIHandler"]["Properties"], resources["Notify"]["Properties"]
    assert api["Architectures"] == notify["Architectures"] == ["arm64"]
    assert api["Timeout"] < 29  # API Gateway gives up at 29 s
    assert api["FunctionName"] == "lambdapress-prod-api"
    env = api["Environment"]["Variables"]
    assert env["BLOG_BUCKET"] == {"Ref": "ContentBucket"}
    assert env["BLOG_TABLE"] == {"Ref": "CommentsTable"}
    assert env["BLOG_SECRET_KEY_PARAMETER"] == "/lambdapress-prod/secret-key"  # SSM
    stream = notify["Events"]["NotifyDynamodbEventSource"]["Properties"]["Stream"]
    assert stream == {"Fn::GetAtt": ["CommentsTable", "StreamArn"]}
    assert resources["RestAPI"]["Properties"]["EndpointConfiguration"] == "REGIONAL"
    assert prod[0]["Parameters"]["OriginSecret"]["NoEcho"] is True


def test_functions_run_on_python_3_13_and_the_bundle_carries_its_binaries(prod) -> None:
    resources = prod[0]["Resources"]
    runtimes = {
        resources[logical_id]["Properties"]["Runtime"] for logical_id, _ in infra.FUNCTIONS.values()
    }
    assert runtimes == {"python3.13"}  # Lambda deprecates python3.11 on 2027-06-30
    with zipfile.ZipFile(prod[1] / "deployment.zip") as zf:
        extensions = [n for n in zf.namelist() if n.endswith(".so") and "abi3" not in n]
    assert extensions, "no version-specific compiled modules (PyYAML, MarkupSafe) in the bundle"
    assert all(n.endswith(".cpython-313-aarch64-linux-gnu.so") for n in extensions), extensions


def test_the_bundle_carries_arm64_binaries(prod) -> None:
    with zipfile.ZipFile(prod[1] / "deployment.zip") as zf:
        nh3 = zf.read("nh3/nh3.abi3.so")
    assert nh3[:4] == b"\x7fELF"
    assert struct.unpack("<H", nh3[18:20])[0] == 183  # EM_AARCH64


def test_each_role_carries_its_stages_hand_written_policy(prod) -> None:
    for function, (_, role_id) in infra.FUNCTIONS.items():
        (policy,) = prod[0]["Resources"][role_id]["Properties"]["Policies"]
        expected = infra.load_policy("prod", function)
        resources = [
            r["Fn::Sub"] for s in policy["PolicyDocument"]["Statement"] for r in s["Resource"]
        ]
        assert resources == [r for s in expected["Statement"] for r in s["Resource"]]


def distribution(template: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = template["Resources"]["Distribution"]["Properties"]
    return config["DistributionConfig"]


def behaviour(template: dict[str, Any], path: str) -> dict[str, Any]:
    config = distribution(template)
    if path == "default":
        return config["DefaultCacheBehavior"]  # type: ignore[no-any-return]
    (found,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == path]
    return found  # type: ignore[no-any-return]


def cache_key(template: dict[str, Any], ref: dict[str, str]) -> dict[str, Any]:
    policy = template["Resources"][ref["Ref"]]["Properties"]["CachePolicyConfig"]
    return policy  # type: ignore[no-any-return]


@pytest.mark.parametrize("stage", infra.STAGES)
def test_every_stage_has_a_distribution_in_front_of_its_api(stage: str) -> None:
    template = infra.merge_template(stage)
    api, bucket = distribution(template)["Origins"]
    assert api["DomainName"] == {
        "Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }
    assert api["OriginPath"] == "/api"
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert bucket["DomainName"] == {"Fn::GetAtt": ["ContentBucket", "RegionalDomainName"]}


def test_viewers_get_https_http2_and_http3_and_compressed_answers(prod) -> None:
    config = distribution(prod[0])
    assert config["HttpVersion"] == "http2and3"
    for b in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert b["ViewerProtocolPolicy"] == "redirect-to-https"
        assert b["Compress"] is True
        assert b["ResponseHeadersPolicyId"] == {"Ref": "EdgeHeadersPolicy"}


def test_every_answer_carries_hsts(prod) -> None:
    policy = prod[0]["Resources"]["EdgeHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    hsts = policy["SecurityHeadersConfig"]["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000
    assert hsts["Override"] is True


def test_pages_are_cached_as_the_origin_says_keyed_on_page_query_strings_only(prod) -> None:
    page = behaviour(prod[0], "default")
    assert page["TargetOriginId"] == "api"
    assert page["AllowedMethods"] == ["GET", "HEAD"]
    assert "OriginRequestPolicyId" not in page
    policy = cache_key(prod[0], page["CachePolicyId"])
    assert (policy["MinTTL"], policy["DefaultTTL"]) == (0, 0)  # Cache-Control decides
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert key["QueryStringsConfig"]["QueryStringBehavior"] == "whitelist"
    assert set(key["QueryStringsConfig"]["QueryStrings"]) == {
        "page",
        "cursor",
        "comments",
        "replytocom",
        "unapproved",
        "moderation-hash",
    }


def test_the_public_api_is_cached_per_cors_origin_without_cookies(prod) -> None:
    api = behaviour(prod[0], "/api/*")
    key = cache_key(prod[0], api["CachePolicyId"])["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Origin"]}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}


@pytest.mark.parametrize(
    "path",
    ["/admin*", "/api/admin*", "/posts/*/comments", "/api/posts/*/comments", "/comments/*"],
)
def test_admin_and_comment_posts_are_never_cached_and_get_the_whole_request(prod, path) -> None:
    config = distribution(prod[0])
    patterns = [b["PathPattern"] for b in config["CacheBehaviors"]]
    # CloudFront takes the first match: these come before the cached /api/*.
    assert patterns.index(path) < patterns.index("/api/*")
    uncached = behaviour(prod[0], path)
    assert uncached["TargetOriginId"] == "api"
    assert uncached["CachePolicyId"] == edge_policies.CACHING_DISABLED
    # Managed AllViewerExceptHostHeader: Authorization (allowed with caching disabled),
    # cookies, query strings and CloudFront-Viewer-Address, but API Gateway's own Host.
    assert uncached["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert {"POST", "PATCH", "DELETE", "GET"} <= set(uncached["AllowedMethods"])


@pytest.mark.parametrize("path", ["/media/*", "/static/*"])
def test_media_and_static_come_from_the_private_bucket_through_oac(prod, path) -> None:
    served = behaviour(prod[0], path)
    assert served["TargetOriginId"] == "content"
    assert served["AllowedMethods"] == ["GET", "HEAD"]
    (bucket,) = [o for o in distribution(prod[0])["Origins"] if o["Id"] == "content"]
    assert bucket["OriginAccessControlId"] == {"Fn::GetAtt": ["ContentOriginAccessControl", "Id"]}
    assert bucket["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = prod[0]["Resources"]["ContentOriginAccessControl"]["Properties"]
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"


def test_the_bucket_admits_only_the_distribution_and_only_media_and_static(prod) -> None:
    policy = prod[0]["Resources"]["ContentBucketPolicy"]["Properties"]["PolicyDocument"]
    (read,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    assert read["Resource"] == [
        {"Fn::Sub": "${ContentBucket.Arn}/media/*"},
        {"Fn::Sub": "${ContentBucket.Arn}/static/*"},
    ]
    source = read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${Distribution}")
    assert set(
        prod[0]["Resources"]["ContentBucket"]["Properties"][
            "PublicAccessBlockConfiguration"
        ].values()
    ) == {True}


def test_a_custom_domain_is_optional_with_a_us_east_1_certificate(prod) -> None:
    template = prod[0]
    config = distribution(template)
    assert config["Aliases"] == {
        "Fn::If": ["HasDomain", {"Ref": "DomainNames"}, {"Ref": "AWS::NoValue"}]
    }
    with_domain, without = config["ViewerCertificate"]["Fn::If"][1:]
    assert with_domain["AcmCertificateArn"] == {"Ref": "CertificateArn"}
    assert with_domain["SslSupportMethod"] == "sni-only"
    assert without == {"CloudFrontDefaultCertificate": True}
    assert config["ViewerCertificate"]["Fn::If"][0] == "HasDomain"
    params = template["Parameters"]
    assert params["DomainNames"] == {**params["DomainNames"], "Type": "CommaDelimitedList"}
    assert params["DomainNames"]["Default"] == ""
    assert "us-east-1" in params["CertificateArn"]["Description"]
    assert ":acm:us-east-1:" in params["CertificateArn"]["AllowedPattern"]
    assert "ApiDomain" not in template["Resources"]  # the domain is the distribution's


def test_the_outputs_name_the_dns_record_to_create(prod) -> None:
    outputs = prod[0]["Outputs"]
    assert outputs["CustomDomainTarget"]["Value"] == {"Fn::GetAtt": ["Distribution", "DomainName"]}
    assert outputs["CustomDomainHostedZoneId"]["Value"] == "Z2FDTNDATAQYW2"
    assert outputs["CustomDomainTarget"]["Condition"] == "HasDomain"
    assert outputs["SiteURL"]["Value"] == {"Fn::Sub": "https://${Distribution.DomainName}"}
    assert outputs["DistributionId"]["Value"] == {"Ref": "Distribution"}


def test_cloudfront_proves_itself_to_the_api_with_a_secret_header(prod) -> None:
    template = prod[0]
    (api,) = [o for o in distribution(template)["Origins"] if o["Id"] == "api"]
    assert api["OriginCustomHeaders"] == [
        {"HeaderName": "X-Origin-Verify", "HeaderValue": {"Ref": "OriginSecret"}}
    ]
    assert template["Parameters"]["OriginSecret"]["NoEcho"] is True
    assert template["Parameters"]["OriginSecret"]["MinLength"] >= 32
    api_env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert api_env["BLOG_ORIGIN_SECRET"] == {"Ref": "OriginSecret"}
    notify_env = template["Resources"]["Notify"]["Properties"]["Environment"]["Variables"]
    assert "BLOG_ORIGIN_SECRET" not in notify_env


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def watched(alarm: dict[str, Any]) -> tuple[str, str, str]:
    """(namespace, metric, what): an API's name or a function's logical id."""
    value = alarm["Dimensions"][0]["Value"]
    return (
        alarm["Namespace"],
        alarm["MetricName"],
        value["Ref"] if isinstance(value, dict) else value,
    )


def test_alarms_watch_the_api_each_function_and_the_stream(prod) -> None:
    found = {watched(a) for a in alarms(prod[0]).values()}
    assert found == {
        ("AWS/ApiGateway", "5XXError", "lambdapress-prod"),
        ("AWS/Lambda", "Errors", "APIHandler"),
        ("AWS/Lambda", "Throttles", "APIHandler"),
        ("AWS/Lambda", "Errors", "Notify"),
        ("AWS/Lambda", "Throttles", "Notify"),
        ("AWS/Lambda", "IteratorAge", "Notify"),
    }
    # API Gateway's metrics are keyed on the API's name: one per stage.
    assert prod[0]["Resources"]["RestAPI"]["Properties"]["Name"] == "lambdapress-prod"


def test_alarms_email_through_a_topic_only_when_an_address_is_given(prod) -> None:
    template = prod[0]
    topic = template["Resources"]["AlarmTopic"]
    assert topic["Condition"] == "HasAlarmEmail"
    assert topic["Properties"]["Subscription"] == [
        {"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}
    ]
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    for alarm in alarms(template).values():
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]
        }


def test_the_distribution_id_is_in_the_ssm_parameter_the_code_reads(prod) -> None:
    from chalicelib.edge_cache import parameter_name

    parameter = prod[0]["Resources"]["DistributionIdParameter"]["Properties"]
    assert parameter["Name"] == parameter_name("prod") == "/lambdapress-prod/distribution-id"
    assert parameter["Value"] == {"Ref": "Distribution"}


def test_the_site_may_invalidate_only_its_distribution_by_a_policy_of_its_own(prod) -> None:
    resources = prod[0]["Resources"]
    edge = resources["ApiEdgePolicy"]
    assert edge["Type"] == "AWS::IAM::Policy"
    assert edge["Properties"]["Roles"] == [{"Ref": "ApiHandlerRole"}]
    grants = {
        action: [r["Fn::Sub"] for r in s["Resource"]]
        for s in edge["Properties"]["PolicyDocument"]["Statement"]
        for action in s["Action"]
    }
    assert grants == {
        "cloudfront:CreateInvalidation": [
            "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
        ],
        "ssm:GetParameter": [
            "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}"
            ":parameter/${AWS::StackName}/distribution-id"
        ],
    }
    # The role itself never names the distribution: that would be a dependency cycle.
    assert "Distribution" not in json.dumps(resources["ApiHandlerRole"])
    assert "Distribution" not in json.dumps(resources["NotifyRole"])
