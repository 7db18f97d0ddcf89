"""The storage is chosen from the environment: a bucket named by STORAGE_URL or the AWS_*
variables selects the private S3 backend; nothing selects the local folder; a half-done
configuration stops start-up."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from ecgsite.env import s3_options
from tests.site.test_settings import PRODUCTION, run_manage

NONE = {
    "storage_url": "",
    "bucket": "",
    "endpoint_url": "",
    "access_key": "",
    "secret_key": "",
    "region": "",
    "addressing_style": "",
}


def test_without_a_bucket_files_stay_local():
    assert s3_options(**NONE) is None


def test_storage_url_names_the_bucket_and_prefix_and_objects_are_private():
    options = s3_options(**NONE | {"storage_url": "s3://ecg-files/prod/"})
    assert options is not None
    assert options["bucket_name"] == "ecg-files" and options["location"] == "prod"
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False


def test_an_explicit_bucket_wins_and_the_endpoint_and_keys_are_passed():
    options = s3_options(
        **NONE
        | {
            "storage_url": "s3://other",
            "bucket": "ecg",
            "endpoint_url": "http://minio:9000",
            "access_key": "k",
            "secret_key": "s",
        }
    )
    assert options is not None
    assert (options["bucket_name"], options["endpoint_url"]) == ("ecg", "http://minio:9000")
    assert (options["access_key"], options["secret_key"]) == ("k", "s")


@pytest.mark.parametrize(
    "bad",
    [{"storage_url": "https://bucket"}, {"storage_url": "s3://"}, {"endpoint_url": "http://x"}],
)
def test_a_bad_or_half_done_configuration_stops_start_up(bad):
    with pytest.raises(ImproperlyConfigured):
        s3_options(**NONE | bad)


def test_the_site_starts_with_s3_settings_and_uses_the_s3_backend():
    env = PRODUCTION | {
        "STORAGE_URL": "s3://ecg",
        "AWS_S3_ENDPOINT_URL": "http://minio:9000",
        "AWS_ACCESS_KEY_ID": "ecg",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    code = (
        "from django.core.files.storage import default_storage as s; "
        "print(s.__class__.__name__, s.bucket_name, s.default_acl, s.querystring_auth, "
        "s.file_overwrite)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.split() == ["S3Storage", "ecg", "None", "True", "False"]
