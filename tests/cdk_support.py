"""The project's tests use ``rl_constructs.testing`` (what users get with ``rl-constructs[testing]``).

This module only pins :func:`new_app` to this repository's ``cdk.json`` (whatever the working directory)
and names :data:`ROOT`; everything else is the package's. New tests import from ``rl_constructs.testing``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk

from rl_constructs import testing
from rl_constructs.testing import (
    Synthesized,
    assert_clean,
    lint,
    nag_acknowledgments,
    nag_findings,
    role_statements,
    stable,
    synth,
)

ROOT = Path(__file__).resolve().parents[1]


def new_app(**context: Any) -> cdk.App:
    """``rl_constructs.testing.new_app`` with this repository's ``cdk.json``."""
    return testing.new_app(ROOT / "cdk.json", **context)


def user_state_machine(stack: cdk.Stack, start: Any) -> Any:
    """A state machine of the user's own running ``start`` (a task of the library, or a chain), logged and traced
    as cdk-nag wants, its unavoidable wildcard acknowledged (logs delivery and X-Ray have no resource type)."""
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_stepfunctions as sfn

    machine = sfn.StateMachine(
        stack,
        "SM",
        definition_body=sfn.DefinitionBody.from_chainable(start),
        tracing_enabled=True,
        logs=sfn.LogOptions(destination=logs.LogGroup(stack, "Logs"), level=sfn.LogLevel.ALL),
    )
    cdk.Validations.of(machine.role).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            reason="CloudWatch Logs delivery and X-Ray APIs have no resource type",
        )
    )
    return machine


#: The descriptions of the library's SageMaker roles, and the shared policy each kind attaches.
HOSTING_ROLE = ("SageMaker hosting role of an RL model (rl-constructs): least privilege", "RLHostingCommonPolicy")
TRAINING_ROLE = (
    "SageMaker execution role of an RL training job (rl-constructs): least privilege",
    "RLTrainingJobCommonPolicy",
)


def sagemaker_role(kind: tuple[str, str]) -> dict[str, Any]:
    """The properties of a SageMaker role of ``kind`` (:data:`HOSTING_ROLE`, :data:`TRAINING_ROLE`), for
    ``Template.has_resource_properties``: trusted by SageMaker only, its description, its kind's shared policy."""
    description, shared_policy = kind
    return {
        "AssumeRolePolicyDocument": {
            "Statement": [
                {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
            ],
            "Version": "2012-10-17",
        },
        "Description": description,
        "ManagedPolicyArns": [{"Ref": cdk.assertions.Match.string_like_regexp(f"^{shared_policy}")}],
    }


__all__ = [
    "HOSTING_ROLE",
    "ROOT",
    "TRAINING_ROLE",
    "Synthesized",
    "assert_clean",
    "lint",
    "nag_acknowledgments",
    "nag_findings",
    "new_app",
    "role_statements",
    "sagemaker_role",
    "stable",
    "synth",
]


def load_example(relative: str, module_name: str) -> Any:
    """An example app module (``examples/<relative>``), loaded by path: the examples are not a package."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(module_name, ROOT / "examples" / relative)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
