"""CREATE DATABASE ... OPTIONS {seedURI}: seeds fetched and checked as the database starts, per seed provider.

Sources in ``simulator/seeding.py``: a bad seed leaves the database offline with role "unknown" and
"Unable to start database `DatabaseId{...}`"; which provider serves a scheme follows
``dbms.databases.seed_from_uri_providers`` (5.26: S3SeedProvider,CloudSeedProvider; 2025.01+: CloudSeedProvider).
"""

import os
import re
from datetime import datetime, timedelta, timezone

import pytest

from cypher_calls import fails, rows, statement as sys
from simulator import backups
from simulator.model import ClusterModel

DB_ID = "9d5ecc08f54a4749839661cfdb03d486"


def make_model(version="5.26.0", providers=None, **switches):
    model = ClusterModel(version=version)
    for i in range(3):
        model.add_server("server%d" % (i + 1), "127.0.0.1", 7687 + i)
    model.bootstrap()
    model.add_user("neo4j", "password")
    model.seed_providers = providers
    for key, value in switches.items():
        setattr(model, key, value)
    return model


def graph(nodes, labels):
    return {"node_count": nodes, "relationship_count": 0, "label_counts": labels, "type_counts": {},
            "node_properties": ["title"], "relationship_properties": []}


def chain_files(database="movies", when=datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)):
    """(name, bytes) of a full backup (3 Movie nodes, tx 1-5) and a differential backup (+2 Person, tx 6-6)."""
    full = backups.Artifact(name=backups.artifact_name(database, when), location="", database=database,
                            database_id=backups.uuid_form(DB_ID), time=when, full=True, compressed=True,
                            lowest_tx=1, highest_tx=5)
    later = when + timedelta(hours=1)
    diff = backups.Artifact(name=backups.artifact_name(database, later), location="", database=database,
                            database_id=backups.uuid_form(DB_ID), time=later, full=False, compressed=True,
                            lowest_tx=6, highest_tx=6)
    first = graph(3, {"Movie": 3})
    return [(full.name, backups.encode(full, first)),
            (diff.name, backups.encode(diff, backups.graph_delta(graph(5, {"Movie": 3, "Person": 2}), first)))]


def write_local(folder, files):
    for name, data in files:
        (folder / name).write_bytes(data)
    return [str(folder / name) for name, _data in files]


def create(model, name, uri, extra=""):
    sys(model, "CREATE DATABASE `%s` OPTIONS {existingData: 'use', seedURI: $uri%s}" % (name, extra), {"uri": uri})
    return rows(sys(model, "SHOW DATABASE `%s` YIELD *" % name))


def assert_failed_seed(model, name, cause):
    found = rows(sys(model, "SHOW DATABASE `%s`" % name))
    db = model.databases[name]
    assert found and all(r["currentStatus"] == "offline" and r["requestedStatus"] == "online" for r in found)
    assert all(r["role"] == "unknown" and r["writer"] is False for r in found)
    expected = "Unable to start database `DatabaseId{%s[%s]}`" % (db.database_id.lower()[:8], name)
    assert {r["statusMessage"] for r in found} == {expected}
    assert re.search(cause, model.debug_log[-1]), model.debug_log


# ----- file: ---------------------------------------------------------------------------------------------

def test_file_seed_needs_file_seed_provider_in_the_list(tmp_path):
    [full, _diff] = write_local(tmp_path, chain_files())
    model = make_model()  # 5.26 default: S3SeedProvider,CloudSeedProvider
    create(model, "restored", "file:" + full)
    assert_failed_seed(model, "restored", "No seed provider .* supports the URI scheme 'file'")
    model = make_model("2025.01.0", providers=["CloudSeedProvider", "FileSeedProvider"])
    [row] = create(model, "restored", "file:" + full)
    assert row["currentStatus"] == "online" and row["role"] == "primary"
    assert model.databases["restored"].graph.label_counts == {"Movie": 3}


def test_url_connection_provider_serves_file_before_2025_01_only(tmp_path):
    [full, _diff] = write_local(tmp_path, chain_files())
    model = make_model(providers=["URLConnectionSeedProvider"])
    assert create(model, "restored", "file:" + full)[0]["currentStatus"] == "online"
    model = make_model("2025.01.0", providers=["URLConnectionSeedProvider"])
    create(model, "restored", "file:" + full)
    assert_failed_seed(model, "restored", "scheme 'file'")


@pytest.mark.parametrize("chains", ["chains", "full-only"])
def test_file_seed_from_a_differential_backup_follows_the_switch(tmp_path, chains):
    [_full, diff] = write_local(tmp_path, chain_files())
    model = make_model(providers=["FileSeedProvider"], file_seed_chains=chains)
    [row] = create(model, "restored", "file:" + diff)
    if chains == "chains":
        assert row["currentStatus"] == "online"
        assert model.databases["restored"].graph.label_counts == {"Movie": 3, "Person": 2}
    else:
        assert_failed_seed(model, "restored", "differential backup; this provider seeds from full backups only")


def test_a_broken_chain_and_a_missing_file_leave_the_database_offline(tmp_path):
    [full, diff] = write_local(tmp_path, chain_files())
    os.remove(full)
    model = make_model(providers=["FileSeedProvider"])
    create(model, "broken", "file:" + diff)
    assert_failed_seed(model, "broken", "No backup chain ends at")
    create(model, "missing", "file:" + full)
    assert_failed_seed(model, "missing", "does not exist")


def test_start_fetches_the_seed_again(tmp_path):
    files = chain_files()
    full = str(tmp_path / files[0][0])
    model = make_model(providers=["FileSeedProvider"])
    create(model, "later", "file:" + full)
    assert rows(sys(model, "SHOW DATABASE later"))[0]["currentStatus"] == "offline"
    write_local(tmp_path, files[:1])
    sys(model, "START DATABASE later")
    [row] = rows(sys(model, "SHOW DATABASE later"))
    assert row["currentStatus"] == "online" and row["statusMessage"] == ""


def test_folder_seed_uses_the_newest_chain_of_the_database_or_seed_source_database(tmp_path):
    write_local(tmp_path, chain_files("movies") + chain_files("people"))
    model = make_model(providers=["FileSeedProvider"])
    create(model, "movies", "file:%s/" % tmp_path)
    assert model.databases["movies"].graph.node_count == 5
    create(model, "other", "file:%s/" % tmp_path)
    assert_failed_seed(model, "other", "No backup chain for database 'other'")
    model = make_model("2025.06.0", providers=["FileSeedProvider"])
    sys(model, "CYPHER 25 CREATE DATABASE copy OPTIONS {seedURI: $uri, seedSourceDatabase: 'people'}",
        {"uri": "file:%s/" % tmp_path})
    assert model.databases["copy"].graph.node_count == 5


# ----- s3: ------------------------------------------------------------------------------------------------

@pytest.fixture
def s3_chain(moto_s3, s3_bucket):
    client = moto_s3.client()
    for name, data in chain_files():
        client.put_object(Bucket=s3_bucket, Key="nightly/" + name, Body=data)
    names = [name for name, _data in chain_files()]
    return {"full": "s3://%s/nightly/%s" % (s3_bucket, names[0]), "diff": "s3://%s/nightly/%s" % (s3_bucket, names[1]),
            "folder": "s3://%s/nightly/" % s3_bucket, "env": moto_s3.environment(), "moto": moto_s3,
            "bucket": s3_bucket}


@pytest.mark.parametrize("switch", ["fails", "next-provider"])
def test_s3_seed_on_5_26_defaults_depends_on_what_s3_seed_provider_does_without_credentials(s3_chain, switch):
    model = make_model(s3_seed_provider_without_credentials=switch)
    model.cloud_environment = s3_chain["env"]
    [row] = create(model, "restored", s3_chain["diff"])
    if switch == "fails":
        assert_failed_seed(model, "restored", "S3SeedProvider: seedCredentials are required")
    else:
        assert row["currentStatus"] == "online"
        assert model.databases["restored"].graph.label_counts == {"Movie": 3, "Person": 2}


def test_cloud_seed_provider_takes_full_diff_and_folder_seeds(s3_chain):
    model = make_model("2025.10.0")
    model.cloud_environment = s3_chain["env"]
    create(model, "from-full", s3_chain["full"])
    create(model, "from-diff", s3_chain["diff"])
    create(model, "movies", s3_chain["folder"])
    assert [model.databases[n].graph.node_count for n in ("from-full", "from-diff", "movies")] == [3, 5, 5]
    assert all(r["currentStatus"] == "online" for r in rows(sys(model, "SHOW DATABASES")))


def test_cloud_seed_with_wrong_credentials_or_a_missing_bucket_fails_at_start(s3_chain):
    model = make_model("2025.10.0")
    model.cloud_environment = dict(s3_chain["env"], AWS_SECRET_ACCESS_KEY="wrong")
    create(model, "denied", s3_chain["full"])
    assert_failed_seed(model, "denied", "SignatureDoesNotMatch")
    model.cloud_environment = s3_chain["env"]
    create(model, "nobucket", s3_chain["full"].replace(s3_chain["bucket"], "no-such-bucket-here"))
    assert_failed_seed(model, "nobucket", "NoSuchBucket")


def test_s3_seed_provider_with_credentials_takes_full_backups_only(s3_chain):
    moto = s3_chain["moto"]
    model = make_model()
    model.cloud_environment = {"AWS_ENDPOINT_URL_S3": moto.endpoint}  # keys come from seedCredentials
    extra = ", seedConfig: 'region=%s', seedCredentials: $credentials" % moto.region
    credentials = "%s;%s" % (moto.access_key, moto.secret_key)
    sys(model, "CREATE DATABASE s3full OPTIONS {existingData: 'use', seedURI: $uri%s}" % extra,
        {"uri": s3_chain["full"], "credentials": credentials})
    assert model.databases["s3full"].graph.node_count == 3
    assert "seedCredentials" not in rows(sys(model, "SHOW DATABASE s3full YIELD options"))[0]["options"]
    sys(model, "CREATE DATABASE s3diff OPTIONS {existingData: 'use', seedURI: $uri%s}" % extra,
        {"uri": s3_chain["diff"], "credentials": credentials})
    assert_failed_seed(model, "s3diff", "seeds from full backups only")


# ----- keystores ------------------------------------------------------------------------------------------

def test_seed_credentials_need_a_keystore(tmp_path, s3_chain):
    model = make_model()
    model.cloud_environment = {"AWS_ENDPOINT_URL_S3": s3_chain["moto"].endpoint}
    params = {"uri": s3_chain["full"], "credentials": "%s;%s" % (s3_chain["moto"].access_key,
                                                                 s3_chain["moto"].secret_key)}
    query = ("CREATE DATABASE seeded TOPOLOGY 3 PRIMARIES OPTIONS {existingData: 'use', seedURI: $uri, "
             "seedConfig: 'region=%s', seedCredentials: $credentials}" % s3_chain["moto"].region)
    model.set_keystore("server1", False)
    error = fails(model, query, params)
    assert error.gql_status == "50N09"
    assert error.message == ("Failed to create database with seedCredentials: the required setting(s) "
                             "[dbms.security.keystore.path, dbms.security.keystore.password] are missing")
    assert "seeded" not in model.databases
    model.set_keystore("server1", True)
    model.set_keystore("server2", False)  # it cannot decrypt the credentials: its copy does not start
    sys(model, query, params)
    status = {r["address"]: r["currentStatus"] for r in rows(sys(model, "SHOW DATABASE seeded"))}
    assert status == {"127.0.0.1:7687": "online", "127.0.0.1:7688": "offline", "127.0.0.1:7689": "online"}


def test_remote_alias_needs_a_keystore():
    model = make_model()
    model.set_keystore("server1", False)
    error = fails(model, "CREATE ALIAS remote FOR DATABASE movies AT 'neo4j+s://db.example.com:7687' USER alice "
                         "PASSWORD 'secret'")
    assert error.gql_status == "50N09" and "dbms.security.keystore.path" in error.message
    model.set_keystore("server1", True)
    sys(model, "CREATE ALIAS remote FOR DATABASE movies AT 'neo4j+s://db.example.com:7687' USER alice PASSWORD "
               "'secret'")
    assert "remote" in model.aliases
