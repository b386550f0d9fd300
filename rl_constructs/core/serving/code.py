"""Serving code: the inference script a model is served with, packaged apart from the training code.

``serving_entry_point``, ``serving_source_dir`` and ``serving_dependencies`` are the ``entry_point``,
``source_dir`` and ``dependencies`` of the SDK's ``create_model()`` / ``deploy(entry_point=...)`` and of its
framework models (``MXNetModel``, ``PyTorchModel``, ``TensorFlowModel``). They are packaged exactly like the
training code (``source_archive``: the SDK's layout, byte-for-byte reproducible, so the CDK asset hash only
changes when the code does), or taken as they are when ``serving_source_dir`` is an ``s3://`` archive.

Two layouts, as the SDK's two ways of shipping serving code: read from S3 (``SAGEMAKER_SUBMIT_DIRECTORY=s3://``,
MXNet 1.3), the dependencies sit at the archive's root (``tar_and_upload_dir``, the training code's layout);
put under ``code/`` in a repacked model archive (``repack_model``: MMS images, PyTorch, TensorFlow Serving with
a script, custom images), they sit under ``lib/`` (:data:`MODEL_ARCHIVE_DEPENDENCIES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import RLConfigurationError
from ..source_archive import build_source_bundle, is_s3_source, s3_source_program

#: The training-code argument names ``source_archive`` reports (``dependencies[2]`` included); each stands for
#: its ``serving_`` namesake here.
_ARGUMENTS = ("entry_point", "source_dir", "dependencies")
#: Where the SDK's ``repack_model`` puts ``dependencies`` inside the model archive's ``code/`` folder.
MODEL_ARCHIVE_DEPENDENCIES = "lib"


@dataclass(frozen=True)
class ServingCode:
    """Packaged serving code: ``SAGEMAKER_PROGRAM`` and where the archive is."""

    #: ``SAGEMAKER_PROGRAM``: the script's path inside the archive.
    program: str
    #: The reproducible ``sourcedir.tar.gz`` on disk, to upload as an asset (None for code already in S3).
    archive: Path | None
    #: ``s3://...tar.gz`` when the code was given already uploaded (None for a local archive).
    s3_uri: str | None
    #: Archive member names, in order (empty for code already in S3).
    members: tuple[str, ...] = ()


def package_serving_code(
    *,
    serving_entry_point: str | None,
    serving_source_dir: str | None = None,
    serving_dependencies: Sequence[str] | None = None,
    staging_root: Path | None = None,
    in_model_archive: bool = False,
) -> ServingCode | None:
    """Validate and package the serving code; None when no ``serving_entry_point`` is given (the training code
    serves, as with ``create_model()`` without ``entry_point``). ``in_model_archive``: the archive goes under
    ``code/`` in a repacked model archive, the dependencies under ``lib/`` there (the SDK's ``repack_model``).
    Errors name the ``serving_*`` argument."""
    dependencies = list(serving_dependencies or ())
    if serving_entry_point is None:
        for name, value in (("serving_source_dir", serving_source_dir), ("serving_dependencies", dependencies)):
            if value:
                raise RLConfigurationError(name, "needs serving_entry_point, the inference script it goes with.")
        return None
    try:
        if serving_source_dir is not None and is_s3_source(serving_source_dir):
            program = s3_source_program(serving_entry_point, serving_source_dir, dependencies)
            return ServingCode(program=program, archive=None, s3_uri=serving_source_dir)
        bundle = build_source_bundle(
            entry_point=serving_entry_point,
            source_dir=serving_source_dir,
            dependencies=dependencies,
            staging_root=staging_root,
            dependencies_folder=MODEL_ARCHIVE_DEPENDENCIES if in_model_archive else "",
        )
    except RLConfigurationError as error:
        argument = f"serving_{error.argument}" if error.argument.split("[")[0] in _ARGUMENTS else error.argument
        problem = error.problem.replace("training script", "inference script").replace(
            "source_dir", "serving_source_dir"
        )
        raise RLConfigurationError(argument, problem, allowed=error.allowed or None) from error
    return ServingCode(program=bundle.program, archive=bundle.archive, s3_uri=None, members=bundle.members)
