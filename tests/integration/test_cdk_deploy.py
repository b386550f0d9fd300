"""`cdk bootstrap`, `cdk deploy` and `cdk destroy` of the example Coach stack, for real, against moto_server.

The server listens on 127.0.0.1 only, on a free port, and is stopped whatever happens. The CLI is the one
pinned in package.json. moto creates the roles, bucket, log group and state machine from the template;
it cannot run SageMaker jobs or custom-resource Lambdas (unit tests cover those).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cdk_support import ROOT

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
STACK = "RLCartPoleCoachStack"
CDK = ROOT / "node_modules" / ".bin" / "cdk"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = shutil.which("moto_server")
    assert server, "moto_server is installed with the dev extras (moto[server])"
    port = free_port()
    process = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto_server did not start within 30 s") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def cli_env(moto_endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        # moto reads a CloudFormation TemplateURL's bucket from its path only when the host says "localhost"
        AWS_ENDPOINT_URL=moto_endpoint.replace("127.0.0.1", "localhost"),
        CDK_DISABLE_CLI_TELEMETRY="1",
        CDK_DISABLE_VERSION_CHECK="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # the venv's node and python
    )
    return env


def start_cdk(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.Popen[str]:
    """``cdk *args`` started in ``cwd`` (this repository: its cdk.json names the app), not waited for."""
    assert CDK.exists(), "run `make install` (npm ci installs the CDK CLI pinned in package.json)"
    return subprocess.Popen(
        [str(CDK), *args, "--no-notices"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> str:
    """What a :func:`start_cdk` command printed, once it succeeded."""
    shown, _ = process.communicate(timeout=300)
    assert process.returncode == 0, f"{' '.join(map(str, process.args))} failed:\n{shown}"  # type: ignore[arg-type]
    return shown


def cdk(env: dict[str, str], *args: str) -> str:
    return finished(start_cdk(env, *args))


def in_terminal(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run ``rl-constructs *args`` in a pseudo-terminal, as a person would, and return its exit code and what
    the terminal showed."""
    command = Path(sys.executable).parent / "rl-constructs"
    main, attached = os.openpty()
    process = subprocess.Popen(
        [str(command), *args], stdin=attached, stdout=attached, stderr=attached, env=env, close_fds=True
    )
    os.close(attached)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the other side closed: the command ended
            break
        if not chunk:
            break
        shown += chunk
    code = process.wait(timeout=120)
    os.close(main)
    return code, shown.decode(errors="replace")


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def stack_resources(endpoint: str) -> dict[str, dict[str, str]]:
    summaries = client("cloudformation", endpoint).list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    return {s["LogicalResourceId"]: s for s in summaries if s["LogicalResourceId"]}


def test_bootstrap_deploy_and_destroy_the_coach_stack(
    moto_endpoint: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # The app is synthesized once, by `cdk synth` (it runs cdk.json's app command), while `cdk bootstrap`
    # runs outside the project (no app: the environment is named); deploy and destroy read that assembly.
    assembly = tmp_path / "cdk.out"
    synthesizing = start_cdk(cli_env, "synth", "--quiet", "--output", str(assembly))
    bootstrapping = start_cdk(cli_env, "bootstrap", f"aws://{ACCOUNT}/{REGION}", cwd=tmp_path)
    try:
        finished(bootstrapping)
        finished(synthesizing)
    finally:  # neither outlives a failure of the other
        for process in (bootstrapping, synthesizing):
            if process.poll() is None:
                process.kill()
                process.wait()
    assert (assembly / f"{STACK}.template.json").is_file()
    cdk(cli_env, "deploy", STACK, "--app", str(assembly), "--require-approval", "never")

    stack = client("cloudformation", moto_endpoint).describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    resources = stack_resources(moto_endpoint)
    types = sorted(r["ResourceType"] for r in resources.values())
    assert types == [
        "AWS::IAM::ManagedPolicy",  # what every training job role needs, one per stack
        "AWS::IAM::ManagedPolicy",  # what every hosting role needs, one per stack
        "AWS::IAM::Policy",  # the state machine role's; the SageMaker roles carry their own policies inline
        "AWS::IAM::Policy",  # the cleanup provider's framework function
        "AWS::IAM::Policy",  # the cleanup handler's
        "AWS::IAM::Role",
        "AWS::IAM::Role",
        "AWS::IAM::Role",
        "AWS::IAM::Role",  # cleanup handler
        "AWS::IAM::Role",  # cleanup provider framework
        "AWS::Lambda::Function",  # cleanup handler (deletes the runs' tagged SageMaker resources at destroy)
        "AWS::Lambda::Function",  # cleanup provider framework
        "AWS::Logs::LogGroup",
        "AWS::Logs::LogGroup",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::StepFunctions::StateMachine",
        "Custom::RLPipelineResourceCleanup",
    ], types
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in resources.values())

    physical = {r["ResourceType"]: r["PhysicalResourceId"] for r in resources.values()}
    machine = client("stepfunctions", moto_endpoint).describe_state_machine(
        stateMachineArn=physical["AWS::StepFunctions::StateMachine"]
    )
    states = json.loads(machine["definition"])["States"]
    assert states["Create model"]["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createModel"
    assert states["Create endpoint"]["Arguments"]["EndpointName"] == "{% $run.endpoint %}"
    assert "'endpoint': 'rl-cartpole-coach'" in states["Prepare deployment"]["Assign"]["run"]
    train = states["Train"]
    assert train["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    assert train["Arguments"]["AlgorithmSpecification"]["TrainingImage"] == (
        "520713654638.dkr.ecr.us-east-1.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3"
    )
    encoded = re.search(r'"sagemaker_submit_directory":\s*("(?:[^"\\]|\\.)*")', train["Arguments"]["HyperParameters"])
    assert encoded, train["Arguments"]["HyperParameters"]
    # The synthesized hyperparameters, one Fn::Join member each in the template, resolve to compact JSON.
    synthesized = {"RLCOACH_PRESET": '"preset-cartpole-clippedppo"', "rl.agent_params.algorithm.discount": "0.9"}
    merged = f"$merge([{json.dumps(synthesized, separators=(',', ':'))}, $given, "
    assert merged in train["Arguments"]["HyperParameters"]
    submit = json.loads(encoded[1])
    bucket, key = json.loads(submit)[len("s3://") :].split("/", 1)
    archive = client("s3", moto_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read()
    assert archive[:2] == b"\x1f\x8b", "the published source asset is the gzip sourcedir.tar.gz"
    roles = {r["RoleName"] for r in client("iam", moto_endpoint).list_roles()["Roles"]}
    role_names = {r["PhysicalResourceId"] for r in resources.values() if r["ResourceType"] == "AWS::IAM::Role"}
    assert role_names <= roles
    iam = client("iam", moto_endpoint)
    assert all(iam.list_role_policies(RoleName=name)["PolicyNames"] for name in role_names), "a role without policy"
    managed = {r["PhysicalResourceId"] for r in resources.values() if r["ResourceType"] == "AWS::IAM::ManagedPolicy"}
    assert len(managed) == 2 and all(iam.get_policy(PolicyArn=arn)["Policy"] for arn in managed)
    # (moto's CloudFormation does not attach a role's ManagedPolicyArns; the template tests check them.)
    output_bucket = physical["AWS::S3::Bucket"]
    assert client("s3", moto_endpoint).head_bucket(Bucket=output_bucket)

    # The rl-constructs command in a real terminal (a pseudo-terminal: isatty() holds) against the deployed stack.
    code, shown = in_terminal(cli_env, "train", STACK)
    assert code == 0, shown
    assert "arn:aws:states:" in shown and "Traceback" not in shown
    code, shown = in_terminal(cli_env, "endpoints")
    assert code == 0 and "Traceback" not in shown, shown
    code, shown = in_terminal(cli_env, "predict", "no-such-endpoint", '{"instances": [[0.0]]}')
    assert code in (2, 4) and len(shown.strip().splitlines()) == 1 and "Traceback" not in shown, (code, shown)
    no_region = {k: v for k, v in cli_env.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    code, shown = in_terminal({**no_region, "AWS_CONFIG_FILE": os.devnull}, "endpoints")
    assert code == 3 and len(shown.strip().splitlines()) == 1 and "region" in shown.lower(), (code, shown)

    cdk(cli_env, "destroy", STACK, "--app", str(assembly), "--force")

    remaining = [s["StackName"] for s in client("cloudformation", moto_endpoint).list_stacks()["StackSummaries"]
                 if s["StackStatus"] != "DELETE_COMPLETE"]  # fmt: skip
    assert STACK not in remaining
    assert client("stepfunctions", moto_endpoint).list_state_machines()["stateMachines"] == []
    assert not role_names & {r["RoleName"] for r in client("iam", moto_endpoint).list_roles()["Roles"]}
    # (moto has no delete handler for AWS::IAM::ManagedPolicy, so the two shared policies outlive the stack
    # here; CloudFormation deletes them with it.)
    logs = client("logs", moto_endpoint).describe_log_groups()["logGroups"]
    assert not [g for g in logs if g["logGroupName"].startswith(STACK)]
    # The model-artifacts bucket is retained on purpose (RemovalPolicy.RETAIN): trained policies outlive the stack.
    buckets = {b["Name"] for b in client("s3", moto_endpoint).list_buckets()["Buckets"]}
    assert output_bucket in buckets
