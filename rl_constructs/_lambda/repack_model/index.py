"""Repack a model archive with its serving code, as the SageMaker SDK's ``repack_model`` does: a step of
``RLPipeline`` (``arn:aws:states:::lambda:invoke``) before CreateModel.

The MMS-based serving containers (``mxnet-inference`` >= 1.4, ``pytorch-inference``), TensorFlow Serving
with an inference script and the SDK's ``FrameworkModel`` of a custom image run code only from ``code/`` inside
``model.tar.gz`` (``SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code``). The event names three ``s3://`` URIs::

    {"ModelDataUrl": "s3://.../output/model.tar.gz",      # the training job's model archive
     "CodeUrl": "s3://.../sourcedir.tar.gz",              # the packaged serving code
     "Destination": "s3://.../repacked/model.tar.gz",     # where the repacked archive goes
     "KmsKeyId": "arn:aws:kms:..."}                      # optional: SSE-KMS key of the new object

and the answer is ``{"ModelDataUrl": <Destination>}``. The new archive holds every member of the model archive
except those under ``code/`` (replaced, as the SDK replaces ``code/`` when given a ``source_dir``), then a
``code`` directory and every member of the code archive under ``code/``.

Streaming, never the whole archive in memory nor on disk: the model archive is read from S3's response body
as a gzip tar stream, member by member, and the new gzip tar is written to a multipart upload in
``PART_SIZE`` parts (S3's 5 MiB minimum; 10,000 parts allow archives up to ~78 GiB). Memory stays around one
part plus tarfile's 10 KiB record buffer whatever the archive size; no ``/tmp`` is used. The bound is Lambda's
15-minute timeout: the throughput is gzip's (``COMPRESS_LEVEL`` 6, tens of MB/s per vCPU). A failure aborts
the multipart upload (no partial object is left) and raises ``RepackError`` (bad input) or the AWS error.
Only boto3 from the Lambda runtime is used.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from typing import Any

#: The size of each uploaded part (bytes): S3's minimum part size is 5 MiB (except the last part).
PART_SIZE = 8 * 1024 * 1024
#: gzip level of the repacked archive (the SDK's ``tarfile`` default is 9; 6 is ~2x faster, a few % larger).
COMPRESS_LEVEL = 6
#: The folder the serving containers read the inference code from, inside the archive.
CODE_FOLDER = "code"

_client: Any = None


class RepackError(Exception):
    """The event or one of the archives is not what the repack needs (Step Functions sees ``RepackError``)."""


def s3() -> Any:
    """The S3 client, created on first use: standard retries (throttling, 5xx)."""
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 5}))
    return _client


def split_s3_uri(uri: object, field: str) -> tuple[str, str]:
    """``s3://bucket/key`` as (bucket, key); ``RepackError`` naming ``field`` otherwise."""
    if not isinstance(uri, str) or not uri.startswith("s3://") or "/" not in uri[5:] or uri.endswith("/"):
        raise RepackError(f"{field}: expected an s3://bucket/key URI, got {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    if not bucket or not key:
        raise RepackError(f"{field}: expected an s3://bucket/key URI, got {uri!r}")
    return bucket, key


class MultipartWriter(io.RawIOBase):
    """A write-only file that uploads what it is given as an S3 multipart upload, one ``part_size`` part at a
    time. ``close()`` completes the upload; ``abort()`` discards it."""

    def __init__(self, client: Any, bucket: str, key: str, *, part_size: int = PART_SIZE, **extra: Any) -> None:
        super().__init__()
        self._client, self._bucket, self._key, self._part_size = client, bucket, key, part_size
        self._upload_id: str = client.create_multipart_upload(Bucket=bucket, Key=key, **extra)["UploadId"]
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self.bytes_written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._buffer += view
        self.bytes_written += len(view)
        while len(self._buffer) >= self._part_size:
            self._upload(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]
        return len(view)

    def _upload(self, body: bytes) -> None:
        number = len(self._parts) + 1
        answer = self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def complete(self) -> None:
        """Upload what is buffered as the last part and complete the upload."""
        if self._buffer or not self._parts:
            self._upload(bytes(self._buffer))
            self._buffer.clear()
        self._client.complete_multipart_upload(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
        )
        super().close()

    def abort(self) -> None:
        """Discard the upload and its parts (best effort: the original error is what matters)."""
        try:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)
        except Exception as error:  # logged; the caller re-raises the first error
            print(f"could not abort the multipart upload of s3://{self._bucket}/{self._key}: {error!r}")
        super().close()


def _relative(name: str) -> str:
    """A member name without its leading ``./`` (``""`` for the archive's root entry)."""
    while name.startswith("./"):
        name = name[2:]
    return "" if name == "." else name.rstrip("/")


def _copy_members(source: tarfile.TarFile, target: tarfile.TarFile, *, prefix: str = "", skip_code: bool) -> None:
    for member in source:
        name = _relative(member.name)
        if not name:
            continue
        if skip_code and (name == CODE_FOLDER or name.startswith(f"{CODE_FOLDER}/")):
            continue
        if name.startswith("/") or ".." in name.split("/"):
            raise RepackError(f"unsafe archive member name {member.name!r}")
        member.name = f"{prefix}{name}"
        if member.issym() or member.islnk():
            if member.islnk() and prefix:
                member.linkname = f"{prefix}{_relative(member.linkname)}"
            target.addfile(member)
        elif member.isfile():
            target.addfile(member, source.extractfile(member))
        else:
            target.addfile(member)


def repack(
    client: Any,
    *,
    model_data_url: str,
    code_url: str,
    destination: str,
    kms_key_id: str | None = None,
    part_size: int = PART_SIZE,
) -> int:
    """Stream ``model_data_url`` and ``code_url`` into one new gzip tar at ``destination``; the bytes written."""
    model_bucket, model_key = split_s3_uri(model_data_url, "ModelDataUrl")
    code_bucket, code_key = split_s3_uri(code_url, "CodeUrl")
    target_bucket, target_key = split_s3_uri(destination, "Destination")
    if (target_bucket, target_key) in ((model_bucket, model_key), (code_bucket, code_key)):
        raise RepackError("Destination: must differ from ModelDataUrl and CodeUrl (they are read while it is written)")
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}
    writer = MultipartWriter(client, target_bucket, target_key, part_size=part_size, **extra)
    try:
        with (
            gzip.GzipFile(fileobj=writer, mode="wb", compresslevel=COMPRESS_LEVEL, mtime=0) as compressed,
            tarfile.open(fileobj=compressed, mode="w|", format=tarfile.PAX_FORMAT) as target,
        ):
            model = client.get_object(Bucket=model_bucket, Key=model_key)["Body"]
            try:
                with tarfile.open(fileobj=model, mode="r|*") as source:
                    _copy_members(source, target, skip_code=True)
            finally:
                model.close()
            folder = tarfile.TarInfo(CODE_FOLDER)
            folder.type, folder.mode = tarfile.DIRTYPE, 0o755
            target.addfile(folder)
            code = client.get_object(Bucket=code_bucket, Key=code_key)["Body"]
            try:
                with tarfile.open(fileobj=code, mode="r|*") as source:
                    _copy_members(source, target, prefix=f"{CODE_FOLDER}/", skip_code=False)
            finally:
                code.close()
        writer.complete()
    except tarfile.TarError as error:
        writer.abort()
        raise RepackError(f"not a readable tar archive (ModelDataUrl or CodeUrl): {error}") from error
    except BaseException:
        writer.abort()
        raise
    return writer.bytes_written


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Repack ``event["ModelDataUrl"]`` with ``event["CodeUrl"]`` under ``code/`` into ``event["Destination"]``."""
    if not isinstance(event, dict):
        raise RepackError(f"expected an object event, got {type(event).__name__}")
    kms_key_id = event.get("KmsKeyId") or None
    if kms_key_id is not None and not isinstance(kms_key_id, str):
        raise RepackError(f"KmsKeyId: expected a string, got {kms_key_id!r}")
    size = repack(
        s3(),
        model_data_url=event.get("ModelDataUrl"),  # type: ignore[arg-type] # checked by split_s3_uri
        code_url=event.get("CodeUrl"),  # type: ignore[arg-type]
        destination=event.get("Destination"),  # type: ignore[arg-type]
        kms_key_id=kms_key_id,
    )
    print(f"repacked {event['ModelDataUrl']} with {event['CodeUrl']} into {event['Destination']} ({size} bytes)")
    return {"ModelDataUrl": event["Destination"]}


# ---- the deploy-time repack: a custom resource of RLModel (``Custom::RLModelRepack``) ------------------------


def _head(client: Any, uri: Any, field: str) -> None:
    """Fail clearly when ``uri`` names no object (HeadObject is authorized by ``s3:GetObject``)."""
    from botocore.exceptions import ClientError

    bucket, key = split_s3_uri(uri, field)
    try:
        client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            raise RepackError(f"{field}: there is no object {uri}") from None
        raise


def on_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The ``custom_resources.Provider`` handler of ``Custom::RLModelRepack``: Create and Update repack
    ``ModelDataUrl`` with ``CodeUrl`` into ``<DestinationPrefix><digest of the inputs>/model.tar.gz`` (the physical
    id and the ``ModelDataUrl`` attribute: other inputs, another object, so CloudFormation replaces the model and
    then deletes the old one); Delete removes the object this resource wrote, never failing. With ``Repack`` set to
    ``"false"`` (``attach().deploy()``'s container reads no code from the archive), the model data passes through:
    its URI is the physical id and the attribute, nothing is written, and Delete deletes nothing."""
    from rl_constructs.core.serving.deploy_repack import (
        RepackAttribute,
        RepackProperty,
        is_written_by,
        needs_repack,
        repacked_uri,
    )

    properties = event.get("ResourceProperties", {})
    prefix = str(properties.get(RepackProperty.DESTINATION_PREFIX, ""))
    if event.get("RequestType") == "Delete":
        physical_id = str(event.get("PhysicalResourceId", ""))
        if needs_repack(properties) and is_written_by(physical_id, prefix):
            bucket, key = physical_id[len("s3://") :].split("/", 1)
            try:  # best effort: an object already gone, or no longer ours to delete, must not fail the stack
                s3().delete_object(Bucket=bucket, Key=key)
                print(f"deleted {physical_id}")
            except Exception as error:
                print(f"could not delete {physical_id}: {error!r}")
        return {"PhysicalResourceId": physical_id}
    model_data_url = properties.get(RepackProperty.MODEL_DATA_URL)
    if not needs_repack(properties):
        split_s3_uri(model_data_url, RepackProperty.MODEL_DATA_URL)
        print(f"passed {model_data_url} through: its container reads no code from the archive")
        return {"PhysicalResourceId": model_data_url, "Data": {RepackAttribute.MODEL_DATA_URL: model_data_url}}
    destination = repacked_uri(properties)
    code_url = properties.get(RepackProperty.CODE_URL)
    split_s3_uri(destination, RepackProperty.DESTINATION_PREFIX)
    _head(s3(), model_data_url, RepackProperty.MODEL_DATA_URL)  # its URI checked there
    _head(s3(), code_url, RepackProperty.CODE_URL)
    handler(
        {
            "ModelDataUrl": model_data_url,
            "CodeUrl": code_url,
            "Destination": destination,
            "KmsKeyId": properties.get(RepackProperty.KMS_KEY_ID) or None,
        }
    )
    return {"PhysicalResourceId": destination, "Data": {RepackAttribute.MODEL_DATA_URL: destination}}
