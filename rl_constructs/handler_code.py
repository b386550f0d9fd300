"""The code directory of a Lambda handler: ``_lambda/<name>/index.py`` plus the core modules it imports.

A handler needs only boto3 from the Lambda runtime and the pure core (``rl_constructs.core``), which it
imports under its real name (``from rl_constructs.core.contracts import ...``). The staged directory holds
the handler's folder and the closure of its imports within ``rl_constructs``, read from the source with
``ast`` (no hand-kept file list): each module reached, the ``__init__.py`` of every package on the way
(they load their names lazily, so importing one module costs that module only), and the JSON data files
those modules name. Imports under ``if TYPE_CHECKING:`` are not followed (they never run).

The directory is built once per process, with sorted contents and no bytecode, so the asset hash only
changes when the code does. This module is plain Python (no ``aws_cdk``), so handler tests use it too.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import tempfile
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_LIBRARY = _PACKAGE.name  # "rl_constructs"
#: Data files a bundled module reads (named in its source, beside it: ``Path(__file__).with_name(...)``).
_DATA_SUFFIXES = (".json",)


def handler_source(name: str) -> Path:
    """The handler's source folder, ``rl_constructs/_lambda/<name>``."""
    candidate = _PACKAGE / "_lambda" / name
    if not (candidate / "index.py").is_file():
        raise FileNotFoundError(f"no Lambda handler {name!r} (looked for {candidate / 'index.py'})")
    return candidate


def _module_file(module: str) -> Path | None:
    """The source file of ``module`` (a dotted name within this library), or None if it is not one."""
    parts = module.split(".")
    if parts[0] != _LIBRARY:
        return None
    base = _PACKAGE.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path) -> str:
    relative = path.relative_to(_PACKAGE).with_suffix("")
    parts = [_LIBRARY, *relative.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_modules(path: Path, package: str) -> set[str]:
    """The absolute names of the modules ``path`` imports (``package``: the package it belongs to)."""
    names: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        pending.extend(ast.iter_child_nodes(node))
    return names


def _library_closure(entry: Path) -> set[Path]:
    """The library files ``entry`` needs: the modules its imports reach, with their packages' inits."""
    files: set[Path] = set()
    pending = [(entry, _LIBRARY)]
    while pending:
        path, package = pending.pop()
        for module in _imported_modules(path, package):
            parts = module.split(".")
            for depth in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ too
                found = _module_file(".".join(parts[:depth]))
                if found is not None and found not in files:
                    files.add(found)
                    name = _module_name(found)
                    pending.append((found, name if found.name == "__init__.py" else name.rpartition(".")[0]))
    return files


def _data_files(module: Path) -> set[Path]:
    """The data files beside ``module`` that its source names (``"images.json"``)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    named = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(_DATA_SUFFIXES)
    }
    return {module.parent / name for name in named if (module.parent / name).is_file()}


def _contents(name: str) -> dict[str, bytes]:
    source = handler_source(name)
    files = {
        path.relative_to(source).as_posix(): path.read_bytes()
        for path in sorted(source.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    library = _library_closure(source / "index.py")
    library |= {data for module in library for data in _data_files(module)}
    for path in library:
        files[f"{_LIBRARY}/{path.relative_to(_PACKAGE).as_posix()}"] = path.read_bytes()
    return dict(sorted(files.items()))


@cache
def stage_handler(name: str) -> Path:
    """A directory holding the handler ``name`` and the core modules it imports, ready for ``Code.from_asset``."""
    contents = _contents(name)
    digest = hashlib.sha256()
    for path, data in contents.items():
        digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    target = Path(tempfile.gettempdir()) / f"rl-constructs-handler-{name}-{digest.hexdigest()[:16]}"
    if not target.is_dir():
        staging = Path(tempfile.mkdtemp(prefix=f"rl-constructs-{name}-"))
        for path, data in contents.items():
            destination = staging / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
        try:
            staging.rename(target)
        except OSError:  # another process staged the same content first
            shutil.rmtree(staging, ignore_errors=True)
    return target
