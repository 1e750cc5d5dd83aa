"""`make deploy STAGE=...`: put build/<stage>/ into the AWS account of your credentials.

1. an artifacts bucket (lambdapress-artifacts-<account>-<region>, private, encrypted)
   receives the bundle and the template;
2. a CloudFormation change set creates or updates the stack lambdapress-<stage> as the
   service role that `make deployer` made (the caller needs .chalice/deployer-policy.json);
3. the stack's outputs are printed: the site's URL, the bucket, the table.

Secrets come from the environment, never from files: BLOG_ADMIN_TOKEN and
BLOG_SECRET_KEY are required for the first deployment and kept by later ones when
unset. They are put into SSM Parameter Store as SecureString parameters
(/lambdapress-<stage>/admin-token and /secret-key; CloudFormation cannot create
SecureStrings) before the stack is deployed; the function reads them, never its
configuration. BLOG_ORIGIN_SECRET (the header CloudFront sends to API Gateway) is generated
on the first deployment when unset, and kept. Optional: BLOG_NOTIFY_FROM and
BLOG_NOTIFY_IDENTITY (SES), BLOG_DOMAIN_NAMES (comma-separated) and
BLOG_CERTIFICATE_ARN (in us-east-1) for a custom domain, BLOG_ALARM_EMAIL.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from chalicelib.settings import parameter_names
from tools.infra import BUILD, stage_name

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
PARAMETERS = {
    "NotifyFrom": "BLOG_NOTIFY_FROM",
    "NotifyIdentity": "BLOG_NOTIFY_IDENTITY",
    "OriginSecret": "BLOG_ORIGIN_SECRET",
    "DomainNames": "BLOG_DOMAIN_NAMES",
    "CertificateArn": "BLOG_CERTIFICATE_ARN",
    "AlarmEmail": "BLOG_ALARM_EMAIL",
}
# Secrets in SSM, by variable: the shortest value accepted.
SECRET_MIN_LENGTH = {"BLOG_ADMIN_TOKEN": 24, "BLOG_SECRET_KEY": 32}
# Only CloudFront and the function need to know it: made up when the stack has none.
GENERATED = ("OriginSecret",)


class DeployError(Exception):
    """Reported in one line; nothing half-done is left behind."""


def stack_name(stage: str) -> str:
    return f"lambdapress-{stage}"


def artifacts_bucket(account: str, region: str) -> str:
    return f"lambdapress-artifacts-{account}-{region}"


def service_role_arn(partition: str, account: str, stage: str) -> str:
    """CloudFormation's role for the stage's stack, made by `make deployer` (tools/deployer.py)."""
    return f"arn:{partition}:iam::{account}:role/lambdapress-deployer/lambdapress-deployer-{stage}"


def with_code_location(template: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """The template with every function's CodeUri pointing at the uploaded bundle."""
    result = copy.deepcopy(template)
    for resource in result["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = {"Bucket": bucket, "Key": key}
    return result


def parameters(
    env: dict[str, str], stack_exists: bool, previous: set[str] | None = None
) -> list[dict[str, Any]]:
    """Stack parameters from the environment; on updates, unset ones keep their value.

    `previous` names the deployed stack's parameters (all of them when not given): one
    that a newer template added has no previous value to keep.
    """
    if env.get("BLOG_DOMAIN_NAME") and not env.get("BLOG_DOMAIN_NAMES"):
        raise DeployError(
            "BLOG_DOMAIN_NAME is now BLOG_DOMAIN_NAMES (comma-separated); the domain is "
            "served by CloudFront, so BLOG_CERTIFICATE_ARN must be a certificate in us-east-1"
        )
    kept = (set(PARAMETERS) if previous is None else previous) if stack_exists else set()
    result: list[dict[str, Any]] = []
    for name, variable in PARAMETERS.items():
        value = env.get(variable, "")
        if value:
            result.append({"ParameterKey": name, "ParameterValue": value})
        elif name in kept:
            result.append({"ParameterKey": name, "UsePreviousValue": True})
        elif name in GENERATED:
            result.append({"ParameterKey": name, "ParameterValue": secrets.token_urlsafe(48)})
    return result


def put_secrets(ssm: Any, stage: str, env: dict[str, str]) -> list[str]:
    """Put the secrets set in `env` into their SSM SecureString parameters; an unset one must
    be there already (from an earlier deployment). Returns the parameters written."""
    written = []
    for variable, name in parameter_names(stage).items():
        value = env.get(variable, "")
        if value:
            if len(value) < SECRET_MIN_LENGTH[variable]:
                raise DeployError(
                    f"{variable} must be at least {SECRET_MIN_LENGTH[variable]} characters"
                )
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
            written.append(name)
            continue
        try:
            ssm.get_parameter(Name=name)
        except ssm.exceptions.ParameterNotFound:
            raise DeployError(
                f"{variable} must be set for the first deployment of {stage} "
                f"(for example: export {variable}=$(python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'))"
            ) from None
    return written


def ensure_bucket(s3: Any, name: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
        return
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
    kwargs: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def upload_artifacts(s3: Any, bucket: str, build: Path, stage: str) -> str:
    """Upload the bundle (content-addressed) and the template; return the template's URL."""
    bundle = (build / "deployment.zip").read_bytes()
    key = f"{stage}/{hashlib.sha256(bundle).hexdigest()}.zip"
    s3.put_object(Bucket=bucket, Key=key, Body=bundle)
    template = with_code_location(json.loads((build / "sam.json").read_text()), bucket, key)
    template_key = f"{stage}/template-{hashlib.sha256(bundle).hexdigest()[:16]}.json"
    s3.put_object(Bucket=bucket, Key=template_key, Body=json.dumps(template).encode())
    return f"https://{bucket}.s3.amazonaws.com/{template_key}"


def deploy(stage: str, session: Any, env: dict[str, str]) -> dict[str, str]:
    build = BUILD / stage
    if not (build / "sam.json").exists():
        raise DeployError(f"{build}/sam.json is missing: run make package STAGE={stage}")
    identity = session.client("sts").get_caller_identity()
    account, partition = identity["Account"], identity["Arn"].split(":")[1]
    region = session.region_name
    if not region:
        raise DeployError("no AWS region: set AWS_REGION (or a region in your profile)")
    s3, cfn = session.client("s3"), session.client("cloudformation")
    for name in put_secrets(session.client("ssm"), stage, env):
        print(f"stored {name} (SSM SecureString)")
    bucket = artifacts_bucket(account, region)
    ensure_bucket(s3, bucket, region)
    template_url = upload_artifacts(s3, bucket, build, stage)
    name = stack_name(stage)
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        exists, previous = True, {p["ParameterKey"] for p in stack.get("Parameters", [])}
    except ClientError:
        exists, previous = False, set()
    change_set = f"deploy-{int(time.time())}"
    role = service_role_arn(partition, account, stage)
    try:
        cfn.create_change_set(
            StackName=name,
            ChangeSetName=change_set,
            ChangeSetType="UPDATE" if exists else "CREATE",
            TemplateURL=template_url,
            Parameters=parameters(env, exists, previous),
            Capabilities=CAPABILITIES,
            RoleARN=role,
            Tags=[{"Key": "app", "Value": "lambdapress"}, {"Key": "stage", "Value": stage}],
        )
    except ClientError as exc:
        if role in str(exc) or "iam:PassRole" in str(exc):
            message = f"{exc}; an administrator creates the role once: make deployer STAGE={stage}"
            raise DeployError(message) from None
        raise
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=change_set, WaiterConfig={"Delay": 5}
        )
    except Exception:
        reason = cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
        status_reason = reason.get("StatusReason", "")
        if "didn't contain changes" in status_reason or "No updates" in status_reason:
            print("The stack is already up to date.")
            return outputs(cfn, name)
        raise DeployError(f"the change set failed: {status_reason}") from None
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    waiter = "stack_update_complete" if exists else "stack_create_complete"
    cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 10, "MaxAttempts": 180})
    return outputs(cfn, name)


def outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", type=stage_name, required=True, help="dev, prod or another")
    args = parser.parse_args(argv)
    try:
        result = deploy(args.stage, boto3.Session(), dict(os.environ))
    except NoCredentialsError:
        print(
            "error: no AWS credentials: configure a profile (AWS_PROFILE) or keys", file=sys.stderr
        )
        return 1
    except (DeployError, ClientError, BotoCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for key, value in sorted(result.items()):
        print(f"{key}: {value}")
    print(f'\nNext: publish the content: make cli ARGS="--stage {args.stage} publish"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
