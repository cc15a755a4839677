# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup artefacts in S3: verified uploads, listing with their metadata, deletion.  boto3 does the transfer.

Uploads go through boto3's ``upload_file`` with a ``TransferConfig`` (multipart above ``multipart_threshold``,
parts of ``multipart_chunksize``, ``max_concurrency`` threads) and an additional checksum (``checksum_algorithm``):

* ``SHA256`` (default): ``ChecksumAlgorithm=SHA256``; botocore sends a SHA-256 per part and S3 checks each part as
  it arrives.  The module computes the checksum S3 will store from the local file, while the upload runs: the
  SHA-256 of the file for a single-part upload, and for a multipart upload the *composite* checksum S3 documents
  (the SHA-256 of the concatenated part digests, ``digest-N``, with the part size s3transfer will use).
* ``CRC32``: the module computes the CRC32 of the whole file first and passes it as ``ChecksumCRC32``; s3transfer
  then makes the upload a ``FULL_OBJECT`` checksum upload, botocore sends a CRC32 per part, and S3 checks the
  whole object against the module's value before completing it.  Much cheaper on CPU than SHA-256.

After the upload, the checksum S3 stored (``HeadObject`` with ``ChecksumMode=ENABLED``) must equal the module's,
else the object is deleted and the task fails.  An object already there with that checksum is left alone
(``changed: false``).

A multipart upload is invisible until it completes, and s3transfer aborts it when a part fails, so an interrupted
upload leaves no object behind.  A process killed mid-upload cannot abort: its parts linger as an incomplete
multipart upload; the next upload of the same key aborts such leftovers first and then uploads the file again
from the start (a restart, not a resume).

Each object carries the artefact's metadata (``x-amz-meta-neo4j-*``), so listings and retention in S3 need no
download and no neo4j-admin.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os
import struct
import traceback
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from .backup_chains import Artifact, UTC

try:
    import boto3
    import botocore.exceptions
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    from s3transfer.utils import ChunksizeAdjuster
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()

MIB = 1024 * 1024
CHECKSUM_ALGORITHMS = ("SHA256", "CRC32")
DEFAULT_THRESHOLD = 8 * MIB  # boto3's TransferConfig defaults: many parts in flight keep the link busy
DEFAULT_CHUNKSIZE = 8 * MIB
DEFAULT_CONCURRENCY = 10
HASH_BLOCK = MIB
META_PREFIX = "neo4j-"
# S3 error codes that mean "these credentials are not accepted".
CREDENTIAL_ERRORS = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenExpired",
                     "TokenRefreshRequired", "InvalidClientTokenId", "UnrecognizedClientException")


MIN_PART = 5 * MIB  # S3's smallest part


def check_transfer_options(s3):
    """Refuse transfer settings boto3 cannot use (a part below 5 MiB, no threads), before anything runs; both backup
    modules call it, so a value a listing never uses is refused there too."""
    for option in ("multipart_chunksize", "multipart_threshold"):
        value = (s3 or {}).get(option)
        if value is not None and value < MIN_PART:
            raise S3Error("s3.%s: %d bytes is below S3's minimum part size of 5 MiB (%d bytes)." % (option, value, MIN_PART))
    if (s3 or {}).get("max_concurrency") is not None and s3["max_concurrency"] < 1:
        raise S3Error("s3.max_concurrency must be at least 1.")


class S3Error(Exception):
    """A failure with a message naming the option to fix; never carries credentials."""

    def __init__(self, msg):
        super(S3Error, self).__init__(msg)
        self.msg = msg


def normalise_prefix(prefix):
    prefix = (prefix or "").strip("/")
    return prefix + "/" if prefix else ""


class Bucket(object):
    """One bucket and prefix, reached with the ``s3`` options of the backup modules."""

    def __init__(self, options):
        self.options = options
        self.name = options["bucket"]
        self.prefix = normalise_prefix(options.get("prefix"))
        self._client = None
        self.reporter = None  # a progress.Reporter: hears the bytes of every upload

    @property
    def where(self):
        return "s3://%s/%s" % (self.name, self.prefix)

    def uri(self, key):
        return "s3://%s/%s" % (self.name, key)

    def key(self, name):
        return self.prefix + name

    @property
    def client(self):
        if self._client is None:
            o = self.options
            try:
                session = boto3.session.Session(profile_name=o.get("profile") or None,
                                                aws_access_key_id=o.get("access_key") or None,
                                                aws_secret_access_key=o.get("secret_key") or None,
                                                aws_session_token=o.get("session_token") or None,
                                                region_name=o.get("region") or None)
                config = Config(retries={"mode": "standard", "max_attempts": 3},
                                s3={"addressing_style": o.get("addressing_style") or "auto"})
                self._client = session.client("s3", endpoint_url=o.get("endpoint_url") or None,
                                              verify=o.get("validate_certs", True) is not False, config=config)
            except botocore.exceptions.ProfileNotFound as exc:
                raise S3Error("s3.profile: %s" % exc)
            except (botocore.exceptions.BotoCoreError, ValueError) as exc:
                raise S3Error("s3: could not set up the S3 client: %s" % exc)
        return self._client

    def fail(self, action, exc):
        """An S3Error for ``exc`` (raised by ``action``) that says which option to look at."""
        if isinstance(exc, S3Error):
            return exc
        if isinstance(exc, botocore.exceptions.NoCredentialsError):
            return S3Error("s3: no AWS credentials were found for %s: set s3.access_key and s3.secret_key, s3.profile, "
                           "or the AWS_* environment of the host running the task." % action)
        if isinstance(exc, botocore.exceptions.EndpointConnectionError):
            return S3Error("s3.endpoint_url: %s failed, the S3 endpoint could not be reached: %s" % (action, exc))
        if isinstance(exc, botocore.exceptions.ClientError):
            error = exc.response.get("Error", {})
            code = error.get("Code") or str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
            if code == "NoSuchBucket":
                return S3Error("s3.bucket: bucket '%s' does not exist (%s failed)." % (self.name, action))
            if code in CREDENTIAL_ERRORS:
                return S3Error("s3: S3 refused the credentials (%s) while trying to %s; check s3.access_key, "
                               "s3.secret_key, s3.session_token or s3.profile." % (code, action))
            if code in ("AccessDenied", "403"):
                return S3Error("s3: access denied while trying to %s in bucket '%s' (%s); the credentials are valid but "
                               "lack permission." % (action, self.name, error.get("Message") or code))
            return S3Error("s3: %s failed: %s: %s" % (action, code, error.get("Message") or exc))
        if isinstance(exc, (botocore.exceptions.BotoCoreError, IOError, OSError)):
            return S3Error("s3: %s failed: %s" % (action, exc))
        return S3Error("s3: %s failed: %s: %s" % (action, type(exc).__name__, exc))

    def check(self):
        """Fail early, naming the option, when the bucket is missing or the credentials are refused.  A listing (not
        HeadBucket, whose errors have no body) says why: NoSuchBucket, InvalidAccessKeyId, InvalidToken, ..."""
        try:
            self.client.list_objects_v2(Bucket=self.name, Prefix=self.prefix, MaxKeys=1)
        except Exception as exc:  # boto3 raises many types; fail() names them
            raise self.fail("list bucket '%s'" % self.name, exc)

    # -- listing ---------------------------------------------------------------------------------------------

    def list_artifacts(self):
        """(artefacts with metadata, keys of ``*.backup`` objects without it), directly under the prefix."""
        found, unknown = [], []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=self.prefix,
                                                                          Delimiter="/")
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if not key.endswith(".backup"):
                        continue
                    head = self.client.head_object(Bucket=self.name, Key=key)
                    artifact = artifact_from_metadata(self.uri(key), key, head.get("Metadata") or {}, item["Size"])
                    if artifact is None:
                        unknown.append(key)
                    else:
                        found.append(artifact)
        except Exception as exc:  # see fail()
            raise self.fail("list %s" % self.where, exc)
        return found, unknown

    def artifact_names(self):
        """Names of the ``*.backup`` objects directly under the prefix."""
        names = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=self.prefix,
                                                                          Delimiter="/")
            for page in pages:
                names += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])
                          if item["Key"].endswith(".backup")]
        except Exception as exc:  # see fail()
            raise self.fail("list %s" % self.where, exc)
        return sorted(names)

    @property
    def algorithm(self):
        return self.options.get("checksum_algorithm") or "SHA256"

    def remote_checksum(self, key):
        """The checksum S3 stored for ``key`` with our algorithm (possibly ``digest-parts``), '' without one, None if
        the object is absent."""
        try:
            head = self.client.head_object(Bucket=self.name, Key=key, ChecksumMode="ENABLED")
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self.fail("read %s" % self.uri(key), exc)
        except Exception as exc:  # see fail()
            raise self.fail("read %s" % self.uri(key), exc)
        return head.get("Checksum" + self.algorithm) or ""

    # -- uploading -------------------------------------------------------------------------------------------

    def transfer_config(self):
        o = self.options
        return TransferConfig(multipart_threshold=int(o.get("multipart_threshold") or DEFAULT_THRESHOLD),
                              multipart_chunksize=int(o.get("multipart_chunksize") or DEFAULT_CHUNKSIZE),
                              max_concurrency=int(o.get("max_concurrency") or DEFAULT_CONCURRENCY))

    def extra_args(self, metadata, checksum):
        o = self.options
        extra = {"Metadata": metadata}
        if self.algorithm == "CRC32":
            # A full-object checksum S3 checks before it stores the object (PutObject) or completes the upload.
            extra.update(ChecksumAlgorithm="CRC32", ChecksumCRC32=checksum)
        else:
            extra["ChecksumAlgorithm"] = "SHA256"
        if o.get("sse"):
            extra["ServerSideEncryption"] = o["sse"]
            if o.get("sse_kms_key_id"):
                extra["SSEKMSKeyId"] = o["sse_kms_key_id"]
        if o.get("storage_class"):
            extra["StorageClass"] = o["storage_class"]
        return extra

    def abort_leftovers(self, key):
        """Abort incomplete multipart uploads of ``key`` (from a process killed mid-upload); returns their ids."""
        aborted = []
        try:
            reply = self.client.list_multipart_uploads(Bucket=self.name, Prefix=key)
            for upload in reply.get("Uploads", []):
                if upload["Key"] == key:
                    self.client.abort_multipart_upload(Bucket=self.name, Key=key, UploadId=upload["UploadId"])
                    aborted.append(upload["UploadId"])
        except Exception as exc:  # see fail()
            raise self.fail("clear incomplete uploads of %s" % self.uri(key), exc)
        return aborted

    def ship(self, path, artifact, check_mode=False):
        """Upload one local artefact unless S3 holds it with the same checksum.  Returns the upload result.

        When the object is missing, the local checksum is computed while the upload runs (both read the file, which
        the page cache then serves once); when it exists, the checksum decides whether to upload at all."""
        key = self.key(artifact.name)
        size = os.path.getsize(path)
        config = self.transfer_config()
        stored = self.remote_checksum(key)
        hashing = ThreadPoolExecutor(max_workers=1)
        try:
            pending = hashing.submit(local_checksum, path, size, config, self.algorithm)
            if stored is not None or self.algorithm == "CRC32":
                checksum = pending.result()
                if stored is not None and same_checksum(stored, checksum):
                    return self._shipped(artifact, key, size, checksum, False)
            if check_mode:
                return self._shipped(artifact, key, size, pending.result(), True)
            aborted = len(self.abort_leftovers(key))
            try:
                extra = self.extra_args(metadata_of(artifact), pending.result() if self.algorithm == "CRC32" else None)
                callback = None
                if self.reporter is not None:
                    self.reporter.phase("uploading %s to %s" % (artifact.name, self.uri(key)), total=size, unit="bytes")
                    callback = self.reporter.add  # boto3's Callback: bytes transferred since the last call
                self.client.upload_file(path, self.name, key, ExtraArgs=extra, Config=config, Callback=callback)
            except Exception as exc:  # s3transfer has aborted the multipart upload: nothing is visible
                raise self.fail("upload %s to %s (nothing was left in the bucket)" % (artifact.name, self.uri(key)),
                                exc)
            checksum = pending.result()
        finally:
            hashing.shutdown(wait=True)
        result = self._shipped(artifact, key, size, checksum, True)
        result["aborted_uploads"] = aborted
        stored = self.remote_checksum(key)
        if not same_checksum(stored, checksum):
            self.delete([key])
            raise S3Error("s3: the checksum S3 stored for %s (%s) differs from the one computed from %s (%s); the "
                          "object was deleted." % (self.uri(key), stored or "none", path, checksum))
        return result

    def _shipped(self, artifact, key, size, checksum, changed):
        return dict(artifact=artifact.name, database=artifact.database, bucket=self.name, key=key, size=size,
                    checksum=checksum, checksum_algorithm=self.algorithm, changed=changed)

    def delete(self, keys):
        try:
            for start in range(0, len(keys), 1000):
                batch = [dict(Key=k) for k in keys[start:start + 1000]]
                reply = self.client.delete_objects(Bucket=self.name, Delete=dict(Objects=batch, Quiet=True))
                if reply.get("Errors"):
                    first = reply["Errors"][0]
                    raise S3Error("s3: deleting %s failed: %s %s"
                                  % (first.get("Key"), first.get("Code"), first.get("Message")))
        except S3Error:
            raise
        except Exception as exc:  # see fail()
            raise self.fail("delete objects in %s" % self.where, exc)


# ----- checksums ----------------------------------------------------------------------------------------------

def part_size(size, config):
    """The part size s3transfer uses for a file of ``size`` bytes, or None for a single-part upload."""
    if size < config.multipart_threshold:
        return None
    return ChunksizeAdjuster().adjust_chunksize(config.multipart_chunksize, size)


def _digest(path, offset, length):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(offset)
        left = length
        while left > 0:
            block = handle.read(min(HASH_BLOCK, left))
            if not block:
                break
            digest.update(block)
            left -= len(block)
    return digest.digest()


def _crc32(path):
    value = 0
    with open(path, "rb") as handle:
        while True:
            block = handle.read(HASH_BLOCK)
            if not block:
                break
            value = zlib.crc32(block, value)
    return base64.b64encode(struct.pack(">I", value & 0xFFFFFFFF)).decode("ascii")


def local_checksum(path, size, config, algorithm="SHA256"):
    """The checksum S3 will store for this file uploaded with ``config``.  CRC32: base64 of the whole file's CRC32
    (a full-object checksum).  SHA256: base64 of the file's SHA-256, or for a multipart upload
    ``base64(sha256(part digests))-<parts>`` (the composite checksum); parts are hashed on several threads
    (hashlib releases the GIL)."""
    if algorithm == "CRC32":
        return _crc32(path)
    chunk = part_size(size, config)
    if chunk is None:
        return base64.b64encode(_digest(path, 0, size)).decode("ascii")
    offsets = list(range(0, size, chunk))
    workers = max(1, min(len(offsets), os.cpu_count() or 1, 8))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        digests = list(pool.map(lambda offset: _digest(path, offset, min(chunk, size - offset)), offsets))
    composite = hashlib.sha256(b"".join(digests)).digest()
    return "%s-%d" % (base64.b64encode(composite).decode("ascii"), len(offsets))


def same_checksum(stored, computed):
    """S3 reports a composite checksum as ``digest-parts`` or (some implementations) as the digest alone."""
    if not stored or not computed:
        return False
    stored_digest, _sep, stored_parts = stored.partition("-")
    digest, _sep, parts = computed.partition("-")
    return stored_digest == digest and (not stored_parts or stored_parts == parts)


# ----- metadata -----------------------------------------------------------------------------------------------

def metadata_of(artifact):
    return {META_PREFIX + "database": artifact.database, META_PREFIX + "database-id": artifact.database_id,
            META_PREFIX + "time": artifact.iso_time, META_PREFIX + "full": "true" if artifact.full else "false",
            META_PREFIX + "compressed": "true" if artifact.compressed else "false",
            META_PREFIX + "lowest-tx": str(artifact.lowest_tx), META_PREFIX + "highest-tx": str(artifact.highest_tx)}


def artifact_from_metadata(uri, key, metadata, size):
    """The :class:`Artifact` an object's metadata describes, or None when it carries none (not uploaded by us)."""
    try:
        return Artifact(name=key.rsplit("/", 1)[-1], location=uri, source="s3",
                        database=metadata[META_PREFIX + "database"],
                        database_id=metadata[META_PREFIX + "database-id"],
                        time=datetime.strptime(metadata[META_PREFIX + "time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
                        full=metadata[META_PREFIX + "full"] == "true",
                        compressed=metadata.get(META_PREFIX + "compressed", "true") == "true",
                        lowest_tx=int(metadata[META_PREFIX + "lowest-tx"]),
                        highest_tx=int(metadata[META_PREFIX + "highest-tx"]), size=size)
    except (KeyError, ValueError):
        return None


def s3_argument_spec():
    """The ``s3`` option of the backup modules (documented in doc_fragments/backup_s3.py)."""
    return dict(type="dict", options=dict(
        bucket=dict(type="str", required=True),
        prefix=dict(type="str", default=""),
        region=dict(type="str"),
        endpoint_url=dict(type="str"),
        profile=dict(type="str"),
        access_key=dict(type="str", no_log=True),
        secret_key=dict(type="str", no_log=True),
        session_token=dict(type="str", no_log=True),
        validate_certs=dict(type="bool", default=True),
        addressing_style=dict(type="str", default="auto", choices=["auto", "path", "virtual"]),
        sse=dict(type="str", choices=["AES256", "aws:kms"]),
        sse_kms_key_id=dict(type="str"),
        storage_class=dict(type="str"),
        checksum_algorithm=dict(type="str", default="SHA256", choices=list(CHECKSUM_ALGORITHMS)),
        multipart_threshold=dict(type="int", default=DEFAULT_THRESHOLD),
        multipart_chunksize=dict(type="int", default=DEFAULT_CHUNKSIZE),
        max_concurrency=dict(type="int", default=DEFAULT_CONCURRENCY),
    ))
