"""The SageMaker and Application Auto Scaling requests of the serving side, as the APIs spell them.

A pipeline run names its model and endpoint config after its training job (``$run.job``: unique per
execution, at most 63 characters), or ``<model_name_prefix>-<suffix>`` (``$run.name``); the ``name`` argument of
the requests below is that JSONata. Its endpoint is named as its config (a per-run endpoint) or has a stable
name (``$run.endpoint``). ``RLEndpoint`` renders the same variant, serverless and data capture settings to check
them against botocore's model. Every API-cased key of these requests is written here. Pure: no ``aws_cdk``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .jsonata import RUN_JOB

if TYPE_CHECKING:
    from .endpoint import ScalingSettings, ServerlessSettings

#: The variant every endpoint serves (``deploy()``'s and ``RLEndpoint``'s).
VARIANT_NAME = "AllTraffic"
#: Its scalable dimension.
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
#: The name of the target-tracking policy a run puts (the same every run: PutScalingPolicy updates it).
SCALING_POLICY_NAME = "rl-constructs-invocations-per-instance"
_RESOURCE_ID = "{% 'endpoint/' & $run.endpoint & '/variant/" + VARIANT_NAME + "' %}"

#: The pipeline's requests checked against botocore's model at synth, with the argument each field comes from
#: (values computed at run time, ``{% ... %}``, and tokens are checked where they resolve).
PIPELINE_ARGUMENTS: dict[str, dict[str, str]] = {
    "CreateModel": {
        "PrimaryContainer.Image": "serving_image_uri",
        "PrimaryContainer.Environment": "model_environment",
        "ExecutionRoleArn": "model_role",
        "Tags": "tags",
    },
    "CreateEndpointConfig": {
        "Tags": "tags",
        "ProductionVariants[].InstanceType": "deploy_instance_type",
        "ProductionVariants[].InitialInstanceCount": "initial_instance_count",
        "ProductionVariants[].ServerlessConfig": "serverless",
        "KmsKeyId": "endpoint_kms_key",
        "DataCaptureConfig": "data_capture",
    },
    "CreateEndpoint": {"EndpointName": "endpoint_name", "Tags": "tags"},
    "UpdateEndpoint": {"DeploymentConfig": "deployment"},
}


# --- settings shared by RLEndpoint and the pipeline ---------------------------------------------------------


def serverless_config(settings: ServerlessSettings) -> dict[str, int]:
    """The variant's ``ServerlessConfig`` (memory in MiB)."""
    return {
        "MemorySizeInMB": settings.memory_mib,
        "MaxConcurrency": settings.max_concurrency,
        **(
            {"ProvisionedConcurrency": settings.provisioned_concurrency}
            if settings.provisioned_concurrency is not None
            else {}
        ),
    }


def data_capture_config(
    *, destination_uri: str, sampling_percentage: int, modes: Sequence[str], kms_key_id: str | None
) -> dict[str, Any]:
    """``DataCaptureConfig`` of CreateEndpointConfig: capture ``modes`` (``Input``, ``Output``) to the URI."""
    return {
        "EnableCapture": True,
        "InitialSamplingPercentage": sampling_percentage,
        "DestinationS3Uri": destination_uri,
        "CaptureOptions": [{"CaptureMode": mode} for mode in modes],
        **({"KmsKeyId": kms_key_id} if kms_key_id else {}),
    }


def production_variant(
    *,
    model_name: str,
    instance_type: str | None,
    instance_count: int | None,
    serverless: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The endpoint's one ``AllTraffic`` variant, weight 1: on ``instance_type`` instances, or serverless
    (``ServerlessConfig``, no instance type or count), as ``deploy()`` makes it."""
    capacity: dict[str, Any] = (
        {"ServerlessConfig": dict(serverless)}
        if serverless is not None
        else {"InitialInstanceCount": instance_count, "InstanceType": instance_type}
    )
    return {"VariantName": VARIANT_NAME, "ModelName": model_name, **capacity, "InitialVariantWeight": 1}


def model_request(
    *,
    model_name: str | None,
    role_arn: str,
    image: str,
    model_data_url: str,
    environment: Mapping[str, str],
    vpc_config: Mapping[str, Sequence[str]] | None = None,
    enable_network_isolation: bool = False,
) -> dict[str, Any]:
    """CreateModel of an ``RLModel`` (CloudFormation sends it; ``model_name`` None: CloudFormation names it)."""
    return {
        **({"ModelName": model_name} if model_name is not None else {}),
        "PrimaryContainer": {
            "Image": image,
            "ModelDataUrl": model_data_url,
            **({"Environment": dict(environment)} if environment else {}),
        },
        "ExecutionRoleArn": role_arn,
        **({"VpcConfig": {key: list(value) for key, value in vpc_config.items()}} if vpc_config else {}),
        **({"EnableNetworkIsolation": True} if enable_network_isolation else {}),
    }


# --- a pipeline run's requests ------------------------------------------------------------------------------


def create_model_request(
    *,
    role_arn: str,
    image: str,
    environment: Mapping[str, str],
    tags: Sequence[Mapping[str, str]],
    vpc_config: Mapping[str, Sequence[str]] | None = None,
    enable_network_isolation: bool = False,
    name: str = RUN_JOB,
) -> dict[str, Any]:
    """CreateModel of this run: named ``name`` (after its job by default), serving its model data, in the job's
    VPC when it has one (``create_model()`` reuses the estimator's ``VpcConfig``; ``vpc_config`` is the one the
    pipeline decided), network-isolated when asked."""
    return {
        "ModelName": f"{{% {name} %}}",
        "ExecutionRoleArn": role_arn,
        "PrimaryContainer": {
            "Image": image,
            "ModelDataUrl": "{% $run.modelData %}",
            **({"Environment": dict(environment)} if environment else {}),
        },
        **({"VpcConfig": {key: list(value) for key, value in vpc_config.items()}} if vpc_config else {}),
        **({"EnableNetworkIsolation": True} if enable_network_isolation else {}),
        "Tags": [dict(tag) for tag in tags],
    }


def endpoint_config_request(
    *,
    instance_type: str | None,
    instance_count: int,
    tags: Sequence[Mapping[str, str]],
    kms_key_id: str | None = None,
    data_capture: Mapping[str, Any] | None = None,
    serverless: Mapping[str, int] | None = None,
    name: str = RUN_JOB,
) -> dict[str, Any]:
    """CreateEndpointConfig of this run (named ``name``, as its model): one ``AllTraffic`` variant
    (:func:`production_variant`) serving the run's model."""
    if (instance_type is None) == (serverless is None):
        raise ValueError("exactly one of instance_type and serverless")
    variant = production_variant(
        model_name=f"{{% {name} %}}", instance_type=instance_type, instance_count=instance_count, serverless=serverless
    )
    return {
        "EndpointConfigName": f"{{% {name} %}}",
        "ProductionVariants": [variant],
        **({"KmsKeyId": kms_key_id} if kms_key_id else {}),
        **({"DataCaptureConfig": dict(data_capture)} if data_capture else {}),
        "Tags": [dict(tag) for tag in tags],
    }


def create_endpoint_request(tags: Sequence[Mapping[str, str]], name: str = RUN_JOB) -> dict[str, Any]:
    """CreateEndpoint of the run's endpoint name, serving the run's config (named ``name``)."""
    return {"EndpointName": "{% $run.endpoint %}", "EndpointConfigName": f"{{% {name} %}}", "Tags": list(tags)}


def update_endpoint_request(
    *, retain_instance_counts: bool, deployment_config: Mapping[str, Any] | None = None, name: str = RUN_JOB
) -> dict[str, Any]:
    """UpdateEndpoint to this run's config. With ``retain_instance_counts``, the variant's current desired
    instance count and weight stay (autoscaling or an operator may have changed them); the data capture
    settings come from the new config."""
    request: dict[str, Any] = {"EndpointName": "{% $run.endpoint %}", "EndpointConfigName": f"{{% {name} %}}"}
    if retain_instance_counts:
        request["RetainAllVariantProperties"] = True
        request["ExcludeRetainedVariantProperties"] = [{"VariantPropertyType": "DataCaptureConfig"}]
    if deployment_config:
        request["DeploymentConfig"] = dict(deployment_config)
    return request


def run_endpoint_request() -> dict[str, str]:
    """DescribeEndpoint and DeleteEndpoint of the run's endpoint."""
    return {"EndpointName": "{% $run.endpoint %}"}


def run_resource_request(action: str, name: str = RUN_JOB) -> dict[str, str]:
    """DeleteEndpointConfig or DeleteModel of what the run created (named ``name``: after its job by default)."""
    return {_NAME_KEYS[action]: f"{{% {name} %}}"}


def serving_config_request() -> dict[str, str]:
    """DescribeEndpointConfig of the config the endpoint serves (a DescribeEndpoint answer's)."""
    return {"EndpointConfigName": "{% $states.input.EndpointConfigName %}"}


def earlier_configs_request(base_job_name: str) -> dict[str, Any]:
    """ListEndpointConfigs of the family's newest (one page): the earlier runs a successful run cleans up."""
    return {"NameContains": base_job_name, "SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": 100}


def earlier_tags_request(item: str) -> dict[str, str]:
    """ListTags of an earlier run's resource (``item``: its JSONata, with ``Arn``)."""
    return {"ResourceArn": f"{{% {item}.Arn %}}"}


def earlier_resource_request(action: str) -> dict[str, str]:
    """DeleteEndpoint, DeleteEndpointConfig or DeleteModel of an earlier run's resource (the item's ``Name``)."""
    return {_NAME_KEYS[action]: "{% $states.input.Name %}"}


#: The name parameter of each Delete call.
_NAME_KEYS = {
    "DeleteEndpoint": "EndpointName",
    "DeleteEndpointConfig": "EndpointConfigName",
    "DeleteModel": "ModelName",
}


# --- autoscaling of the stable endpoint ---------------------------------------------------------------------


def _scalable_target() -> dict[str, str]:
    return {"ServiceNamespace": "sagemaker", "ResourceId": _RESOURCE_ID, "ScalableDimension": SCALABLE_DIMENSION}


def register_scalable_target_request(settings: ScalingSettings) -> dict[str, Any]:
    """RegisterScalableTarget of the endpoint's variant: registers it, or updates its capacity range (the call is
    idempotent, so every run sends it)."""
    return {**_scalable_target(), "MinCapacity": settings.min_capacity, "MaxCapacity": settings.max_capacity}


def scaling_policy_request(settings: ScalingSettings) -> dict[str, Any]:
    """PutScalingPolicy: target tracking on ``SageMakerVariantInvocationsPerInstance`` (created or updated)."""
    configuration: dict[str, Any] = {
        "TargetValue": float(settings.target_invocations_per_instance),
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
    }
    if settings.scale_in_cooldown_seconds is not None:
        configuration["ScaleInCooldown"] = settings.scale_in_cooldown_seconds
    if settings.scale_out_cooldown_seconds is not None:
        configuration["ScaleOutCooldown"] = settings.scale_out_cooldown_seconds
    return {
        "PolicyName": SCALING_POLICY_NAME,
        "PolicyType": "TargetTrackingScaling",
        **_scalable_target(),
        "TargetTrackingScalingPolicyConfiguration": configuration,
    }


def deregister_scalable_target_request() -> dict[str, Any]:
    """DeregisterScalableTarget of the variant: SageMaker refuses an update that changes the instance type of an
    autoscaled variant (Developer Guide, "Update endpoints that use auto scaling")."""
    return _scalable_target()
