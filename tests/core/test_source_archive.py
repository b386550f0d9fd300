"""``sourcedir.tar.gz`` as the SDK lays it out, byte-for-byte reproducible."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from rl_constructs.core import RLConfigurationError
from rl_constructs.core.source_archive import build_source_bundle


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    (tmp_path / "src" / "presets").mkdir(parents=True)
    (tmp_path / "src" / "train.py").write_text("print('train')\n")
    (tmp_path / "src" / "presets" / "cartpole.py").write_text("PRESET = 1\n")
    (tmp_path / "src" / "__pycache__").mkdir()
    (tmp_path / "src" / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "lib" / "common").mkdir(parents=True)
    (tmp_path / "lib" / "common" / "util.py").write_text("X = 1\n")
    return tmp_path


def members(archive: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(archive, "r:gz") as tar:
        return tar.getmembers()


def test_source_dir_contents_at_the_root_dependencies_under_their_names(sources: Path) -> None:
    bundle = build_source_bundle(
        entry_point="train.py",
        source_dir=str(sources / "src"),
        dependencies=[str(sources / "lib" / "common")],
        staging_root=sources / "stage",
    )
    assert bundle.program == "train.py"
    assert [m.name for m in members(bundle.archive)] == ["common/util.py", "presets/cartpole.py", "train.py"]
    assert all(m.mtime == 0 and m.uid == 0 and m.uname == "" for m in members(bundle.archive))
    assert hashlib.sha256(bundle.archive.read_bytes()).hexdigest() == bundle.sha256


def test_without_source_dir_the_entry_point_alone(sources: Path) -> None:
    bundle = build_source_bundle(entry_point=str(sources / "src" / "train.py"), staging_root=sources / "stage")
    assert bundle.program == "train.py" and bundle.members == ("train.py",)


def test_the_archive_is_byte_for_byte_reproducible(sources: Path) -> None:
    first = build_source_bundle(entry_point="train.py", source_dir=str(sources / "src"), staging_root=sources / "a")
    (sources / "src" / "train.py").touch()  # a new mtime changes nothing
    second = build_source_bundle(entry_point="train.py", source_dir=str(sources / "src"), staging_root=sources / "b")
    assert first.archive.read_bytes() == second.archive.read_bytes()
    (sources / "src" / "train.py").write_text("print('changed')\n")
    third = build_source_bundle(entry_point="train.py", source_dir=str(sources / "src"), staging_root=sources / "c")
    assert third.sha256 != first.sha256
    with tarfile.open(fileobj=io.BytesIO(third.archive.read_bytes()), mode="r:gz") as tar:
        assert tar.extractfile("train.py").read() == b"print('changed')\n"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("entry_point", "source_dir", "argument", "fragment"),
    [
        ("missing.py", "src", "entry_point", "does not exist inside source_dir"),
        ("../lib/common/util.py", "src", "entry_point", "outside source_dir"),
        ("train.py", "nowhere", "source_dir", "is not a directory"),
        ("src/missing.py", None, "entry_point", "is not a file"),
    ],
)
def test_a_missing_entry_point_is_refused(
    sources: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry_point: str,
    source_dir: str | None,
    argument: str,
    fragment: str,
) -> None:
    monkeypatch.chdir(sources)
    with pytest.raises(RLConfigurationError) as caught:
        build_source_bundle(entry_point=entry_point, source_dir=source_dir, staging_root=sources / "stage")
    assert caught.value.argument == argument and fragment in str(caught.value)
