"""Seeding a new database from a URI (``CREATE DATABASE ... OPTIONS {seedURI: ...}``), as Neo4j documents it.

Sources: docs-operations ``database-administration/standard-databases/seed-from-uri.adoc`` (branches 5.x and
dev) and ``configuration/configuration-settings.adoc`` (``dbms.databases.seed_from_uri_providers``):

* "Download and validation of the seed is only performed as the new database is started.  If it fails, the
  database is not available and it has the statusMessage: Unable to start database"; the example row shows
  ``role`` "unknown", ``currentStatus`` "offline" and the message "Unable to start database
  `DatabaseId{3fe1a59b[seed3]}`" (the cause goes to debug.log: here ``model.debug_log``).
* ``dbms.databases.seed_from_uri_providers`` lists the enabled providers; "if a seed source (URI scheme) is
  supported by multiple providers in the list, the first matching provider will be used"; an empty list
  disables seeding.  Default ``S3SeedProvider,CloudSeedProvider`` (5.26), ``CloudSeedProvider`` (2025.01+).
* ``CloudSeedProvider`` (s3, gs, azb): full or differential backups (a diff seeds "the backup chain ending at
  the specified differential backup" from its directory) and folders holding a chain; credentials come from
  the AWS SDK default chain, the endpoint from ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``
  (partials/aws-s3-overrides.adoc).  The simulator reads those from ``model.cloud_environment`` over its own
  process environment, and reaches S3 with boto3 (in tests: moto on 127.0.0.1).  gs and azb are not modelled.
* ``S3SeedProvider`` (s3, deprecated 5.26, Cypher 5 only in 2025.x) "requires" ``seedConfig`` (region=...) and
  ``seedCredentials``, and is documented for full backups and dumps only.
* ``FileSeedProvider`` (file, 5.26+; "local file paths must be absolute paths").  ``URLConnectionSeedProvider``
  served ``file:`` too until 2025.01 (deprecated 5.26), plus ftp/http/https (not modelled).
* A folder seed uses "the most recent backup chain" of the database being created, or of
  ``seedSourceDatabase`` (2025.06+, Cypher 25): the rule the docs give for ``ServerSeedProvider``.

Undocumented, so switches on the model (docs/testing.md, "Simulator switches"):

* ``s3_seed_provider_without_credentials``: what ``S3SeedProvider`` (first in the 5.26 default list) does with
  an ``s3:`` seed that has no ``seedCredentials``: ``fails`` (it picked the URI and requires credentials; the
  literal reading of the docs) or ``next-provider`` (the next provider for the scheme, CloudSeedProvider, takes it);
* ``file_seed_chains``: whether ``FileSeedProvider`` follows a differential backup's chain and seeds from
  folders as CloudSeedProvider documents (``chains``) or takes full backups only (``full-only``).

Dumps are not modelled: a seed must be a simulator backup artefact (``simulator.backups``).
"""

import os
import posixpath
from urllib.parse import unquote, urlsplit

from . import backups, versions

PROVIDERS_2025 = (2025, 1)  # default list becomes CloudSeedProvider; URLConnectionSeedProvider drops file:
SERVER_SEED_PROVIDER = (2026, 4)
SCHEMES = {
    "CloudSeedProvider": ("s3", "gs", "azb"),
    "S3SeedProvider": ("s3",),
    "FileSeedProvider": ("file",),
    "URLConnectionSeedProvider": ("ftp", "http", "https"),
    "ServerSeedProvider": ("server",),
}
S3_SEED_PROVIDER_WITHOUT_CREDENTIALS = ("fails", "next-provider")
FILE_SEED_CHAINS = ("chains", "full-only")


class SeedFailure(Exception):
    """Why a seed could not be used (what debug.log would say)."""


def default_providers(version):
    if versions.at_least(version, PROVIDERS_2025):
        return ["CloudSeedProvider"]
    return ["S3SeedProvider", "CloudSeedProvider"]


def provider_schemes(provider, version):
    schemes = SCHEMES.get(provider, ())
    if provider == "URLConnectionSeedProvider" and not versions.at_least(version, PROVIDERS_2025):
        schemes = schemes + ("file",)
    if provider == "ServerSeedProvider" and not versions.at_least(version, SERVER_SEED_PROVIDER):
        schemes = ()
    return schemes


def candidates(model, scheme):
    """The enabled providers that serve ``scheme``, in the configured order."""
    configured = model.seed_providers if model.seed_providers is not None else default_providers(model.version)
    return [p for p in configured if scheme in provider_schemes(p, model.version)]


def seed(model, name, options):
    """The (graph dict, store format) a new database ``name`` gets from ``options['seedURI']``.

    Raises :class:`SeedFailure` with the reason when no provider can use the seed."""
    uri = options["seedURI"]
    scheme = urlsplit(uri).scheme.lower()
    providers = candidates(model, scheme)
    if not providers:
        raise SeedFailure("No seed provider in dbms.databases.seed_from_uri_providers=%s supports the URI scheme "
                          "'%s' of %s" % (",".join(_configured(model)), scheme, uri))
    for provider in providers:
        if provider == "S3SeedProvider" and not options.get("seedCredentials"):
            if model.s3_seed_provider_without_credentials == "next-provider":
                continue
            raise SeedFailure("S3SeedProvider: seedCredentials are required to seed from %s" % uri)
        return _use(model, provider, name, options, uri)
    raise SeedFailure("No seed provider could use %s" % uri)


def _configured(model):
    return model.seed_providers if model.seed_providers is not None else default_providers(model.version)


def _use(model, provider, name, options, uri):
    source = options.get("seedSourceDatabase") or name
    if provider in ("CloudSeedProvider", "S3SeedProvider"):
        parts = urlsplit(uri)
        if parts.scheme.lower() != "s3":
            raise SeedFailure("%s: the simulator models s3 only, not %s" % (provider, uri))
        store = S3Store(model, options if provider == "S3SeedProvider" else None)
        chains = provider == "CloudSeedProvider"
        return _from_store(store, parts.netloc, unquote(parts.path.lstrip("/")), source, chains, uri)
    if provider in ("FileSeedProvider", "URLConnectionSeedProvider"):
        path = unquote(urlsplit(uri).path)
        if not os.path.isabs(path):
            raise SeedFailure("%s: %s is not an absolute path" % (provider, uri))
        chains = provider == "FileSeedProvider" and model.file_seed_chains == "chains"
        folder, base = (path.rstrip("/"), "") if os.path.isdir(path) else posixpath.split(path)
        return _from_store(LocalStore(), folder, base, source, chains, uri)
    raise SeedFailure("%s is not modelled by the simulator (%s)" % (provider, uri))


def _from_store(store, root, key, source, chains, uri):
    """Seed from one artefact (``key``) or, when ``key`` is a folder (empty or ending in /), from the newest chain
    of ``source`` in it."""
    if not key or key.endswith("/"):
        if not chains:
            raise SeedFailure("Seeding from a folder is not supported by this provider: %s" % uri)
        artifacts = store.scan(root, key)
        chain = backups.latest_chain(artifacts, source)
        if not chain:
            raise SeedFailure("No backup chain for database '%s' found in %s" % (source, uri))
    else:
        artifact = store.header(root, key)
        if artifact.full:
            chain = [artifact]
        else:
            if not chains:
                raise SeedFailure("%s is a differential backup; this provider seeds from full backups only" % uri)
            folder = posixpath.dirname(key)
            try:
                chain = backups.chain_ending_at(store.scan(root, folder + "/" if folder else ""), artifact)
            except backups.ArtifactError as exc:
                raise SeedFailure(str(exc))
    payloads = {a.name: store.payload(a) for a in chain}
    return backups.restore_graph(chain, payloads), chain[0].store


class LocalStore:
    """Artefacts on the local file system (file: seeds)."""

    def scan(self, folder, prefix=""):
        folder = os.path.join(folder, prefix) if prefix else folder
        if not os.path.isdir(folder):
            raise SeedFailure("%s is not a folder" % folder)
        return backups.scan_local(folder)

    def header(self, folder, name):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise SeedFailure("Seed file %s does not exist" % path)
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
        try:
            return backups.decode_header(head, name, path, os.path.getsize(path))
        except backups.ArtifactError as exc:
            raise SeedFailure(str(exc))

    def payload(self, artifact):
        try:
            return backups.read_local(artifact.location)[1]
        except (OSError, backups.ArtifactError) as exc:
            raise SeedFailure(str(exc))


class S3Store:
    """Artefacts in an S3 bucket, read with boto3 as the cloud environment of the simulated servers allows.

    ``options`` (S3SeedProvider) carries ``seedConfig`` (region=...) and ``seedCredentials``
    (accessKey;secretKey); otherwise the default credential chain of ``model.cloud_environment`` is used."""

    def __init__(self, model, options=None):
        env = dict(os.environ)
        env.update(model.cloud_environment or {})
        kwargs = {"endpoint_url": env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None,
                  "region_name": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
                  "aws_access_key_id": env.get("AWS_ACCESS_KEY_ID"),
                  "aws_secret_access_key": env.get("AWS_SECRET_ACCESS_KEY")}
        if options is not None:
            config = dict(item.split("=", 1) for item in (options.get("seedConfig") or "").split(",") if "=" in item)
            kwargs["region_name"] = config.get("region", kwargs["region_name"])
            access, _sep, secret = (options.get("seedCredentials") or "").partition(";")
            kwargs["aws_access_key_id"], kwargs["aws_secret_access_key"] = access, secret
        host = urlsplit(kwargs["endpoint_url"] or "").hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            # A simulator never reaches the internet: S3 is the test's moto server on loopback.
            raise SeedFailure("The simulator reaches S3 on 127.0.0.1 only; set AWS_ENDPOINT_URL_S3 in its cloud "
                              "environment (got %s)" % (kwargs["endpoint_url"] or "no endpoint"))
        import boto3  # only the seeding path needs it
        from botocore.exceptions import BotoCoreError, ClientError
        self._client = boto3.client("s3", **kwargs)
        self._failures = (BotoCoreError, ClientError)

    def _call(self, what, call, **kwargs):
        try:
            return call(**kwargs)
        except self._failures as exc:
            raise SeedFailure("%s: %s" % (what, exc))

    def scan(self, bucket, prefix):
        found = []
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    if item["Key"].endswith(".backup"):
                        try:
                            found.append(self.header(bucket, item["Key"]))
                        except SeedFailure:
                            continue
        except self._failures as exc:
            raise SeedFailure("Listing s3://%s/%s failed: %s" % (bucket, prefix, exc))
        return sorted(found, key=lambda a: (a.time, a.highest_tx, a.name))

    def header(self, bucket, key):
        uri = "s3://%s/%s" % (bucket, key)
        reply = self._call("Reading %s" % uri, self._client.get_object, Bucket=bucket, Key=key, Range="bytes=0-65535")
        head = reply["Body"].read()
        size = int(reply.get("ContentRange", "/%d" % len(head)).rsplit("/", 1)[-1])
        try:
            return backups.decode_header(head, posixpath.basename(key), uri, size)
        except backups.ArtifactError as exc:
            raise SeedFailure(str(exc))

    def payload(self, artifact):
        bucket, _sep, key = artifact.location[len("s3://"):].partition("/")
        data = self._call("Reading %s" % artifact.location, self._client.get_object, Bucket=bucket, Key=key)["Body"].read()
        try:
            return backups.decode_payload(data, artifact)
        except backups.ArtifactError as exc:
            raise SeedFailure(str(exc))
