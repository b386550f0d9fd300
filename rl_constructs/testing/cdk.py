"""An App like ``cdk synth`` makes it, one synth with cdk-nag, cfn-lint in-process, IAM statements."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import assertions

#: Regions cfn-lint checks templates against (resource and property availability).
LINT_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
#: W3005: CDK's DependsOn on a role already implied by a GetAtt (every CDK state machine trips it).
LINT_IGNORED = ("W3005",)


def find_cdk_json(start: str | Path | None = None) -> Path | None:
    """The ``cdk.json`` in ``start`` (default: the working directory) or its nearest parent, or None."""
    directory = Path(start or Path.cwd()).resolve()
    for candidate in (directory, *directory.parents):
        if (candidate / "cdk.json").is_file():
            return candidate / "cdk.json"
    return None


@cache
def _context_of(cdk_json: Path) -> Mapping[str, Any]:
    context: dict[str, Any] = json.loads(cdk_json.read_text()).get("context", {})
    return context


def cdk_json_context(cdk_json: str | Path | None = None) -> dict[str, Any]:
    """The ``context`` of ``cdk_json`` (default: :func:`find_cdk_json`'s); ``{}`` when there is none."""
    path = Path(cdk_json) if cdk_json is not None else find_cdk_json()
    if path is None:
        return {}
    if not path.is_file():
        raise FileNotFoundError(f"cdk_json: {path} does not exist")
    return dict(_context_of(path.resolve()))


def new_app(cdk_json: str | Path | None = None, /, **context: Any) -> cdk.App:
    """A ``cdk.App`` with the ``cdk.json`` context plus ``context`` overrides, as ``cdk synth`` makes it.

    ``cdk_json``: the file whose ``context`` to use. Default: the ``cdk.json`` of the working directory
    or its nearest parent (the CLI's), none if there is none. ``context``: ``-c key=value`` of the CLI.
    """
    return cdk.App(context={**cdk_json_context(cdk_json), **context})


@dataclass
class Synthesized:
    """One synthesized app: its templates by stack name, and the cdk-nag report."""

    templates: dict[str, dict[str, Any]]
    nag_report: dict[str, Any]

    def template(self, stack_name: str) -> assertions.Template:
        """The stack's template for ``aws_cdk.assertions`` (``has_resource_properties``...)."""
        return assertions.Template.from_json(self.templates[stack_name])


def synth(app: cdk.App) -> Synthesized:
    """Synthesize ``app`` once, with cdk-nag's AwsSolutions checks (an unacknowledged error raises
    ``RuntimeError`` with cdk-nag's report). Acknowledge a finding on the construct it names with
    ``cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id="AwsSolutions::AwsSolutions-S1",
    reason=...))``."""
    from cdk_nag import AwsSolutionsChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()
    templates = {stack.stack_name: stack.template for stack in assembly.stacks}
    report_file = Path(assembly.directory) / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {"pluginReports": []}
    return Synthesized(templates=templates, nag_report=report)


def nag_findings(result: Synthesized, severity: str = "error") -> list[str]:
    """Unacknowledged cdk-nag findings of ``severity`` ("error" or "warning"), as ``"RULE at [paths]"``."""
    if severity not in ("error", "warning"):
        raise ValueError(f"severity: expected 'error' or 'warning', got {severity!r}.")
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

    return Runner(ConfigMixIn(regions=list(LINT_REGIONS), ignore_checks=list(LINT_IGNORED)))


def lint(template: Mapping[str, Any]) -> list[str]:
    """cfn-lint findings (errors and warnings) for ``template``, as ``"RULE: message (path)"`` strings."""
    return [
        f"{match.rule.id}: {match.message} ({'/'.join(str(p) for p in match.path)})"
        for match in _lint_runner().validate_template(dict(template))
        if match.rule.severity in ("error", "warning")
    ]


def assert_clean(result: Synthesized, stack_name: str) -> dict[str, Any]:
    """The stack's template, after checking that it lints clean and that cdk-nag leaves no finding
    unacknowledged (and every acknowledgment has its reason). Raises ``AssertionError`` listing them."""
    template = result.templates[stack_name]
    findings = lint(template)
    assert findings == [], f"cfn-lint findings in {stack_name}: {findings}"
    left = nag_findings(result) + nag_findings(result, "warning")
    assert left == [], f"unacknowledged cdk-nag findings: {left}"
    unexplained = [a for a in nag_acknowledgments(result) if not a.get("reason")]
    assert unexplained == [], f"cdk-nag acknowledgments without a reason: {unexplained}"
    return template


def role_statements(template: Mapping[str, Any], role: str = "") -> list[dict[str, Any]]:
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
