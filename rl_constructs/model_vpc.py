"""``ModelVpc``: the VPC a model runs in, as ``create_model(vpc_config_override=...)`` says it.

``vpc_config_override`` on ``RLPipeline``, ``RLModel`` and ``attach().deploy()``: None (the default) keeps the
VPC the model would run in (RLPipeline: the training job's, as ``create_model()``'s ``VPC_CONFIG_DEFAULT``;
RLModel: its ``vpc`` arguments; attach: none), ``ModelVpc.none()`` drops it (the SDK's ``None``), and
``ModelVpc(...)`` replaces it (the SDK's dict). The checks are ``core.serving.model.check_model_vpc``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from ._training_resources import select_subnets
from .core.serving.model import VpcChoice, check_model_vpc


@dataclass(frozen=True, eq=False)  # identity: it holds constructs and lists
class ModelVpc:
    """The VPC a model runs in instead of the default one.

    :param vpc: the VPC; its ``vpc_subnets`` (default: its default selection, private subnets) and
        ``security_groups`` (1 to 5; default: one made for the model, all outbound traffic allowed).
    :param subnets: subnet ids, the SDK's way, with ``security_group_ids`` (both: the SDK silently drops a
        VpcConfig missing one, rl-constructs refuses it); instead of ``vpc``.

    ``ModelVpc.none()`` runs the model outside any VPC.
    """

    vpc: ec2.IVpc | None = None
    vpc_subnets: ec2.SubnetSelection | None = None
    security_groups: Sequence[ec2.ISecurityGroup] | None = None
    subnets: Sequence[str] | None = None
    security_group_ids: Sequence[str] | None = None
    #: Set by :meth:`none` only.
    dropped: bool = False

    def __post_init__(self) -> None:
        if self.dropped:
            given = [name for name in ("vpc", "vpc_subnets", "security_groups", "subnets", "security_group_ids")
                     if getattr(self, name) is not None]  # fmt: skip
            if given:
                from .core.errors import RLConfigurationError

                raise RLConfigurationError(given[0], "ModelVpc.none() drops the VPC: give no VPC arguments.")
            return
        check_model_vpc(
            vpc_given=self.vpc is not None,
            vpc_subnets_given=self.vpc_subnets is not None,
            security_groups=self.security_groups,
            subnets=self.subnets,
            security_group_ids=self.security_group_ids,
        )

    @classmethod
    def none(cls) -> ModelVpc:
        """No VPC: the model runs outside any VPC, whatever its training job's (``vpc_config_override=None``)."""
        return cls(dropped=True)

    @property
    def choice(self) -> VpcChoice:
        return VpcChoice.NONE if self.dropped else VpcChoice.REPLACE

    def render(
        self, scope: Construct, id: str = "ModelSecurityGroup"
    ) -> tuple[dict[str, list[str]] | None, list[ec2.ISecurityGroup]]:
        """The ``VpcConfig`` (None for :meth:`none`) and the security groups (constructs; made in ``scope`` as
        ``id`` when a ``vpc`` is given without them; none when given as ids)."""
        if self.dropped:
            return None, []
        if self.vpc is None:
            assert self.subnets is not None and self.security_group_ids is not None  # checked
            return {"SecurityGroupIds": list(self.security_group_ids), "Subnets": list(self.subnets)}, []
        groups = list(self.security_groups or []) or [
            ec2.SecurityGroup(scope, id, vpc=self.vpc, description="RL model", allow_all_outbound=True)
        ]
        config = {
            "SecurityGroupIds": [group.security_group_id for group in groups],
            "Subnets": select_subnets(self.vpc, self.vpc_subnets),
        }
        return config, groups


def model_vpc_config(
    scope: Construct,
    override: ModelVpc | None,
    inherited: Mapping[str, Sequence[str]] | None,
    *,
    argument: str = "vpc_config_override",
) -> tuple[dict[str, list[str]] | None, list[ec2.ISecurityGroup]]:
    """The model's ``VpcConfig`` and security groups: ``inherited`` (None: no VPC) unless ``override`` says
    otherwise. ``TypeError`` naming ``argument`` for anything but a ``ModelVpc``."""
    if override is None:
        return ({key: list(value) for key, value in inherited.items()} if inherited else None), []
    if not isinstance(override, ModelVpc):
        raise TypeError(f"{argument}: expected a ModelVpc (or None), got {type(override).__name__}.")
    return override.render(scope)


def vpc_choice(override: ModelVpc | None, *, argument: str = "vpc_config_override") -> VpcChoice:
    """What ``override`` does with the default VPC (``TypeError`` naming ``argument`` for anything but a
    ``ModelVpc`` or None)."""
    if override is None:
        return VpcChoice.INHERIT
    if not isinstance(override, ModelVpc):
        raise TypeError(f"{argument}: expected a ModelVpc (or None), got {type(override).__name__}.")
    return override.choice
