"""Test your own stacks as this project tests its own: ``pip install 'rl-constructs[testing]'``.

- :func:`new_app`: a ``cdk.App`` with your ``cdk.json`` context (a bare ``cdk.App()`` in pytest does not
  read it, so its templates would differ from ``cdk synth``'s).
- :func:`synth`: one synth with cdk-nag's AwsSolutions checks attached; returns every template and the
  cdk-nag report (an unacknowledged error fails with cdk-nag's own report). :func:`nag_findings`,
  :func:`nag_acknowledgments` read it; :func:`assert_clean` checks a stack in one call (cfn-lint clean,
  no cdk-nag finding left, every acknowledgment with its reason).
- :func:`lint`: cfn-lint in-process (one reused runner: ~0.05 s a template).
- :func:`stable` / :func:`mask_asset_hashes`: asset hashes masked, for syrupy snapshots that survive a
  change of machine or checkout (``assert template == snapshot(matcher=mask_asset_hashes)``).
- :func:`role_statements`: every IAM statement granted to a template's roles, to assert permissions.
- :mod:`rl_constructs.testing.sfn`: run a synthesized state machine in moto's Step Functions engine with the
  reference JSONata against a scripted SageMaker (``run_execution(template, input, ScriptedSageMaker())``);
  :mod:`rl_constructs.testing.asl`: fill a template's intrinsics, evaluate one state's JSONata.

Nothing here reaches AWS.
"""

from .cdk import (
    LINT_IGNORED,
    LINT_REGIONS,
    Synthesized,
    assert_clean,
    cdk_json_context,
    find_cdk_json,
    lint,
    nag_acknowledgments,
    nag_findings,
    new_app,
    role_statements,
    synth,
)
from .snapshot import ASSET_HASH, mask_asset_hashes, stable

__all__ = [
    "ASSET_HASH",
    "LINT_IGNORED",
    "LINT_REGIONS",
    "Synthesized",
    "assert_clean",
    "cdk_json_context",
    "find_cdk_json",
    "lint",
    "mask_asset_hashes",
    "nag_acknowledgments",
    "nag_findings",
    "new_app",
    "role_statements",
    "stable",
    "synth",
]
