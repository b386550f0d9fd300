"""Metric definitions: the SDK's defaults per toolkit, and validation of user-given ones."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..errors import RLConfigurationError
from ..toolkits import RLToolkit, coerce_enum

_FLOAT = r"([-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?)"

#: What ``RLEstimator.default_metric_definitions(toolkit)`` returns.
DEFAULT_METRIC_DEFINITIONS: Mapping[RLToolkit, tuple[Mapping[str, str], ...]] = {
    RLToolkit.COACH: (
        {"Name": "reward-training", "Regex": "^Training>.*Total reward=(.*?),"},
        {"Name": "reward-testing", "Regex": "^Testing>.*Total reward=(.*?),"},
    ),
    RLToolkit.RAY: (
        {"Name": "episode_reward_mean", "Regex": f"episode_reward_mean: {_FLOAT}"},
        {"Name": "episode_reward_max", "Regex": f"episode_reward_max: {_FLOAT}"},
    ),
}


def default_metric_definitions(toolkit: RLToolkit | str) -> list[dict[str, str]]:
    """What ``RLEstimator.default_metric_definitions(toolkit)`` returns (Vowpal Wabbit: none)."""
    return [dict(d) for d in DEFAULT_METRIC_DEFINITIONS.get(coerce_enum(RLToolkit, toolkit, "toolkit"), ())]


#: botocore's MetricDefinitions shape: at most 40; Name 1-255, Regex 1-500 characters.
MAX_DEFINITIONS = 40
MAX_NAME_LENGTH = 255
MAX_REGEX_LENGTH = 500


def metric_definitions(toolkit: RLToolkit | None, given: Sequence[Mapping[str, str]] | None) -> list[dict[str, str]]:
    """The definitions a job sends: ``given`` when set (validated), else the toolkit's SDK defaults.

    Vowpal Wabbit and custom images (``toolkit`` None) have no defaults. A name given twice is passed
    through, as the SDK passes it: botocore's MetricDefinitions shape has no uniqueness rule, and a
    published SageMaker RL notebook defines ``training_iteration`` twice.
    """
    if given is None:
        return [dict(d) for d in DEFAULT_METRIC_DEFINITIONS.get(toolkit, ())] if toolkit else []
    if len(given) > MAX_DEFINITIONS:
        raise RLConfigurationError(
            "metric_definitions", f"{len(given)} definitions; SageMaker allows {MAX_DEFINITIONS}."
        )
    result: list[dict[str, str]] = []
    for index, definition in enumerate(given):
        argument = f"metric_definitions[{index}]"
        if not isinstance(definition, Mapping) or set(definition) != {"Name", "Regex"}:
            raise RLConfigurationError(argument, 'each definition is {"Name": ..., "Regex": ...} (the SDK form).')
        name, regex = definition["Name"], definition["Regex"]
        if not isinstance(name, str) or not name.strip():
            raise RLConfigurationError(f"{argument}.Name", "a metric name must be a non-empty string.")
        if len(name) > MAX_NAME_LENGTH:
            raise RLConfigurationError(f"{argument}.Name", f"longer than {MAX_NAME_LENGTH} characters.")
        if not isinstance(regex, str) or not regex or len(regex) > MAX_REGEX_LENGTH:
            raise RLConfigurationError(f"{argument}.Regex", f"a regex of 1 to {MAX_REGEX_LENGTH} characters is needed.")
        try:
            compiled = re.compile(regex)
        except re.error as error:
            raise RLConfigurationError(f"{argument}.Regex", f"{regex!r} does not compile: {error}.") from None
        if compiled.groups < 1:
            raise RLConfigurationError(
                f"{argument}.Regex", f"{regex!r} has no capture group: SageMaker reads the metric value from the first."
            )
        result.append({"Name": name, "Regex": regex})
    return result
