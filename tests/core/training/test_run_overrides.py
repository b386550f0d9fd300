"""resolve_run_overrides: the bounds of per-run overrides, checked against the job's options and SageMaker's."""

from __future__ import annotations

from typing import Any

import pytest

from rl_constructs.core.arguments import NUMBER_TOKEN_BELOW
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.toolkits import Processor
from rl_constructs.core.training.options import InstanceGroup, TrainingJobOptions, resolve_training_job
from rl_constructs.core.training.run_overrides import OverrideBounds, resolve_run_overrides

DAY = 86_400


def job(**overrides: Any) -> TrainingJobOptions:
    arguments: dict[str, Any] = {
        "entry_point": "train.py",
        "source_dir": "s3://code/rl/sourcedir.tar.gz",
        "toolkit": "coach",
        "toolkit_version": "0.11.0",
        "framework": "tensorflow",
        "instance_type": "ml.c5.2xlarge",
        "max_run_seconds": 7200,
        "name_parts": ("RL", "Train"),
        **overrides,
    }
    return resolve_training_job(**arguments)


def image(processor: Processor) -> str:
    return f"image-{processor.value}"


def resolve(job_options: TrainingJobOptions | None = None, **overrides: Any) -> OverrideBounds:
    return resolve_run_overrides(job=job_options or job(), training_image=image, **overrides)


def refused(argument: str, fragment: str, job_options: TrainingJobOptions | None = None, **overrides: Any) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        resolve(job_options, **overrides)
    assert caught.value.argument == argument, caught.value
    assert fragment in str(caught.value)


def test_without_bounds_a_run_may_change_nothing() -> None:
    bounds = resolve()
    assert bounds.images == {"ml.c5.2xlarge": "image-cpu"}
    assert (bounds.instance_type, bounds.instance_count, bounds.max_instance_count) == ("ml.c5.2xlarge", 1, 1)
    assert (bounds.max_run_seconds, bounds.max_run_bound, bounds.spot, bounds.spot_allowed) == (
        7200,
        7200,
        False,
        False,
    )
    assert (bounds.max_wait_seconds, bounds.max_wait_bound, bounds.longest_seconds()) == (None, None, 7200)


def test_each_type_gets_the_image_of_its_processor() -> None:
    bounds = resolve(instance_types=["ml.p3.2xlarge", "ml.c5.4xlarge"], max_instance_count=4, max_run_seconds=DAY)
    assert bounds.images == {"ml.c5.2xlarge": "image-cpu", "ml.p3.2xlarge": "image-gpu", "ml.c5.4xlarge": "image-cpu"}
    assert (bounds.max_instance_count, bounds.max_run_bound) == (4, DAY)
    vw = job(toolkit="vw", toolkit_version="8.7.0", framework=None)
    refused("run_overrides.instance_types[0]", "no gpu image", vw, instance_types=["ml.p3.2xlarge"])
    refused("run_overrides.instance_types[0]", "Did you mean", instance_types=["ml.p3.2xlarg"])


def test_spot() -> None:
    bounds = resolve(allow_spot=True, max_wait_seconds=2 * DAY, max_run_seconds=DAY)
    assert (bounds.spot_allowed, bounds.max_wait_bound, bounds.longest_seconds()) == (True, 2 * DAY, 2 * DAY)
    refused("run_overrides.max_wait", "needs a bound", allow_spot=True)
    refused("run_overrides.max_wait", "below the runtime bound", allow_spot=True, max_wait_seconds=7199)
    assert resolve(allow_spot=True, max_wait_seconds=7200).max_wait_bound == 7200
    refused("run_overrides.max_wait", "only applies when spot training is allowed", max_wait_seconds=7200)
    spot = job(use_spot_instances=True, max_wait_seconds=10_800)
    assert resolve(spot).max_wait_bound == 10_800  # a spot job may always switch spot off
    refused("run_overrides.max_wait", "below max_wait", spot, max_wait_seconds=10_799)


def test_bounds_against_the_job() -> None:
    refused("run_overrides.max_instance_count", "below instance_count", job(instance_count=2), max_instance_count=1)
    assert resolve(job(instance_count=2), max_instance_count=2).max_instance_count == 2
    refused("run_overrides.max_run", "from max_run", max_run_seconds=7199)
    refused("run_overrides.max_run", "28 days", max_run_seconds=28 * DAY + 1)
    assert resolve(max_run_seconds=28 * DAY).max_run_bound == 28 * DAY


def test_what_a_run_cannot_override() -> None:
    grouped = job(instance_type=None, instance_groups=[InstanceGroup("a", "ml.c5.xlarge")])
    refused("run_overrides", "heterogeneous cluster", grouped)
    refused("run_overrides", "known at synth", job(instance_count=NUMBER_TOKEN_BELOW * 1.5))
    with pytest.raises(TypeError, match=r"^run_overrides.instance_types"):
        resolve(instance_types="ml.p3.2xlarge")
    with pytest.raises(TypeError, match=r"^run_overrides.max_instance_count"):
        resolve(max_instance_count="4")
    with pytest.raises(TypeError, match=r"^run_overrides.allow_spot"):
        resolve(allow_spot=1)


def test_a_custom_image_serves_every_type() -> None:
    custom = job(toolkit=None, image_uri="111122223333.dkr.ecr.us-west-2.amazonaws.com/my-rl:1")

    def uri(processor: Processor) -> str:
        return "my-rl"

    bounds = resolve_run_overrides(job=custom, training_image=uri, instance_types=["ml.p3.2xlarge"])
    assert bounds.images == {"ml.c5.2xlarge": "my-rl", "ml.p3.2xlarge": "my-rl"}
