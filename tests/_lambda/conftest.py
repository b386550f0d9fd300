"""One moto mock per test module; each handler fixture starts on reset (empty) backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lambda_support import one_moto_per_module


@pytest.fixture(scope="module", autouse=True)
def _moto() -> Iterator[None]:
    with one_moto_per_module():
        yield
