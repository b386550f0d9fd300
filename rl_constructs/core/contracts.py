"""The names constructs and Lambda handlers share: custom-resource properties, attributes and tags.

Each custom resource is written by a construct (``rl_constructs/attach.py``, ``rl_constructs/cleanup.py``)
and read by a handler (``_lambda/<name>/index.py``). Both import their names from here, so a renamed
property cannot leave one side behind. This module is bundled with the handlers (``handler_code.py``):
plain constants, no imports.
"""

from __future__ import annotations

from typing import Final

# ---- tags --------------------------------------------------------------------------------------------------

#: The tag every SageMaker resource a pipeline run creates carries; its value names the pipeline. The
#: cleanup custom resource deletes only resources that carry it with its pipeline's value.
PIPELINE_TAG_KEY: Final = "rl-constructs:pipeline"

# ---- attach (Custom::RLAttachedTrainingJob) ------------------------------------------------------------------

ATTACH_RESOURCE_TYPE: Final = "Custom::RLAttachedTrainingJob"


class AttachProperty:
    """Properties of the attach resource."""

    TRAINING_JOB_NAME: Final = "TrainingJobName"
    #: Present once the job is deployed: an object with the keys of :class:`ServingProperty`.
    SERVING: Final = "Serving"


class ServingProperty:
    """Keys of the attach resource's ``Serving`` property (what ``deploy()`` was given)."""

    PROCESSOR: Final = "Processor"
    IMAGE_URI: Final = "ImageUri"
    TENSORFLOW_SERVING_VERSION: Final = "TensorflowServingVersion"
    SERVING_FRAMEWORK_VERSION: Final = "ServingFrameworkVersion"
    #: Serving code given to ``deploy()`` (``SAGEMAKER_PROGRAM`` and its ``s3://`` archive), served instead of
    #: the job's training code; absent when the training code serves.
    SERVING_ENTRY_POINT: Final = "ServingEntryPoint"
    SERVING_SUBMIT_DIRECTORY: Final = "ServingSubmitDirectory"
    #: ``"true"`` when ``deploy()`` was told the model's VPC (``vpc_config_override`` or ``vpc``): the handler
    #: then deploys a job trained in a VPC; without it, it refuses to drop the job's VPC silently.
    MODEL_VPC_GIVEN: Final = "ModelVpcGiven"


class AttachAttribute:
    """Attributes of the attach resource (``Fn::GetAtt``). Each long value (model data, submit directory,
    images, role) appears once: CloudFormation's whole custom-resource response must fit 4,096 bytes, so
    what repeats a value (the job name, object ARNs, serving environment) is derived in the template or
    taken from the resource's properties instead."""

    TRAINING_JOB_ARN: Final = "TrainingJobArn"
    MODEL_DATA_URL: Final = "ModelDataUrl"
    TRAINING_IMAGE: Final = "TrainingImage"
    ROLE_ARN: Final = "RoleArn"
    TOOLKIT: Final = "Toolkit"
    TOOLKIT_VERSION: Final = "ToolkitVersion"
    FRAMEWORK: Final = "Framework"
    ENTRY_POINT: Final = "EntryPoint"
    SUBMIT_DIRECTORY: Final = "SubmitDirectory"
    INSTANCE_TYPE: Final = "InstanceType"
    INSTANCE_COUNT: Final = "InstanceCount"
    SERVING_IMAGE: Final = "ServingImage"
    #: The switch of ``SAGEMAKER_PROGRAM``: ``""`` when the serving container runs the training code (its
    #: environment then carries the entry point), :data:`CODE_SWITCH_OFF` when it does not.
    SERVING_CODE_SWITCH: Final = "ServingCodeSwitch"
    #: The switch of ``SAGEMAKER_SUBMIT_DIRECTORY``: ``""`` shows the job's submit directory, ``"<value>\n"``
    #: replaces it by ``<value>`` (``"\n"``: empty; ``"/opt/ml/model/code\n"``: the repacked archive's code).
    SERVING_SUBMIT_DIRECTORY_SWITCH: Final = "ServingSubmitDirectorySwitch"
    #: Whether the chosen container reads its code from ``code/`` inside the model archive: the ``Repack``
    #: property of the ``Custom::RLModelRepack`` that ``attach().deploy()`` adds (``core.serving.deploy_repack``).
    SERVING_REPACK: Final = "ServingRepack"
    #: Prefix of the serving environment attributes (``ServingEnvironment.SAGEMAKER_REGION``...), one per
    #: key of ``domain.serving.SERVING_ENVIRONMENT_KEYS`` except those in :data:`CODE_ENVIRONMENT`.
    SERVING_ENVIRONMENT_PREFIX: Final = "ServingEnvironment."


#: The serving environment variables that repeat a long attribute; the template derives them from the
#: attribute and the switch instead of reading an attribute of their own.
CODE_ENVIRONMENT: Final = {
    "SAGEMAKER_PROGRAM": AttachAttribute.ENTRY_POINT,
    "SAGEMAKER_SUBMIT_DIRECTORY": AttachAttribute.SUBMIT_DIRECTORY,
}

#: The switch value that hides the code: the template computes ``Select(0, Split(D, switch + value + D))``,
#: which is ``value`` when the switch is ``""``, ``""`` when it is ``D`` and ``x`` when it is ``x + D``. The
#: handler refuses an entry point or submit directory containing ``D`` (a line feed, which no SDK-written S3 URI
#: or file name holds).
CODE_SWITCH_OFF: Final = "\n"

#: Each code variable's switch attribute.
CODE_SWITCH_ATTRIBUTES: Final = {
    "SAGEMAKER_PROGRAM": AttachAttribute.SERVING_CODE_SWITCH,
    "SAGEMAKER_SUBMIT_DIRECTORY": AttachAttribute.SERVING_SUBMIT_DIRECTORY_SWITCH,
}

# ---- cleanup (Custom::RLPipelineResourceCleanup) --------------------------------------------------------------

CLEANUP_RESOURCE_TYPE: Final = "Custom::RLPipelineResourceCleanup"


class CleanupProperty:
    """Properties of the cleanup resource."""

    #: The value of :data:`PIPELINE_TAG_KEY` that marks this pipeline's resources.
    PIPELINE_TAG_VALUE: Final = "PipelineTagValue"
    #: Names of deletable models, endpoint configs and endpoints start with one of these.
    NAME_PREFIXES: Final = "NamePrefixes"
    #: Endpoints with exactly these names are deletable too (stable, user-given endpoint names).
    ENDPOINT_NAMES: Final = "EndpointNames"
