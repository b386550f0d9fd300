"""Deploy-time repack of a model archive (``RLModel`` and ``attach().deploy()``): when, where, and the
contract of the ``Custom::RLModelRepack`` resource, as pure data and rules.

A container that runs inference code only from ``code/`` inside ``model.tar.gz`` (``ServingChoice.
code_in_model_archive``: ``mxnet-inference`` >= 1.4, ``pytorch-inference``, TensorFlow Serving with an inference
script), or any container that would download its code from S3 (``SAGEMAKER_SUBMIT_DIRECTORY=s3://...``) while
network-isolated, needs the model archive repacked with the code, as the SDK's ``Model._upload_code(repack=
True)`` does. ``RLPipeline`` does it as a step of each run (``core.serving.repack``); ``RLModel`` does it when
the stack deploys, with a custom resource whose handler is the same streaming repack
(``_lambda/repack_model``, ``on_event``).

The resource writes ``<model data folder>/repacked/<digest>/model.tar.gz``: next to the model archive (the
SageMaker layout puts it in the job's ``output/`` folder), under a digest of the resource's inputs, so an Update
with other code (a new asset) or other model data writes a new object and CloudFormation replaces the model;
CloudFormation's Delete of the old physical id then removes the object the resource wrote, and nothing else.
The bound is Lambda's 15-minute timeout, as for the pipeline's step (:data:`HANDLER_TIMEOUT_MINUTES`).
Whether a model is repacked is ``model.archive_serving``'s (``attach().deploy()``: the attach handler's, when
the stack deploys; its resource then passes the model data through when no repack is needed, :data:`PASS_THROUGH`).
This module is bundled with the handlers (``handler_code.py``): no ``aws_cdk`` import, nor the image catalog.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Final

#: The resource type in the template.
RESOURCE_TYPE: Final = "Custom::RLModelRepack"
#: The handler's timeout: the Provider framework's own function waits for it and stops at Lambda's 15
#: minutes, so the handler gets 14 of them to answer (the bound on the archive size, several GB).
HANDLER_TIMEOUT_MINUTES: Final = 14
#: The folder the repacked archives are written to, beside the model archive.
REPACKED_FOLDER: Final = "repacked"
#: The repacked archive's name under its digest folder.
REPACKED_NAME: Final = "model.tar.gz"
#: Hex digits of the inputs' SHA-256 in the repacked key (64 bits: no collision between a resource's inputs).
DIGEST_LENGTH: Final = 16
#: The ``Repack`` property's value that repacks (what the attach resource answers when its container needs it).
REPACK_NEEDED: Final = "true"
#: The ``Repack`` property's value that passes the model data through unchanged: the resource writes nothing,
#: its ``ModelDataUrl`` is the model data's, and its Delete deletes nothing (``attach().deploy()``, whose
#: container is known only when the stack deploys, adds the resource whether or not the container needs it).
PASS_THROUGH: Final = "false"


class RepackProperty:
    """Properties of the repack resource."""

    #: ``s3://`` URI of the model archive to repack.
    MODEL_DATA_URL: Final = "ModelDataUrl"
    #: ``s3://`` URI of the code archive put under ``code/``.
    CODE_URL: Final = "CodeUrl"
    #: ``s3://bucket/prefix/`` the repacked archive is written under (``<prefix><digest>/model.tar.gz``).
    DESTINATION_PREFIX: Final = "DestinationPrefix"
    #: Optional: the SSE-KMS key of the repacked object.
    KMS_KEY_ID: Final = "KmsKeyId"
    #: Optional: :data:`PASS_THROUGH` passes the model data through; absent (``RLModel``) or
    #: :data:`REPACK_NEEDED`, the archive is repacked.
    REPACK: Final = "Repack"


class RepackAttribute:
    """Attributes of the repack resource (``Fn::GetAtt``)."""

    #: ``s3://`` URI of the repacked archive (also the physical id).
    MODEL_DATA_URL: Final = "ModelDataUrl"


def needs_repack(properties: Mapping[str, object]) -> bool:
    """Whether a resource with ``properties`` repacks (else it passes the model data through)."""
    return properties.get(RepackProperty.REPACK) != PASS_THROUGH


def destination_prefix(model_data_url: str) -> str | None:
    """``s3://bucket/folder/repacked/`` for ``s3://bucket/folder/<name>`` (``model_data_url``'s last path part
    may not hold a CDK token); None when it cannot be split here (a token as a whole: the construct splits it
    in the template at ``model.tar.gz``)."""
    head, slash, tail = model_data_url.rpartition("/")
    if not slash or "${Token[" in tail or not head.startswith("s3://") or len(head) <= len("s3://"):
        return None
    return f"{head}/{REPACKED_FOLDER}/"


def repacked_uri(properties: Mapping[str, object]) -> str:
    """The repacked archive of a resource: ``<DestinationPrefix><digest>/model.tar.gz``, the digest over the
    inputs (model data, code, prefix, key), so other inputs make another object."""
    inputs = {
        name: properties.get(name) or ""
        for name in (
            RepackProperty.MODEL_DATA_URL,
            RepackProperty.CODE_URL,
            RepackProperty.DESTINATION_PREFIX,
            RepackProperty.KMS_KEY_ID,
        )
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:DIGEST_LENGTH]
    prefix = str(inputs[RepackProperty.DESTINATION_PREFIX])
    return f"{prefix}{digest}/{REPACKED_NAME}"


def is_written_by(physical_id: str, destination_prefix: str) -> bool:
    """Whether ``physical_id`` names an archive such a resource writes under ``destination_prefix`` (Delete
    removes nothing else: a failed Create's id is the request id, not an ``s3://`` URI)."""
    if not destination_prefix.startswith("s3://") or not physical_id.startswith(destination_prefix):
        return False
    digest, slash, name = physical_id[len(destination_prefix) :].partition("/")
    return bool(slash) and name == REPACKED_NAME and len(digest) == DIGEST_LENGTH and digest.isalnum()
