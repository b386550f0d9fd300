"""The code directory of a Lambda handler: ``lambda/<name>/index.py`` plus the pure domain it reads.

A handler needs only boto3 from the Lambda runtime. The names it shares with its construct
(``domain/contracts.py``) and, for the attach handler, the catalog and the serving rules travel with it as
a small ``domain`` package: the pure modules listed here and their JSON data,
under an empty ``__init__`` (the library's ``rl_constructs/domain/__init__`` also loads the instance
rules, which read botocore's SageMaker model and would cost the cold start ~100 ms for nothing).

The directory is built once per process, with sorted contents and no bytecode, so the asset hash only
changes when the code does. This module is plain Python (no ``aws_cdk``), so handler tests use it too.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from functools import cache
from pathlib import Path

#: The domain modules (and data) each handler gets, in dependency order. Every handler gets the
#: contract of property and attribute names it shares with its construct (``contracts.py``).
HANDLER_DOMAIN_FILES: dict[str, tuple[str, ...]] = {
    "attach_training_job": ("contracts.py", "errors.py", "toolkits.py", "images.py", "images.json", "serving.py"),
    "cleanup_pipeline_resources": ("contracts.py",),
}
#: The attach handler's domain files (the largest set).
DOMAIN_FILES = HANDLER_DOMAIN_FILES["attach_training_job"]

_PACKAGE = Path(__file__).resolve().parent
_DOMAIN_INIT = '"""rl-constructs domain modules bundled with the handler (copied at synth)."""\n'


def handler_source(name: str) -> Path:
    """The handler's source folder: ``rl_constructs/_lambda/<name>`` in a wheel, ``lambda/<name>`` in a
    checkout (editable install)."""
    for candidate in (_PACKAGE / "_lambda" / name, _PACKAGE.parent / "lambda" / name):
        if (candidate / "index.py").is_file():
            return candidate
    raise FileNotFoundError(f"no Lambda handler {name!r} (looked for {name}/index.py beside the package)")


def _contents(name: str) -> dict[str, bytes]:
    source = handler_source(name)
    files = {
        path.relative_to(source).as_posix(): path.read_bytes()
        for path in sorted(source.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    domain = _PACKAGE / "domain"
    files["domain/__init__.py"] = _DOMAIN_INIT.encode()
    for file_name in HANDLER_DOMAIN_FILES.get(name, ("contracts.py",)):
        files[f"domain/{file_name}"] = (domain / file_name).read_bytes()
    return dict(sorted(files.items()))


@cache
def stage_handler(name: str) -> Path:
    """A directory holding the handler ``name`` and the bundled domain, ready for ``Code.from_asset``."""
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
