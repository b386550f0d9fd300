"""Helpers every construct test reuses: an App like the CLI's, one synth with cdk-nag, cfn-lint, snapshots.

- :func:`new_app` builds a ``cdk.App`` with the ``cdk.json`` context (the CLI passes it; a bare App
  in pytest would not read it, and templates would differ from ``cdk synth``).
- :func:`synth` synthesizes once with cdk-nag's AwsSolutions pack attached and returns every
  template; an unacknowledged nag error fails the synth with cdk-nag's own report.
- :func:`lint` runs cfn-lint in-process over a template and returns its findings.
- :func:`stable` masks asset hashes so snapshots survive a change of machine or checkout.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import assertions
from cdk_nag import AwsSolutionsChecks

ROOT = Path(__file__).resolve().parents[1]
LINT_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
#: W3005: CDK's DependsOn on a role already implied by a GetAtt (every CDK state machine trips it).
LINT_IGNORED = ["W3005"]

_HEX64 = re.compile(r"[0-9a-f]{64}")


@cache
def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def new_app(**context: Any) -> cdk.App:
    """A ``cdk.App`` with the cdk.json context (plus ``context`` overrides), as ``cdk synth`` makes it."""
    return cdk.App(context={**cdk_json_context(), **context})


@dataclass
class Synthesized:
    """One synthesized app: its templates by stack name, and the cdk-nag report."""

    templates: dict[str, dict[str, Any]]
    nag_report: dict[str, Any]

    def template(self, stack_name: str) -> assertions.Template:
        return assertions.Template.from_json(self.templates[stack_name])


def synth(app: cdk.App) -> Synthesized:
    """Synthesize ``app`` once, with cdk-nag AwsSolutions checks (errors raise ``RuntimeError``)."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()
    templates = {stack.stack_name: stack.template for stack in assembly.stacks}
    report_file = Path(assembly.directory) / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {"pluginReports": []}
    return Synthesized(templates=templates, nag_report=report)


def nag_findings(result: Synthesized, severity: str = "error") -> list[str]:
    """Unacknowledged cdk-nag findings of ``severity`` ("error" or "warning")."""
    return [
        f"{violation['ruleName']} at {[c['constructPath'] for c in violation['violatingConstructs']]}"
        for plugin in result.nag_report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        if violation.get("severity") == severity
    ]


def nag_acknowledgments(result: Synthesized) -> list[dict[str, Any]]:
    """Every acknowledged finding, each with the reason given for it."""
    return [
        suppressed
        for plugin in result.nag_report.get("pluginReports", [])
        for suppressed in plugin.get("suppressedViolations", [])
    ]


@cache
def _lint_runner() -> Any:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(regions=LINT_REGIONS, ignore_checks=LINT_IGNORED))


def lint(template: dict[str, Any]) -> list[str]:
    """cfn-lint findings (errors and warnings) for ``template``, as ``"RULE: message (path)"`` strings."""
    return [
        f"{match.rule.id}: {match.message} ({'/'.join(str(p) for p in match.path)})"
        for match in _lint_runner().validate_template(template)
        if match.rule.severity in ("error", "warning")
    ]


def stable(value: Any) -> Any:
    """``value`` with every 64-hex asset hash replaced by ``<ASSET_HASH>`` (recursively)."""
    if isinstance(value, str):
        return _HEX64.sub("<ASSET_HASH>", value)
    if isinstance(value, dict):
        return {stable(k): stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def assert_clean(result: Synthesized, stack_name: str) -> dict[str, Any]:
    """The stack's template, after checking it lints clean and cdk-nag leaves no finding unacknowledged
    (and every acknowledgment has its reason)."""
    template = result.templates[stack_name]
    assert lint(template) == []
    assert nag_findings(result) == [] and nag_findings(result, "warning") == []
    assert all(acknowledgment.get("reason") for acknowledgment in nag_acknowledgments(result))
    return template


def role_statements(template: dict[str, Any], role: str = "") -> list[dict[str, Any]]:
    """Every IAM statement granted to the roles whose logical id contains ``role`` (all roles if empty):
    the roles' own inline ``Policies``, the ``AWS::IAM::Policy`` resources attached to them and the
    customer-managed policies of the template they reference."""
    resources = template["Resources"]
    roles = {name for name, r in resources.items() if r["Type"] == "AWS::IAM::Role" and role in name}
    statements = [
        s for name in sorted(roles) for p in resources[name]["Properties"].get("Policies", [])
        for s in p["PolicyDocument"]["Statement"]
    ]  # fmt: skip
    for r in resources.values():
        if r["Type"] == "AWS::IAM::Policy" and roles & {ref.get("Ref") for ref in r["Properties"].get("Roles", [])}:
            statements.extend(r["Properties"]["PolicyDocument"]["Statement"])
    managed = {
        arn["Ref"]
        for name in sorted(roles)
        for arn in resources[name]["Properties"].get("ManagedPolicyArns", [])
        if isinstance(arn, dict) and "Ref" in arn
    }
    for name in sorted(managed):
        statements.extend(resources[name]["Properties"]["PolicyDocument"]["Statement"])
    return statements
