"""model.query_log(): the statements as Neo4j's query log shows them (passwords obfuscated; simulator/query_log.py)."""

from simulator.model import ClusterModel


def _logged(model, query, parameters=None):
    model.log_statement("server1", "system", query, parameters or {}, "neo4j")
    return model.query_log()[-1]


def test_passwords_are_obfuscated_in_the_query_and_its_parameters():
    model = ClusterModel()
    entry = _logged(model, "CREATE USER $name SET PASSWORD $password CHANGE NOT REQUIRED",
                    {"name": "bob", "password": "s3cret-pw"})
    assert entry.parameters == {"name": "bob", "password": "********"}
    entry = _logged(model, "CREATE USER bob SET PLAINTEXT PASSWORD 's3cret-pw' CHANGE REQUIRED")
    assert entry.query == "CREATE USER bob SET PLAINTEXT PASSWORD '********' CHANGE REQUIRED"
    entry = _logged(model, "ALTER CURRENT USER SET PASSWORD FROM 'old-pw' TO $new", {"new": "new-pw"})
    assert entry.query == "ALTER CURRENT USER SET PASSWORD FROM '********' TO $new"
    assert entry.parameters == {"new": "********"}
    entry = _logged(model, "CREATE ALIAS a FOR DATABASE b AT $url USER $user PASSWORD $password",
                    {"url": "neo4j+s://x:7687", "user": "u", "password": "remote-pw"})
    assert entry.parameters == {"url": "neo4j+s://x:7687", "user": "u", "password": "********"}
    # The wire capture keeps what was received.
    assert model.statements[0].parameters["password"] == "s3cret-pw"


def test_seed_credentials_follow_the_switch_and_literals_the_setting():
    model = ClusterModel()
    query = "CREATE DATABASE db OPTIONS {seedURI: $uri, seedCredentials: $creds}"
    params = {"uri": "s3://bucket/db.backup", "creds": "AKIA;secret"}
    assert _logged(model, query, params).parameters == params  # "logged" (default): as any other option
    model.query_log_seed_credentials = "obfuscated"
    assert _logged(model, query, params).parameters == {"uri": "s3://bucket/db.backup", "creds": "********"}
    model.log_statement("server1", "neo4j", "MATCH (n {name: 'Alice'}) RETURN n", {"p": 1}, "neo4j")
    entry = model.query_log(obfuscate_literals=True, parameter_logging=False)[-1]
    assert entry.query == "MATCH (n {name: ******}) RETURN n" and entry.parameters == {}
