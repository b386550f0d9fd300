"""CartPole with Ray RLlib PPO on PyTorch, for the SageMaker Ray container (sagemaker-rl-ray-container).

The container runs this file as the entry point on every instance. ``SageMakerRayLauncher`` (shipped in
the container's ``sagemaker_rl`` package) starts the Ray cluster across the instances of the job, calls
``get_experiment_config()`` and runs the experiment with ``ray.tune``. Checkpoints go to
``/opt/ml/checkpoints``, which SageMaker syncs to the job's ``checkpoint_s3_uri`` (managed spot
training resumes from there after an interruption).
"""

import json
import os

from sagemaker_rl.ray_launcher import SageMakerRayLauncher  # provided by the container

CHECKPOINTS = "/opt/ml/checkpoints"


class CartPoleLauncher(SageMakerRayLauncher):
    def register_env_creator(self):
        pass  # CartPole-v1 is a Gym built-in

    def get_experiment_config(self):
        hyperparameters = json.loads(os.environ.get("SM_HPS", "{}"))
        return {
            "training": {
                "env": "CartPole-v1",
                "run": "PPO",
                "local_dir": CHECKPOINTS,
                "checkpoint_freq": 5,
                "checkpoint_at_end": True,
                "stop": {"episode_reward_mean": hyperparameters.get("episode_reward_mean", 195)},
                "config": {
                    "framework": "torch",
                    "gamma": hyperparameters.get("gamma", 0.99),
                    "num_workers": max(1, self.num_cpus - 1),
                    "num_gpus": self.num_gpus,
                },
            }
        }


if __name__ == "__main__":
    CartPoleLauncher.train_main()
