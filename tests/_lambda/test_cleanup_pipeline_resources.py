"""The pipeline cleanup handler against moto and botocore's Stubber: only tagged resources of the pipeline's
names go, every page is read, errors and lack of time are logged and Delete still succeeds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from rl_constructs.core.contracts import PIPELINE_TAG_KEY
from tests.lambda_support import staged_handler

REGION = "us-west-2"
ACCOUNT = "123456789012"  # moto's account
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
IMAGE = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu"
TAG_VALUE = "RLStack/Pipeline"
PHYSICAL_ID = f"{PIPELINE_TAG_KEY}/PipelineCleanup1234ABCD"


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The staged handler (index.py + bundled contracts), imported as Lambda would, under moto."""
    with staged_handler("cleanup_pipeline_resources", monkeypatch, REGION) as module:
        yield module


def event(request: str = "Delete", **properties: Any) -> dict[str, Any]:
    """A request as the Provider framework passes it on."""
    return {
        "RequestType": request,
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/RLStack/6e8e0f30-aaaa",
        "RequestId": "5f0c6a44-1111-2222-3333-0123456789ab",
        "LogicalResourceId": "PipelineCleanup1234ABCD",
        "ResourceType": "Custom::RLPipelineResourceCleanup",
        **({} if request == "Create" else {"PhysicalResourceId": PHYSICAL_ID}),
        "ResourceProperties": {
            "ServiceToken": "arn",
            "PipelineTagValue": TAG_VALUE,
            "NamePrefixes": ["RLStack-Pipeline-"],
            "EndpointNames": ["cartpole"],
            **properties,
        },
    }


def make(name: str, tag_value: str | None = TAG_VALUE, endpoint: bool = True) -> None:
    """A model, an endpoint config and (optionally) an endpoint, all named ``name``, tagged like a pipeline
    run tags them (or untagged)."""
    client = boto3.client("sagemaker", region_name=REGION)
    tags = [{"Key": PIPELINE_TAG_KEY, "Value": tag_value}] if tag_value is not None else []
    tags.append({"Key": "team", "Value": "rl"})
    client.create_model(ModelName=name, PrimaryContainer={"Image": IMAGE}, ExecutionRoleArn=ROLE, Tags=tags)
    client.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
        Tags=tags,
    )
    if endpoint:
        client.create_endpoint(EndpointName=name, EndpointConfigName=name, Tags=tags)


def remaining() -> dict[str, set[str]]:
    client = boto3.client("sagemaker", region_name=REGION)
    return {
        "endpoint": {
            e["EndpointName"] for p in client.get_paginator("list_endpoints").paginate() for e in p["Endpoints"]
        },
        "endpoint-config": {
            c["EndpointConfigName"]
            for p in client.get_paginator("list_endpoint_configs").paginate()
            for c in p["EndpointConfigs"]
        },
        "model": {m["ModelName"] for m in client.list_models()["Models"]},
    }


def test_delete_removes_exactly_the_tagged_resources_of_the_pipeline_on_every_page(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(handler, "PAGE_SIZE", 4)  # moto pages endpoints and configs like SageMaker (which pages 10)
    ours = [f"RLStack-Pipeline-run-{i:02d}" for i in range(13)]
    for name in ours:
        make(name)
    make("cartpole")  # the stable endpoint name
    untagged = [f"RLStack-Pipeline-manual-{i}" for i in range(3)]
    for name in untagged:
        make(name, tag_value=None)
    other_pipeline = [f"RLStack-Pipeline-other-{i}" for i in range(2)]
    for name in other_pipeline:
        make(name, tag_value="RLStack/OtherPipeline")
    elsewhere = ["Another-RLStack-Pipeline-x", "cartpole-2", "RLStack-Pipelines-x"]
    for name in elsewhere:
        make(name)
    before = remaining()
    assert len(before["endpoint"]) == 1 + 13 + 3 + 2 + 3

    answer = handler.on_event(event(), SimpleNamespace(get_remaining_time_in_millis=lambda: 600_000))

    assert answer == {"PhysicalResourceId": PHYSICAL_ID}
    # the stable name is an endpoint's: a config or model of that name is not the pipeline's by name
    deleted = {"endpoint": {*ours, "cartpole"}, "endpoint-config": set(ours), "model": set(ours)}
    assert remaining() == {kind: names - deleted[kind] for kind, names in before.items()}
    assert all(name in remaining()["model"] for name in [*untagged, *other_pipeline, *elsewhere, "cartpole"])
    (log,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert sorted(log["deleted"]) == sorted(f"{kind}/{name}" for kind, names in deleted.items() for name in names)
    # names matched, tag missing or another pipeline's: left alone, and said so
    assert sorted(log["untagged"]) == sorted(f"{kind}/{name}" for kind in before for name in untagged + other_pipeline)
    assert (log["failed"], log["not_reached"], log["gone"]) == ([], [], [])


def test_create_and_update_do_nothing_and_keep_a_stable_id(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_client() -> Any:
        raise AssertionError("Create and Update must not call SageMaker")

    monkeypatch.setattr(handler, "sagemaker", no_client)
    assert handler.on_event(event("Create")) == {"PhysicalResourceId": PHYSICAL_ID}
    changed = event("Update", NamePrefixes=["Other-"], PipelineTagValue="changed")
    assert handler.on_event(changed) == {"PhysicalResourceId": PHYSICAL_ID}, "a new id would replace (delete) it"


def test_delete_with_nothing_to_match_deletes_nothing(handler: ModuleType) -> None:
    make("RLStack-Pipeline-run-1")
    for properties in ({"PipelineTagValue": ""}, {"NamePrefixes": [], "EndpointNames": []}):
        assert handler.on_event(event(**properties)) == {"PhysicalResourceId": PHYSICAL_ID}
    assert remaining()["model"] == {"RLStack-Pipeline-run-1"}


def test_resources_already_gone_are_fine(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    make("RLStack-Pipeline-run-1")
    client = handler.sagemaker()
    real = client.delete_endpoint

    def deleted_meanwhile(**kwargs: Any) -> Any:
        real(**kwargs)
        return real(**kwargs)  # the second call meets moto's "Could not find endpoint"

    monkeypatch.setattr(client, "delete_endpoint", deleted_meanwhile)
    report = handler.cleanup(event()["ResourceProperties"], lambda: 600_000)
    assert report["gone"] == ["endpoint/RLStack-Pipeline-run-1"]
    assert report["failed"] == []
    assert remaining() == {"endpoint": set(), "endpoint-config": set(), "model": set()}


def test_it_stops_before_the_function_times_out_and_still_succeeds(handler: ModuleType) -> None:
    make("RLStack-Pipeline-run-1")
    clock = iter([600_000])  # time for the first listing, then less than the safety margin
    report = handler.cleanup(event()["ResourceProperties"], lambda: next(clock, handler.SAFETY_MARGIN_MS - 1))
    assert report["deleted"] == []
    assert report["not_reached"] == [
        "endpoint/RLStack-Pipeline-run-1",
        "list endpoint 'cartpole'",
        "list endpoint-config 'RLStack-Pipeline-'",
        "list model 'RLStack-Pipeline-'",
    ]
    assert remaining()["endpoint"] == {"RLStack-Pipeline-run-1"}


def test_the_client_retries_throttling_adaptively_within_the_safety_margin(handler: ModuleType) -> None:
    config = handler.sagemaker().meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 4}
    assert 4 * (config.connect_timeout + config.read_timeout) + 20 < handler.SAFETY_MARGIN_MS / 1000


# ---- faults left after botocore's retries: logged, Delete succeeds --------------------------------------------


def arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name.lower()}"


def tags(value: str = TAG_VALUE) -> dict[str, Any]:
    return {"Tags": [{"Key": PIPELINE_TAG_KEY, "Value": value}]}


def test_throttling_not_found_and_access_denied_are_logged_and_delete_succeeds(
    handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = "RLStack-Pipeline-"
    listing = {"NameContains": prefix, "MaxResults": 100}
    with Stubber(handler.sagemaker()) as stub:
        # endpoints: the listing is throttled even after retries
        stub.add_client_error("list_endpoints", "ThrottlingException", "Rate exceeded", 400, listing)
        stub.add_client_error(
            "list_endpoints", "ThrottlingException", "Rate exceeded", 400, {**listing, "NameContains": "cartpole"}
        )
        # endpoint configs: one is gone before its tags are read, one is deleted
        stub.add_response(
            "list_endpoint_configs",
            {
                "EndpointConfigs": [
                    {
                        "EndpointConfigName": f"{prefix}a",
                        "EndpointConfigArn": arn("endpoint-config", f"{prefix}a"),
                        "CreationTime": 0,
                    },
                    {
                        "EndpointConfigName": f"{prefix}b",
                        "EndpointConfigArn": arn("endpoint-config", f"{prefix}b"),
                        "CreationTime": 0,
                    },
                ]
            },
            listing,
        )
        stub.add_client_error(
            "list_tags",
            "ValidationException",
            "Resource does not exist",
            400,
            {"ResourceArn": arn("endpoint-config", f"{prefix}a"), "MaxResults": 100},
        )
        stub.add_response("list_tags", tags(), {"ResourceArn": arn("endpoint-config", f"{prefix}b"), "MaxResults": 100})
        stub.add_response("delete_endpoint_config", {}, {"EndpointConfigName": f"{prefix}b"})
        # models: two pages; one model not ours, one whose deletion is denied, one deleted
        stub.add_response(
            "list_models",
            {
                "Models": [{"ModelName": f"{prefix}c", "ModelArn": arn("model", f"{prefix}c"), "CreationTime": 0}],
                "NextToken": "page-2",
            },
            listing,
        )
        stub.add_response(
            "list_models",
            {
                "Models": [
                    {"ModelName": f"{prefix}d", "ModelArn": arn("model", f"{prefix}d"), "CreationTime": 0},
                    {"ModelName": f"{prefix}e", "ModelArn": arn("model", f"{prefix}e"), "CreationTime": 0},
                ]
            },
            {**listing, "NextToken": "page-2"},
        )
        stub.add_response(
            "list_tags", tags("RLStack/Other"), {"ResourceArn": arn("model", f"{prefix}c"), "MaxResults": 100}
        )
        stub.add_response("list_tags", tags(), {"ResourceArn": arn("model", f"{prefix}d"), "MaxResults": 100})
        stub.add_client_error(
            "delete_model", "AccessDeniedException", "not authorized", 400, {"ModelName": f"{prefix}d"}
        )
        stub.add_response("list_tags", tags(), {"ResourceArn": arn("model", f"{prefix}e"), "MaxResults": 100})
        stub.add_client_error(
            "delete_model", "ResourceNotFound", "Could not find model", 400, {"ModelName": f"{prefix}e"}
        )

        assert handler.on_event(event()) == {"PhysicalResourceId": PHYSICAL_ID}
        stub.assert_no_pending_responses()
    (log,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert log == {
        "request": "Delete",
        "deleted": [f"endpoint-config/{prefix}b"],
        "gone": [f"endpoint-config/{prefix}a", f"model/{prefix}e"],
        "untagged": [f"model/{prefix}c"],
        "failed": [
            "list endpoint 'RLStack-Pipeline-': ThrottlingException: Rate exceeded",
            "list endpoint 'cartpole': ThrottlingException: Rate exceeded",
            f"model/{prefix}d: AccessDeniedException: not authorized",
        ],
        "not_reached": [],
    }


def test_any_unexpected_error_still_answers_success(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("no network at all")

    monkeypatch.setattr(handler, "cleanup", broken)
    assert handler.on_event(event()) == {"PhysicalResourceId": PHYSICAL_ID}
