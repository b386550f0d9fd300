"""resolve_training_job: every default of RLTrainingJob, every check on both sides of its rule, a frozen value."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from rl_constructs.core.arguments import NUMBER_TOKEN_BELOW
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.toolkits import Processor, RLFramework, RLToolkit
from rl_constructs.core.training.options import InstanceGroup, TrainingJobOptions, resolve_training_job
from rl_constructs.core.training.request import InstanceGroupSpec, TrainingInput

TOKEN = "${Token[TOKEN.123]}"
NUMBER_TOKEN = NUMBER_TOKEN_BELOW * 1.5
CODE = "s3://code/rl/sourcedir.tar.gz"
BASE: dict[str, Any] = {
    "entry_point": "train.py",
    "source_dir": CODE,  # code already in S3: nothing is packaged
    "toolkit": "coach",
    "toolkit_version": "0.11.0",
    "framework": "tensorflow",
    "instance_type": "ml.c5.2xlarge",
    "name_parts": ("RL", "Train"),
}


def resolve(**overrides: Any) -> TrainingJobOptions:
    return resolve_training_job(**{**BASE, **overrides})


def refused(argument: str, fragment: str, **overrides: Any) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        resolve(**overrides)
    assert caught.value.argument == argument, caught.value
    assert fragment in str(caught.value)


def test_the_defaults_are_the_sdks() -> None:
    options = resolve()
    assert (options.toolkit, options.toolkit_version, options.framework) == (
        RLToolkit.COACH,
        "0.11.0",
        RLFramework.TENSORFLOW,
    )
    assert options.catalog_image is not None and options.image_uri is None and not options.ignores_toolkit
    assert options.processor is Processor.CPU
    assert options.instance_groups == (InstanceGroupSpec("", "ml.c5.2xlarge", 1),) and not options.grouped
    assert [d["Name"] for d in options.metric_definitions] == ["reward-training", "reward-testing"]
    assert (options.volume_size_in_gb, options.max_runtime_in_seconds, options.max_wait_time_in_seconds) == (
        30,
        86_400,
        None,
    )
    assert options.longest_seconds == 86_400
    assert (options.program, options.source, options.s3_source) == ("train.py", None, ("code", "rl/sourcedir.tar.gz"))
    assert options.base_job_name == "RL-Train"
    assert options.output_prefix == ""
    assert dict(options.hyperparameters) == {} and dict(options.channels) == {}
    assert dict(options.environment) == {} and dict(options.tags) == {}
    assert options.vpc_ids is None
    assert (options.debugger_hook_config, options.disable_profiler) == (True, False)
    assert not options.use_spot_instances and options.max_retry_attempts is None


def test_the_value_is_frozen() -> None:
    options = resolve(tags={"team": "rl"}, hyperparameters={"discount": 0.99})
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.volume_size_in_gb = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        options.tags["team"] = "ml"  # type: ignore[index]
    with pytest.raises(TypeError):
        options.hyperparameters["discount"] = "0.5"  # type: ignore[index]


def test_given_values_are_kept_and_encoded() -> None:
    options = resolve(
        hyperparameters={"discount": 0.99, "preset": "cartpole"},
        use_spot_instances=True,
        max_run_seconds=3600,
        max_wait_seconds=7200,
        volume_size_gb=100,
        base_job_name="my-job",
        environment={"A": "1"},
        tags={"team": "rl"},
        output_prefix="models/",
        checkpoint_s3_uri="s3://data/checkpoints/",
        checkpoint_local_path="/opt/ml/checkpoints",
    )
    assert dict(options.hyperparameters) == {"discount": "0.99", "preset": '"cartpole"'}
    assert (options.max_runtime_in_seconds, options.max_wait_time_in_seconds, options.longest_seconds) == (
        3600,
        7200,
        7200,
    )
    assert options.volume_size_in_gb == 100 and options.base_job_name == "my-job"
    assert (dict(options.environment), dict(options.tags), options.output_prefix) == (
        {"A": "1"},
        {"team": "rl"},
        "models/",
    )


def test_a_long_base_job_name_is_trimmed_and_a_long_default_stays_distinct() -> None:
    assert resolve(base_job_name="a" * 50).base_job_name == "a" * 39
    first, second = (resolve(name_parts=("S" * 30, f"Train{n}")).base_job_name for n in (1, 2))
    assert first != second and len(first) <= 39


def test_packaged_code(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("print('train')\n")
    options = resolve(source_dir=str(tmp_path))
    assert options.source is not None and options.s3_source is None
    assert options.program == "train.py" and options.source.members == ("train.py",)


def test_a_custom_image_replaces_the_catalog() -> None:
    image = "111122223333.dkr.ecr.us-west-2.amazonaws.com/my-rl:1"
    options = resolve(toolkit=None, toolkit_version=None, framework=None, image_uri=image)
    assert (options.image_uri, options.catalog_image, options.toolkit) == (image, None, None)
    assert options.metric_definitions == () and not options.ignores_toolkit
    assert resolve(image_uri=image).ignores_toolkit  # toolkit, version and framework are then ignored
    assert resolve(toolkit=None, image_uri=TOKEN).image_uri == TOKEN  # a token passes unchecked
    refused("image_uri", "not a registry image URI", toolkit=None, image_uri="not-an-image")
    refused("toolkit", "not a supported RLToolkit", toolkit="bogus", image_uri=image)
    refused("framework", "not a supported RLFramework", framework="bogus", image_uri=image)


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"instance_count": "1"}, "instance_count"),
        ({"instance_count": True}, "instance_count"),
        ({"max_retry_attempts": "3"}, "max_retry_attempts"),
        ({"hyperparameters": [("a", 1)]}, "hyperparameters"),
        ({"metric_definitions": "reward"}, "metric_definitions"),
        ({"metric_definitions": ["reward"]}, "metric_definitions[0]"),
        ({"use_spot_instances": 1}, "use_spot_instances"),
        ({"enable_network_isolation": "yes"}, "enable_network_isolation"),
        ({"encrypt_inter_container_traffic": None}, "encrypt_inter_container_traffic"),
        ({"debugger_hook_config": 0}, "debugger_hook_config"),
        ({"disable_profiler": "no"}, "disable_profiler"),
        ({"entry_point": None}, "entry_point"),
        ({"output_prefix": None}, "output_prefix"),
        ({"checkpoint_s3_uri": 5}, "checkpoint_s3_uri"),
        ({"checkpoint_local_path": 5}, "checkpoint_local_path"),
        ({"environment": {"A": 1}}, "environment['A']"),
        ({"tags": {"team": 1}}, "tags['team']"),
        ({"inputs": ["s3://a/b"]}, "inputs"),
        ({"inputs": {"env": 1}}, "inputs['env']"),
        ({"dependencies": "lib"}, "dependencies"),
        ({"dependencies": [1]}, "dependencies[0]"),
    ],
)
def test_wrong_types_name_the_argument(overrides: dict[str, Any], argument: str) -> None:
    with pytest.raises(TypeError) as caught:
        resolve(**overrides)
    assert str(caught.value).startswith(f"{argument}:"), caught.value


def test_the_removal_policy_is_for_the_bucket_made_here() -> None:
    refused(
        "removal_policy",
        "applies to the output bucket created here",
        output_bucket_given=True,
        retain_output_bucket=False,
    )
    assert resolve(output_bucket_given=True, retain_output_bucket=True)
    assert resolve(output_bucket_given=False, retain_output_bucket=False)


def test_instances() -> None:
    refused("instance_type", "required", instance_type=None)
    refused("instance_type", "Did you mean", instance_type="ml.c5.2xlarg")
    refused("instance_count", "at least 1", instance_count=0)
    assert resolve(instance_count=NUMBER_TOKEN).instance_groups[0].instance_count == NUMBER_TOKEN
    assert resolve(instance_type="ml.p3.2xlarge").processor is Processor.GPU
    refused(
        "instance_type",
        "no gpu image",
        toolkit="vw",
        toolkit_version="8.7.0",
        framework=None,
        instance_type="ml.p3.2xlarge",
    )


def group(name: str = "learner", instance_type: str = "ml.c5.4xlarge", count: int = 1) -> InstanceGroup:
    return InstanceGroup(name, instance_type, count)


def test_instance_groups() -> None:
    options = resolve(instance_type=None, instance_groups=[group(), group("actors", "ml.c5.xlarge", 3)])
    assert options.grouped and options.instance_types == ["ml.c5.4xlarge", "ml.c5.xlarge"]
    assert options.instance_groups[1] == InstanceGroupSpec("actors", "ml.c5.xlarge", 3)
    refused("instance_groups", "not both", instance_groups=[group()])
    refused("instance_groups", "1 to 5 groups", instance_type=None, instance_groups=[])
    assert resolve(instance_type=None, instance_groups=[group(f"g{n}") for n in range(5)])
    refused("instance_groups", "1 to 5 groups", instance_type=None, instance_groups=[group(f"g{n}") for n in range(6)])
    refused("instance_groups", "unique", instance_type=None, instance_groups=[group(), group()])
    refused("instance_groups[0].instance_group_name", "letters", instance_type=None, instance_groups=[group("a_b")])
    assert resolve(instance_type=None, instance_groups=[group("a" * 64)])
    refused("instance_groups[0].instance_group_name", "letters", instance_type=None, instance_groups=[group("a" * 65)])
    refused(
        "instance_groups[0].instance_type",
        "Did you mean",
        instance_type=None,
        instance_groups=[group(instance_type="ml.c5.4xlarg")],
    )
    refused("instance_groups[0].instance_count", "at least 1", instance_type=None, instance_groups=[group(count=0)])


def test_one_image_for_a_mixed_cluster_needs_a_custom_image() -> None:
    mixed = [group(), group("gpu", "ml.p3.2xlarge")]
    refused("instance_groups", "mixes cpu and gpu", instance_type=None, instance_groups=mixed)
    image = "111122223333.dkr.ecr.us-west-2.amazonaws.com/my-rl:1"
    assert resolve(instance_type=None, instance_groups=mixed, toolkit=None, image_uri=image).grouped


@pytest.mark.parametrize(
    ("overrides", "argument", "fragment"),
    [
        ({"volume_size_gb": 0}, "volume_size", "at least 1 GiB"),
        ({"max_run_seconds": 0}, "max_run", "28 days"),
        ({"max_run_seconds": 28 * 86_400 + 1}, "max_run", "28 days"),
        ({"max_wait_seconds": 7200}, "max_wait", "only applies with use_spot_instances"),
        ({"use_spot_instances": True}, "max_wait", "needs max_wait"),
        (
            {"use_spot_instances": True, "max_run_seconds": 7200, "max_wait_seconds": 7199},
            "max_wait",
            "at least max_run",
        ),
        ({"max_retry_attempts": 0}, "max_retry_attempts", "1 to 30"),
        ({"max_retry_attempts": 31}, "max_retry_attempts", "1 to 30"),
        ({"metric_definitions": [{"Name": "r", "Regex": "(bad"}]}, "metric_definitions[0].Regex", "does not compile"),
        ({"hyperparameters": {"sagemaker_region": "x"}}, "hyperparameters['sagemaker_region']", "reserved"),
        ({"tags": {f"k{n}": "v" for n in range(51)}}, "tags", "at most 50"),
        ({"tags": {"": "v"}}, "tags['']", "1-128"),
        ({"tags": {"k": "v" * 257}}, "tags['k']", "at most 256"),
        ({"checkpoint_local_path": "/opt/ml/checkpoints"}, "checkpoint_local_path", "needs checkpoint_s3_uri"),
        ({"checkpoint_s3_uri": "/tmp/checkpoints"}, "checkpoint_s3_uri", "not an s3:// URI"),
        ({"base_job_name": "bad_name"}, "base_job_name", "letters, digits and hyphens"),
    ],
)
def test_limits_and_values_are_refused_naming_the_argument(
    overrides: dict[str, Any], argument: str, fragment: str
) -> None:
    refused(argument, fragment, **overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"volume_size_gb": 1},
        {"max_run_seconds": 1},
        {"max_run_seconds": 28 * 86_400},
        {"use_spot_instances": True, "max_run_seconds": 7200, "max_wait_seconds": 7200},
        {"volume_size_gb": NUMBER_TOKEN, "max_run_seconds": NUMBER_TOKEN},  # number tokens: checked where they resolve
        {"use_spot_instances": True, "max_wait_seconds": NUMBER_TOKEN},
        {"max_retry_attempts": 1},
        {"max_retry_attempts": 30},
        {"tags": {f"k{n}": "v" * 256 for n in range(50)}},
        {"tags": {"k" * 128: ""}},
        {"checkpoint_s3_uri": f"s3://{TOKEN}/checkpoints/"},
    ],
)
def test_values_at_the_limits_are_accepted(overrides: dict[str, Any]) -> None:
    assert resolve(**overrides)


def test_input_channels() -> None:
    options = resolve(
        inputs={
            "env": "s3://data/env/",
            "given": TrainingInput(s3_data="s3://data/given/", content_type="text/csv"),
            "mapped": {"s3_data": "s3://data/mapped/", "input_mode": "Pipe"},
            "token": TOKEN,
            "bucket": TrainingInput(s3_data="s3://data/", s3_data_kms_key_arn="arn:aws:kms:us-west-2:1:key/k"),
        }
    )
    assert list(options.channels) == ["env", "given", "mapped", "token", "bucket"]
    assert options.channels["mapped"].input_mode == "Pipe"
    assert options.readable_channel_uris()["env"] == "s3://data/env/"
    assert options.channel_key_arns() == ["arn:aws:kms:us-west-2:1:key/k"]
    assert resolve(inputs={f"c{n}": "s3://d/x" for n in range(20)})
    refused("inputs", "1 to 20", inputs={})
    refused("inputs", "1 to 20", inputs={f"c{n}": "s3://d/x" for n in range(21)})
    refused("inputs['a b']", "channel names", inputs={"a b": "s3://d/x"})
    refused("inputs['env'].s3_data", "not an s3:// URI", inputs={"env": "/tmp/data"})
    refused(
        "inputs['env'].distribution", "not supported", inputs={"env": {"s3_data": "s3://d/x", "distribution": "All"}}
    )


def test_a_run_time_channel_reads_within_its_scope() -> None:
    model = TrainingInput(s3_data="{% $states.input.TrainingJob.ModelDataUrl %}", s3_data_scope="s3://out/")
    assert resolve(inputs={"model": model}).readable_channel_uris() == {"model": "s3://out/"}
    refused("inputs['model'].s3_data_scope", "prefix", inputs={"model": {"s3_data": model.s3_data}})


def test_network_isolation_sends_the_code_as_the_sdks_channel() -> None:
    options = resolve(enable_network_isolation=True, inputs={"env": "s3://data/env/"})
    channels = options.request_channels("s3://code/rl/sourcedir.tar.gz")
    assert list(channels) == ["env", "code"] and channels["code"].s3_data == "s3://code/rl/sourcedir.tar.gz"
    assert list(resolve(inputs={"code": "s3://data/code/"}).request_channels("s3://x/y")) == ["code"]
    refused("inputs['code']", "code channel", enable_network_isolation=True, inputs={"code": "s3://data/code/"})


def test_vpc_constructs_are_only_known_as_given() -> None:
    vpc, group_ = object(), object()
    assert resolve(vpc=vpc, vpc_subnets=object(), security_groups=[group_]).vpc_ids is None
    refused("vpc", "need a vpc", vpc_subnets=object())
    refused("vpc", "need a vpc", security_groups=[group_])
    refused("security_groups", "1 to 5", vpc=vpc, security_groups=[])
    refused("security_groups", "1 to 5", vpc=vpc, security_groups=[group_] * 6)
    assert resolve(vpc=vpc, security_groups=[group_] * 5)


def test_vpc_ids_the_sdks_way() -> None:
    options = resolve(subnets=["subnet-0a1b2c3d"], security_group_ids=["sg-0123456789abcdef0", TOKEN])
    assert options.vpc_ids == (("subnet-0a1b2c3d",), ("sg-0123456789abcdef0", TOKEN))
    assert resolve(subnets=[f"subnet-{n}" for n in range(16)], security_group_ids=[f"sg-{n}" for n in range(5)])
    refused("subnets", "not both", vpc=object(), subnets=["subnet-1"], security_group_ids=["sg-1"])
    refused("security_group_ids", "go together", subnets=["subnet-1"])
    refused("subnets", "go together", security_group_ids=["sg-1"])
    refused("subnets", "1 to 16", subnets=[f"subnet-{n}" for n in range(17)], security_group_ids=["sg-1"])
    refused("security_group_ids", "1 to 5", subnets=["subnet-1"], security_group_ids=[])
    refused("subnets[0]", "not an id", subnets=["subnet_1"], security_group_ids=["sg-1"])
    refused("security_group_ids[0]", "not an id", subnets=["subnet-1"], security_group_ids=["sg-" + "a" * 30])
    with pytest.raises(TypeError, match=r"^subnets: expected a list"):
        resolve(subnets="subnet-1", security_group_ids=["sg-1"])
    with pytest.raises(TypeError, match=r"^security_group_ids\[0\]: expected a str"):
        resolve(subnets=["subnet-1"], security_group_ids=[1])


def test_code_already_in_s3() -> None:
    refused("source_dir", ".tar.gz", source_dir="s3://code/rl/")
    refused("dependencies", "already uploaded", dependencies=["lib"])
    refused("entry_point", "missing.py", source_dir=None, entry_point="missing.py")
