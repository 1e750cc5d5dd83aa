"""The app's boto3 clients: one session, whose data loader knows the app's services."""

from __future__ import annotations

import re

import boto3
import pytest
from botocore.loaders import Loader

from chalicelib import deps
from tests.conftest import ROOT

TYPES = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")


@pytest.mark.parametrize("type_name", TYPES)
def test_the_loader_finds_what_botocore_finds_among_the_apps_services(type_name: str) -> None:
    # Checked against the installed botocore: an upgrade that moves its data fails here.
    everything = Loader().list_available_services(type_name)
    ours = deps.AppServicesLoader(deps.SERVICES).list_available_services(type_name)
    assert ours == sorted(set(everything) & deps.SERVICES)
    if type_name in ("service-2", "endpoint-rule-set-1"):
        assert ours == sorted(deps.SERVICES)


@pytest.mark.parametrize("service", sorted(deps.SERVICES))
def test_each_client_has_the_model_and_endpoint_a_stock_client_has(service: str) -> None:
    ours, stock = deps.client(service), boto3.Session().client(service)
    assert ours.meta.service_model.api_version == stock.meta.service_model.api_version
    assert ours.meta.service_model.operation_names == stock.meta.service_model.operation_names
    assert ours.meta.endpoint_url == stock.meta.endpoint_url
    assert ours.meta.region_name == stock.meta.region_name


def test_clients_are_built_once_from_one_session() -> None:
    assert deps.client("s3") is deps.client("s3")
    assert deps.session() is deps.session()
    assert deps.client("dynamodb").meta.events is not deps.client("s3").meta.events


def test_a_service_the_app_does_not_call_is_refused() -> None:
    with pytest.raises(ValueError, match="SERVICES"):
        deps.client("ec2")


def test_every_service_the_app_code_asks_for_is_known() -> None:
    asked = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        # deps.client("x"), or client("x") inside deps.py (a session's own .client is not ours)
        asked |= set(re.findall(r'(?:deps\.|(?<![\w.]))client\("([a-z0-9-]+)"\)', path.read_text()))
    assert asked and asked <= deps.SERVICES
