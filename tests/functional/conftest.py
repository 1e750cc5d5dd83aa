"""Fixtures of more than one functional test module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools import infra


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """What `make package STAGE=prod` builds: the template (parsed) and its folder."""
    out = infra.package("prod", out=tmp_path_factory.mktemp("build") / "prod")
    return json.loads((out / "sam.json").read_text()), out
