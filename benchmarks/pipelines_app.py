"""N Coach pipelines (each its own RLTrainingJob and endpoint) in one stack: the marginal-cost benchmark.

``RL_BENCH_PIPELINES=N python benchmarks/pipelines_app.py``; ``benchmarks/run.py`` times N = 1, 10, 50 and
reads the template's resource count and size. With ``RL_BENCH_BASELINE=1`` the N pipelines are
``baseline_app``'s plain aws-cdk-lib one, for comparison.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import aws_cdk as cdk
from constructs import Construct

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rl_constructs import RLPipeline, RLTrainingJob  # noqa: E402


def build(stack: cdk.Stack, count: int) -> None:
    """``count`` Coach pipelines, each with its own training job and endpoint."""
    for index in range(count):
        job = RLTrainingJob(
            stack,
            f"Train{index}",
            entry_point="train-coach.py",
            source_dir=str(ROOT / "examples" / "cartpole_coach"),
            toolkit="coach",
            toolkit_version="0.11.0",
            framework="tensorflow",
            instance_type="ml.c5.2xlarge",
            hyperparameters={"discount": 0.99},
            base_job_name=f"bench-{index}",
        )
        RLPipeline(stack, f"Pipeline{index}", training_job=job, deploy_instance_type="ml.m5.large")


def build_baseline(stack: cdk.Stack, count: int) -> None:
    """``count`` copies of the plain aws-cdk-lib baseline pipeline, for its own marginal cost."""
    from benchmarks.baseline_app import build as build_one

    for index in range(count):
        build_one(Construct(stack, f"Baseline{index}"))


if __name__ == "__main__":
    app = cdk.App()
    count = int(os.environ.get("RL_BENCH_PIPELINES", "1"))
    stack = cdk.Stack(app, "BenchPipelines")
    (build_baseline if os.environ.get("RL_BENCH_BASELINE") else build)(stack, count)
    app.synth()
