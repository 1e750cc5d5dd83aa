"""The operator's side: deploying artifacts, and the CLI against a deployed stage (on moto)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib import cli, settings
from chalicelib.resources import create_resources
from tools import deploy, infra


def test_every_function_runs_the_uploaded_bundle() -> None:
    template = {
        "Resources": {
            "APIHandler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "./d.zip"},
            },
            "Notify": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./d.zip"}},
            "CommentsTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        }
    }
    located = deploy.with_code_location(template, "artifacts", "prod/abc.zip")
    for name in ("APIHandler", "Notify"):
        assert located["Resources"][name]["Properties"]["CodeUri"] == {
            "Bucket": "artifacts",
            "Key": "prod/abc.zip",
        }
    assert template["Resources"]["APIHandler"]["Properties"]["CodeUri"] == "./d.zip"


def test_secrets_go_to_ssm_securestrings_required_first_and_kept_after(aws) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    with pytest.raises(deploy.DeployError, match="BLOG_ADMIN_TOKEN must be set"):
        deploy.put_secrets(ssm, "qa", {})
    with pytest.raises(deploy.DeployError, match="at least 32"):
        deploy.put_secrets(ssm, "qa", {"BLOG_ADMIN_TOKEN": "t" * 30, "BLOG_SECRET_KEY": "s"})
    env = {"BLOG_ADMIN_TOKEN": "t" * 30, "BLOG_SECRET_KEY": "s" * 40}
    assert deploy.put_secrets(ssm, "qa", env) == [
        "/lambdapress-qa/admin-token",
        "/lambdapress-qa/secret-key",
    ]
    stored = ssm.get_parameter(Name="/lambdapress-qa/secret-key", WithDecryption=True)
    assert stored["Parameter"]["Type"] == "SecureString"
    assert stored["Parameter"]["Value"] == "s" * 40
    assert deploy.put_secrets(ssm, "qa", {}) == []  # later deployments keep them
    # The stack's parameters carry no secret the function would see in its configuration.
    created = {p["ParameterKey"] for p in deploy.parameters(env, stack_exists=False)}
    assert created == {"OriginSecret"}


def test_the_origin_secret_is_generated_once_and_kept() -> None:
    env: dict[str, str] = {}
    first = {p["ParameterKey"]: p for p in deploy.parameters(env, stack_exists=False)}
    second = {p["ParameterKey"]: p for p in deploy.parameters(env, stack_exists=False)}
    secret = first["OriginSecret"]["ParameterValue"]
    assert len(secret) >= 32 and secret != second["OriginSecret"]["ParameterValue"]
    kept = {p["ParameterKey"]: p for p in deploy.parameters({}, True, {"OriginSecret"})}
    assert kept["OriginSecret"] == {"ParameterKey": "OriginSecret", "UsePreviousValue": True}
    given = {"BLOG_ORIGIN_SECRET": "o" * 40}
    chosen = {p["ParameterKey"]: p for p in deploy.parameters(given, True, {"OriginSecret"})}
    assert chosen["OriginSecret"]["ParameterValue"] == "o" * 40


def test_an_update_keeps_only_parameters_the_deployed_stack_has() -> None:
    previous = {"AdminToken", "SecretKey", "NotifyFrom", "NotifyIdentity", "CertificateArn"}
    updated = {p["ParameterKey"]: p for p in deploy.parameters({}, True, previous)}
    # AdminToken and SecretKey moved to SSM: the template no longer has them.
    kept = {k for k, p in updated.items() if p.get("UsePreviousValue")}
    assert kept == previous - {"AdminToken", "SecretKey"}
    # New ones take their defaults, except the secret, which is made up.
    assert set(updated) - previous == {"OriginSecret"}


def test_a_stage_of_any_lowercase_name_gets_its_own_names_and_secrets() -> None:
    template = infra.merge_template("qa2")
    api = template["Resources"]["APIHandler"]["Properties"]
    assert api["FunctionName"] == "lambdapress-qa2-api"
    variables = api["Environment"]["Variables"]
    assert variables["BLOG_SECRET_KEY_PARAMETER"] == "/lambdapress-qa2/secret-key"
    assert "BLOG_SECRET_KEY" not in variables and "BLOG_ADMIN_TOKEN" not in variables
    notify = template["Resources"]["Notify"]["Properties"]["Environment"]["Variables"]
    assert not {k for k in notify if "SECRET" in k or "TOKEN" in k}
    for bad in ("Prod", "a-b", "x" * 13, "1st"):
        with pytest.raises(SystemExit):
            infra.main(["package", "--stage", bad])


def test_the_old_single_domain_variable_is_refused_with_its_new_name() -> None:
    with pytest.raises(deploy.DeployError, match="BLOG_DOMAIN_NAMES"):
        deploy.parameters({"BLOG_DOMAIN_NAME": "blog.example.org"}, stack_exists=True)


def test_artifacts_go_to_a_private_encrypted_bucket(aws, tmp_path) -> None:
    s3 = boto3.client("s3", region_name="eu-west-1")
    build = tmp_path / "prod"
    build.mkdir()
    (build / "deployment.zip").write_bytes(b"PK bundle")
    (build / "sam.json").write_text(
        json.dumps(
            {
                "Resources": {
                    "APIHandler": {
                        "Type": "AWS::Serverless::Function",
                        "Properties": {"CodeUri": "./deployment.zip"},
                    }
                }
            }
        )
    )
    bucket = deploy.artifacts_bucket(DEFAULT_ACCOUNT_ID, "eu-west-1")
    deploy.ensure_bucket(s3, bucket, "eu-west-1")
    deploy.ensure_bucket(s3, bucket, "eu-west-1")  # a second run finds it
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    url = deploy.upload_artifacts(s3, bucket, build, "prod")
    key = url.split(".amazonaws.com/", 1)[1]
    template = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    code = template["Resources"]["APIHandler"]["Properties"]["CodeUri"]
    assert s3.get_object(Bucket=code["Bucket"], Key=code["Key"])["Body"].read() == b"PK bundle"


def test_deploy_says_what_to_do_when_nothing_was_packaged(aws, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(deploy, "BUILD", tmp_path)
    with pytest.raises(deploy.DeployError, match="make package STAGE=prod"):
        deploy.deploy("prod", boto3.Session(region_name="eu-west-1"), {})


def test_the_cli_finds_a_deployed_stages_bucket_and_table(aws, monkeypatch, capsys) -> None:
    names = settings.stage_names("prod", DEFAULT_ACCOUNT_ID, "eu-west-1")
    assert cli.main(["--stage", "prod", "status"]) == 1
    err = capsys.readouterr().err
    assert f"the bucket {names['bucket']} does not exist" in err
    assert "make deploy STAGE=" in err
    monkeypatch.setenv("BLOG_BUCKET", names["bucket"])
    monkeypatch.setenv("BLOG_TABLE", names["table"])
    settings.reset()
    create_resources()  # as the stack would have
    assert cli.main(["--stage", "prod", "publish"]) == 0
    assert "4 post(s) published" in capsys.readouterr().out
    assert infra.names("prod")["bucket"] == (
        "lambdapress-prod-content-${AWS::AccountId}-${AWS::Region}"
    )


def test_the_cli_says_so_when_there_are_no_credentials(monkeypatch, capsys) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert cli.main(["--stage", "dev", "status"]) == 1
    assert "no AWS credentials" in capsys.readouterr().err
