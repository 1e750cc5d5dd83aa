"""What deploying needs: the IAM actions of the calls `make deploy` makes (checked against
.chalice/deployer-policy.json), and those CloudFormation's resource handlers make for each
resource type of the template (checked against .chalice/deployer-service-role-policy.json)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cfnlint

Pair = tuple[str, str]  # (IAM action, kind of resource)


def _stage_kind(stage: str, name: str, prefix: str) -> str:
    """`prefix` + the part after the stage's own path, or "another stage's" when it is not."""
    own = f"/lambdapress-{stage}/"
    return prefix + name.removeprefix(own) if name.startswith(own) else "another stage's"


def required(stage: str, service: str, operation: str, params: dict[str, Any]) -> set[Pair]:
    """The (IAM action, resource kind) pairs one call of tools/deploy.py needs."""
    if service == "sts":
        return set()  # GetCallerIdentity needs no permission (and cannot be denied)
    if service == "s3":
        action = {
            "HeadBucket": "s3:ListBucket",
            "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
            "PutBucketEncryption": "s3:PutEncryptionConfiguration",
        }.get(operation, f"s3:{operation}")
        if "Key" in params:
            own = params["Key"].startswith(f"{stage}/")
            return {(action, "stage artifacts" if own else "another stage's")}
        return {(action, "artifacts bucket")}
    if service == "ssm":
        return {(f"ssm:{operation}", _stage_kind(stage, params["Name"], "parameter/"))}
    if service == "cloudformation":
        own = params["StackName"] == f"lambdapress-{stage}"
        pairs = {(f"cloudformation:{operation}", "stack" if own else "another stack")}
        if operation == "CreateChangeSet":
            # The template names the SAM transform; CloudFormation reads the template from S3
            # with the caller's credentials; the tags are authorised as tags on create.
            pairs.add(("cloudformation:CreateChangeSet", "sam transform"))
            key = params["TemplateURL"].split(".amazonaws.com/", 1)[1]
            pairs.add(("s3:GetObject", "stage artifacts" if key.startswith(f"{stage}/") else "?"))
            if params.get("Tags"):
                pairs.add(("cloudformation:TagResource", "stack" if own else "another stack"))
            if params.get("RoleARN"):
                role = params["RoleARN"].split(":role", 1)[1]
                expected = f"/lambdapress-deployer/lambdapress-deployer-{stage}"
                pairs.add(("iam:PassRole", "service role" if role == expected else role))
        return pairs
    return {(f"{service}:{operation}", "unknown")}


def resource_kind(resource: str) -> str:
    bucket = r"arn:\$\{AWS::Partition\}:s3:::lambdapress-artifacts-\$\{AWS::AccountId\}-"
    patterns = [
        (bucket + r"\$\{AWS::Region\}$", "artifacts bucket"),
        (bucket + r"\$\{AWS::Region\}/\$\{Stage\}/\*$", "stage artifacts"),
        (r"^arn:.*:ssm:.*:parameter/lambdapress-\$\{Stage\}/([\w-]+)$", "parameter/{0}"),
        (r"^arn:.*:cloudformation:.*:stack/lambdapress-\$\{Stage\}/\*$", "stack"),
        (r"^arn:.*:cloudformation:\$\{AWS::Region\}:aws:transform/Serverless-2016-10-31$",
         "sam transform"),
        (r"^arn:.*:iam::\$\{AWS::AccountId\}:role/lambdapress-deployer/lambdapress-deployer-"
         r"\$\{Stage\}$", "service role"),
    ]  # fmt: skip
    for pattern, kind in patterns:
        if match := re.match(pattern, resource):
            return kind.format(*match.groups())
    raise AssertionError(f"resource {resource!r} names nothing make deploy uses")


def allowed(policy: dict[str, Any]) -> set[Pair]:
    return {
        (action, resource_kind(resource))
        for statement in policy["Statement"]
        for action in statement["Action"]
        for resource in statement["Resource"]
    }


def problems(granted: set[Any], needed: set[Any]) -> list[str]:
    """What is needed but not granted, and granted but never needed."""
    missing = [f"not allowed: {p}" for p in sorted(needed - granted)]
    return missing + [f"allowed but never used: {p}" for p in sorted(granted - needed)]


# --- The service role: resource types -> what CloudFormation's handlers for them call ---

# The resources the SAM transform makes of its own types (and of each function's events).
SAM_TYPES = {
    "AWS::Serverless::Function": ["AWS::Lambda::Function"],
    "AWS::Serverless::Api": [
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage",
    ],
}
SAM_EVENTS = {"DynamoDB": ["AWS::Lambda::EventSourceMapping"]}

# Actions the handlers of these types may call that the template never makes them call.
_S3_UNUSED = "Accelerate Analytics Abac CORS Cors Logging Notification ObjectLock Replication "
UNUSED = {
    "not IAM actions (cfn-lint knows IAM's): the schemas name API operations that IAM "
    "authorises as another action (PutEncryptionConfiguration, PutLifecycleConfiguration, "
    "CreateDistribution and TagResource)": {
        r"^s3:(REST\.PUT\.OBJECT|DeleteBucketEncryption|DeleteBucketLifecycle)$",
        r"^cloudfront:CreateDistributionWithTags$",
    },
    "no VPC, EFS, S3 Files or customer-managed KMS key (SSE-S3, DynamoDB's and SQS's own keys)": {
        r"^(ec2|elasticfilesystem|s3files|kms):"
    },
    "the table has no replicas, imports, Kinesis streaming or resource policy; the stack "
    "writes no items and no logs": {
        r"^kinesis:",
        r"^dynamodb:(AssociateTableReplica|CreateTableReplica|ImportTable|DescribeImport)$",
        r"^dynamodb:(Enable|Disable|Update)KinesisStreamingDestination$",
        r"^dynamodb:(Put|Delete)ResourcePolicy$",
        r"^dynamodb:(BatchWriteItem|DeleteItem|GetItem|PutItem|Query|Scan|UpdateItem)$",
        r"^logs:(CreateLogStream|DescribeLogStreams|PutLogEvents)$",
        r"^s3:GetObjectMetadata$",
        r"^iam:CreateServiceLinkedRole$",
    },
    "the bucket sets none of these; ACLs are off (owner enforced); no S3 Tables": {
        r"^s3tables:",
        rf"^s3:(Put|Delete)\w*({'|'.join(_S3_UNUSED.split())})\w*$",
        r"^s3:(Put|Delete)Bucket(Website|Metrics|Analytics)\w*$",
        r"^s3:(Put|Delete)(Inventory|IntelligentTiering|Metrics|Analytics)Configuration$",
        r"^s3:(Create|Delete|Update)BucketMetadata\w*$",
        r"^s3:(PutBucketAcl|PutObjectAcl|DeleteObject)$",
    },
    "roles get inline policies from .chalice only: no managed policies or boundaries, "
    "no users or groups": {
        r"^iam:(Attach|Detach)RolePolicy$",
        r"^iam:(Put|Delete)RolePermissionsBoundary$",
        r"^iam:\w+(User|Group)Policy$",
    },
    "no code signing, layers, versions, concurrency, scaling, runtime or recursion settings": {
        r"^lambda:(Put|Delete)Function(CodeSigningConfig|Concurrency|ScalingConfig)$",
        r"^lambda:PutFunctionRecursionConfig$",
        r"^lambda:(GetCodeSigningConfig|GetLayerVersion|PublishVersion|PassCapacityProvider)$",
        r"^lambda:(AssociateRuntimeAlias|PutRuntimeManagementConfig)$",
    },
    "the log groups have no KMS key, deletion protection, policies, deliveries or tokens": {
        r"^firehose:",
        r"^logs:(Associate|Disassociate)KmsKey$",
        r"^logs:(Put|Delete)(DataProtection|Index|Resource)Policy$",
        r"^logs:(CreateLogDelivery|PutBearerTokenAuthentication|PutLogGroupDeletionProtection)$",
    },
    "no connection groups, VPC origins or staging distributions; no API resource policy; "
    "no SNS data protection; nothing but Lambda is passed a role": {
        r"^cloudfront:(CreateConnectionGroup|GetConnectionGroup|GetVpcOrigin)$",
        r"^cloudfront:UpdateDistributionWithStagingConfig$",
        r"^apigateway:UpdateRestApiPolicy$",
        r"^sns:PutDataProtectionPolicy$",
    },
}


def cfn_types(template: dict[str, Any]) -> set[str]:
    """The CloudFormation resource types the template creates, after the SAM transform."""
    types = set()
    for name, resource in template["Resources"].items():
        kind = resource["Type"]
        if not kind.startswith("AWS::Serverless::"):
            types.add(kind)
            continue
        assert kind in SAM_TYPES, f"{name}: what does SAM make of {kind}?"
        types.update(SAM_TYPES[kind])
        props = resource.get("Properties", {})
        if kind == "AWS::Serverless::Function" and "Role" not in props:
            types.add("AWS::IAM::Role")
        for event_name, event in props.get("Events", {}).items():
            assert event["Type"] in SAM_EVENTS, f"{name}.{event_name}: what is {event['Type']}?"
            types.update(SAM_EVENTS[event["Type"]])
    return types


def handler_permissions(cfn_type: str) -> set[str]:
    """What CloudFormation's create, read, update and delete handlers of a type may call
    (the resource schemas cfn-lint ships)."""
    schemas = Path(cfnlint.__file__).parent / "data" / "schemas"
    providers = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    schema = json.loads((schemas / "resources" / f"{providers[cfn_type]}.json").read_text())
    handlers = schema["handlers"]
    return {
        action
        for stage in ("create", "read", "update", "delete")
        for action in handlers.get(stage, {}).get("permissions", [])
    }


def unused(action: str) -> bool:
    return any(re.search(p, action) for patterns in UNUSED.values() for p in patterns)


def service_role_needs(types: Iterable[str]) -> set[str]:
    return {a for t in types for a in handler_permissions(t) if not unused(a)}


def granted_actions(policy: dict[str, Any]) -> set[str]:
    return {action for statement in policy["Statement"] for action in statement["Action"]}
