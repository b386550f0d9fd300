"""Images in a template, as objects that know their URI and grant their own pull.

Four kinds (each a :class:`ContainerImage`, as aws-cdk-lib's ``DockerImage.bind()`` grants the repository's
pull to the task's role):

- :class:`CatalogImage` (from :func:`resolve_image`): an image of the RL catalog, a plain string for a
  concrete region; for a stack whose region is a token (``cdk.Stack`` without ``env``), the URI of every
  region the image exists in goes into one ``CfnMapping`` (keyed by region), and a CloudFormation ``Rules``
  assertion stops the deployment, before anything is created, in a region the image is not published in.
  Pulled from the catalog's repository in the catalog's account of the region.
- :class:`EcrRepositoryImage`: a tag or digest of an ``ecr.IRepository``; ``repository.grant_pull``.
- :class:`EcrImage` (from :func:`image_from_uri`): an ECR image URI, literal or a token
  (``repository.repository_uri_for_tag()``, an imported repository's URI...): pulled from the repository the URI
  names, rebuilt from the token's parts, or from any repository (``*``) when only deploy time knows it.
- :class:`ForeignImage` (from :func:`image_from_uri`): an image of another registry; SageMaker pulls it without
  ECR permissions, so there is nothing to grant.

The library's own roles put :meth:`ContainerImage.pull_statements` in their inline policy (with the role's Sid);
a role of the caller is granted with :meth:`ContainerImage.grant_pull`, as aws-cdk-lib grants.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import Aws, CfnMapping, CfnRule, CfnRuleAssertion, Fn, Stack, Token
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from ._arns import has_token, stack_environment, stack_of
from ._context import stack_context
from .core.iam import Statement, allow
from .core.images import ImageFamily, parse_ecr_uri, repository_arn
from .core.toolkits import Processor

if TYPE_CHECKING:
    from aws_cdk import aws_ecr as ecr

#: What pulling an image from ECR takes, in aws-cdk-lib's order (``Repository.grant_pull``).
ECR_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
#: The ECR login that goes with a pull (the action has no resource type).
ECR_LOGIN_ACTIONS = ("ecr:GetAuthorizationToken",)


class ContainerImage(abc.ABC):
    """A container image a SageMaker role pulls: its URI in the template and the pull permission it needs."""

    #: The image URI: a string, or a token (``Fn::FindInMap`` in a region-agnostic stack, a repository's URI...).
    image_uri: str

    @property
    @abc.abstractmethod
    def repository_arns(self) -> tuple[str, ...]:
        """The ECR repositories the image is pulled from: one ARN, ``("*",)`` when only deploy time knows it,
        none outside ECR."""

    def pull_statements(self, *, sid: str, actions: Sequence[str] = ECR_PULL_ACTIONS) -> list[Statement]:
        """The statement pulling this image (``sid``, ``actions`` in the order the role lists them), as IAM JSON
        for a role's inline policy; none for an image outside ECR. The ECR login is the role's common policy's."""
        if not self.repository_arns:
            return []
        return [allow(actions, self.repository_arns, sid=sid)]

    def grant_pull(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` pull this image: the pull actions on its repositories and the ECR login, added to
        the grantee's principal policy (as ``ecr.Repository.grant_pull`` does)."""
        if not self.repository_arns:
            return iam.Grant.drop(grantee, f"{self.image_uri} is not pulled from ECR")
        pull = iam.Grant.add_to_principal(
            grantee=grantee, actions=list(ECR_PULL_ACTIONS), resource_arns=list(self.repository_arns)
        )
        login = iam.Grant.add_to_principal(grantee=grantee, actions=list(ECR_LOGIN_ACTIONS), resource_arns=["*"])
        return pull.combine(login)


@dataclass(frozen=True)
class CatalogImage(ContainerImage):
    """An image of the RL catalog as the template sees it (:func:`resolve_image`)."""

    #: The image URI: a plain string, or a ``Fn::FindInMap`` token in a region-agnostic stack.
    image_uri: str
    #: The ECR repository ARN in the catalog's account of the region (same resolution as the URI).
    repository_arn: str

    @property
    def repository_arns(self) -> tuple[str, ...]:
        """The catalog repository, in the catalog's account of the stack's region."""
        return (self.repository_arn,)


#: The former name of :class:`CatalogImage`.
ResolvedImage = CatalogImage


@dataclass(frozen=True)
class EcrImage(ContainerImage):
    """An ECR image by URI, literal or a token (:func:`image_from_uri`)."""

    image_uri: str
    #: The repository the URI names (rebuilt from a token's parts), or ``*`` when only deploy time knows it.
    repository_arn: str

    @property
    def repository_arns(self) -> tuple[str, ...]:
        """The repository the URI names, or ``*``."""
        return (self.repository_arn,)


@dataclass(frozen=True)
class ForeignImage(ContainerImage):
    """An image of a registry other than ECR (Docker Hub, a private registry...): SageMaker pulls it without
    ECR permissions, so :meth:`grant_pull` grants nothing and :meth:`pull_statements` is empty."""

    image_uri: str

    @property
    def repository_arns(self) -> tuple[str, ...]:
        """None: the image is not in ECR."""
        return ()


class EcrRepositoryImage(ContainerImage):
    """A tag or digest of an ECR repository of the app (``ecr.Repository``, ``ecr.Repository.from_...``);
    :meth:`grant_pull` is the repository's own ``grant_pull``."""

    def __init__(self, repository: ecr.IRepository, *, tag: str | None = None, digest: str | None = None) -> None:
        if (tag is None) == (digest is None):
            raise TypeError("EcrRepositoryImage: give exactly one of tag and digest")
        #: The repository the image is pulled from.
        self.repository = repository
        self.image_uri = (
            repository.repository_uri_for_tag(tag) if tag is not None else repository.repository_uri_for_digest(digest)
        )
        self._repository_arn = repository.repository_arn

    @property
    def repository_arns(self) -> tuple[str, ...]:
        """The repository's ARN."""
        return (self._repository_arn,)

    def grant_pull(self, grantee: iam.IGrantable) -> iam.Grant:
        """``repository.grant_pull(grantee)``: pull from the repository and the ECR login."""
        return self.repository.grant_pull(grantee)


def image_repository_arns(scope: IConstruct, image_uri: str) -> tuple[str, ...]:
    """The ECR repository ARN an image is pulled from: parsed from a literal URI, rebuilt from the parts of
    a token URI (``repository.repository_uri_for_tag()``, an imported repository, ``Fn::Join`` of account,
    region and name), ``("*",)`` for a token whose parts cannot be told (known only at deploy time), and none
    for an image outside ECR (SageMaker pulls it without ECR permissions)."""
    if not has_token(image_uri):
        ecr = parse_ecr_uri(image_uri)
        if ecr is None:
            return ()
        return (f"arn:{Aws.PARTITION}:ecr:{ecr.region}:{ecr.account}:repository/{ecr.repository}",)
    arn = _repository_arn_of_token(stack_of(scope).resolve(image_uri))
    return (arn,) if arn is not None else ("*",)


_ECR_HOST = re.compile(
    r"^(?P<account>.+?)\.dkr\.ecr\.(?P<region>.+?)\.(?P<suffix>.+?)/(?P<repository>.+?)(?::[^:/@]+|@.+)?$"
)


def _repository_arn_of_token(resolved: Any) -> str | None:
    """The repository ARN of a resolved image URI, as a string of the same intrinsics; None when it is not
    ``<account>.dkr.ecr.<region>.<suffix>/<repository>[:tag|@digest]``."""
    if isinstance(resolved, str):
        parts: list[Any] = [resolved]
    elif isinstance(resolved, dict) and list(resolved) == ["Fn::Join"] and resolved["Fn::Join"][0] == "":
        parts = list(resolved["Fn::Join"][1])
    else:
        return None
    # Each intrinsic becomes a placeholder character the pattern treats as text, then a token again.
    placeholders = {f"\ue000{index}\ue001": part for index, part in enumerate(parts) if not isinstance(part, str)}
    text = "".join(part if isinstance(part, str) else f"\ue000{index}\ue001" for index, part in enumerate(parts))
    match = _ECR_HOST.match(text)
    if match is None:
        return None

    def restore(value: str) -> str:
        for placeholder, intrinsic in placeholders.items():
            value = value.replace(placeholder, Token.as_string(intrinsic))
        return value

    return (
        f"arn:{Aws.PARTITION}:ecr:{restore(match['region'])}:{restore(match['account'])}:"
        f"repository/{restore(match['repository'])}"
    )


def image_from_uri(scope: IConstruct, image_uri: str) -> EcrImage | ForeignImage:
    """The image an URI names in ``scope``'s stack: an :class:`EcrImage` (literal, or a token whose repository is
    rebuilt from its parts, any repository when it cannot be told) or, outside ECR, a :class:`ForeignImage`."""
    if not has_token(image_uri) and parse_ecr_uri(image_uri) is None:
        return ForeignImage(image_uri)
    (repository_arn,) = image_repository_arns(scope, image_uri)
    return EcrImage(image_uri, repository_arn)


def _logical_name(family: ImageFamily, processor: Processor) -> str:
    words = re.split(r"[^A-Za-z0-9]+", f"{family.repository} {family.tag(processor)}")
    return "RLImage" + "".join(word[:1].upper() + word[1:] for word in words if word)


def resolve_image(scope: IConstruct, family: ImageFamily, processor: Processor) -> CatalogImage:
    """The catalog image of ``family`` for ``processor`` in ``scope``'s stack: its URI and repository ARN."""
    stack = stack_of(scope)
    # Resolved once per stack and (repository, tag): many constructs of a stack name the same image.
    key = ("catalog-image", family.repository, family.tag(processor))
    return stack_context(stack).remember(key, lambda: _resolve(stack, family, processor))


def _resolve(stack: Stack, family: ImageFamily, processor: Processor) -> CatalogImage:
    region = stack_environment(stack).region
    if not has_token(region):
        uri = family.uri(region, processor)  # raises, naming `region`, where the image does not exist
        return CatalogImage(uri, repository_arn(region, family.registries[region], family.repository))

    name = _logical_name(family, processor)
    mapping = stack.node.try_find_child(name)
    if mapping is None:
        mapping = CfnMapping(
            stack,
            name,
            mapping={
                # The repository's whole ARN, partition included: policies name it with one Fn::FindInMap.
                region_name: {
                    "uri": uri,
                    "repository": repository_arn(region_name, family.registries[region_name], family.repository),
                }
                for region_name, uri in family.uris_by_region(processor).items()
            },
        )
        CfnRule(
            stack,
            f"{name}Region",
            assertions=[
                CfnRuleAssertion(
                    assert_=Fn.condition_contains(list(family.regions), Aws.REGION),
                    assert_description=(
                        f"The SageMaker image {family.repository}:{family.tag(processor)} is not published "
                        f"in this region. Deploy to one of: {', '.join(family.regions)}."
                    ),
                )
            ],
        )
    assert isinstance(mapping, CfnMapping)
    return CatalogImage(
        image_uri=mapping.find_in_map(Aws.REGION, "uri"), repository_arn=mapping.find_in_map(Aws.REGION, "repository")
    )


def require_debugger_region(scope: IConstruct, unsupported_regions: tuple[str, ...]) -> None:
    """In a region-agnostic stack, stop a deployment to a region where the SDK sends no DebugHookConfig
    and disables the profiler (a CloudFormation ``Rules`` assertion, once per stack): the request
    synthesized with them would be refused there. Opting out (``debugger_hook_config=False``,
    ``disable_profiler=True``) or binding the stack to a region needs no rule."""
    stack = stack_of(scope)
    stack_context(stack).remember(_DEBUGGER_RULE, lambda: _debugger_rule(stack, unsupported_regions))


def _debugger_rule(stack: Stack, unsupported_regions: tuple[str, ...]) -> CfnRule:
    return CfnRule(
        stack,
        _DEBUGGER_RULE,
        assertions=[
            CfnRuleAssertion(
                assert_=Fn.condition_not(Fn.condition_contains(list(unsupported_regions), Aws.REGION)),
                assert_description=(
                    "SageMaker Debugger and its profiler are not available in this region, and the training "
                    "request of this stack enables them as RLEstimator.fit() does. Deploy elsewhere, bind the "
                    "stack to this region (env), or pass debugger_hook_config=False and disable_profiler=True."
                ),
            )
        ],
    )


_DEBUGGER_RULE = "RLDebuggerRegion"
