"""Instance types: botocore's enums, GPU counts, processor choice, refusals with suggestions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rl_constructs.core import (
    Processor,
    RLConfigurationError,
    gpu_counts,
    hosting_instance,
    hosting_instance_types,
    training_instance,
    training_instance_types,
)
from rl_constructs.core.instances import instance_family, is_gpu_family


def test_every_gpu_training_type_in_botocore_has_a_gpu_count() -> None:
    gpu_types = [t for t in training_instance_types() if is_gpu_family(instance_family(t) or "")]
    assert gpu_types, "botocore's TrainingInstanceType enum lists GPU types"
    missing = sorted(set(gpu_types) - set(gpu_counts()))
    assert missing == [], f"add the GPU count of {missing} to gpu_instances.json"


def test_gpu_counts_hold_only_gpu_types_and_positive_counts() -> None:
    for name, count in gpu_counts().items():
        assert is_gpu_family(instance_family(name) or ""), name
        assert count >= 1, name


@pytest.mark.parametrize(
    ("name", "gpus"),
    [
        ("ml.p3.2xlarge", 1),
        ("ml.p3.16xlarge", 8),
        ("ml.p2.16xlarge", 16),
        ("ml.g4dn.12xlarge", 4),
        ("ml.g5.48xlarge", 8),
        ("ml.g6e.12xlarge", 4),
        ("ml.p5.48xlarge", 8),
        ("ml.p6-b200.48xlarge", 8),
    ],
)
def test_known_gpu_counts(name: str, gpus: int) -> None:
    instance = training_instance(name)
    assert instance.gpu_count == gpus
    assert instance.processor is Processor.GPU


@pytest.mark.parametrize("name", ["ml.c5.2xlarge", "ml.m5.large", "ml.r5.xlarge", "ml.c7i-flex.large", "ml.t3.medium"])
def test_cpu_types_choose_the_cpu_image(name: str) -> None:
    if name not in training_instance_types():
        pytest.skip(f"{name} not in this botocore's enum")
    instance = training_instance(name)
    assert instance.processor is Processor.CPU and instance.gpu_count == 0


def test_every_non_accelerator_training_type_is_accepted() -> None:
    for name in training_instance_types():
        family = instance_family(name) or ""
        if family.startswith(("inf", "trn")):
            continue
        assert training_instance(name).name == name


def test_a_typo_gets_the_closest_valid_names() -> None:
    with pytest.raises(RLConfigurationError) as caught:
        training_instance("ml.c5.2xlarg")
    assert caught.value.argument == "instance_type"
    assert "Did you mean 'ml.c5.2xlarge'" in str(caught.value)


def test_the_argument_name_is_the_callers() -> None:
    with pytest.raises(RLConfigurationError, match=r"^deploy_instance_type: 'm5.large' is not a SageMaker hosting"):
        hosting_instance("m5.large", "deploy_instance_type")


@pytest.mark.parametrize(
    ("name", "fragment"), [("ml.trn1.2xlarge", "AWS Trainium"), ("ml.trn2.48xlarge", "AWS Trainium")]
)
def test_trainium_is_refused_for_rl_training(name: str, fragment: str) -> None:
    if name not in training_instance_types():
        pytest.skip(f"{name} not in this botocore's enum")
    with pytest.raises(RLConfigurationError, match=fragment):
        training_instance(name)


def test_inferentia_is_refused_for_serving() -> None:
    with pytest.raises(RLConfigurationError, match="AWS Inferentia"):
        hosting_instance("ml.inf1.xlarge")


def test_graviton_is_refused_for_serving() -> None:
    with pytest.raises(RLConfigurationError, match="Graviton"):
        hosting_instance("ml.c6g.large")


def test_local_mode_is_refused() -> None:
    with pytest.raises(RLConfigurationError, match="local mode"):
        training_instance("local_gpu")


def test_hosting_types_come_from_the_production_variant_enum() -> None:
    assert "ml.m5.large" in hosting_instance_types()
    assert hosting_instance("ml.m5.large").processor is Processor.CPU
    assert hosting_instance("ml.g4dn.xlarge").processor is Processor.GPU
    with pytest.raises(RLConfigurationError):
        hosting_instance("ml.c5n.2xlarge")  # a training-only type


def test_non_strings_are_refused() -> None:
    with pytest.raises(RLConfigurationError, match="expected an instance type string"):
        training_instance(5)


@pytest.mark.parametrize(
    ("shape", "read"),
    [("TrainingInstanceType", training_instance_types), ("ProductionVariantInstanceType", hosting_instance_types)],
)
def test_the_enums_are_those_of_botocores_own_service_model(shape: str, read: Callable[[], tuple[str, ...]]) -> None:
    # The instance rules read botocore's data file directly (fast); it must be what botocore itself loads.
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    assert read() == tuple(model.shape_for(shape).enum)
