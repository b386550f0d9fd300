"""Import a staged Lambda handler as the Lambda runtime would: its folder first on ``sys.path``, ``index``
fresh, AWS mocked by moto, and its cached client reset. The ``rl_constructs.core`` modules it imports are
this process's (the same files as the bundle's; ``test_handler_bundles.py`` imports each bundle alone).

Starting moto patches botocore and costs ~0.3 s; resetting its backends costs ~10 ms. So a test module
may start one mock for all its tests (:func:`one_moto_per_module`, used by ``tests/_lambda/conftest.py``):
each :func:`staged_handler` then begins on empty backends by resetting that mock instead of starting one.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
from moto import mock_aws

from rl_constructs.handler_code import stage_handler

#: The mock a module fixture started (at most one), reset by each staged_handler.
_MODULE_MOCK: list[Any] = []


@contextmanager
def one_moto_per_module() -> Iterator[None]:
    """Start moto once; every :func:`staged_handler` inside resets its backends (a clean account per test)."""
    with mock_aws() as mock:
        _MODULE_MOCK.append(mock)
        try:
            yield
        finally:
            _MODULE_MOCK.clear()


@contextmanager
def _clean_aws() -> Iterator[None]:
    if _MODULE_MOCK:
        _MODULE_MOCK[0].reset()
        yield
    else:
        with mock_aws():
            yield


@contextmanager
def staged_handler(name: str, monkeypatch: pytest.MonkeyPatch, region: str) -> Iterator[ModuleType]:
    """The handler ``_lambda/<name>`` as staged for its asset, imported under moto in ``region``, on empty
    moto backends."""
    monkeypatch.setenv("AWS_REGION", region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    monkeypatch.syspath_prepend(str(stage_handler(name)))
    # The staged folder is the Lambda asset: a __pycache__/ written into it would change the asset's hash.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    sys.modules.pop("index", None)
    try:
        with _clean_aws():
            module = importlib.import_module("index")
            module._client = None
            yield module
    finally:
        sys.modules.pop("index", None)
