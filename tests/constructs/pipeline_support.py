"""What the tests that build and run RLPipelines share: the Coach job of the example app in a stack of the
scripted account, and the inventory of what a run left in that account."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

from rl_constructs import RLTrainingJob
from rl_constructs.testing.asl import ACCOUNT, REGION
from rl_constructs.testing.sfn import ScriptedSageMaker
from tests.cdk_support import ROOT, new_app

#: The example app's Coach training code.
SOURCE = ROOT / "examples" / "cartpole_coach"


def coach_stack(app: cdk.App | None = None) -> cdk.Stack:
    """A stack in the scripted account's region (``rl_constructs.testing.asl``)."""
    return cdk.Stack(app or new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region=REGION))


def coach_job(stack: cdk.Stack, **props: Any) -> RLTrainingJob:
    """The example app's Coach CartPole training job (TensorFlow, ml.c5.2xlarge) in ``stack``."""
    return RLTrainingJob(
        stack,
        "Train",
        entry_point="train-coach.py",
        source_dir=str(SOURCE),
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="tensorflow",
        instance_type="ml.c5.2xlarge",
        **props,
    )


def inventory(sm: ScriptedSageMaker) -> dict[str, list[str]]:
    """What exists in the scripted account (an endpoint being deleted no longer counts: it is not billed)."""
    models = sm.list_models(MaxResults=100)["Models"]
    configs = sm.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]
    endpoints = sm.list_endpoints(MaxResults=100)["Endpoints"]
    return {
        "models": sorted(m["ModelName"] for m in models),
        "configs": sorted(c["EndpointConfigName"] for c in configs),
        "endpoints": sorted(e["EndpointName"] for e in endpoints if e["EndpointStatus"] != "Deleting"),
    }
