"""Import a staged Lambda handler as the Lambda runtime would: its folder first on ``sys.path``, ``index``
fresh, AWS mocked by moto, and its cached client reset. The ``rl_constructs.core`` modules it imports are
this process's (the same files as the bundle's; ``test_handler_bundles.py`` imports each bundle alone)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest
from moto import mock_aws

from rl_constructs.handler_code import stage_handler


def _unload() -> None:
    sys.modules.pop("index", None)


@contextmanager
def staged_handler(name: str, monkeypatch: pytest.MonkeyPatch, region: str) -> Iterator[ModuleType]:
    """The handler ``lambda/<name>`` as staged for its asset, imported under moto in ``region``."""
    monkeypatch.setenv("AWS_REGION", region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    monkeypatch.syspath_prepend(str(stage_handler(name)))
    _unload()
    try:
        with mock_aws():
            module = importlib.import_module("index")
            module._client = None
            yield module
    finally:
        _unload()
