"""What every SageMaker endpoint offers, made here or imported: ``grant_invoke``, ``metric_*``, ``from_*``.

As aws-sagemaker-alpha's ``Endpoint`` does it: ``sagemaker:InvokeEndpoint`` on the endpoint's ARN, the
``AWS/SageMaker`` invocation metrics (sums over 5 minutes, latencies averaged) and the instance metrics of
``/aws/sagemaker/Endpoints`` (averages), each with the ``EndpointName`` and ``VariantName`` dimensions
(Developer Guide, "Monitor Amazon SageMaker AI with Amazon CloudWatch").
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from aws_cdk import ArnFormat, Resource, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from .core.arguments import check_str
from .core.serving.requests import VARIANT_NAME as VARIANT_NAME  # the SDK's ``AllTraffic``

INVOCATION_NAMESPACE = "AWS/SageMaker"
INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"


@runtime_checkable
class IRLEndpoint(Protocol):
    """A SageMaker endpoint, made by ``RLEndpoint`` or imported with ``RLEndpoint.from_endpoint_name()``."""

    @property
    def endpoint_name(self) -> str: ...

    @property
    def endpoint_arn(self) -> str: ...

    @property
    def variant_name(self) -> str: ...

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def metric(self, namespace: str, metric_name: str, **options: Any) -> cloudwatch.Metric: ...

    def metric_invocations(self, **options: Any) -> cloudwatch.Metric: ...

    def metric_model_latency(self, **options: Any) -> cloudwatch.Metric: ...

    def metric_client_errors(self, **options: Any) -> cloudwatch.Metric: ...

    def metric_server_errors(self, **options: Any) -> cloudwatch.Metric: ...

    def metric_overhead_latency(self, **options: Any) -> cloudwatch.Metric: ...

    def metric_cpu_utilization(self, **options: Any) -> cloudwatch.Metric: ...

    def metric_memory_utilization(self, **options: Any) -> cloudwatch.Metric: ...

    def metric_gpu_utilization(self, **options: Any) -> cloudwatch.Metric: ...


class EndpointBase(Resource):
    """Grants and metrics of an endpoint; subclasses set ``endpoint_name``, ``endpoint_arn``, ``variant_name``."""

    endpoint_name: str
    endpoint_arn: str
    variant_name: str = VARIANT_NAME

    @classmethod
    def from_endpoint_name(
        cls, scope: Construct, id: str, endpoint_name: str, *, variant_name: str = VARIANT_NAME
    ) -> IRLEndpoint:
        """An endpoint made elsewhere (another stack, ``RLPipeline``, the SDK), by name, in this stack's
        account and region. Its ARN spells the name in lower case, as SageMaker writes endpoint ARNs."""
        check_str(endpoint_name, "endpoint_name")
        check_str(variant_name, "variant_name")
        name = endpoint_name if Token.is_unresolved(endpoint_name) else endpoint_name.lower()
        arn = Stack.of(scope).format_arn(service="sagemaker", resource="endpoint", resource_name=name)
        return _ImportedEndpoint(scope, id, endpoint_name, arn, variant_name)

    @classmethod
    def from_endpoint_arn(
        cls, scope: Construct, id: str, endpoint_arn: str, *, variant_name: str = VARIANT_NAME
    ) -> IRLEndpoint:
        """An endpoint made elsewhere, by ARN (``arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>``)."""
        check_str(endpoint_arn, "endpoint_arn")
        check_str(variant_name, "variant_name")
        parts = Stack.of(scope).split_arn(endpoint_arn, ArnFormat.SLASH_RESOURCE_NAME)
        if not Token.is_unresolved(endpoint_arn) and (parts.service != "sagemaker" or parts.resource != "endpoint"):
            from .core.errors import RLConfigurationError

            raise RLConfigurationError(
                "endpoint_arn",
                f"expected arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>, got {endpoint_arn!r}.",
            )
        return _ImportedEndpoint(scope, id, str(parts.resource_name), endpoint_arn, variant_name)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call InvokeEndpoint (``runtime.Predictor``, ``predictor.predict()``) on this endpoint."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:InvokeEndpoint"], resource_arns=[self.endpoint_arn]
        )

    def metric(self, namespace: str, metric_name: str, **options: Any) -> cloudwatch.Metric:
        """A metric of this endpoint's variant (``EndpointName``, ``VariantName``): a sum over 5 minutes
        unless ``options`` (``cloudwatch.MetricOptions`` as keywords: ``statistic``, ``period``, ``label``...)
        say otherwise."""
        settings: dict[str, Any] = {"statistic": "Sum", **options}
        dimensions = {"EndpointName": self.endpoint_name, "VariantName": self.variant_name}
        settings["dimensions_map"] = {**dimensions, **settings.get("dimensions_map", {})}
        return cloudwatch.Metric(namespace=namespace, metric_name=metric_name, **settings)

    def metric_invocations(self, **options: Any) -> cloudwatch.Metric:
        """InvokeEndpoint requests the model answered (sum over 5 minutes)."""
        return self.metric(INVOCATION_NAMESPACE, "Invocations", **options)

    def metric_invocations_per_instance(self, **options: Any) -> cloudwatch.Metric:
        """Invocations divided by the variant's instance count (sum over 5 minutes)."""
        return self.metric(INVOCATION_NAMESPACE, "InvocationsPerInstance", **options)

    def metric_client_errors(self, **options: Any) -> cloudwatch.Metric:
        """``Invocation4XXErrors``: requests the model answered with a 4xx (sum over 5 minutes)."""
        return self.metric(INVOCATION_NAMESPACE, "Invocation4XXErrors", **options)

    def metric_server_errors(self, **options: Any) -> cloudwatch.Metric:
        """``Invocation5XXErrors``: requests the model answered with a 5xx (sum over 5 minutes)."""
        return self.metric(INVOCATION_NAMESPACE, "Invocation5XXErrors", **options)

    def metric_model_latency(self, **options: Any) -> cloudwatch.Metric:
        """``ModelLatency`` in microseconds, as seen from SageMaker (average over 5 minutes)."""
        return self.metric(INVOCATION_NAMESPACE, "ModelLatency", **{"statistic": "Average", **options})

    def metric_overhead_latency(self, **options: Any) -> cloudwatch.Metric:
        """``OverheadLatency`` in microseconds, SageMaker's own share (average over 5 minutes)."""
        return self.metric(INVOCATION_NAMESPACE, "OverheadLatency", **{"statistic": "Average", **options})

    def metric_cpu_utilization(self, **options: Any) -> cloudwatch.Metric:
        """``CPUUtilization`` in percent, summed over the cores (average over 5 minutes; instances only)."""
        return self.metric(INSTANCE_NAMESPACE, "CPUUtilization", **{"statistic": "Average", **options})

    def metric_memory_utilization(self, **options: Any) -> cloudwatch.Metric:
        """``MemoryUtilization`` in percent (average over 5 minutes; instances only)."""
        return self.metric(INSTANCE_NAMESPACE, "MemoryUtilization", **{"statistic": "Average", **options})

    def metric_gpu_utilization(self, **options: Any) -> cloudwatch.Metric:
        """``GPUUtilization`` in percent, summed over the GPUs (average over 5 minutes; GPU instances)."""
        return self.metric(INSTANCE_NAMESPACE, "GPUUtilization", **{"statistic": "Average", **options})

    def metric_gpu_memory_utilization(self, **options: Any) -> cloudwatch.Metric:
        """``GPUMemoryUtilization`` in percent (average over 5 minutes; GPU instances)."""
        return self.metric(INSTANCE_NAMESPACE, "GPUMemoryUtilization", **{"statistic": "Average", **options})

    def metric_disk_utilization(self, **options: Any) -> cloudwatch.Metric:
        """``DiskUtilization`` in percent (average over 5 minutes; instances only)."""
        return self.metric(INSTANCE_NAMESPACE, "DiskUtilization", **{"statistic": "Average", **options})


class _ImportedEndpoint(EndpointBase):
    """An endpoint this app does not create: only its name and ARN are known."""

    def __init__(self, scope: Construct, id: str, endpoint_name: str, endpoint_arn: str, variant_name: str) -> None:
        super().__init__(scope, id, environment_from_arn=endpoint_arn)
        self.endpoint_name = endpoint_name
        self.endpoint_arn = endpoint_arn
        self.variant_name = variant_name
