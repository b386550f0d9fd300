"""The RL image catalog: which training and serving images exist, their tags, and where.

Everything here is read from ``images.json`` beside this file (facts gathered from the SageMaker Python SDK
v2 image configuration); this module only looks things up. The file stores each region -> registry account map
once, under ``registries``; every image version names its map by ``registry``. No AWS CDK import: the construct layer
(``rl_constructs.image_uris``) turns these answers into template values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .aws import partition
from .errors import RLConfigurationError
from .toolkits import Processor, RLFramework, RLToolkit, coerce_enum

_DATA_FILE = Path(__file__).with_name("images.json")


@dataclass(frozen=True)
class ImageFamily:
    """One repository + tag prefix, published for some processors in some regions.

    ``registries`` maps each region the image exists in to the AWS account that owns the registry.
    """

    repository: str
    tag_prefix: str
    py_version: str | None
    processors: tuple[Processor, ...]
    registries: Mapping[str, str]

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions the image is published in, sorted."""
        return tuple(sorted(self.registries))

    def tag(self, processor: Processor) -> str:
        """``{tag_prefix}-{processor}[-{py_version}]``, as the SDK formats it."""
        if processor not in self.processors:
            raise RLConfigurationError(
                "instance_type",
                f"{self.repository}:{self.tag_prefix} has no {processor.value} image; "
                "choose an instance type of a supported processor.",
                allowed=[p.value for p in self.processors],
            )
        return "-".join(part for part in (self.tag_prefix, processor.value, self.py_version) if part)

    def uri(self, region: str, processor: Processor) -> str:
        """The full image URI in ``region``; an error naming ``region`` where the image does not exist."""
        account = self.registries.get(region)
        if account is None:
            raise RLConfigurationError(
                "region",
                f"{self.repository}:{self.tag(processor)} is not published in {region!r}.",
                allowed=self.regions,
            )
        return _catalog().uri_format.format(
            account=account,
            region=region,
            dns_suffix=dns_suffix(region),
            repository=self.repository,
            tag=self.tag(processor),
        )

    def uris_by_region(self, processor: Processor) -> dict[str, str]:
        """The URI of this image in every region it exists in."""
        return {region: self.uri(region, processor) for region in self.regions}


@dataclass(frozen=True)
class TrainingImage:
    """A (toolkit, toolkit version, framework) row of the catalog and its image."""

    toolkit: RLToolkit
    toolkit_version: str
    framework: RLFramework | None  # None for Vowpal Wabbit, which has no deep-learning framework
    framework_version: str | None
    image: ImageFamily

    @property
    def label(self) -> str:
        """A short human name such as ``coach 0.11.0 / tensorflow``."""
        framework = self.framework.value if self.framework else "no framework"
        return f"{self.toolkit.value} {self.toolkit_version} / {framework}"


@dataclass(frozen=True)
class ServingImage:
    """A serving (inference) image for a framework version, as the SDK's framework models retrieve it.

    There is one per version string the SDK accepts: its alias (``"2.1"``, the newest release under it: 2.1.3)
    and every release of the SDK's table under that alias (``"2.1.0"`` ... ``"2.1.3"``); the SDK tags the image
    by the string it was given, and so does the catalog.
    """

    framework: RLFramework
    framework_version: str  # the version the SDK tags by, e.g. "1.11" or "2.5.1"
    image: ImageFamily
    #: The full release the version names (``"2.5.1"`` for ``"2.5"``).
    release: str = ""

    @property
    def major_minor(self) -> tuple[int, int]:
        """``(major, minor)`` of the release, what decides which trained framework versions it serves."""
        major, minor = self.release.split(".")[:2]
        return int(major), int(minor)


@dataclass(frozen=True)
class ImageIdentity:
    """What an image URI says about itself: the answer of :func:`parse_image_uri`."""

    toolkit: RLToolkit
    toolkit_version: str
    framework: RLFramework | None
    processor: Processor
    py_version: str | None
    region: str
    account: str
    #: True when the account is the official registry of that region (not a private copy of the image).
    official: bool
    #: ``sha256:<64 hex>`` when the URI pins the image by digest as well as by tag (``...:tag@sha256:...``).
    digest: str | None = None


@dataclass(frozen=True)
class _Catalog:
    uri_format: str
    dns_suffixes: tuple[tuple[str, str], ...]
    default_dns_suffix: str
    framework_versions: Mapping[RLToolkit, Mapping[str, Mapping[RLFramework, str]]]
    training: tuple[TrainingImage, ...]
    serving: tuple[ServingImage, ...]


def _family(
    tag_prefix: str, version: Mapping[str, Any], processors: list[str], registries: Mapping[str, Mapping[str, str]]
) -> ImageFamily:
    py_versions = version.get("py_versions") or [None]
    # Every RL image publishes exactly one Python version; serving MXNet lists py2 and py3, the SDK uses py3.
    py_version = "py3" if "py3" in py_versions else py_versions[0]
    return ImageFamily(
        repository=version["repository"],
        tag_prefix=tag_prefix,
        py_version=py_version,
        processors=tuple(Processor(p) for p in processors),
        registries=registries[version["registry"]],
    )


def _serving_versions(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(version string, release) of one serving framework, as ``image_uris.retrieve()`` accepts them: each alias
    (``"2.1"`` -> its newest release 2.1.3), then every release under it (2.1.0 ... 2.1.3, each itself)."""
    found: list[tuple[str, str]] = []
    for alias, newest in entry["version_aliases"].items():
        found.append((alias, newest))
        found += [(v, v) for v in entry["versions"] if ".".join(v.split(".")[:2]) == alias and v != alias]
    return found


@cache
def _catalog() -> _Catalog:
    data = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
    framework_versions: dict[RLToolkit, dict[str, dict[RLFramework, str]]] = {
        RLToolkit(toolkit): {
            version: {RLFramework(fw): fw_version for fw, fw_version in frameworks.items()}
            for version, frameworks in versions.items()
        }
        for toolkit, versions in data["framework_versions"].items()
        if not toolkit.startswith("_")
    }
    # Each region -> account map once, shared (read-only) by every image family that names it.
    registries = {
        name: MappingProxyType(dict(regions))
        for name, regions in data["registries"].items()
        if not name.startswith("_")
    }
    training: list[TrainingImage] = []
    for key, entry in data["training"].items():
        toolkit_name, _, framework_name = key.partition("-")
        toolkit = RLToolkit(toolkit_name)
        framework = RLFramework(framework_name) if framework_name else None
        for version, spec in entry["versions"].items():
            training.append(
                TrainingImage(
                    toolkit=toolkit,
                    toolkit_version=version,
                    framework=framework,
                    framework_version=framework_versions[toolkit][version].get(framework) if framework else None,
                    image=_family(spec["tag_prefix"], spec, entry["processors"], registries),
                )
            )
    serving = [
        ServingImage(
            framework=RLFramework(framework),
            framework_version=version,
            image=_family(version, entry["versions"][release], entry["processors"], registries),
            release=release,
        )
        for framework, entry in data["serving"].items()
        if not framework.startswith("_")
        for version, release in _serving_versions(entry)
    ]
    suffixes = {k: v for k, v in data["dns_suffix"].items() if not k.startswith("_")}
    default = suffixes.pop("default")
    return _Catalog(
        uri_format=data["uri_format"],
        # longest prefix first, so "us-isob-" is tried before "us-iso-" could ever match
        dns_suffixes=tuple(sorted(suffixes.items(), key=lambda kv: -len(kv[0]))),
        default_dns_suffix=default,
        framework_versions=framework_versions,
        training=tuple(training),
        serving=tuple(serving),
    )


def dns_suffix(region: str) -> str:
    """The ECR DNS suffix of ``region``'s partition (``amazonaws.com.cn`` in China, ...)."""
    catalog = _catalog()
    for prefix, suffix in catalog.dns_suffixes:
        if region.startswith(prefix):
            return suffix
    return catalog.default_dns_suffix


def repository_arn(region: str, account: str, repository: str) -> str:
    """The ARN of an ECR repository of ``account`` in ``region``."""
    return f"arn:{partition(region)}:ecr:{region}:{account}:repository/{repository}"


def training_images() -> tuple[TrainingImage, ...]:
    """Every row of the training catalog."""
    return _catalog().training


def serving_images() -> tuple[ServingImage, ...]:
    """Every serving image of the catalog."""
    return _catalog().serving


def all_regions() -> tuple[str, ...]:
    """Every region at least one RL image is published in."""
    return tuple(sorted({region for row in training_images() for region in row.image.registries}))


def supported_versions(toolkit: RLToolkit) -> tuple[str, ...]:
    """Versions of ``toolkit`` in the catalog, in catalog order."""
    return tuple(_catalog().framework_versions[toolkit])


def supported_frameworks(toolkit: RLToolkit, toolkit_version: str) -> tuple[RLFramework, ...]:
    """Frameworks the SDK allows with ``toolkit`` at ``toolkit_version``."""
    return tuple(_catalog().framework_versions[toolkit].get(toolkit_version, {}))


def training_image(
    toolkit: RLToolkit | str | None,
    toolkit_version: str | None,
    framework: RLFramework | str | None,
) -> TrainingImage:
    """The catalog row for a combination, as ``RLEstimator`` checks it.

    Errors name the argument at fault and list what is supported: all missing arguments at once (the
    SDK's "Please provide ... or image_uri"), an unknown toolkit, version or framework, or a combination
    the SDK refuses.
    """
    coerced_toolkit = coerce_enum(RLToolkit, toolkit, "toolkit") if toolkit is not None else None
    missing = [
        name
        for name, value in (
            ("toolkit", toolkit),
            ("toolkit_version", toolkit_version),
            ("framework", framework),
        )
        if value is None and not (name == "framework" and coerced_toolkit is RLToolkit.VW)
    ]
    if missing:
        raise RLConfigurationError(
            missing[0],
            f"provide {', '.join(f'`{m}`' for m in missing)} or `image_uri`: the training image is chosen "
            "from toolkit, toolkit_version and framework unless image_uri is given.",
        )
    assert coerced_toolkit is not None and toolkit_version is not None
    versions = supported_versions(coerced_toolkit)
    if toolkit_version not in versions:
        raise RLConfigurationError(
            "toolkit_version",
            f"{coerced_toolkit.value} {toolkit_version!r} is not supported.",
            allowed=versions,
        )
    coerced_framework = coerce_enum(RLFramework, framework, "framework") if framework is not None else None
    if coerced_toolkit is RLToolkit.VW:
        if coerced_framework is not None:
            raise RLConfigurationError(
                "framework", "Vowpal Wabbit images have no deep-learning framework: leave framework unset."
            )
    elif coerced_framework not in supported_frameworks(coerced_toolkit, toolkit_version):
        assert coerced_framework is not None
        raise RLConfigurationError(
            "framework",
            f"the `{coerced_toolkit.value}-{toolkit_version}` and `{coerced_framework.value}` combination "
            "is not supported.",
            allowed=[f.value for f in supported_frameworks(coerced_toolkit, toolkit_version)],
        )
    for row in training_images():
        if (row.toolkit, row.toolkit_version, row.framework) == (
            coerced_toolkit,
            toolkit_version,
            coerced_framework,
        ):
            return row
    raise AssertionError(f"images.json lacks {coerced_toolkit.value} {toolkit_version} {coerced_framework}")


def serving_image(framework: RLFramework, framework_version: str) -> ServingImage:
    """The serving image of ``framework`` at ``framework_version`` (an alias such as ``"2.5"`` or a release
    such as ``"2.5.1"``, tagged as given, like the SDK's ``image_uris.retrieve(..., image_scope="inference")``)."""
    candidates = [s for s in serving_images() if s.framework is framework]
    for candidate in candidates:
        if candidate.framework_version == framework_version:
            return candidate
    raise RLConfigurationError(
        "framework_version",
        f"there is no {framework.value} serving image for version {framework_version!r}.",
        allowed=[c.framework_version for c in candidates],
    )


_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.(?P<suffix>[a-z0-9.]+)/"
    r"(?P<repository>[a-z0-9._/-]+)(:(?P<tag>[A-Za-z0-9._-]+))?(@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


@cache
def _reverse_index() -> dict[tuple[str, str], tuple[TrainingImage, Processor]]:
    index: dict[tuple[str, str], tuple[TrainingImage, Processor]] = {}
    for row in training_images():
        for processor in row.image.processors:
            key = (row.image.repository, row.image.tag(processor))
            if key in index:
                raise AssertionError(f"images.json has two rows for {key}")
            index[key] = (row, processor)
    return index


def parse_image_uri(image_uri: str) -> ImageIdentity | None:
    """Read (toolkit, version, framework, processor) back from an RL training image URI.

    Reads every image of the catalog, old tags (``coach0.11.0-cpu-py3``) and new ones
    (``ray-1.6.0-torch-cpu-py36``, ``coach-1.0.0-tf-cpu-py3``, ``vw-8.7.0-cpu``), also when the URI pins
    the image by digest after its tag (``...:coach0.11.0-cpu-py3@sha256:<64 hex>``: the tag is read, the
    digest kept in ``digest``), as the SageMaker SDK's ``RLEstimator.attach()`` reads it. Returns ``None``
    for an image that is not in the catalog (a custom image), never a half-filled answer; an image pinned
    by digest alone (``sagemaker-rl-tensorflow@sha256:...``) has no tag to read and is a custom image for
    the SDK too. :func:`custom_image_reason` says which case applies.
    """
    match = _ECR_URI.match(image_uri)
    if match is None or match["tag"] is None:
        return None
    found = _reverse_index().get((match["repository"], match["tag"]))
    if found is None:
        return None
    row, processor = found
    region, account = match["region"], match["account"]
    return ImageIdentity(
        toolkit=row.toolkit,
        toolkit_version=row.toolkit_version,
        framework=row.framework,
        processor=processor,
        py_version=row.image.py_version,
        region=region,
        account=account,
        official=row.image.registries.get(region) == account and match["suffix"] == dns_suffix(region),
        digest=match["digest"],
    )


def custom_image_reason(image_uri: str) -> str | None:
    """Why :func:`parse_image_uri` cannot read a toolkit from ``image_uri`` (so it is served as a custom
    image, as the SDK does), or None when it can."""
    match = _ECR_URI.match(image_uri)
    if match is None:
        return f"{image_uri!r} is not an ECR image URI of the RL catalog: it is treated as a custom image."
    if match["tag"] is None:
        pinned = "pinned by digest only" if match["digest"] else "untagged"
        known = any(row.image.repository == match["repository"] for row in training_images())
        repository = "an RL catalog repository" if known else "a repository outside the RL catalog"
        return (
            f"{image_uri!r} is {pinned} ({repository}), so nothing identifies its toolkit, version or framework: "
            "it is treated as a custom image, as the SageMaker SDK treats it. Pin it as "
            "'<repository>:<tag>@sha256:<digest>' to keep the toolkit readable."
        )
    if parse_image_uri(image_uri) is None:
        return (
            f"the tag {match['tag']!r} of {match['repository']!r} is not in the RL catalog: it is treated as a "
            "custom image."
        )
    return None


_REGISTRY_REFERENCE = re.compile(
    r"^(?P<registry>[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?)/(?P<repository>[a-z0-9]+([._/-][a-z0-9]+)*)"
    r"(:(?P<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def validate_image_uri(image_uri: str, argument: str = "image_uri") -> str:
    """Check that ``image_uri`` names an image in a registry (ECR or another host), like
    ``<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>``, pinned by digest (``@sha256:...``) or
    both; SageMaker pulls nothing else."""
    if len(image_uri) > 255 or not _REGISTRY_REFERENCE.match(image_uri):
        raise RLConfigurationError(
            argument,
            f"{image_uri!r} is not a registry image URI; expected "
            "'<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag>][@sha256:<digest>]' "
            "(at most 255 characters).",
        )
    return image_uri


@dataclass(frozen=True)
class EcrRepository:
    """Where an ECR image lives: enough to build the repository ARN for pull permissions."""

    account: str
    region: str
    repository: str


def parse_ecr_uri(image_uri: str) -> EcrRepository | None:
    """The ECR repository of an image URI (tag or digest), None for another registry."""
    match = re.match(
        r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.[a-z0-9.]+/(?P<repository>[a-z0-9._/-]+)([:@].*)?$",
        image_uri,
    )
    if match is None:
        return None
    return EcrRepository(account=match["account"], region=match["region"], repository=match["repository"])
