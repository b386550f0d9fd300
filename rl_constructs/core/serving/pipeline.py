"""``RLPipeline``'s options: every default and every check, in :func:`resolve`, as one frozen value.

The construct reduces what only it can read to plain values first: its job states to :class:`Stage` (their
longest run, the pipeline they already belong to), Durations to seconds, the serverless and autoscaling
settings and the data capture to their core values (``endpoint``, ``data_capture``), a KMS key to "given".
Errors name the construct's arguments. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..arguments import check_bool, check_mapping
from ..aws import NAME_MAX_LENGTH, check_name
from ..errors import RLConfigurationError
from ..instances import hosting_instance
from ..toolkits import Processor
from ..training.evaluation import MetricCondition
from .blue_green import BlueGreenSettings, check_blue_green
from .checks import check_count, known_seconds
from .data_capture import DataCaptureOptions
from .endpoint import ScalingSettings, ServerlessSettings, check_autoscaling, check_endpoint_name, check_serverless
from .jsonata import PREFIXED_RUN_NAME, RUN_JOB
from .model import VpcChoice
from .tags import user_tags
from .wait_budget import DEFAULT_ENDPOINT_WAIT_SECONDS, DEFAULT_POLL_SECONDS, WaitBudget, wait_budget

#: Default number of earlier runs whose model and endpoint config a successful run keeps (rollback material).
DEFAULT_KEEP_LAST = 3
#: What the default timeout adds to the longest run.
TIMEOUT_MARGIN_SECONDS = 1800
#: The room a run keeps for the unique part of its model's name after ``<model_name_prefix>-``: the 23
#: characters of the SDK's ``name_from_base`` timestamp (``core.execution_input.execution_suffix`` fills it).
RUN_SUFFIX_MIN_LENGTH = 23
#: The longest ``model_name_prefix``: 63 characters less ``-`` and the run's suffix (39, as the SDK's
#: ``name_from_base`` keeps ``base[:39]``).
MODEL_NAME_PREFIX_MAX_LENGTH = NAME_MAX_LENGTH - 1 - RUN_SUFFIX_MIN_LENGTH


@dataclass(frozen=True)
class Stage:
    """A job state of the pipeline (training, tuning or evaluation job), read off its construct."""

    #: The longest the job can run.
    longest_seconds: int
    #: The pipeline the job already belongs to (a job is one state of one state machine), else None.
    pipeline: str | None = None
    #: The job's construct path, read when it belongs to another pipeline (for the message).
    path: str | None = None
    #: For a tuning or evaluation job: the path of the training job it tunes or evaluates when that is not the
    #: pipeline's; None when it is.
    other_training_job: str | None = None


@dataclass(frozen=True)
class PipelineOptions:
    """``RLPipeline``'s checked options, with their defaults."""

    #: The pipeline deploys (an instance type or serverless inference), else it only trains.
    deploy: bool
    #: The processor of the serving image (the hosting instance's; cpu for serverless or training only).
    processor: Processor
    instance_type: str | None
    initial_instance_count: int
    endpoint_name: str | None
    serverless: ServerlessSettings | None
    autoscaling: ScalingSettings | None
    blue_green: BlueGreenSettings | None
    #: An update keeps the variant's current instance count (never for serverless: no counts to keep).
    retain_instance_counts: bool
    keep_last: int
    retain_previous_endpoints: bool
    wait_budget: WaitBudget
    timeout_seconds: int
    data_capture: DataCaptureOptions | None
    model_environment: Mapping[str, str]
    #: The model's VPC: the training job's (``INHERIT``, as ``create_model()``), none, or ``vpc_config_override``'s.
    model_vpc: VpcChoice
    #: ``EnableNetworkIsolation`` on the model (False: not set, as ``create_model()`` of SDK 2.257.7 leaves it).
    enable_network_isolation: bool
    #: The user's ``tags`` as SageMaker ``Tags`` (after the pipeline's own).
    tags: tuple[Mapping[str, str], ...]
    deploy_if: MetricCondition | None
    #: The names of a run's model and endpoint config (and per-run endpoint) are ``<model_name_prefix>-<suffix>``
    #: (None: the run's training job name).
    model_name_prefix: str | None = None

    @property
    def run_name(self) -> str:
        """JSONata of the name of the run's model and endpoint config: ``$run.job`` (its training job's name),
        or ``$run.name`` (``<model_name_prefix>-<suffix>``, :func:`~.jsonata.run_assignment`)."""
        return PREFIXED_RUN_NAME if self.model_name_prefix is not None else RUN_JOB

    def names_prefix(self, family_base: str) -> str:
        """What the names of the runs' models and endpoint configs (and per-run endpoints) begin with, before
        ``-``: ``model_name_prefix``, else the job family's ``family_base``."""
        return self.model_name_prefix or family_base

    @property
    def per_run_endpoints(self) -> bool:
        """Each run makes its own endpoint (no stable ``endpoint_name``)."""
        return self.endpoint_name is None

    @property
    def deletes_earlier_endpoints(self) -> bool:
        """A run that deployed deletes the earlier runs' per-run endpoints."""
        return self.per_run_endpoints and not self.retain_previous_endpoints

    @property
    def deletes_earlier_configs(self) -> bool:
        """A run that deployed deletes the older runs' models and configs (past ``keep_last``)."""
        return not (self.per_run_endpoints and self.retain_previous_endpoints)


def resolve(
    *,
    training: Stage,
    training_in_vpc: bool = False,
    evaluation: Stage | None = None,
    tuning: Stage | None = None,
    deploy_if: MetricCondition | None = None,
    deploy_instance_type: str | None = None,
    serverless: ServerlessSettings | None = None,
    autoscaling: ScalingSettings | None = None,
    initial_instance_count: int = 1,
    endpoint_name: str | None = None,
    model_name_prefix: str | None = None,
    serving_settings: bool = False,
    model_environment: Mapping[str, str] | None = None,
    model_vpc: VpcChoice = VpcChoice.INHERIT,
    enable_network_isolation: bool | None = None,
    tags: Mapping[str, str] | None = None,
    endpoint_kms_key: bool = False,
    data_capture: DataCaptureOptions | None = None,
    retain_instance_counts: bool = True,
    blue_green: BlueGreenSettings | None = None,
    keep_last: int = DEFAULT_KEEP_LAST,
    retain_previous_endpoints: bool = False,
    poll_seconds: int | float | None = None,
    endpoint_wait_seconds: int | float | None = None,
    timeout_seconds: int | float | None = None,
) -> PipelineOptions:
    """``RLPipeline``'s options, checked. ``serving_settings``: one of the serving image or code arguments was
    given (a training-only pipeline refuses them); ``endpoint_kms_key``: a key was given; ``model_vpc``: what
    ``vpc_config_override`` does with the training job's VPC; seconds are None for the default."""
    _check_stages(training, evaluation, tuning, deploy_if)
    deploy = deploy_instance_type is not None or serverless is not None
    if enable_network_isolation is not None:
        check_bool(enable_network_isolation, "enable_network_isolation")
    in_vpc = model_vpc is VpcChoice.REPLACE or (model_vpc is VpcChoice.INHERIT and training_in_vpc)
    if serverless is not None:
        _check_serverless(serverless, initial_instance_count, endpoint_kms_key, data_capture, in_vpc, model_vpc)
        if enable_network_isolation:
            raise RLConfigurationError(
                "enable_network_isolation", "serverless inference does not support network isolation; leave it unset."
            )
    if autoscaling is not None:
        _check_autoscaling(autoscaling, deploy, serverless, endpoint_name, initial_instance_count)
    processor = _processor(
        deploy_instance_type,
        serverless,
        training_only_settings=not deploy
        and bool(
            endpoint_name
            or model_name_prefix is not None
            or serving_settings
            or model_environment
            or tags
            or endpoint_kms_key
            or data_capture
            or model_vpc is not VpcChoice.INHERIT
            or enable_network_isolation is not None
        ),
    )
    check_count("initial_instance_count", initial_instance_count, low=1)
    check_count("keep_last", keep_last, low=1)
    if endpoint_name is not None:
        check_endpoint_name(endpoint_name)
    if model_name_prefix is not None:
        check_model_name_prefix(model_name_prefix)
    if blue_green is not None:
        if endpoint_name is None:
            raise RLConfigurationError(
                "deployment", "a blue/green rollout updates a stable endpoint: set endpoint_name as well."
            )
        check_blue_green(blue_green)
    if retain_previous_endpoints and endpoint_name is not None:
        raise RLConfigurationError(
            "retain_previous_endpoints", "only applies to per-run endpoints (without endpoint_name)."
        )
    budget = _wait_budget(poll_seconds, endpoint_wait_seconds, blue_green)
    timeout = _timeout(timeout_seconds, training, evaluation, tuning, budget if deploy else None)
    environment = check_mapping(model_environment, "model_environment", values=str, values_name="str")
    return PipelineOptions(
        deploy=deploy,
        processor=processor,
        instance_type=deploy_instance_type,
        initial_instance_count=initial_instance_count,
        endpoint_name=endpoint_name,
        serverless=serverless,
        autoscaling=autoscaling,
        blue_green=blue_green,
        retain_instance_counts=retain_instance_counts and serverless is None,
        keep_last=keep_last,
        retain_previous_endpoints=retain_previous_endpoints,
        wait_budget=budget,
        timeout_seconds=timeout,
        data_capture=data_capture,
        model_environment=MappingProxyType(dict(environment or {})),
        model_vpc=model_vpc,
        enable_network_isolation=bool(enable_network_isolation),
        tags=user_tags(tags),
        deploy_if=deploy_if,
        model_name_prefix=model_name_prefix,
    )


def check_model_name_prefix(prefix: object) -> str:
    """A ``model_name_prefix``: a SageMaker name of at most :data:`MODEL_NAME_PREFIX_MAX_LENGTH` characters (a
    run adds ``-`` and its suffix; CreateModel and CreateEndpointConfig take 63)."""
    if not isinstance(prefix, str):
        raise TypeError(f"model_name_prefix: expected a str, got {type(prefix).__name__}.")
    return check_name(
        "model_name_prefix",
        prefix,
        what=f"model name prefix (each run adds '-' and a suffix of at least {RUN_SUFFIX_MIN_LENGTH} characters)",
        max_length=MODEL_NAME_PREFIX_MAX_LENGTH,
    )


def _check_stages(
    training: Stage, evaluation: Stage | None, tuning: Stage | None, deploy_if: MetricCondition | None
) -> None:
    """The evaluation and tuning jobs are of this pipeline's training job, and no job is in another pipeline."""
    if evaluation is None and deploy_if is not None:
        raise RLConfigurationError("deploy_if", "a reward gate reads an evaluation's metrics: set evaluation_job.")
    if evaluation is not None:
        if evaluation.other_training_job is not None:
            raise RLConfigurationError(
                "evaluation_job", f"evaluates {evaluation.other_training_job}, not this pipeline's training_job."
            )
        if evaluation.pipeline is not None:
            raise RLConfigurationError("evaluation_job", "already belongs to another pipeline.")
    if tuning is not None:
        if tuning.other_training_job is not None:
            raise RLConfigurationError(
                "tuning_job", f"tunes {tuning.other_training_job}, not this pipeline's training_job."
            )
        if tuning.pipeline is not None:
            raise RLConfigurationError("tuning_job", "already starts another pipeline.")
    if training.pipeline is not None:
        raise RLConfigurationError(
            "training_job",
            f"{training.path} already starts the pipeline {training.pipeline}; a training job is one state of "
            "one state machine: make a second RLTrainingJob for a second pipeline.",
        )


def _check_serverless(
    serverless: ServerlessSettings,
    initial_instance_count: int,
    endpoint_kms_key: bool,
    data_capture: DataCaptureOptions | None,
    in_vpc: bool,
    model_vpc: VpcChoice,
) -> None:
    """``endpoint.check_serverless``, refusing what SageMaker's serverless endpoints do not support (Developer
    Guide, "Serverless Inference", feature exclusions: VPC configuration, data capture; there is no instance
    storage volume for ``KmsKeyId`` to encrypt)."""
    check_serverless(serverless, None)
    refused = {
        "initial_instance_count": initial_instance_count != 1,
        "endpoint_kms_key": endpoint_kms_key,
        "data_capture": data_capture is not None,
    }
    for argument, given in refused.items():
        if given:
            raise RLConfigurationError(argument, "does not apply to serverless inference; leave it unset.")
    if in_vpc and model_vpc is VpcChoice.REPLACE:
        raise RLConfigurationError(
            "vpc_config_override", "serverless inference does not support a VPC; deploy on instances, or drop it."
        )
    if in_vpc:
        raise RLConfigurationError(
            "serverless",
            "the model would run in the training job's VPC (as create_model() makes it), which serverless inference "
            "does not support; deploy on instances (deploy_instance_type), or outside any VPC "
            "(vpc_config_override=ModelVpc.none()).",
        )


def _check_autoscaling(
    autoscaling: ScalingSettings,
    deploy: bool,
    serverless: ServerlessSettings | None,
    endpoint_name: str | None,
    initial_instance_count: int,
) -> None:
    """``autoscaling`` as ``RLEndpoint`` checks it; only for a stable endpoint on instances (a per-run endpoint
    would leave a scalable target per run behind)."""
    if not deploy:
        raise RLConfigurationError("autoscaling", "scales an endpoint: set deploy_instance_type as well.")
    if serverless is not None:
        raise RLConfigurationError("autoscaling", "does not apply to serverless inference (it scales by itself).")
    if endpoint_name is None:
        raise RLConfigurationError(
            "autoscaling", "scales a stable endpoint: set endpoint_name (per-run endpoints are replaced every run)."
        )
    check_autoscaling(autoscaling, initial_instance_count)


def _processor(
    deploy_instance_type: str | None, serverless: ServerlessSettings | None, *, training_only_settings: bool
) -> Processor:
    """The serving image's processor: the hosting instance's (cpu for serverless inference)."""
    if deploy_instance_type is not None:
        if serverless is not None:
            raise RLConfigurationError(
                "serverless", "serves without instances: give deploy_instance_type or serverless, not both."
            )
        return hosting_instance(deploy_instance_type, "deploy_instance_type").processor
    if training_only_settings:
        raise RLConfigurationError(
            "deploy_instance_type",
            "endpoint settings were given for a training-only pipeline; set deploy_instance_type (or serverless).",
        )
    return Processor.CPU


def _wait_budget(
    poll_seconds: int | float | None, wait_seconds: int | float | None, blue_green: BlueGreenSettings | None
) -> WaitBudget:
    """The wait budget: one poll every 30 s for an hour by default (plus the blue/green rollout's longest)."""
    poll = known_seconds("poll_interval", poll_seconds, default=DEFAULT_POLL_SECONDS)
    default_wait = DEFAULT_ENDPOINT_WAIT_SECONDS + (blue_green.longest_seconds() if blue_green is not None else 0)
    return wait_budget(poll, known_seconds("endpoint_wait_timeout", wait_seconds, default=default_wait))


def _timeout(
    timeout_seconds: int | float | None,
    training: Stage,
    evaluation: Stage | None,
    tuning: Stage | None,
    budget: WaitBudget | None,
) -> int:
    """The execution's time limit: the longest run (training or tuning, evaluation, the endpoint wait and the
    cleanup of a deploying pipeline) plus a margin by default; a shorter one is refused."""
    deploy_seconds = budget.wait_seconds + budget.cleanup_seconds if budget is not None else 0
    least = (tuning.longest_seconds if tuning is not None else training.longest_seconds) + deploy_seconds
    if evaluation is not None:
        least += evaluation.longest_seconds
    timeout = known_seconds("timeout", timeout_seconds, default=least + TIMEOUT_MARGIN_SECONDS)
    if timeout < least:
        raise RLConfigurationError(
            "timeout",
            f"{timeout} s is shorter than the longest run ({least} s: the training job's "
            f"{training.longest_seconds} s"
            + (f", {budget.wait_seconds} s endpoint wait, {budget.cleanup_seconds} s cleanup" if budget else "")
            + "); the execution would time out before the run can end and clean up.",
        )
    return timeout
