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

from chalicelib.comments import STATUS_INDEX, TTL_ATTRIBUTE
from tools import infra


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = infra.package("prod", out=tmp_path_factory.mktemp("build") / "prod")
    return json.loads((out / "sam.json").read_text()), out


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


def test_functions_run_on_arm64_with_timeouts_inside_api_gateways(prod) -> None:
    resources = prod[0]["Resources"]
    api, notify = resources["APIHandler"]["Properties"], resources["Notify"]["Properties"]
    assert api["Architectures"] == notify["Architectures"] == ["arm64"]
    assert api["Timeout"] < 29  # API Gateway gives up at 29 s
    assert api["FunctionName"] == "lambdapress-prod-api"
    env = api["Environment"]["Variables"]
    assert env["BLOG_BUCKET"] == {"Ref": "ContentBucket"}
    assert env["BLOG_TABLE"] == {"Ref": "CommentsTable"}
    assert env["BLOG_SECRET_KEY"] == {"Ref": "SecretKey"}
    stream = notify["Events"]["NotifyDynamodbEventSource"]["Properties"]["Stream"]
    assert stream == {"Fn::GetAtt": ["CommentsTable", "StreamArn"]}
    assert resources["RestAPI"]["Properties"]["EndpointConfiguration"] == "REGIONAL"
    for name in ("AdminToken", "SecretKey"):
        assert prod[0]["Parameters"][name]["NoEcho"] is True


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


def test_a_custom_domain_maps_the_site_without_the_stage_prefix(prod) -> None:
    resources = prod[0]["Resources"]
    assert resources["ApiBasePathMapping"]["Condition"] == "HasDomain"
    assert resources["ApiBasePathMapping"]["Properties"]["Stage"] == "api"
    assert "BasePath" not in resources["ApiBasePathMapping"]["Properties"]
    assert resources["ApiDomain"]["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
