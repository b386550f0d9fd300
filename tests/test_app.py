"""The example app: synthesizes region-agnostic and with a region, lints clean, passes cdk-nag, snapshots."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

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
