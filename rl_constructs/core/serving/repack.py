"""The model repack step, as pure data: the Lambda payload and what it changes in the run.

Containers that run inference code only from ``code/`` inside ``model.tar.gz`` (``ServingChoice.
code_in_model_archive``: ``mxnet-inference`` >= 1.4, ``pytorch-inference``, TensorFlow Serving with an
inference script, a job's custom training image) need the model archive repacked with the serving code (the
training code without one), as the SDK's ``repack_model`` does.
RLPipeline runs ``_lambda/repack_model`` as a ``lambda:invoke`` task between "Prepare deployment" and
"Create model". The repacked archive goes next to the training job's ``output/model.tar.gz``, as
``output/repacked/model.tar.gz``: under the job's output prefix, which the hosting role already reads and which
holds the job's artifacts. A failed run leaves it there with the job's other artifacts (it is not one of the
SageMaker resources the failure cleanup deletes); a later run of the same job overwrites it.
"""

from __future__ import annotations

# The ``lambda:invoke`` task retries ``core.workflow.LAMBDA_INVOKE_RETRIES``. Errors the handler raises
# (``RepackError``, S3's ``ClientError`` after botocore's own retries) are not retried: the run fails as
# ``RL.ModelRepackFailed``.

#: The repacked archive of this run: ``.../output/model.tar.gz`` -> ``.../output/repacked/model.tar.gz``. A model
#: archive not named ``model.tar.gz`` is left as it is, and the handler refuses a destination equal to its source.
REPACKED_MODEL_DATA = "{% $replace($run.modelData, /model\\.tar\\.gz$/, 'repacked/model.tar.gz') %}"


def repack_payload(*, code_url: str, kms_key_id: str | None) -> dict[str, str]:
    """The handler's event: this run's model data, the serving code archive, the destination, the SSE-KMS key."""
    return {
        "ModelDataUrl": "{% $run.modelData %}",
        "CodeUrl": code_url,
        "Destination": REPACKED_MODEL_DATA,
        **({"KmsKeyId": kms_key_id} if kms_key_id else {}),
    }


def repacked_assignment() -> dict[str, str]:
    """The run serves the repacked archive from here on (CreateModel reads ``$run.modelData``; the pipeline's
    output ``ModelDataUrl`` is the archive served)."""
    return {"run": "{% $merge([$run, {'modelData': $states.result.Payload.ModelDataUrl}]) %}"}
