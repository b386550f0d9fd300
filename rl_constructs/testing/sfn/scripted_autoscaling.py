"""A scripted Application Auto Scaling for ``aws-sdk:applicationautoscaling:*`` tasks (SageMaker variants).

Every request is checked against botocore's ``application-autoscaling`` model (``ParamValidator`` and the
model's length/range/pattern constraints, as :class:`~rl_constructs.testing.sfn.ScriptedSageMaker` does);
errors are the modeled exception classes (``ObjectNotFoundException``, ``ValidationException``...), so an
execution sees ``ApplicationAutoScaling.<X>Exception``. It belongs to a ``ScriptedSageMaker``
(``sm.application_autoscaling``), whose endpoints it checks: registering a variant of a missing endpoint is a
``ValidationException`` as in AWS, and deleting an endpoint deregisters its variants (SageMaker does when the
caller may ``application-autoscaling:DeregisterScalableTarget``).
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore.errorfactory import ClientExceptionsFactory
from botocore.model import ServiceModel

from .scripted_sagemaker import Call, ScriptedService, _Fault

if TYPE_CHECKING:
    from .scripted_sagemaker import ScriptedSageMaker


@functools.cache
def _service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("application-autoscaling")


@functools.cache
def _exceptions() -> Any:
    return ClientExceptionsFactory().create_client_exceptions(_service_model())


class ScriptedApplicationAutoScaling(ScriptedService):
    """Scalable targets and scaling policies of SageMaker variants; ``calls`` lists every request."""

    def __init__(self, sagemaker: ScriptedSageMaker) -> None:
        self._sagemaker = sagemaker
        self.model = _service_model()
        self.exceptions = _exceptions()
        self.calls: list[Call] = []
        #: (namespace, resource id, dimension) -> the registered target.
        self.targets: dict[tuple[str, str, str], dict[str, Any]] = {}
        #: (namespace, resource id, dimension, policy name) -> the policy request.
        self.policies: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._lock = threading.RLock()

    def _metadata(self, status: int = 200) -> dict[str, Any]:
        return self._sagemaker._metadata(status)  # one request-id sequence for the account

    @staticmethod
    def _key(p: dict[str, Any]) -> tuple[str, str, str]:
        return (p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"])

    def _check_variant(self, operation: str, p: dict[str, Any]) -> None:
        parts = p["ResourceId"].split("/")
        if p["ServiceNamespace"] != "sagemaker" or len(parts) != 4 or parts[0] != "endpoint" or parts[2] != "variant":
            raise self.error(operation, "ValidationException", f"Unsupported resource id {p['ResourceId']}")
        view = self._sagemaker.endpoint_variants(parts[1])
        if view is None or parts[3] not in view:
            raise self.error(
                operation, "ValidationException", f"The endpoint variant {p['ResourceId']} does not exist."
            )

    def register_scalable_target(self, **params: Any) -> dict[str, Any]:
        def handler(p: dict[str, Any]) -> dict[str, Any]:
            key = self._key(p)
            current = self.targets.get(key)
            if current is None:
                self._check_variant("RegisterScalableTarget", p)
                if "MinCapacity" not in p or "MaxCapacity" not in p:
                    raise self.error(
                        "RegisterScalableTarget", "ValidationException", "MinCapacity and MaxCapacity are required."
                    )
                current = {}
            current.update({k: v for k, v in p.items()})
            if current["MinCapacity"] > current["MaxCapacity"]:
                raise self.error("RegisterScalableTarget", "ValidationException", "MinCapacity > MaxCapacity")
            self.targets[key] = current
            return {"ScalableTargetARN": f"arn:aws:application-autoscaling:target/{len(self.targets)}"}

        return self._call("RegisterScalableTarget", params, handler)

    def put_scaling_policy(self, **params: Any) -> dict[str, Any]:
        def handler(p: dict[str, Any]) -> dict[str, Any]:
            key = self._key(p)
            if key not in self.targets:
                raise self.error("PutScalingPolicy", "ObjectNotFoundException", "No scalable target registered.")
            self.policies[(*key, p["PolicyName"])] = p
            return {"PolicyARN": f"arn:aws:autoscaling:policy/{p['PolicyName']}", "Alarms": []}

        return self._call("PutScalingPolicy", params, handler)

    def deregister_scalable_target(self, **params: Any) -> dict[str, Any]:
        def handler(p: dict[str, Any]) -> dict[str, Any]:
            key = self._key(p)
            if key not in self.targets:
                raise self.error("DeregisterScalableTarget", "ObjectNotFoundException", "No scalable target found.")
            self.forget(key)
            return {}

        return self._call("DeregisterScalableTarget", params, handler)

    def forget(self, key: tuple[str, str, str]) -> None:
        """Drop a target and its policies (deregistration, or SageMaker deleting the endpoint)."""
        with self._lock:
            self.targets.pop(key, None)
            for policy in [k for k in self.policies if k[:3] == key]:
                del self.policies[policy]

    def forget_endpoint(self, endpoint_name: str) -> None:
        """SageMaker deleted ``endpoint_name``: its variants' targets go with it."""
        prefix = f"endpoint/{endpoint_name}/variant/"
        for key in [k for k in self.targets if k[0] == "sagemaker" and k[1].startswith(prefix)]:
            self.forget(key)


__all__ = ["ScriptedApplicationAutoScaling"]
