"""Least privilege for deploying: the deployer's policy allows exactly what `make deploy` calls,
and CloudFormation's service role may create exactly the kinds of resource the template has."""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from tests import deployer_iam
from tools import deploy, deployer

REGION = "eu-west-1"
SECRETS = {"BLOG_ADMIN_TOKEN": "t" * 30, "BLOG_SECRET_KEY": "s" * 40}
# Statements whose resources cannot name the stage: ids the service makes up (API Gateway,
# CloudFront, event source mappings) or reads that authorise against every resource.
ACCOUNT_WIDE = {
    "CreateTheStreamMapping",  # Resource "*", but only for the stage's functions (Condition)
    "StreamMappings",
    "ListLogGroups",
    "ReadLogResourcePolicies",
    "RestApis",
    "Distributions",
}


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def packaged(build: Path, stage: str) -> None:
    """A build folder as `make package` leaves it, with a template moto can deploy."""
    folder = build / stage
    folder.mkdir(parents=True)
    (folder / "deployment.zip").write_bytes(b"PK bundle")
    template = {
        "Parameters": {name: {"Type": "String", "Default": ""} for name in deploy.PARAMETERS},
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"lp-{stage}"}}
        },
    }
    (folder / "sam.json").write_text(json.dumps(template))


def recording_session() -> tuple[Any, list[tuple[str, str, dict[str, Any]]]]:
    calls: list[tuple[str, str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        calls.append((model.service_model.service_name, model.name, copy.deepcopy(params)))

    session = boto3.Session(region_name=REGION)
    session.events.register("before-parameter-build", record)
    return session, calls


@pytest.fixture
def bootstrapped(aws, monkeypatch, tmp_path) -> dict[str, str]:
    """An administrator ran `make deployer STAGE=qa`; `make package STAGE=qa` ran."""
    monkeypatch.setattr(deploy, "BUILD", tmp_path)
    packaged(tmp_path, "qa")
    return deployer.bootstrap("qa", boto3.Session(region_name=REGION))


def test_the_deployer_policy_allows_exactly_what_make_deploy_calls(bootstrapped) -> None:
    session, calls = recording_session()
    deploy.deploy("qa", session, SECRETS)  # the first: secrets stored, bucket and stack created
    deploy.deploy("qa", session, {})  # a later one: secrets and bucket kept, stack updated
    needed = set().union(*(deployer_iam.required("qa", *call) for call in calls))
    operations = {(service, operation) for service, operation, _ in calls}
    assert {("cloudformation", "ExecuteChangeSet"), ("s3", "CreateBucket")} <= operations
    assert {("ssm", "PutParameter"), ("ssm", "GetParameter")} <= operations
    policy = deployer_iam.allowed(load(deployer.DEPLOYER_POLICY))
    assert deployer_iam.problems(policy, needed) == []


def test_every_change_set_acts_as_the_service_role_the_bootstrap_made(bootstrapped) -> None:
    session, calls = recording_session()
    deploy.deploy("qa", session, SECRETS)
    roles = {p.get("RoleARN") for _, op, p in calls if op == "CreateChangeSet"}
    assert roles == {bootstrapped["ServiceRoleArn"]}
    trust = boto3.client("iam").get_role(RoleName="lambdapress-deployer-qa")["Role"]
    principal = trust["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "cloudformation.amazonaws.com"}


def test_the_bootstrap_stack_holds_the_two_documents_for_its_stage(bootstrapped) -> None:
    iam = boto3.client("iam")
    arn = bootstrapped["DeployerPolicyArn"]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    text = json.dumps(document["Document"])
    assert "parameter/lambdapress-qa/secret-key" in text
    assert f"arn:aws:s3:::lambdapress-artifacts-{DEFAULT_ACCOUNT_ID}-{REGION}/qa/*" in text
    assert "${" not in text
    inline = iam.get_role_policy(
        RoleName="lambdapress-deployer-qa", PolicyName="lambdapress-qa-stack"
    )
    text = json.dumps(inline["PolicyDocument"])
    assert "table/lambdapress-qa-comments" in text and "${" not in text
    # A second run changes nothing and says so without failing.
    assert deployer.bootstrap("qa", boto3.Session(region_name=REGION)) == bootstrapped


def test_a_deploy_without_the_service_role_says_who_creates_it(aws, monkeypatch, tmp_path):
    monkeypatch.setattr(deploy, "BUILD", tmp_path)
    packaged(tmp_path, "qa")
    session = boto3.Session(region_name=REGION)

    def refused(**kwargs: Any) -> tuple[Any, dict[str, Any]]:
        role = deploy.service_role_arn("aws", DEFAULT_ACCOUNT_ID, "qa")
        error = {"Code": "ValidationError", "Message": f"Role {role} is invalid"}
        return SimpleNamespace(status_code=400), {"Error": error, "ResponseMetadata": {}}

    session.events.register("before-call.cloudformation.CreateChangeSet", refused)
    with pytest.raises(deploy.DeployError, match="make deployer STAGE=qa"):
        deploy.deploy("qa", session, SECRETS)


def test_the_check_fails_when_deploy_calls_what_the_policy_lacks() -> None:
    policy = deployer_iam.allowed(load(deployer.DEPLOYER_POLICY))
    other = deployer_iam.required("qa", "ssm", "PutParameter", {"Name": "/lambdapress-prod/x"})
    assert deployer_iam.problems(policy, policy | other) == [
        "not allowed: ('ssm:PutParameter', \"another stage's\")"
    ]
    delete = deployer_iam.required("qa", "cloudformation", "DeleteStack", {"StackName": "x"})
    assert "not allowed: ('cloudformation:DeleteStack', 'another stack')" in (
        deployer_iam.problems(policy, policy | delete)
    )
    assert deployer_iam.problems(policy, policy - {("s3:CreateBucket", "artifacts bucket")}) == [
        "allowed but never used: ('s3:CreateBucket', 'artifacts bucket')"
    ]


def test_the_service_role_may_do_what_each_resource_type_in_the_template_needs(prod) -> None:
    template, _ = prod
    assert template["Transform"] == "AWS::Serverless-2016-10-31"  # the one the deployer may use
    types = deployer_iam.cfn_types(template)
    assert {"AWS::Lambda::EventSourceMapping", "AWS::CloudFront::Distribution"} <= types
    granted = deployer_iam.granted_actions(load(deployer.SERVICE_ROLE_POLICY))
    needed = deployer_iam.service_role_needs(types)
    assert deployer_iam.problems(granted, needed) == []
    # Every exclusion still excludes something a handler of this template may call.
    handlers = set().union(*(deployer_iam.handler_permissions(t) for t in types))
    for reason, patterns in deployer_iam.UNUSED.items():
        for pattern in patterns:
            assert any(re.search(pattern, a) for a in handlers), (reason, pattern)


def test_a_new_kind_of_resource_fails_the_check_until_the_role_may_create_it(prod) -> None:
    template = copy.deepcopy(prod[0])
    template["Resources"]["Schedule"] = {"Type": "AWS::Events::Rule", "Properties": {}}
    granted = deployer_iam.granted_actions(load(deployer.SERVICE_ROLE_POLICY))
    needed = deployer_iam.service_role_needs(deployer_iam.cfn_types(template))
    assert "not allowed: events:PutRule" in deployer_iam.problems(granted, needed)
    template["Resources"]["Schedule"]["Type"] = "AWS::Serverless::StateMachine"
    with pytest.raises(AssertionError, match="what does SAM make of"):
        deployer_iam.cfn_types(template)


@pytest.mark.parametrize("stage", ["qa", "deployer", "prod"])
def test_the_service_role_is_confined_to_its_stage_and_cannot_change_itself(stage) -> None:
    document = deployer.policy(deployer.SERVICE_ROLE_POLICY, stage)
    own_role = deploy.service_role_arn("${AWS::Partition}", "${AWS::AccountId}", stage)
    for statement in document["Statement"]:
        assert all("*" not in a for a in statement["Action"]), statement
        for resource in statement["Resource"]:
            if any(a.startswith("iam:") for a in statement["Action"]):
                assert not fnmatch.fnmatchcase(own_role, resource), resource
            if statement["Sid"] in ACCOUNT_WIDE:
                continue
            # Names the stage (its resources, or its folder of artifacts) ...
            marks = [m for m in (f"lambdapress-{stage}", f"/{stage}/") if m in resource]
            assert marks, (statement["Sid"], resource)
            # ... and no other, not even one whose name starts with this one's.
            other = resource.replace(marks[0], marks[0].replace(stage, f"{stage}x"))
            assert not fnmatch.fnmatchcase(other.replace("*", "any"), resource), resource


def test_the_deployers_policy_names_only_its_stage_and_no_wildcard_action() -> None:
    for statement in deployer.policy(deployer.DEPLOYER_POLICY, "qa")["Statement"]:
        assert all("*" not in a for a in statement["Action"]), statement
        assert all(r != "*" for r in statement["Resource"]), statement


def test_the_policies_fit_iams_size_limits() -> None:
    # Non-whitespace characters: 10,240 for a role's inline policies, 6,144 for a managed one.
    stage = "a" * 12  # the longest stage name
    role = json.dumps(deployer.policy(deployer.SERVICE_ROLE_POLICY, stage), separators=(",", ":"))
    managed = json.dumps(deployer.policy(deployer.DEPLOYER_POLICY, stage), separators=(",", ":"))
    assert len(role) < 10240 and len(managed) < 6144


def test_cfn_lint_accepts_the_bootstrap_template(tmp_path) -> None:
    path = tmp_path / "deployer.json"
    path.write_text(json.dumps(deployer.template("prod")))
    lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(lint), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
