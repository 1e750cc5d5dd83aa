"""`make deployer STAGE=...`: what `make deploy` needs, created once per stage by an administrator.

The stack lambdapress-deployer-<stage> holds two things, both from documents in .chalice/:

- the managed policy lambdapress-deployer-<stage> (deployer-policy.json): everything
  `make deploy STAGE=<stage>` does with its caller's credentials (upload the artifacts, store
  the stage's secrets, create and execute change sets on lambdapress-<stage>), and passing
  the service role below to CloudFormation. Attach it to the user or role that deploys.
- the CloudFormation service role lambdapress-deployer-<stage>
  (deployer-service-role-policy.json): what CloudFormation needs to create, update and delete
  the stage's resources. `make deploy` names it on every change set, so the deploying
  identity itself cannot create roles, functions or distributions.

Both live under the IAM path /lambdapress-deployer/, which no stage's own resources match
(theirs are role/lambdapress-<stage>-...): the service role cannot change itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tools.deploy import outputs
from tools.infra import CHALICE_DIR, stage_name

DEPLOYER_POLICY = CHALICE_DIR / "deployer-policy.json"
SERVICE_ROLE_POLICY = CHALICE_DIR / "deployer-service-role-policy.json"
PATH = "/lambdapress-deployer/"


def stack_name(stage: str) -> str:
    """The bootstrap stack's name, which its role and its policy share."""
    return f"lambdapress-deployer-{stage}"


def policy(path: Any, stage: str) -> dict[str, Any]:
    """A policy document for one stage: `${Stage}` filled in, the `${AWS::...}` left to Fn::Sub."""
    document: dict[str, Any] = json.loads(path.read_text().replace("${Stage}", stage))
    return document


def _sub(value: Any) -> Any:
    if isinstance(value, str):
        return {"Fn::Sub": value} if "${" in value else value
    if isinstance(value, list):
        return [_sub(v) for v in value]
    if isinstance(value, dict):
        return {k: _sub(v) for k, v in value.items()}
    return value


def template(stage: str) -> dict[str, Any]:
    """The bootstrap stack: the deployer's managed policy and CloudFormation's service role."""
    name = stack_name(stage)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"What `make deploy STAGE={stage}` needs (lambdapress)",
        "Resources": {
            "ServiceRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": name,
                    "Path": PATH,
                    "Description": f"CloudFormation deploys the stack lambdapress-{stage}",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudformation.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                                },
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": f"lambdapress-{stage}-stack",
                            "PolicyDocument": _sub(policy(SERVICE_ROLE_POLICY, stage)),
                        }
                    ],
                },
            },
            "DeployerPolicy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "ManagedPolicyName": name,
                    "Path": PATH,
                    "Description": f"Attach to whoever runs make deploy STAGE={stage}",
                    "PolicyDocument": _sub(policy(DEPLOYER_POLICY, stage)),
                },
            },
        },
        "Outputs": {
            "ServiceRoleArn": {"Value": {"Fn::GetAtt": ["ServiceRole", "Arn"]}},
            "DeployerPolicyArn": {"Value": {"Ref": "DeployerPolicy"}},
        },
    }


def bootstrap(stage: str, session: Any) -> dict[str, str]:
    """Create or update the stage's bootstrap stack; return its outputs."""
    cfn = session.client("cloudformation")
    name = stack_name(stage)
    request = {
        "StackName": name,
        "TemplateBody": json.dumps(template(stage)),
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Tags": [{"Key": "app", "Value": "lambdapress"}, {"Key": "stage", "Value": stage}],
    }
    try:
        cfn.describe_stacks(StackName=name)
    except ClientError:
        cfn.create_stack(**request)
        cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 5})
        return outputs(cfn, name)
    try:
        cfn.update_stack(**request)
    except ClientError as exc:
        if "No updates are to be performed" not in str(exc):
            raise
        return outputs(cfn, name)
    cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig={"Delay": 5})
    return outputs(cfn, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", type=stage_name, required=True, help="dev, prod or another")
    args = parser.parse_args(argv)
    try:
        result = bootstrap(args.stage, boto3.Session())
    except (ClientError, BotoCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for key, value in sorted(result.items()):
        print(f"{key}: {value}")
    print(
        "\nNext: attach the policy to whoever deploys, for example\n"
        f"  aws iam attach-user-policy --user-name NAME --policy-arn {result['DeployerPolicyArn']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
