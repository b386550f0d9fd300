"""The model repack handler on real archives made here, under moto (S3) and botocore's Stubber: the repacked
archive's members and bytes, streaming (bounded reads, several parts), SSE-KMS, and failures that leave no
partial object."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from rl_constructs.core.serving.code import package_serving_code
from tests.cdk_support import ROOT
from tests.lambda_support import staged_handler

REGION = "us-west-2"
BUCKET = "rl-artifacts"
MODEL = f"s3://{BUCKET}/RL-Train-1/output/model.tar.gz"
CODE = f"s3://{BUCKET}/assets/sourcedir.tar.gz"
DESTINATION = f"s3://{BUCKET}/RL-Train-1/repacked/model.tar.gz"
MiB = 1024 * 1024


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The staged handler, imported as Lambda would, under moto, with the bucket made."""
    with staged_handler("repack_model", monkeypatch, REGION) as module:
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield module


def tar_gz(files: dict[str, bytes], directories: tuple[str, ...] = ()) -> bytes:
    """A gzip tar holding ``directories`` then ``files`` (name -> content), as SageMaker and the SDK write them."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in directories:
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def members(data: bytes) -> dict[str, bytes | None]:
    """Every member of a gzip tar in order: name -> content (None for a directory)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: (f.read() if (f := archive.extractfile(m)) is not None else None) for m in archive.getmembers()}


def put(uri: str, data: bytes) -> None:
    bucket, key = uri[5:].split("/", 1)
    boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=key, Body=data)


def get(uri: str) -> bytes:
    bucket, key = uri[5:].split("/", 1)
    body: bytes = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


MODEL_FILES = {
    # ~12 MiB of incompressible data: more than one upload part (8 MiB) once gzipped.
    "model/checkpoint/policy.data": os.urandom(10 * MiB),
    "model/checkpoint/nested/deeper/value.data": os.urandom(2 * MiB),
    "model/saved_model.pb": os.urandom(64 * 1024),
    ".hidden-metadata.json": b'{"a": 1}',
    "code/old_inference.py": b"print('replaced')\n",  # the SDK replaces code/ when it repacks with source_dir
}
MODEL_DIRECTORIES = ("model", "model/checkpoint", "model/checkpoint/nested", "model/checkpoint/nested/deeper", "code")
CODE_FILES = {
    "deploy-mxnet-coach.py": b"def model_fn(model_dir):\n    return model_dir\n",
    "helpers/__init__.py": b"",
    "helpers/io/decode.py": os.urandom(4096),
    "requirements.txt": b"gym==0.21\n",
}


class ReadRecorder:
    """Wraps an S3 response body and records the size of every read."""

    def __init__(self, body: Any) -> None:
        self.body, self.sizes = body, []

    def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        data: bytes = self.body.read(size)
        return data

    def close(self) -> None:
        self.body.close()


class RecordingClient:
    """The real (moto) S3 client, recording every body read and every uploaded part's size."""

    def __init__(self) -> None:
        self.client = boto3.client("s3", region_name=REGION)
        self.bodies: list[ReadRecorder] = []
        self.part_sizes: list[int] = []

    def get_object(self, **params: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.get_object(**params)
        recorder = ReadRecorder(answer["Body"])
        self.bodies.append(recorder)
        return {**answer, "Body": recorder}

    def upload_part(self, **params: Any) -> dict[str, Any]:
        self.part_sizes.append(len(params["Body"]))
        answer: dict[str, Any] = self.client.upload_part(**params)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_the_repacked_archive_holds_the_model_and_the_code_under_code_byte_for_byte(handler: ModuleType) -> None:
    put(MODEL, tar_gz(MODEL_FILES, MODEL_DIRECTORIES))
    put(CODE, tar_gz(CODE_FILES, ("helpers", "helpers/io")))
    recording = RecordingClient()
    handler._client = recording

    answer = handler.handler({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION})

    assert answer == {"ModelDataUrl": DESTINATION}
    repacked = members(get(DESTINATION))
    expected: dict[str, bytes | None] = {
        **dict.fromkeys(MODEL_DIRECTORIES[:-1]),
        **{name: data for name, data in MODEL_FILES.items() if not name.startswith("code/")},
        "code": None,
        "code/helpers": None,
        "code/helpers/io": None,
        **{f"code/{name}": data for name, data in CODE_FILES.items()},
    }
    assert list(repacked) == list(expected)
    assert {n: hashlib.sha256(d).hexdigest() if d is not None else None for n, d in repacked.items()} == {
        n: hashlib.sha256(d).hexdigest() if d is not None else None for n, d in expected.items()
    }
    # Streaming: the bodies are read in small chunks, never whole; the upload went in bounded parts.
    assert len(recording.bodies) == 2
    reads = [size for body in recording.bodies for size in body.sizes]
    assert reads and all(0 < size <= 64 * 1024 for size in reads), sorted(set(reads))[-3:]
    assert len(recording.part_sizes) >= 2
    assert all(size == handler.PART_SIZE for size in recording.part_sizes[:-1])
    assert 0 < recording.part_sizes[-1] <= handler.PART_SIZE
    # The sources are untouched.
    source = members(get(MODEL))
    assert {name: source[name] for name in MODEL_FILES} == MODEL_FILES


def test_the_repacked_object_is_encrypted_with_the_given_key(handler: ModuleType) -> None:
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    put(MODEL, tar_gz({"model/a": b"a"}))
    put(CODE, tar_gz({"inference.py": b"x"}))

    handler.handler({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION, "KmsKeyId": key_id})

    head = boto3.client("s3", region_name=REGION).head_object(Bucket=BUCKET, Key=DESTINATION.split("/", 3)[3])
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key_id)
    assert list(members(get(DESTINATION))) == ["model/a", "code", "code/inference.py"]


def _no_uploads_left() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    with pytest.raises(ClientError, match=r"404|Not Found"):
        s3.head_object(Bucket=BUCKET, Key=DESTINATION.split("/", 3)[3])


def test_a_model_archive_that_is_not_a_tar_fails_and_leaves_nothing(handler: ModuleType) -> None:
    put(MODEL, b"this is not a gzip tar" * 1000)
    put(CODE, tar_gz({"inference.py": b"x"}))
    with pytest.raises(handler.RepackError, match="not a readable tar archive"):
        handler.handler({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION})
    _no_uploads_left()


def test_a_missing_code_archive_fails_with_the_s3_error_and_leaves_nothing(handler: ModuleType) -> None:
    put(MODEL, tar_gz({"model/a": b"a"}))
    with pytest.raises(ClientError, match="NoSuchKey"):
        handler.handler({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION})
    _no_uploads_left()


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"ModelDataUrl": "model.tar.gz", "CodeUrl": CODE, "Destination": DESTINATION}, "ModelDataUrl"),
        ({"ModelDataUrl": MODEL, "CodeUrl": None, "Destination": DESTINATION}, "CodeUrl"),
        ({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": f"s3://{BUCKET}/"}, "Destination"),
        ({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": MODEL}, "Destination: must differ"),
        ({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION, "KmsKeyId": 3}, "KmsKeyId"),
    ],
)
def test_a_bad_event_is_refused_naming_the_field(handler: ModuleType, event: dict[str, Any], field: str) -> None:
    with pytest.raises(handler.RepackError, match=field):
        handler.handler(event)


def test_unsafe_member_names_are_refused(handler: ModuleType) -> None:
    put(MODEL, tar_gz({"model/a": b"a"}))
    put(CODE, tar_gz({"../escape.py": b"x"}))
    with pytest.raises(handler.RepackError, match="unsafe archive member"):
        handler.handler({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION})
    _no_uploads_left()


def test_a_failed_part_upload_aborts_the_multipart_upload(handler: ModuleType) -> None:
    """Stubber: the requests the handler sends, in order, and the abort after S3 refuses a part."""
    client = boto3.client("s3", region_name=REGION)
    model = tar_gz({"model/a": b"a"})
    code = tar_gz({"inference.py": b"x"})
    key = "RL-Train-1/repacked/model.tar.gz"
    with Stubber(client) as stub:
        stub.add_response("create_multipart_upload", {"UploadId": "u-1"}, {"Bucket": BUCKET, "Key": key})
        stub.add_response(
            "get_object",
            {"Body": _streaming(model)},
            {"Bucket": BUCKET, "Key": "RL-Train-1/output/model.tar.gz"},
        )
        stub.add_response(
            "get_object", {"Body": _streaming(code)}, {"Bucket": BUCKET, "Key": "assets/sourcedir.tar.gz"}
        )
        stub.add_client_error(
            "upload_part",
            service_error_code="SlowDown",
            http_status_code=503,
            expected_params={"Bucket": BUCKET, "Key": key, "UploadId": "u-1", "PartNumber": 1, "Body": ANY},
        )
        stub.add_response("abort_multipart_upload", {}, {"Bucket": BUCKET, "Key": key, "UploadId": "u-1"})
        handler._client = client
        with pytest.raises(ClientError, match="SlowDown"):
            handler.handler({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION})
        stub.assert_no_pending_responses()


def _streaming(data: bytes) -> Any:
    from botocore.response import StreamingBody

    return StreamingBody(io.BytesIO(data), len(data))


def test_the_layout_is_the_sdks_repack_of_the_same_model_and_serving_code(
    handler: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The serving code packaged as RLPipeline packages it, repacked with a model archive like the recorded one:
    the same files as sagemaker 2.257.7's repack for ``MXNetModel(framework_version="1.8.0").deploy()``."""
    fixture = json.loads((ROOT / "tests" / "fixtures" / "sdk" / "deploy-mxnet-1.8-model-serving-code.json").read_text())
    for relative, text in fixture["serving_files"].items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    arguments = fixture["deploy_arguments"]
    code = package_serving_code(
        serving_entry_point=arguments["entry_point"], serving_source_dir=arguments["source_dir"], staging_root=tmp_path
    )
    assert code is not None and code.archive is not None
    put(MODEL, tar_gz({"model/policy.params": b"params"}, ("model",)))
    put(CODE, code.archive.read_bytes())

    handler.handler({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION})

    repacked = members(get(DESTINATION))
    assert sorted(name for name, data in repacked.items() if data is not None) == fixture["deploy"]["repacked_members"]
    assert repacked["code/deploy-mxnet-coach.py"] == fixture["serving_files"]["serve/deploy-mxnet-coach.py"].encode()


# ---- on_event: the deploy-time repack of RLModel (Custom::RLModelRepack) ---------------------------------------

PREFIX = f"s3://{BUCKET}/RL-Train-1/output/repacked/"
SMALL_MODEL = {"model/policy.params": b"weights"}
SMALL_CODE = {"deploy.py": b"def model_fn(model_dir): ...\n"}


def resource_event(request_type: str, physical_id: str | None = None, **properties: str) -> dict[str, Any]:
    """A Provider framework event of ``Custom::RLModelRepack``."""
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-west-2:123456789012:function:framework",
            "ModelDataUrl": MODEL,
            "CodeUrl": CODE,
            "DestinationPrefix": PREFIX,
            **properties,
        },
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event


def keys() -> list[str]:
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def test_create_repacks_to_a_key_derived_from_the_inputs(handler: ModuleType) -> None:
    put(MODEL, tar_gz(SMALL_MODEL))
    put(CODE, tar_gz(SMALL_CODE))

    answer = handler.on_event(resource_event("Create"))

    destination = answer["PhysicalResourceId"]
    assert answer["Data"] == {"ModelDataUrl": destination}
    assert destination.startswith(PREFIX) and destination.endswith("/model.tar.gz")
    assert len(destination.removeprefix(PREFIX).split("/")[0]) == 16  # the digest folder
    assert members(get(destination)) == {
        "model/policy.params": b"weights",
        "code": None,
        "code/deploy.py": SMALL_CODE["deploy.py"],
    }
    # the same inputs, the same key: a repeated Create (or an Update that changes nothing) rewrites one object
    assert handler.on_event(resource_event("Create"))["PhysicalResourceId"] == destination


def test_an_update_with_other_code_writes_a_new_object_and_keeps_the_old_one_until_its_delete(
    handler: ModuleType,
) -> None:
    other_code = f"s3://{BUCKET}/assets/other.tar.gz"
    put(MODEL, tar_gz(SMALL_MODEL))
    put(CODE, tar_gz(SMALL_CODE))
    put(other_code, tar_gz({"deploy.py": b"def model_fn(model_dir): return 2\n"}))
    old = handler.on_event(resource_event("Create"))["PhysicalResourceId"]

    new = handler.on_event(resource_event("Update", old, CodeUrl=other_code))["PhysicalResourceId"]

    assert new != old  # another physical id: CloudFormation replaces the model, then deletes the old archive
    assert members(get(new))["code/deploy.py"] == b"def model_fn(model_dir): return 2\n"
    assert old.removeprefix(f"s3://{BUCKET}/") in keys()
    handler.on_event(resource_event("Delete", old))
    assert old.removeprefix(f"s3://{BUCKET}/") not in keys()
    assert new.removeprefix(f"s3://{BUCKET}/") in keys()


def test_a_kms_key_encrypts_the_repacked_object_and_changes_its_key(handler: ModuleType) -> None:
    put(MODEL, tar_gz(SMALL_MODEL))
    put(CODE, tar_gz(SMALL_CODE))
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    plain = handler.on_event(resource_event("Create"))["PhysicalResourceId"]

    encrypted = handler.on_event(resource_event("Create", KmsKeyId=key_id))["PhysicalResourceId"]

    assert encrypted != plain
    bucket, key = encrypted[5:].split("/", 1)
    head = boto3.client("s3", region_name=REGION).head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_id


def test_delete_removes_only_the_object_the_resource_wrote_and_never_fails(handler: ModuleType) -> None:
    put(MODEL, tar_gz(SMALL_MODEL))
    put(CODE, tar_gz(SMALL_CODE))
    destination = handler.on_event(resource_event("Create"))["PhysicalResourceId"]
    before = keys()

    # a failed Create's physical id (the request id), and objects that are not a repacked archive: left alone
    for physical_id in ("3f1b2c9e-request-id", MODEL, CODE, f"{PREFIX}not-a-digest/model.tar.gz"):
        assert handler.on_event(resource_event("Delete", physical_id)) == {"PhysicalResourceId": physical_id}
    assert keys() == before

    assert handler.on_event(resource_event("Delete", destination)) == {"PhysicalResourceId": destination}
    assert keys() == sorted(set(before) - {destination.removeprefix(f"s3://{BUCKET}/")})
    # its object already gone (deleted by hand, or a Delete retried): still a success
    assert handler.on_event(resource_event("Delete", destination)) == {"PhysicalResourceId": destination}


def test_delete_succeeds_when_s3_refuses(handler: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    handler._client = boto3.client("s3", region_name=REGION)
    physical_id = f"{PREFIX}0123456789abcdef/model.tar.gz"
    with Stubber(handler._client) as stubber:
        stubber.add_client_error("delete_object", "AccessDenied", http_status_code=403)
        assert handler.on_event(resource_event("Delete", physical_id)) == {"PhysicalResourceId": physical_id}
    assert "could not delete" in capsys.readouterr().out


def test_a_missing_model_archive_fails_create_clearly_and_writes_nothing(handler: ModuleType) -> None:
    put(CODE, tar_gz(SMALL_CODE))
    with pytest.raises(handler.RepackError, match=r"ModelDataUrl: there is no object s3://rl-artifacts/RL-Train-1"):
        handler.on_event(resource_event("Create"))
    assert keys() == [CODE.removeprefix(f"s3://{BUCKET}/")]
    _no_uploads_left()


def test_a_missing_code_archive_fails_create_clearly(handler: ModuleType) -> None:
    put(MODEL, tar_gz(SMALL_MODEL))
    with pytest.raises(handler.RepackError, match="CodeUrl: there is no object"):
        handler.on_event(resource_event("Update", f"{PREFIX}0123456789abcdef/model.tar.gz"))


def test_a_bad_destination_prefix_is_refused_naming_it(handler: ModuleType) -> None:
    with pytest.raises(handler.RepackError, match="DestinationPrefix"):
        handler.on_event(resource_event("Create", DestinationPrefix="not-s3/"))


def test_serving_dependencies_land_under_code_lib_as_in_the_sdks_repack(
    handler: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PyTorchModel(entry_point=..., source_dir=..., dependencies=["common"]).deploy()`` (Ray PyTorch, recorded):
    the serving code packaged for a model archive (``in_model_archive``, as RLPipeline packages it for a repacking
    container) and repacked gives the SDK's members, the dependency under code/lib/."""
    fixture = json.loads(
        (ROOT / "tests" / "fixtures" / "sdk" / "deploy-ray-pytorch-model-serving-code.json").read_text()
    )
    for relative, text in {**fixture["files"], **fixture["serving_files"]}.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    arguments = fixture["deploy_arguments"]
    code = package_serving_code(
        serving_entry_point=arguments["entry_point"],
        serving_source_dir=arguments["source_dir"],
        serving_dependencies=arguments["dependencies"],
        staging_root=tmp_path,
        in_model_archive=True,
    )
    assert code is not None and code.archive is not None
    put(MODEL, tar_gz({"model/policy.params": b"params"}, ("model",)))
    put(CODE, code.archive.read_bytes())

    handler.handler({"ModelDataUrl": MODEL, "CodeUrl": CODE, "Destination": DESTINATION})

    repacked = members(get(DESTINATION))
    assert sorted(name for name, data in repacked.items() if data is not None) == fixture["deploy"]["repacked_members"]
    launcher = "code/lib/common/sagemaker_rl/ray_launcher.py"
    assert repacked[launcher] == fixture["files"]["common/sagemaker_rl/ray_launcher.py"].encode()


# ---- the pass-through of attach().deploy() (Repack "false": the container reads no code from the archive) ----


def test_a_pass_through_answers_the_model_data_and_writes_nothing(handler: ModuleType) -> None:
    put(MODEL, tar_gz(SMALL_MODEL))
    before = keys()

    # no code archive is read (an attached job may have none): only the model data's URI is checked
    answer = handler.on_event(resource_event("Create", Repack="false", CodeUrl=""))

    assert answer == {"PhysicalResourceId": MODEL, "Data": {"ModelDataUrl": MODEL}}
    assert keys() == before
    _no_uploads_left()
    with pytest.raises(handler.RepackError, match="ModelDataUrl"):
        handler.on_event(resource_event("Create", Repack="false", ModelDataUrl="not-s3"))


def test_a_pass_through_deletes_nothing_even_an_id_a_repack_would_have_written(handler: ModuleType) -> None:
    put(MODEL, tar_gz(SMALL_MODEL))
    put(CODE, tar_gz(SMALL_CODE))
    written = handler.on_event(resource_event("Create"))["PhysicalResourceId"]
    before = keys()

    for physical_id in (MODEL, written):
        assert handler.on_event(resource_event("Delete", physical_id, Repack="false")) == {
            "PhysicalResourceId": physical_id
        }
    assert keys() == before


def test_an_update_from_pass_through_to_repack_and_back_replaces_the_archive(handler: ModuleType) -> None:
    put(MODEL, tar_gz(SMALL_MODEL))
    put(CODE, tar_gz(SMALL_CODE))
    passed = handler.on_event(resource_event("Create", Repack="false"))["PhysicalResourceId"]

    repacked = handler.on_event(resource_event("Update", passed, Repack="true"))["PhysicalResourceId"]
    assert repacked != passed and members(get(repacked))["code/deploy.py"] == SMALL_CODE["deploy.py"]
    handler.on_event(resource_event("Delete", passed, Repack="false"))  # CloudFormation deletes the old id
    assert MODEL.removeprefix(f"s3://{BUCKET}/") in keys()

    assert handler.on_event(resource_event("Update", repacked, Repack="false"))["PhysicalResourceId"] == MODEL
    handler.on_event(resource_event("Delete", repacked, Repack="true"))
    assert keys() == sorted(uri.removeprefix(f"s3://{BUCKET}/") for uri in (CODE, MODEL))
