"""S3 shipping (plugins/module_utils/backup_s3.py) against moto in server mode: the checksum computed locally is
the one S3 stores, uploads are skipped when it matches, metadata round-trips, errors name the option."""

import base64
import os
import struct
import zlib
from datetime import datetime, timezone

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import backup_s3
from ansible_collections.graphops.neo4j.plugins.module_utils.backup_chains import Artifact

MIB = 1024 * 1024


def artifact(name="movies-2026-01-05T02-00-00.backup", full=True):
    return Artifact(name=name, location="/x/" + name, database="movies", database_id="9d5ecc08-f54a",
                    time=datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc), full=full, lowest_tx=1, highest_tx=5)


def bucket_for(moto_s3, name, **extra):
    options = dict(bucket=name, prefix="/prod/", region=moto_s3.region, endpoint_url=moto_s3.endpoint,
                   access_key=moto_s3.access_key, secret_key=moto_s3.secret_key)
    options.update(extra)
    return backup_s3.Bucket(options)


@pytest.mark.parametrize("size", [0, 3 * MIB, 10 * MIB, 11 * MIB + 7])
def test_the_local_checksum_is_the_one_s3_stores(moto_s3, s3_bucket, tmp_path, size):
    path = tmp_path / "movies-2026-01-05T02-00-00.backup"
    path.write_bytes(os.urandom(size))
    bucket = bucket_for(moto_s3, s3_bucket, multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    result = bucket.ship(str(path), artifact())
    assert result["changed"] is True and result["key"] == "prod/movies-2026-01-05T02-00-00.backup"
    stored = bucket.remote_checksum(result["key"])
    assert backup_s3.same_checksum(stored, result["checksum"])
    parts = -(-size // (5 * MIB)) if size >= 5 * MIB else None
    assert result["checksum"].endswith("-%d" % parts) if parts else "-" not in result["checksum"]
    assert bucket.ship(str(path), artifact())["changed"] is False  # same checksum: left alone


@pytest.mark.parametrize("size", [3 * MIB, 11 * MIB + 7])
def test_crc32_is_a_full_object_checksum_s3_stores(moto_s3, s3_bucket, tmp_path, size):
    path = tmp_path / "a.backup"
    data = os.urandom(size)
    path.write_bytes(data)
    bucket = bucket_for(moto_s3, s3_bucket, checksum_algorithm="CRC32", multipart_threshold=5 * MIB,
                        multipart_chunksize=5 * MIB)
    result = bucket.ship(str(path), artifact("a.backup"))
    expected = base64.b64encode(struct.pack(">I", zlib.crc32(data))).decode()
    assert result["checksum"] == expected and result["checksum_algorithm"] == "CRC32"
    head = moto_s3.client().head_object(Bucket=s3_bucket, Key=result["key"], ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == expected
    assert bucket.ship(str(path), artifact("a.backup"))["changed"] is False
    # Objects uploaded with SHA-256 look different to a CRC32 bucket: uploaded again once.
    assert bucket_for(moto_s3, s3_bucket).ship(str(path), artifact("a.backup"))["changed"] is True


def test_a_changed_file_is_uploaded_again_and_check_mode_only_reports(moto_s3, s3_bucket, tmp_path):
    path = tmp_path / "a.backup"
    path.write_bytes(b"one")
    bucket = bucket_for(moto_s3, s3_bucket)
    bucket.ship(str(path), artifact("a.backup"))
    path.write_bytes(b"two")
    preview = bucket.ship(str(path), artifact("a.backup"), check_mode=True)
    assert preview["changed"] is True
    assert moto_s3.client().get_object(Bucket=s3_bucket, Key="prod/a.backup")["Body"].read() == b"one"
    assert bucket.ship(str(path), artifact("a.backup"))["changed"] is True
    assert moto_s3.client().get_object(Bucket=s3_bucket, Key="prod/a.backup")["Body"].read() == b"two"


def test_listing_reads_the_metadata_and_reports_foreign_objects(moto_s3, s3_bucket, tmp_path):
    path = tmp_path / "a.backup"
    path.write_bytes(b"data")
    bucket = bucket_for(moto_s3, s3_bucket)
    bucket.ship(str(path), artifact("movies-2026-01-05T02-00-00.backup", full=False))
    moto_s3.client().put_object(Bucket=s3_bucket, Key="prod/other.backup", Body=b"x")
    moto_s3.client().put_object(Bucket=s3_bucket, Key="prod/nested/deeper.backup", Body=b"x")
    found, unknown = bucket.list_artifacts()
    [listed] = found
    assert (listed.database, listed.full, listed.lowest_tx, listed.highest_tx, listed.size) == ("movies", False, 1, 5, 4)
    assert listed.time == datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)
    assert listed.location == "s3://%s/prod/movies-2026-01-05T02-00-00.backup" % s3_bucket
    assert unknown == ["prod/other.backup"]
    bucket.delete(["prod/other.backup", "prod/movies-2026-01-05T02-00-00.backup"])
    assert moto_s3.keys(s3_bucket) == ["prod/nested/deeper.backup"]


def test_errors_name_the_option(moto_s3, s3_bucket):
    with pytest.raises(backup_s3.S3Error, match=r"^s3\.bucket: bucket 'not-there-at-all' does not exist"):
        bucket_for(moto_s3, "not-there-at-all").check()
    with pytest.raises(backup_s3.S3Error, match=r"S3 refused the credentials \(SignatureDoesNotMatch\)"):
        bucket_for(moto_s3, s3_bucket, secret_key="wrong").check()
    with pytest.raises(backup_s3.S3Error, match=r"^s3\.endpoint_url: .* could not be reached"):
        bucket_for(moto_s3, s3_bucket, endpoint_url="http://127.0.0.1:9").check()
    with pytest.raises(backup_s3.S3Error, match=r"^s3\.profile: "):
        bucket_for(moto_s3, s3_bucket, access_key=None, secret_key=None, profile="no-such-profile").check()


def test_same_checksum_accepts_both_composite_notations():
    assert backup_s3.same_checksum("abc=-3", "abc=-3") and backup_s3.same_checksum("abc=", "abc=-3")
    assert not backup_s3.same_checksum("abc=-2", "abc=-3") and not backup_s3.same_checksum("", "abc=")
    assert not backup_s3.same_checksum(None, "abc=")


def test_part_size_follows_s3transfer_for_very_large_files():
    config = backup_s3.TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB)
    assert backup_s3.part_size(7 * MIB, config) is None
    assert backup_s3.part_size(8 * MIB, config) == 8 * MIB
    assert backup_s3.part_size(200 * 1024 * MIB, config) == 32 * MIB  # 10000 parts at most
