"""Generate the ``serving`` section of ``rl_constructs/core/images.json`` from the SageMaker SDK's image tables.

``python tools/sync_serving_images.py`` reads the SDK's own ``image_uri_config/{tensorflow,mxnet,pytorch}.json``
(the ``inference`` scope) from ``tools/.sdk-venv`` (made by ``tools/record_sdk_fixtures.py``) and writes, for the
serving versions listed in :data:`SERVING_VERSIONS`, the repository, Python versions and the name of the
region -> registry account map (stored once in the ``registries`` section, shared with the training images when
equal), so the catalog's serving data is never typed by hand. ``--check`` exits 1 when ``images.json`` differs.
The URIs are checked independently against ``sagemaker.image_uris.retrieve()`` by the recorded fixture
``tests/fixtures/sdk/serving/images.json`` (``record_sdk_fixtures.py serving-images``).
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMAGES_JSON = ROOT / "rl_constructs" / "core" / "images.json"

#: Framework -> the SDK version aliases the catalog serves with: every framework version the catalog trains on
#: (TensorFlow 1.11, 1.12, 2.1, 2.5; MXNet 1.3; PyTorch 1.5, 1.8) and, for MXNet, every MMS-based
#: ``mxnet-inference`` release (>= 1.4) the RL notebooks serve with. Each alias brings every release the SDK's
#: table has under it (2.1 -> 2.1.0, 2.1.1, 2.1.2, 2.1.3: the Ray 0.8 notebooks serve with 2.1.0), so every
#: version string the SDK accepts for these aliases is in the catalog, tagged as the SDK tags it.
SERVING_VERSIONS = {
    "tensorflow": ("1.11", "1.12", "2.1", "2.5"),
    "mxnet": ("1.3", "1.4", "1.6", "1.7", "1.8", "1.9"),
    "pytorch": ("1.5", "1.8"),
}
#: The SDK picks py3 where an image has several Python versions; RL images never serve Python 2.
PREFERRED_PY_VERSION = "py3"


def sdk_image_config_dir() -> Path:
    """The ``image_uri_config`` folder of the SDK installed in ``tools/.sdk-venv``."""
    found = glob.glob(
        str(ROOT / "tools" / ".sdk-venv" / "lib" / "python*" / "site-packages" / "sagemaker" / "image_uri_config")
    )
    if not found:
        raise SystemExit("tools/.sdk-venv has no sagemaker: run `python tools/record_sdk_fixtures.py` first")
    return Path(found[0])


#: What the generated part of the ``registries`` section says about itself.
REGISTRIES_COMMENT = (
    "Region -> ECR registry account maps, each stored once; an image version names its map by `registry`. "
    "tools/sync_serving_images.py keeps the maps the serving images use (reusing a name whose map is equal)."
)


def _version_entry(spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """One SDK version entry, flattened, and its region -> account map: images whose registries differ per
    Python version (MXNet 1.4.1) keep the py3 image, the one the SDK serves an RL model with. The entry
    names its map under ``registry`` once :func:`with_serving` has named it."""
    if "registries" not in spec:
        spec = spec[PREFERRED_PY_VERSION]
        py_versions = [PREFERRED_PY_VERSION]
    else:
        py_versions = spec.get("py_versions") or []
    entry: dict[str, Any] = {}
    if py_versions:
        entry["py_versions"] = list(py_versions)
    entry["registry"] = None
    entry["repository"] = spec["repository"]
    return entry, dict(sorted(spec["registries"].items()))


class _Registries:
    """The ``registries`` section being built: names the hand-kept training images use stay as they are; a
    serving map reuses the name of an equal map, else is named after the repository of its first image."""

    def __init__(self, current: dict[str, Any], kept: list[str]) -> None:
        self._current = {name: regions for name, regions in current.items() if not name.startswith("_")}
        self.section: dict[str, Any] = {"_comment": REGISTRIES_COMMENT}
        self.section.update((name, self._current[name]) for name in kept)

    def name(self, regions: dict[str, str], repository: str) -> str:
        for name, known in (*self.section.items(), *self._current.items()):
            if not name.startswith("_") and known == regions:
                self.section[name] = known
                return name
        name, n = repository, 1
        while name in self.section or name in self._current:
            n += 1
            name = f"{repository}-{n}"
        self.section[name] = regions
        return name


def major_minor(version: str) -> str:
    """``"2.1"`` for ``"2.1.3"`` (and for ``"2.1"``): the SDK's version alias a release belongs to."""
    return ".".join(version.split(".")[:2])


def releases(inference: dict[str, Any], aliases: tuple[str, ...]) -> list[str]:
    """Every release of the SDK's ``inference`` table under one of ``aliases`` (``"2.1"`` -> 2.1.0, 2.1.1, 2.1.2,
    2.1.3), in the table's order: each version ``image_uris.retrieve()`` accepts for those aliases."""
    return [version for version in inference["versions"] if major_minor(version) in aliases]


def with_serving(images: dict[str, Any], inference_configs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``images`` (images.json's data) with its ``serving`` section and the registries it uses regenerated
    from the SDK's ``inference`` image tables (framework -> the ``inference`` object of its config). Pure:
    applied to its own result with the same tables, it returns that result again."""
    training_names = [
        spec["registry"]
        for family, entry in images["training"].items()
        if not family.startswith("_")
        for spec in entry["versions"].values()
    ]
    registries = _Registries(images.get("registries", {}), list(dict.fromkeys(training_names)))
    section: dict[str, Any] = {
        "_comment": "Generated by tools/sync_serving_images.py from the SDK's image_uri_config (inference scope): "
        "do not edit by hand.",
    }
    for framework, aliases in SERVING_VERSIONS.items():
        inference = inference_configs[framework]
        version_aliases = {alias: inference["version_aliases"][alias] for alias in aliases}
        versions: dict[str, Any] = {}
        for full in releases(inference, aliases):
            entry, regions = _version_entry(inference["versions"][full])
            entry["registry"] = registries.name(regions, entry["repository"])
            versions[full] = entry
        section[framework] = {
            "processors": list(inference["processors"]),
            "version_aliases": version_aliases,
            "versions": versions,
        }
    updated: dict[str, Any] = {}
    for key, value in images.items():  # the file's order, with the registries before the images
        if key in ("registries", "serving"):
            continue
        if key == "framework_versions":
            updated["registries"] = registries.section
        updated[key] = value
    updated["serving"] = section
    return updated


def inference_configs(config_dir: Path) -> dict[str, dict[str, Any]]:
    """The ``inference`` image table of each framework of :data:`SERVING_VERSIONS`, from the SDK's config files."""
    return {
        framework: json.loads((config_dir / f"{framework}.json").read_text(encoding="utf-8"))["inference"]
        for framework in SERVING_VERSIONS
    }


def render(images: dict[str, Any], config_dir: Path) -> str:
    """images.json with its serving section (and the registries it uses) regenerated, formatted as the file is."""
    return json.dumps(with_serving(images, inference_configs(config_dir)), indent=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 when images.json is not up to date")
    args = parser.parse_args()
    current = IMAGES_JSON.read_text(encoding="utf-8")
    rendered = render(json.loads(current), sdk_image_config_dir())
    if args.check:
        if rendered != current:
            print(
                f"{IMAGES_JSON} differs from the SDK's image tables: run tools/sync_serving_images.py", file=sys.stderr
            )
            return 1
        return 0
    IMAGES_JSON.write_text(rendered, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
