"""Evaluation entry point of the workflow example: play evaluation episodes with a trained Coach policy.

``RLEvaluationJob`` hands the trained job's ``model.tar.gz`` to this job as the ``model`` channel. This
script unpacks it next to the Coach checkpoint it holds and runs Coach's own evaluation (``coach --evaluate``
restoring that checkpoint) for ``evaluate_steps`` steps. Coach logs ``Testing> ... Total reward=<r>,`` per
episode, which the toolkit's ``reward-testing`` metric definition reads; SageMaker keeps the last value in
``FinalMetricDataList``, the value ``RewardAtLeast("reward-testing", ...)`` gates on.
"""

import json
import os
import subprocess
import sys
import tarfile

MODEL_CHANNEL = "/opt/ml/input/data/model"
CHECKPOINTS = "/opt/ml/checkpoints/restored"


def main() -> int:
    hyperparameters = json.loads(os.environ.get("SM_HPS", "{}"))
    steps = int(hyperparameters.get("evaluate_steps", 2000))
    preset = hyperparameters.get("RLCOACH_PRESET", "preset-cartpole-clippedppo")
    os.makedirs(CHECKPOINTS, exist_ok=True)
    with tarfile.open(os.path.join(MODEL_CHANNEL, "model.tar.gz")) as archive:
        archive.extractall(CHECKPOINTS, filter="data")
    command = [
        "coach", "-p", f"{preset}.py", "--evaluate", str(steps), "-crd", CHECKPOINTS, "--framework", "tensorflow",
    ]  # fmt: skip
    return subprocess.call(command, cwd=os.path.dirname(os.path.abspath(__file__)))


if __name__ == "__main__":
    sys.exit(main())
