"""images.json stores each region -> registry account map once; every image names its map, and the maps are the
SDK's (``tests/fixtures/sdk/training/images.json`` and ``serving/images.json``, recorded from
``sagemaker.image_uris.retrieve()`` by ``tools/record_sdk_fixtures.py``). ``tools/sync_serving_images.py`` keeps
the serving part, naming maps by reference, and reproduces the file exactly."""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rl_constructs.core.images import serving_images, training_images
from rl_constructs.core.toolkits import Processor
from tests.cdk_support import ROOT

IMAGES_JSON = ROOT / "rl_constructs" / "core" / "images.json"
DATA: dict[str, Any] = json.loads(IMAGES_JSON.read_text(encoding="utf-8"))
SDK = ROOT / "tests" / "fixtures" / "sdk"
SDK_TRAINING = json.loads((SDK / "training" / "images.json").read_text(encoding="utf-8"))
SDK_SERVING = json.loads((SDK / "serving" / "images.json").read_text(encoding="utf-8"))


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sync_serving_images", ROOT / "tools" / "sync_serving_images.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _load_tool()


def _registries(data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    return {name: regions for name, regions in data["registries"].items() if not name.startswith("_")}


def _versions(data: Mapping[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (section, family, version, spec)
        for section in ("training", "serving")
        for family, entry in data[section].items()
        if not family.startswith("_")
        for version, spec in entry["versions"].items()
    ]


def _accounts(uris: Mapping[str, str]) -> dict[str, str]:
    """region -> registry account, read from URIs keyed by ``region`` or ``region/processor``."""
    return {key.split("/")[0]: uri.split(".")[0] for key, uri in uris.items()}


def test_each_region_map_is_stored_once_and_every_image_names_one() -> None:
    registries = _registries(DATA)
    maps = [json.dumps(regions, sort_keys=True) for regions in registries.values()]
    assert len(set(maps)) == len(maps) == 4
    referenced = set()
    for section, family, version, spec in _versions(DATA):
        assert "registries" not in spec, (section, family, version)
        assert spec["registry"] in registries, (section, family, version)
        referenced.add(spec["registry"])
    assert referenced == set(registries)


def test_families_share_the_one_stored_map() -> None:
    by_account = {}
    for row in training_images():
        by_account.setdefault(row.image.registries["us-west-2"], set()).add(id(row.image.registries))
    assert all(len(ids) == 1 for ids in by_account.values())


def test_every_training_region_map_is_the_sdks() -> None:
    sdk = {(record["image"], record["version"]): _accounts(record["uris"]) for record in SDK_TRAINING["images"]}
    ours = {
        (family, version): _registries(DATA)[spec["registry"]]
        for section, family, version, spec in _versions(DATA)
        if section == "training"
    }
    assert ours == sdk


def test_every_training_uri_in_every_region_is_the_sdks() -> None:
    sdk = {(record["image"], record["version"]): record["uris"] for record in SDK_TRAINING["images"]}
    for row in training_images():
        family = "-".join([row.toolkit.value, *([row.framework.value] if row.framework else [])])
        assert row.image.uris_by_region(Processor.CPU) == sdk[(family, row.toolkit_version)], row.label


def test_every_serving_region_map_is_the_sdks() -> None:
    sdk = {(record["framework"], record["version"]): _accounts(record["uris"]) for record in SDK_SERVING["images"]}
    for image in serving_images():
        assert dict(image.image.registries) == sdk[(image.framework.value, image.framework_version)]


def _inference_configs_of(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The SDK inference tables the serving section was generated from, rebuilt from the file itself."""
    registries = _registries(data)
    configs = {}
    for framework, entry in data["serving"].items():
        if framework.startswith("_"):
            continue
        versions = {}
        for full, spec in entry["versions"].items():
            table = {key: value for key, value in spec.items() if key != "registry"}
            table["registries"] = dict(registries[spec["registry"]])
            versions[full] = table
        configs[framework] = {
            "processors": entry["processors"],
            "version_aliases": {**entry["version_aliases"], "0.0": "0.0.0"},  # the SDK has more than the catalog
            "versions": {**versions, "0.0.0": {"registries": {"us-west-2": "1"}, "repository": "other"}},
        }
    return configs


def test_the_sync_tool_reproduces_the_file() -> None:
    configs = _inference_configs_of(DATA)
    assert json.dumps(TOOL.with_serving(DATA, configs), indent=1) == IMAGES_JSON.read_text(encoding="utf-8")


def test_the_sync_tool_reproduces_the_file_from_the_sdk_tables() -> None:
    config_dirs = sorted(
        Path(ROOT / "tools" / ".sdk-venv").glob("lib/python*/site-packages/sagemaker/image_uri_config")
    )
    if not config_dirs:
        pytest.skip("tools/.sdk-venv has no SageMaker SDK (make sdk-fixtures)")
    assert TOOL.render(DATA, config_dirs[0]) == IMAGES_JSON.read_text(encoding="utf-8")


def test_the_sync_tool_names_a_new_map_after_its_repository_and_drops_unused_ones() -> None:
    configs = _inference_configs_of(DATA)
    changed = copy.deepcopy(configs)
    pytorch = changed["pytorch"]["versions"]["1.8.1"]
    pytorch["registries"] = {**pytorch["registries"], "xx-new-1": "123456789012"}
    mxnet = changed["mxnet"]["versions"]
    for full in mxnet:  # MXNet inference moves to the registry of TensorFlow inference: its own map goes
        if mxnet[full]["repository"] == "mxnet-inference":
            mxnet[full]["registries"] = dict(changed["tensorflow"]["versions"]["2.5.1"]["registries"])
    updated = TOOL.with_serving(DATA, changed)
    assert updated["serving"]["pytorch"]["versions"]["1.8.1"]["registry"] == "pytorch-inference"
    assert updated["registries"]["pytorch-inference"]["xx-new-1"] == "123456789012"
    assert updated["serving"]["pytorch"]["versions"]["1.5.0"]["registry"] == "deep-learning-containers"
    assert {spec["registry"] for spec in updated["serving"]["mxnet"]["versions"].values()} == {
        "sagemaker-framework",  # 1.3.0, shared with the training images
        "deep-learning-containers",
    }
    assert "deep-learning-containers-mxnet" not in updated["registries"]
    assert list(_registries(updated))[:2] == ["sagemaker-framework", "sagemaker-rl-container"]  # training's first
    assert TOOL.with_serving(updated, changed) == updated  # idempotent


def test_a_name_taken_by_another_map_gets_a_number() -> None:
    configs = _inference_configs_of(DATA)
    data = copy.deepcopy(DATA)
    data["registries"]["pytorch-inference"] = {"us-east-1": "000000000000"}  # stale, unreferenced
    changed = copy.deepcopy(configs)
    changed["pytorch"]["versions"]["1.8.1"]["registries"] = {"us-west-2": "123456789012"}
    updated = TOOL.with_serving(data, changed)
    assert updated["serving"]["pytorch"]["versions"]["1.8.1"]["registry"] == "pytorch-inference-2"
    assert "pytorch-inference" not in updated["registries"]
    assert TOOL.with_serving(updated, changed) == updated
