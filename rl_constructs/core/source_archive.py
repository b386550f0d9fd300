"""``sourcedir.tar.gz`` laid out as the SageMaker SDK lays it out, byte-for-byte reproducible.

Layout (the SDK's): with ``source_dir`` its contents sit at the archive root and ``entry_point`` is a path
inside it; without it, the entry-point file alone sits at the root. Each ``dependencies`` path is added
at the root under ``os.path.basename(path)``, as the SDK adds it: ``"lib/common"`` as ``common/...``, and
``"lib/common/"`` (trailing slash, basename ``""``) with the folder's contents at the root. A
``source_dir`` of ``s3://.../sourcedir.tar.gz`` (code already uploaded) is used as it is.

Unlike a plain ``tar``, entries are sorted and their times, owners and
modes fixed, and ``__pycache__``/``*.pyc`` left out, so the same sources always give the same bytes (and
the same CDK asset hash).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import RLConfigurationError

ARCHIVE_NAME = "sourcedir.tar.gz"
_EXCLUDED_DIRS = {"__pycache__", ".git", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class SourceBundle:
    """The packaged training code."""

    #: ``sagemaker_program``: the entry point as the container finds it inside the archive.
    program: str
    #: Path of the reproducible ``sourcedir.tar.gz`` on disk (content-addressed staging directory).
    archive: Path
    #: SHA-256 of the archive bytes.
    sha256: str
    #: Archive member names, in order (for tests and for the curious).
    members: tuple[str, ...]


def _files_under(root: Path, arcroot: PurePosixPath) -> Iterator[tuple[Path, PurePosixPath]]:
    """(file on disk, name in the archive) for every file under ``root``, sorted, exclusions applied."""
    if root.is_file():
        yield root, arcroot
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _EXCLUDED_DIRS)
        relative = Path(dirpath).relative_to(root)
        for name in sorted(filenames):
            if name.endswith(_EXCLUDED_SUFFIXES):
                continue
            yield Path(dirpath) / name, arcroot.joinpath(*relative.parts, name)


def _members(
    entry_point: str, source_dir: str | None, dependencies: Sequence[str], dependencies_folder: str = ""
) -> list[tuple[Path, str]]:
    pairs: list[tuple[Path, PurePosixPath]] = []
    if source_dir is not None:
        root = Path(source_dir)
        for child in sorted(root.iterdir(), key=lambda p: p.name):
            if child.name in _EXCLUDED_DIRS:
                continue
            pairs.extend(_files_under(child, PurePosixPath(child.name)))
    else:
        entry = Path(entry_point)
        pairs.append((entry, PurePosixPath(entry.name)))
    for index, dependency in enumerate(dependencies):
        path = Path(dependency)
        if not path.exists():
            raise RLConfigurationError(f"dependencies[{index}]", f"{dependency!r} does not exist.")
        # The SDK's arcname: os.path.basename of the path as given ("" with a trailing slash: the root), in
        # dependencies_folder ("lib" in the SDK's repacked model archive).
        pairs.extend(_files_under(path, PurePosixPath(dependencies_folder, os.path.basename(dependency))))
    seen: dict[str, Path] = {}
    for disk, name in pairs:
        if str(name) in seen and seen[str(name)].resolve() != disk.resolve():
            raise RLConfigurationError(
                "dependencies",
                f"{str(name)!r} would be added twice to {ARCHIVE_NAME} (from {seen[str(name)]} and {disk}).",
            )
        seen[str(name)] = disk
    return sorted(((disk, name) for name, disk in seen.items()), key=lambda member: member[1])


def _tar_bytes(members: list[tuple[Path, str]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for disk, name in members:
            data = disk.read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o755 if os.access(disk, os.X_OK) else 0o644
            tar.addfile(info, io.BytesIO(data))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return compressed.getvalue()


def is_s3_source(source_dir: str | None) -> bool:
    """Whether ``source_dir`` names code already uploaded (``s3://...``), as the SDK accepts it."""
    return isinstance(source_dir, str) and source_dir.lower().startswith("s3://")


def s3_source_program(entry_point: str, source_dir: str, dependencies: Sequence[str]) -> str:
    """``sagemaker_program`` for code already in S3: the entry point as given (the SDK's), a relative path
    inside the archive. Dependencies cannot be added to an uploaded archive (the SDK drops them silently)."""
    if not isinstance(entry_point, str) or not entry_point:
        raise RLConfigurationError("entry_point", "a path to the training script is required.")
    if not re.fullmatch(r"s3://[^/]+/.+\.tar\.gz", source_dir):
        raise RLConfigurationError(
            "source_dir", f"{source_dir!r}: code in S3 is an s3://bucket/key URI of a .tar.gz archive."
        )
    if dependencies:
        raise RLConfigurationError(
            "dependencies", "cannot be added to source code already uploaded to S3; put them in the archive."
        )
    if Path(entry_point).is_absolute():
        raise RLConfigurationError("entry_point", f"with source_dir in S3, give a path inside it, not {entry_point!r}.")
    return PurePosixPath(*Path(entry_point).parts).as_posix()


def validate_entry_point(entry_point: str, source_dir: str | None) -> str:
    """Check that the entry point exists (inside ``source_dir`` when given); return ``sagemaker_program``."""
    if not isinstance(entry_point, str) or not entry_point:
        raise RLConfigurationError("entry_point", "a path to the training script is required.")
    if source_dir is None:
        if not Path(entry_point).is_file():
            raise RLConfigurationError("entry_point", f"{entry_point!r} is not a file (relative to {Path.cwd()}).")
        return Path(entry_point).name
    root = Path(source_dir)
    if not root.is_dir():
        raise RLConfigurationError("source_dir", f"{source_dir!r} is not a directory (relative to {Path.cwd()}).")
    if Path(entry_point).is_absolute():
        raise RLConfigurationError("entry_point", f"with source_dir, give a path inside it, not {entry_point!r}.")
    candidate = (root / entry_point).resolve()
    if root.resolve() not in candidate.parents:
        raise RLConfigurationError("entry_point", f"{entry_point!r} is outside source_dir {source_dir!r}.")
    if not candidate.is_file():
        raise RLConfigurationError("entry_point", f"{entry_point!r} does not exist inside source_dir {source_dir!r}.")
    return PurePosixPath(*Path(entry_point).parts).as_posix()


def build_source_bundle(
    *,
    entry_point: str,
    source_dir: str | None = None,
    dependencies: Sequence[str] = (),
    staging_root: Path | None = None,
    dependencies_folder: str = "",
) -> SourceBundle:
    """Validate the sources and write ``sourcedir.tar.gz`` into a content-addressed staging directory.
    ``dependencies_folder``: the folder the dependencies go in (the root by default, as in ``sourcedir.tar.gz``;
    ``"lib"`` as the SDK's ``repack_model`` puts them in a model archive's ``code/``)."""
    program = validate_entry_point(entry_point, source_dir)
    members = _members(entry_point, source_dir, dependencies, dependencies_folder)
    data = _tar_bytes(members)
    digest = hashlib.sha256(data).hexdigest()
    folder = (staging_root or Path(tempfile.gettempdir()) / "rl-constructs-sources") / digest
    archive = folder / ARCHIVE_NAME
    if not archive.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{ARCHIVE_NAME}.{os.getpid()}"
        partial.write_bytes(data)
        partial.replace(archive)
    return SourceBundle(program=program, archive=archive, sha256=digest, members=tuple(name for _, name in members))
