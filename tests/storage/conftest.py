"""An S3-compatible server (moto's) started by the tests themselves, and a fresh private
bucket per test that the site's default storage points at, exactly as ``STORAGE_URL`` and
the ``AWS_*`` variables configure it in production."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ecgsite.env import s3_options
from tests.diagnosis.conftest import beat_image, upload, wfdb_zip  # noqa: F401
from tests.e2e.conftest import flushed_redis_db, free_port, worker_factory  # noqa: F401

#: A Redis database of their own for the two-worker tests (flushed by them), so no worker
#: left over from another end-to-end test (local files, no bucket) can take their jobs.
STORAGE_REDIS_DB = 12

KEYS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret"}


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: Any  # boto3 S3 client, to look at the bucket from outside the site

    @property
    def env(self) -> dict[str, str]:
        """The variables a separate process (a worker) needs to use this bucket."""
        return KEYS | {
            "STORAGE_URL": f"s3://{self.name}",
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
        }

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture
def shared_redis_url(redis_url) -> str:
    return flushed_redis_db(redis_url, STORAGE_REDIS_DB)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's standalone S3 server on a free port, for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, settings, tmp_path) -> Bucket:
    """A new private bucket; the default storage of this process uses it (the settings
    fixture puts the file-system storage back afterwards). This machine's model cache is a
    fresh folder."""
    import boto3

    bucket = Bucket(
        name=f"ecg-{uuid.uuid4().hex[:12]}",
        endpoint=s3_endpoint,
        client=boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        ),
    )
    bucket.client.create_bucket(Bucket=bucket.name)
    env = bucket.env
    options = s3_options(
        storage_url=env["STORAGE_URL"],
        bucket="",
        endpoint_url=env["AWS_S3_ENDPOINT_URL"],
        access_key=env["AWS_ACCESS_KEY_ID"],
        secret_key=env["AWS_SECRET_ACCESS_KEY"],
        region=env["AWS_S3_REGION_NAME"],
        addressing_style=env["AWS_S3_ADDRESSING_STYLE"],
    )
    settings.STORAGES = settings.STORAGES | {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    }
    settings.ECG_MODEL_CACHE_DIR = tmp_path / "model-cache"
    return bucket
