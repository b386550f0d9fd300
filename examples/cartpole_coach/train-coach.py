"""Entry point of the Coach CartPole example, following the SageMaker Coach container's conventions.

The container installs ``sagemaker_rl``; its preset launcher reads the ``RLCOACH_PRESET`` hyperparameter
(default below), runs Coach's graph manager, and exports the policy to /opt/ml/model for TensorFlow
Serving. Other hyperparameters named like ``rl.agent_params.algorithm.discount`` override preset fields.
"""

from sagemaker_rl.coach_launcher import SageMakerCoachPresetLauncher


class CartPoleLauncher(SageMakerCoachPresetLauncher):
    """Coach launcher for the CartPole preset shipped beside this file."""

    def default_preset_name(self) -> str:
        return "preset-cartpole-clippedppo"


if __name__ == "__main__":
    CartPoleLauncher.train_main()
