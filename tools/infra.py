"""Deployable artifacts: Chalice's SAM template merged with the bucket, the table and the roles.

`python -m tools.infra package --stage prod` (what `make package STAGE=prod` runs):
  1. writes build/<stage>/resources.json, the merge template, generated here from the
     same table definition the tests and `make run` use;
  2. runs `chalice package --merge-template` offline, from the wheels in .wheelhouse/;
  3. leaves build/<stage>/{sam.json,deployment.zip}, which `make deploy` deploys and CI
     lints with cfn-lint.

Why `--merge-template`: it keeps Chalice's own packaging (routes, API Gateway, the
stream's event source, per-function roles) and adds plain CloudFormation beside it,
linted by the tool CloudFormation users already run; no CDK toolchain (Node.js) is
needed to build or deploy.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from chalicelib.comments.table import TTL_ATTRIBUTE, table_definition
from chalicelib.settings import STAGE_RE, parameter_names, stage_names
from tools import alarms_template, bundle_templates, bytecode, edge_template, notify_template

ROOT = Path(__file__).resolve().parent.parent
CHALICE_DIR = ROOT / ".chalice"
BUILD = ROOT / "build"
# Any name that settings.STAGE_RE accepts works; these two are the usual ones (and tested).
STAGES = ("dev", "prod")
# Chalice's logical ids for the two functions and their roles.
FUNCTIONS = {"api": ("APIHandler", "ApiHandlerRole"), "notify": ("Notify", "NotifyRole")}
LOG_RETENTION_DAYS = 30
# Chalice writes the runtime of the Python that runs it (python3.13) into the template, and
# the Makefile fetches the bundle's wheels for this version: packaging on another is refused.
LAMBDA_PYTHON = (3, 13)


def names(stage: str) -> dict[str, str]:
    """Resource names, derivable from the stage (and for the bucket, account and region)."""
    return {
        **stage_names(stage),
        "api": f"lambdapress-{stage}-api",
        "notify": f"lambdapress-{stage}-notify",
    }


def stage_name(value: str) -> str:
    """argparse type: a stage name that fits every resource name made from it."""
    if not STAGE_RE.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a stage name: a lowercase letter, then up to 11 letters or digits"
        )
    return value


def policy_path(function: str) -> Path:
    suffix = "" if function == "api" else f"-{function}"
    return CHALICE_DIR / f"policy{suffix}.json"


def load_policy(stage: str, function: str) -> dict[str, Any]:
    """A role's policy, one for every stage: `${...}` in resources name the stage's resources
    (Fn::Sub syntax; `${AWS::StackName}` is lambdapress-<stage>)."""
    policy: dict[str, Any] = json.loads(policy_path(function).read_text())
    return policy


def edge_policy_path(stage: str) -> Path:
    """One for every stage, like the functions' policies (`${AWS::StackName}` names it)."""
    return CHALICE_DIR / "policy-edge.json"


def role_policy(stage: str, function: str) -> dict[str, Any]:
    """Everything a function's role may do: its policy, and for the site's function the
    edge's grants (a policy of its own in the template, see `_edge_policy`)."""
    policy = load_policy(stage, function)
    if function == "api":
        edge = json.loads(edge_policy_path(stage).read_text())
        policy = {**policy, "Statement": policy["Statement"] + edge["Statement"]}
    return policy


def _edge_policy(stage: str) -> dict[str, Any]:
    """Invalidation on the stage's distribution only, and reading its id from SSM.

    A policy resource of its own: inside the role's policies, naming the distribution would
    make a cycle (distribution -> RestAPI -> APIHandler -> its role -> distribution).
    """
    return {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": f"lambdapress-{stage}-api-edge",
            "Roles": [{"Ref": FUNCTIONS["api"][1]}],
            "PolicyDocument": _sub_resources(json.loads(edge_policy_path(stage).read_text())),
        },
    }


def _sub_resources(policy: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(policy)
    for statement in document["Statement"]:
        statement["Resource"] = [{"Fn::Sub": r} for r in statement["Resource"]]
    return document


def _table_properties(stage: str) -> dict[str, Any]:
    props = table_definition(names(stage)["table"])
    props["StreamSpecification"] = {
        "StreamViewType": props["StreamSpecification"]["StreamViewType"]
    }
    props.update(
        {
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
            "DeletionProtectionEnabled": True,
        }
    )
    return props


def _environment(stage: str, function: str) -> dict[str, Any]:
    """Each function gets only what it uses. The API's secrets are not values here but the
    names of SSM SecureString parameters, read once per container (chalicelib/settings.py);
    the notification function needs no secret at all."""
    variables: dict[str, Any] = {
        "BLOG_STAGE": stage,
        "BLOG_BUCKET": {"Ref": "ContentBucket"},
        "BLOG_TABLE": {"Ref": "CommentsTable"},
        "BLOG_NOTIFY_FROM": {"Ref": "NotifyFrom"},
    }
    if function == "api":
        for variable, parameter in parameter_names(stage).items():
            variables[f"{variable}_PARAMETER"] = parameter
        # Only the API function compares the edge's header (chalicelib/origin.py).
        variables["BLOG_ORIGIN_SECRET"] = {"Ref": "OriginSecret"}
    return {"Variables": variables}


def merge_template(stage: str) -> dict[str, Any]:
    """What `chalice package --merge-template` adds to, and changes in, Chalice's template."""
    n = names(stage)
    resources: dict[str, Any] = {
        "ContentBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": {"Fn::Sub": n["bucket"]},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                            "BucketKeyEnabled": True,
                        }
                    ]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "ExpireOldVersions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                        }
                    ]
                },
            },
        },
        "ContentBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "ContentBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TLSOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": ["ContentBucket", "Arn"]},
                                {"Fn::Sub": "${ContentBucket.Arn}/*"},
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                        edge_template.bucket_statement(),
                    ],
                },
            },
        },
        "CommentsTable": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": _table_properties(stage),
        },
        # One name per stage: API Gateway's metrics (and so the alarms) are keyed on it.
        "RestAPI": {
            "Properties": {
                "Name": alarms_template.api_name(stage),
                "DefinitionBody": {"info": {"title": alarms_template.api_name(stage)}},
            }
        },
    }
    for function, (logical_id, role_id) in FUNCTIONS.items():
        props: dict[str, Any] = {
            "FunctionName": n[function],
            "Environment": _environment(stage, function),
        }
        if function == "notify":
            props["Events"] = {
                "NotifyDynamodbEventSource": {
                    "Type": "DynamoDB",
                    "Properties": notify_template.stream_source(),
                }
            }
        resources[logical_id] = {"Properties": props}
        resources[role_id] = {
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": f"lambdapress-{stage}-{function}",
                        "PolicyDocument": _sub_resources(load_policy(stage, function)),
                    }
                ]
            }
        }
        resources[f"{logical_id}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{n[function]}",
                "RetentionInDays": LOG_RETENTION_DAYS,
            },
        }
    template: dict[str, Any] = {
        "Parameters": {
            "NotifyFrom": {
                "Type": "String",
                "Default": "",
                "Description": "Sender of notification emails (empty: none)",
            },
            "NotifyIdentity": {
                "Type": "String",
                "Default": "example.invalid",
                "Description": "The SES identity (domain or address) it sends as",
            },
        },
        "Resources": resources,
        "Outputs": {
            "ContentBucketName": {"Value": {"Ref": "ContentBucket"}},
            "CommentsTableName": {"Value": {"Ref": "CommentsTable"}},
        },
    }
    for fragment in (
        edge_template.fragment(stage),
        alarms_template.fragment(stage),
        notify_template.fragment(stage),
    ):
        for section, entries in fragment.items():
            template.setdefault(section, {}).update(entries)
    template["Resources"]["ApiEdgePolicy"] = _edge_policy(stage)
    return template


def offline_env() -> dict[str, str]:
    """Chalice's pip takes the Lambda wheels that `make` fetched; nothing is downloaded."""
    env = dict(os.environ)
    env.update(
        {
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(ROOT / ".wheelhouse"),
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
        }
    )
    return env


def package(stage: str, project: Path = ROOT, out: Path | None = None) -> Path:
    """Build every deployable artifact of a stage into build/<stage>/; return that folder."""
    if sys.version_info[:2] != LAMBDA_PYTHON:
        raise SystemExit(
            f"error: packaging needs Python {'.'.join(map(str, LAMBDA_PYTHON))} (the Lambda "
            f"runtime), not {sys.version.split()[0]}: run `make package`, which uses the venv"
        )
    out = out or BUILD / stage
    out.mkdir(parents=True, exist_ok=True)
    merge = out.parent / f"resources-{stage}.json"
    merge.write_text(json.dumps(merge_template(stage), indent=2) + "\n")
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run(
        [str(chalice), "package", "--stage", stage, "--merge-template", str(merge), str(out)],
        cwd=project,
        env=offline_env(),
        check=True,
    )
    # Cold starts import templates and modules instead of compiling them.
    bundle_templates.add_compiled_templates(out / "deployment.zip")
    bytecode.add_bytecode(out / "deployment.zip")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["package"])
    parser.add_argument("--stage", type=stage_name, required=True, help="dev, prod or another")
    args = parser.parse_args(argv)
    out = package(args.stage)
    print(f"built {out / 'sam.json'} and {out / 'deployment.zip'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
