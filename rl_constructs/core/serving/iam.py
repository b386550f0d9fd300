"""IAM of the serving side as data: the statements of the hosting role, the pipeline's state machine role and
the batch transform's model role, each wildcard with the reason it cannot be narrower.

The ARNs are strings that may hold CDK tokens (the construct makes them: the family's ARN patterns, the
role's ARN, the stack's partition and account); the statements and the reasons are decided here. KMS
statements come from ``_policy`` (``kms_data_statement``, ``kms_service_grant_statements``). Pure.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence

from ..iam import Statement, allow

#: What hosting needs to run a model's containers in a VPC (the CreateModel execution-role permissions).
HOSTING_VPC_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
#: The service-linked role Application Auto Scaling uses for SageMaker variants.
AUTOSCALING_SERVICE = "sagemaker.application-autoscaling.amazonaws.com"
_AUTOSCALING_ROLE = (
    f"role/aws-service-role/{AUTOSCALING_SERVICE}/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)

# --- why each wildcard is needed ----------------------------------------------------------------------------

#: ``*`` of a pipeline's state machine role, whatever it deploys.
PIPELINE_NO_RESOURCE_TYPE_REASON = "CloudWatch Logs delivery and X-Ray have no resource type."
#: ``*`` of a role whose model runs in a VPC.
VPC_REASON = "The network interfaces SageMaker manages in the VPC are not resource-scoped."
#: ``*`` of a pipeline that autoscales its endpoint.
AUTOSCALING_REASON = (
    "Application Auto Scaling's scalable targets have generated ids; DescribeEndpointConfig reads the"
    " config the endpoint serves, whatever its name; DescribeAlarms has no resource type."
)
#: The target-tracking policy's alarms.
SCALING_ALARMS_REASON = "Application Auto Scaling names the target-tracking policy's alarms TargetTracking-<generated>."
#: The family's models, endpoint configs and endpoints.
FAMILY_REASON = (
    "Models, endpoint configs and endpoints are created per execution, named after its training "
    "job; the policy is scoped to the job family's name prefix."
)
#: The training job family's output prefix, where the repack step writes.
REPACKED_MODEL_REASON = "Model artifacts are written per training job."
#: The repack function's versions.
REPACK_INVOKE_REASON = "lambda:InvokeFunction on the repack function's versions."
#: A serving image known at deploy time only.
TOKEN_IMAGE_REASON = "The serving image is only known at deploy time (an attached job): any repository."
#: Model data under a prefix.
MODEL_DATA_REASON = "Model artifacts are written per training job under the job family's output prefix."
#: Data capture objects.
DATA_CAPTURE_REASON = "SageMaker writes one capture object per request batch."
#: A batch transform's results and input.
TRANSFORM_OUTPUT_REASON = "Each transform run writes its results under this prefix."
TRANSFORM_INPUT_REASON = "The transform reads every object of its input prefix."
TRANSFORM_FAMILY_REASON = "One model and one transform job per execution, named within this stage's family prefix."


def add_reason(reasons: MutableMapping[str, str], resource: str, reason: str) -> None:
    """Record ``reason`` for ``resource``, after the reasons already given for it (each once)."""
    reasons[resource] = "; ".join(dict.fromkeys(filter(None, [reasons.get(resource), reason])))


# --- the hosting role ---------------------------------------------------------------------------------------


def hosting_role_statements(
    *,
    model_data_arns: Sequence[str],
    inference_code_arns: Sequence[str],
    runs_entry_point: bool,
    image_statements: Sequence[Statement],
) -> list[Statement]:
    """What SageMaker hosting does with the model's role: read the model data, the inference code when the
    container runs the entry point (``runs_entry_point``), pull the image."""
    statements = [allow(["s3:GetObject"], model_data_arns, sid="ReadModelData")]
    if inference_code_arns and runs_entry_point:
        statements.append(allow(["s3:GetObject"], inference_code_arns, sid="ReadInferenceCode"))
    statements.extend(image_statements)
    return statements


def hosting_role_reasons(*, repository_arns: Sequence[str], model_data_arns: Sequence[str]) -> dict[str, str]:
    """Why the hosting role's wildcards are needed: a serving image known at deploy time, model data patterns."""
    reasons: dict[str, str] = {}
    if "*" in repository_arns:
        reasons["*"] = TOKEN_IMAGE_REASON
    for arn in model_data_arns:
        if "*" in arn:  # a key pattern (the job family's output prefix), not one model.tar.gz
            reasons[arn] = MODEL_DATA_REASON
    return reasons


def pull_image_statements(repository_arns: Sequence[str]) -> list[Statement]:
    """Pull the serving image from its ECR repositories (none when it is outside ECR)."""
    if not repository_arns:
        return []
    actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    return [allow(actions, repository_arns, sid="PullServingImage")]


def hosting_vpc_statement() -> Statement:
    """The network interfaces of a model in a VPC (not resource-scoped)."""
    return allow(HOSTING_VPC_ACTIONS, ["*"], sid="VpcNetworkInterfaces")


def data_capture_statement(object_arns: Sequence[str]) -> Statement:
    """Write the captured requests and responses (SageMaker writes them with the model's role)."""
    return allow(["s3:PutObject"], object_arns, sid="WriteDataCapture")


# --- the pipeline's state machine role ----------------------------------------------------------------------


def run_resource_statements(role_arn: str, resources: Sequence[str]) -> list[Statement]:
    """Pass the hosting role to SageMaker only, tag what the runs create (tags are set at creation, which
    SageMaker authorizes as ``sagemaker:AddTags``), and read the tags of earlier runs."""
    return [
        allow(
            ["iam:PassRole"],
            [role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
        allow(["sagemaker:AddTags", "sagemaker:ListTags"], resources),
        allow(["sagemaker:ListEndpointConfigs"], ["*"]),
    ]


def rollback_alarm_statements(alarm_arns: Sequence[str]) -> list[Statement]:
    """SageMaker reads the rollback alarms' state with the caller's permissions during a blue/green rollout."""
    return [allow(["cloudwatch:DescribeAlarms"], alarm_arns)] if alarm_arns else []


def autoscaling_statements(
    *, partition: str, account: str, endpoint_arns: Sequence[str], alarms_arn: str
) -> list[Statement]:
    """What registering a SageMaker variant and putting a target-tracking policy need besides the call
    (Developer Guide, "Auto scaling prerequisites"): Application Auto Scaling's service-linked role, reading
    and scaling the endpoint, and the policy's CloudWatch alarms (``alarms_arn``: ``alarm:TargetTracking*``)."""
    return [
        allow(
            ["iam:CreateServiceLinkedRole"],
            [f"arn:{partition}:iam::{account}:{_AUTOSCALING_ROLE}"],
            conditions={"StringLike": {"iam:AWSServiceName": AUTOSCALING_SERVICE}},
        ),
        allow(["sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"], endpoint_arns),
        allow(["sagemaker:DescribeEndpointConfig", "cloudwatch:DescribeAlarms"], ["*"]),
        allow(["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"], [alarms_arn]),
    ]


# --- the batch transform's model role -----------------------------------------------------------------------


def transform_role_statements(*, input_objects: str, input_bucket: str, output_objects: str) -> list[Statement]:
    """What the transform job does with the model's role: read the input (``*`` for a run-time URI), write the
    results."""
    return [
        allow(["s3:GetObject"], [input_objects], sid="ReadTransformInput"),
        allow(["s3:ListBucket"], [input_bucket], sid="ListTransformInput"),
        allow(["s3:PutObject", "s3:AbortMultipartUpload"], [output_objects], sid="WriteTransformOutput"),
    ]


# --- the cleanup handler's role (``cleanup.PipelineResourceCleanupProvider``) -------------------------------

#: ``*`` of the cleanup handler's role.
CLEANUP_NO_RESOURCE_TYPE_REASON = (
    "ListEndpoints, ListEndpointConfigs and ListModels have no resource type: they take '*'; "
    "scalable targets (deregistered when an autoscaled endpoint is deleted) have generated ids."
)
#: The pipelines' name prefixes the handler deletes under.
CLEANUP_PREFIX_REASON = (
    "The resources a pipeline run creates are named <prefix>-<suffix> at run time; the handler deletes only "
    "those that also carry the pipeline's tag."
)


def cleanup_handler_statements(log_group_arn: str) -> list[Statement]:
    """What the cleanup handler does for every pipeline: write its own logs, list the SageMaker resources, and
    deregister an autoscaled endpoint's variant (deleting the endpoint does it only when the caller may:
    Developer Guide, "Delete endpoints configured for auto scaling"; else the scalable target outlives it)."""
    return [
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], [log_group_arn], sid="WriteOwnLogs"),
        allow(
            ["sagemaker:ListEndpoints", "sagemaker:ListEndpointConfigs", "sagemaker:ListModels"],
            ["*"],
            sid="ListPipelineResources",
        ),
        allow(["application-autoscaling:DeregisterScalableTarget"], ["*"], sid="DeregisterAutoscaling"),
    ]


def cleanup_delete_statement(delete_action: str, arns: Sequence[str]) -> Statement:
    """Read the tags of, and delete (``delete_action``), the resources of a pipeline."""
    return allow(["sagemaker:ListTags", delete_action], arns)
