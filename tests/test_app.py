"""The example app: synthesizes region-agnostic and with a region, lints clean, passes cdk-nag, snapshots."""

from __future__ import annotations

import importlib.util
import json
import sys
from types import ModuleType
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.cdk_support import (
    ROOT,
    Synthesized,
    lint,
    nag_acknowledgments,
    nag_findings,
    new_app,
    stable,
    synth,
)


def load_app_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_app", ROOT / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=["agnostic", "us-west-2"])
def synthesized(request: pytest.FixtureRequest) -> Synthesized:
    monkeypatch = pytest.MonkeyPatch()
    if request.param == "agnostic":
        monkeypatch.delenv("CDK_DEFAULT_REGION", raising=False)
    else:
        monkeypatch.setenv("CDK_DEFAULT_REGION", request.param)
    try:
        return synth(load_app_module().build_app(new_app()))
    finally:
        monkeypatch.undo()


@pytest.fixture
def json_snapshot(snapshot):  # type: ignore[no-untyped-def]
    return snapshot.use_extension(JSONSnapshotExtension)


def test_every_template_lints_clean(synthesized: Synthesized) -> None:
    assert synthesized.templates
    for name, template in synthesized.templates.items():
        assert lint(template) == [], name


def test_cdk_nag_finds_no_unacknowledged_error_or_warning(synthesized: Synthesized) -> None:
    assert nag_findings(synthesized, "error") == []
    assert nag_findings(synthesized, "warning") == []
    for acknowledgment in nag_acknowledgments(synthesized):
        assert acknowledgment.get("reason"), acknowledgment


def test_templates_match_their_snapshots(synthesized: Synthesized, json_snapshot, request) -> None:  # type: ignore[no-untyped-def]
    for name, template in sorted(synthesized.templates.items()):
        assert stable(template) == json_snapshot(name=name)


def test_the_app_has_the_three_example_stacks(synthesized: Synthesized) -> None:
    assert sorted(synthesized.templates) == ["RLAttachStack", "RLCartPoleCoachStack", "RLRayPipelineStack"]


def test_the_ray_stack_trains_on_two_spot_instances_with_checkpoints(synthesized: Synthesized) -> None:
    template = synthesized.templates["RLRayPipelineStack"]
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    for fragment in (
        '\\"InstanceCount\\":2',
        '\\"EnableManagedSpotTraining\\":true',
        '\\"MaxWaitTimeInSeconds\\":43200',
        "/cartpole-ray/",
    ):
        assert fragment in definition, fragment
    assert "sagemaker-rl-ray-container:ray-1.6.0-torch-cpu-py36" in json.dumps(template)  # string or mapping
    assert "Create model" not in definition, "training only"


def attached_job(template: dict[str, Any]) -> str:
    (attached,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::RLAttachedTrainingJob"]
    return attached["Properties"]["TrainingJobName"]  # type: ignore[no-any-return]


def test_the_attach_stack_attaches_to_the_default_job_without_context(synthesized: Synthesized) -> None:
    assert attached_job(synthesized.templates["RLAttachStack"]) == load_app_module().DEFAULT_ATTACHED_JOB


def test_the_attach_stack_attaches_to_the_job_named_by_context() -> None:
    app = load_app_module().build_app(new_app(training_job_name="cartpole-2026-11-01"))
    assert attached_job(app.synth().get_stack_by_name("RLAttachStack").template) == "cartpole-2026-11-01"


def test_cdk_json_sets_every_recommended_feature_flag_of_the_pinned_aws_cdk_lib() -> None:
    # The flags `cdk init` would write for this aws-cdk-lib, as the package ships them.
    import tarfile
    from pathlib import Path

    import aws_cdk._jsii as cdk_jsii

    (bundle,) = Path(cdk_jsii.__file__).parent.glob("aws-cdk-lib@*.jsii.tgz")
    recommended = None
    with tarfile.open(bundle, "r|gz") as archive:  # read as a stream up to the file, not indexed whole
        for entry in archive:
            if entry.name == "package/recommended-feature-flags.json":
                member = archive.extractfile(entry)
                assert member is not None
                recommended = json.load(member)
                break
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    assert recommended
    assert {flag: context.get(flag) for flag in recommended} == recommended
