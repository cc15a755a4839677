#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: neo4j_arrow_load
short_description: Create a Neo4j database from node and relationship files over GDS Arrow Flight
version_added: 0.1.0
description:
  - Streams node files, then relationship files, into a B(new) database through the Neo4j Graph Data Science
    Apache Arrow Flight server (protocol v1, C(CREATE_DATABASE)). This is the fastest way to build a database
    from tabular data without stopping the cluster, for example the green side of a blue/green deployment.
  - Sources are Parquet, CSV, Arrow IPC or Feather files, given as a file, a directory or a glob, on the
    controller or in S3 (C(s3://bucket/prefix)). Files are read in record batches, so memory use does not
    grow with the size of the input.
  - Any failure after the import started (unreadable file, column mismatch, lost connection, server error,
    timeout) sends C(ABORT) to the server, so no import process and no database is left behind.
  - An existing database of that name is left alone (C(changed=false)) unless O(replace=true). The name of an
    existing alias is refused before anything is changed, as M(graphops.neo4j.neo4j_database) does.
  - The Bolt connection (see the connection options) is used to check whether the database exists, to
    find the Arrow endpoint (C(CALL gds.debug.arrow()) on the GDS member) when O(arrow_host) is not set, to drop
    the database for O(replace), to register the new database or set its O(topology) when the import did not,
    and to wait until it is online on every member that hosts it.
  - Arrow Flight authenticates with the same O(login_user) and O(login_password) as Bolt (basic authentication);
    expired Arrow tokens are renewed transparently.
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - graphops.neo4j.progress
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: full
    details: Predicts what a real run does. It reads over Bolt (read-only) whether the database or an alias of
      that name exists. An existing database with O(replace=false) is reported unchanged, as a real run leaves it
      alone; otherwise every source is read and validated (files, columns, id types, null and duplicate ids,
      relationships to unknown nodes where the node ids fit in memory) and the counts it would load are reported
      with C(changed=true). When the server cannot be reached at all, the files are still validated, the result
      has RV(database_exists=null) and a warning says that the prediction assumed the database does not exist.
  diff_mode:
    support: none
    details: A new database has no meaningful diff; the counts are in the result.
options:
  database:
    description:
      - Name of the database to create. Neo4j database naming rules apply; names are case-insensitive.
    type: str
    required: true
    aliases: [name]
  nodes:
    description:
      - Node sources. Every node id must be unique across all node sources.
    type: list
    elements: dict
    required: true
    suboptions: &source_options
      path:
        description:
          - A file, a directory (all files of O(nodes[].format) below it, hidden and C(_) files skipped) or a
            glob. Local paths are read on the host the task runs on.
          - In a glob, C(*), C(?) and C([...]) match within one folder, as in a shell (C(nodes/*.parquet) does not
            read C(nodes/old/x.parquet)); a path segment C(**) matches any number of folders, none included
            (C(nodes/**/*.parquet)). Wildcards skip names starting with C(.) or C(_) unless the pattern names them.
            The same rules apply to C(s3://) paths.
          - C(s3://bucket/key) reads from S3 with the usual AWS credential chain (environment variables,
            profile, instance role); see O(s3).
        type: str
        required: true
      format:
        description:
          - File format. Inferred from the file extension (C(.parquet), C(.pq), C(.csv), C(.csv.gz), C(.arrow),
            C(.ipc), C(.feather)) when not set.
        type: str
        choices: [parquet, csv, arrow, feather]
      delimiter:
        description:
          - Field delimiter for CSV files.
        type: str
        default: ","
      id_column:
        description:
          - Node sources only. Column holding the node id. Defaults to C(nodeId).
        type: str
      label:
        description:
          - Node sources only. Label(s) every node of this source gets (sent as GDS C(common_labels)).
        type: list
        elements: str
      label_column:
        description:
          - Node sources only. Column holding a label (string) or labels (list of strings) per node.
          - When neither O(nodes[].label) nor this is set and the file has a C(labels) column, that column is used.
        type: str
      source_column:
        description:
          - Relationship sources only. Column holding the start node id. Defaults to C(sourceNodeId).
        type: str
      target_column:
        description:
          - Relationship sources only. Column holding the end node id. Defaults to C(targetNodeId).
        type: str
      type:
        description:
          - Relationship sources only. Relationship type of every row of this source.
        type: str
      type_column:
        description:
          - Relationship sources only. Column holding the relationship type per row.
          - When neither O(relationships[].type) nor this is set, a C(relationshipType) column is required.
        type: str
      properties:
        description:
          - Which other columns become properties. A list of column names, or a mapping of column name to
            property name (to rename). By default every column that is not an id, label or type column.
          - Use an empty list for no properties.
        type: raw
  relationships:
    description:
      - Relationship sources. Every start and end id must be the id of a node from O(nodes).
    type: list
    elements: dict
    default: []
    suboptions: *source_options
  id_type:
    description:
      - Type of the node ids. V(integer) ids are sent as 64-bit integers (CSV and string columns are converted);
        V(string) ids as UTF-8 strings. The original id is kept in the node property C(__originalId__) by GDS.
    type: str
    choices: [integer, string]
    default: integer
  batch_size:
    description:
      - Maximum number of rows per Arrow record batch.
    type: int
    default: 100000
  concurrency:
    description:
      - Number of parallel Arrow Flight put streams.
    type: int
    default: 4
  server_concurrency:
    description:
      - Threads the server uses to build the database (C(concurrency) of C(CREATE_DATABASE)). Server default
        when not set.
    type: int
  id_property:
    description:
      - Node property in which GDS stores the original id of every node. Server default (C(__originalId__)) when
        not set.
    type: str
  db_format:
    description:
      - Store format of the new database. Server default (C(db.db_format)) when not set.
    type: str
    choices: [standard, aligned, high_limit, block]
  high_io:
    description:
      - Tell the server that its storage handles parallel, high-throughput IO (GDS C(high_io)).
    type: bool
    default: false
  replace:
    description:
      - Drop an existing database of that name (C(DROP DATABASE ... DESTROY DATA)) before loading, and ask the
        server to remove leftover store files (C(force)). Without it an existing database is left alone.
      - The old database is gone even if the new load then fails.
    type: bool
    default: false
  topology:
    description:
      - Number of primaries and secondaries the new database gets, as C(CREATE DATABASE ... TOPOLOGY) and
        M(graphops.neo4j.neo4j_database) take them. Without it the database gets the cluster's default topology
        (C(CALL dbms.showTopologyGraphConfig())).
      - Checked against the enabled servers (and their mode constraints) before anything is sent.
      - What a GDS Arrow import leaves in a cluster is not documented, so after the import the module looks. A
        database that is not registered is created from the store files on the GDS server (C(CREATE DATABASE)
        with the options C(existingData) and C(existingDataSeedServer)); one registered on another topology, or
        only on the GDS server, gets C(ALTER DATABASE ... SET TOPOLOGY). See RV(placement).
    type: dict
    suboptions:
      primaries:
        description:
          - Number of primaries, 1 to 11.
        type: int
        required: true
      secondaries:
        description:
          - Number of secondaries, 0 to 20. A GDS server in a cluster hosts only secondaries.
        type: int
        default: 0
  wait:
    description:
      - Wait until the new database is online on every member that hosts it.
      - If it fails to come online within O(wait_timeout), it is dropped again and the task fails.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the database to come online when O(wait=true). Must be greater than V(0).
    type: float
    default: 300
  timeout:
    description:
      - Seconds the whole import may take, from connecting to the Arrow server (dropping the old database for
        O(replace) included) to C(RELATIONSHIP_LOAD_DONE); every Arrow call gets what is left. On expiry the
        import is aborted. Must be greater than V(0).
      - The default suits imports of up to a few hundred million rows; raise it for bigger loads (and run the
        task with C(async)).
    type: float
    default: 3600
  arrow_host:
    description:
      - Host of the GDS Arrow Flight server. When not set, the module finds the member with GDS (in a cluster a
        Secondary server, as the GDS manual says) and asks it with C(CALL gds.debug.arrow()) over a direct C(bolt)
        connection to each member's Bolt address from C(SHOW SERVERS), SECONDARY-constrained members first, on a
        user database the member hosts (the way the GDS clients call it; it is not a system procedure). Its
        C(listenAddress) is used; a wildcard address is replaced by that member's Bolt host.
      - The GDS server must therefore host a user database (a copy of the databases it analyses); otherwise set
        O(arrow_host) and O(arrow_port).
    type: str
  arrow_port:
    description:
      - Port of the GDS Arrow Flight server, used with O(arrow_host).
    type: int
    default: 8491
  arrow_tls:
    description:
      - Connect to the Arrow server with TLS (C(grpc+tls)). Needed when the server has C(dbms.ssl.policy.https)
        or C(dbms.ssl.policy.bolt) configured and C(gds.arrow.encryption.never) is not set.
      - The certificate chain is verified against O(arrow_ca_file) (or the system CAs) unless
        O(validate_certs=false); its name is compared with the host connected to unless O(check_hostname=false),
        which still verifies the chain (the name gRPC checks is then one the certificate holds).
      - A failed handshake is reported with its cause (certificate not trusted, hostname mismatch, server not
        speaking TLS, client not using TLS), found with a TLS handshake from Python's C(ssl) before gRPC connects.
    type: bool
    default: false
  arrow_ca_file:
    description:
      - PEM file with the CA certificates for O(arrow_tls). Defaults to O(trusted_ca_file).
    type: path
  s3:
    description:
      - Settings for C(s3://) sources. Without them, the AWS SDK defaults apply (environment variables such as
        E(AWS_ACCESS_KEY_ID), E(AWS_REGION), E(AWS_ENDPOINT_URL), shared config and instance roles).
    type: dict
    suboptions:
      endpoint_url:
        description:
          - S3 endpoint, for S3-compatible stores such as MinIO, for example V(http://minio.example.com:9000).
        type: str
      region:
        description:
          - Bucket region.
        type: str
      access_key:
        description:
          - Access key id.
        type: str
      secret_key:
        description:
          - Secret access key.
        type: str
      session_token:
        description:
          - Session token for temporary credentials.
        type: str
      anonymous:
        description:
          - Read public buckets without credentials.
        type: bool
        default: false
requirements:
  - pyarrow >= 14 (with S3 support for C(s3://) sources)
  - neo4j (the Neo4j Python driver) >= 5.28
  - Neo4j Enterprise Edition with the Graph Data Science Enterprise plugin and C(gds.arrow.enabled=true)
notes:
  - The GDS Arrow server imports into a B(new) database; it cannot add data to an existing one.
  - Node ids must be unique across all node sources; GDS' behaviour with duplicate ids is undefined, so check
    mode reports them (when there are at most ten million nodes).
  - An import that receives nothing for C(gds.arrow.abortion_timeout) (10 minutes by default) is aborted by the
    server.
  - Works with C(async)/C(poll) for long loads.
seealso:
  - name: GDS Apache Arrow projection and database import
    description: The protocol this module speaks.
    link: https://neo4j.com/docs/graph-data-science/current/management-ops/graph-creation/graph-project-apache-arrow/
  - module: graphops.neo4j.neo4j_database
'''

EXAMPLES = r'''
- name: Load people and their friendships from Parquet into a new database
  graphops.neo4j.neo4j_arrow_load:
    uri: neo4j://db1.example.com:7687
    login_user: neo4j
    login_password: "{{ vault_neo4j_password }}"
    database: people-20250101
    nodes:
      - path: /data/export/persons/
        label: Person
        id_column: person_id
        properties: {name: name, born_year: born}
    relationships:
      - path: /data/export/knows/*.parquet
        type: KNOWS
        source_column: from_id
        target_column: to_id
    concurrency: 8

- name: Rebuild a database from S3 files with labels and types in columns
  graphops.neo4j.neo4j_arrow_load:
    database: catalog
    replace: true
    id_type: string
    arrow_host: gds1.example.com
    arrow_tls: true
    nodes:
      - path: s3://exports/catalog/nodes/
        id_column: sku
        label_column: kinds
    relationships:
      - path: s3://exports/catalog/edges/
        source_column: a
        target_column: b
        type_column: rel
    s3:
      region: eu-west-1
    timeout: 3600
  async: 7200
  poll: 30

- name: Validate the files and predict the load without changing anything
  graphops.neo4j.neo4j_arrow_load:
    database: people-20250101
    nodes: [{path: /data/export/persons/, label: Person, id_column: person_id}]
    relationships: [{path: /data/export/knows/, type: KNOWS, source_column: from_id, target_column: to_id}]
  check_mode: true
'''

RETURN = r'''
database:
  description: Name of the database (lower case, as Neo4j stores it).
  returned: always
  type: str
  sample: people-20250101
node_count:
  description: Nodes the server imported (in check mode, nodes found in the files; for an existing database
    left alone, 0).
  returned: always
  type: int
  sample: 1000000
relationship_count:
  description: Relationships the server imported (in check mode, relationships found in the files).
  returned: always
  type: int
  sample: 5000000
bytes_sent:
  description: Size of the Arrow record batches sent.
  returned: always
  type: int
  sample: 120000000
seconds:
  description: Time the import took, from C(CREATE_DATABASE) to C(RELATIONSHIP_LOAD_DONE) (waiting excluded).
  returned: always
  type: float
  sample: 12.5
rows_per_second:
  description: Nodes plus relationships sent per second.
  returned: always
  type: float
  sample: 480000.0
replaced:
  description: Whether an existing database was dropped first (in check mode, whether it would be).
  returned: always
  type: bool
placement:
  description: What the module did after the import so that the database is registered and on its topology (empty
    when the import left it so).
  returned: when the import ran
  type: list
  elements: str
  sample: ["created from the store files the import left on server4", "topology set to 3 primaries, 1 secondaries"]
database_exists:
  description: Whether the database existed when the task started; V(null) in check mode when the server could
    not be reached.
  returned: success
  type: bool
arrow_address:
  description: The Arrow Flight endpoint used (C(host:port)).
  returned: when the import ran
  type: str
  sample: gds1.example.com:8491
files:
  description: Number of node and relationship files read.
  returned: always
  type: dict
  sample: {nodes: 4, relationships: 12}
aborted:
  description: On failure after the import started, what the C(ABORT) did (C(aborted), C(no import running),
    or why it failed).
  returned: on failure
  type: str
'''

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.graphops.neo4j.plugins.module_utils import arrow, progress
from ansible_collections.graphops.neo4j.plugins.module_utils.arrow_load import (
    LoadError, check, check_params, load, open_all)
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import (
    Neo4jModuleError, ensure_driver, neo4j_module)

SOURCE_OPTIONS = dict(
    path=dict(type="str", required=True),
    format=dict(type="str", choices=["parquet", "csv", "arrow", "feather"]),
    delimiter=dict(type="str", default=","),
    id_column=dict(type="str"),
    label=dict(type="list", elements="str"),
    label_column=dict(type="str"),
    source_column=dict(type="str"),
    target_column=dict(type="str"),
    type=dict(type="str"),
    type_column=dict(type="str"),
    properties=dict(type="raw"),
)


def options():
    """The module's own options (the connection options come from neo4j_module)."""
    return dict(
        database=dict(type="str", required=True, aliases=["name"]),
        nodes=dict(type="list", elements="dict", required=True, options=SOURCE_OPTIONS),
        relationships=dict(type="list", elements="dict", default=[], options=SOURCE_OPTIONS),
        id_type=dict(type="str", default="integer", choices=["integer", "string"]),
        batch_size=dict(type="int", default=100000),
        concurrency=dict(type="int", default=4),
        server_concurrency=dict(type="int"),
        id_property=dict(type="str"),
        db_format=dict(type="str", choices=["standard", "aligned", "high_limit", "block"]),
        high_io=dict(type="bool", default=False),
        replace=dict(type="bool", default=False),
        topology=dict(type="dict", options=dict(
            primaries=dict(type="int", required=True),
            secondaries=dict(type="int", default=0),
        )),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="float", default=300.0),
        timeout=dict(type="float", default=3600.0),
        progress_interval=dict(type="float", default=progress.DEFAULT_INTERVAL),
        arrow_host=dict(type="str"),
        arrow_port=dict(type="int", default=arrow.DEFAULT_ARROW_PORT),
        arrow_tls=dict(type="bool", default=False),
        arrow_ca_file=dict(type="path"),
        s3=dict(type="dict", options=dict(
            endpoint_url=dict(type="str"),
            region=dict(type="str"),
            access_key=dict(type="str", no_log=True),
            secret_key=dict(type="str", no_log=True),
            session_token=dict(type="str", no_log=True),
            anonymous=dict(type="bool", default=False),
        )),
    )


def main():
    # Not run_module: check mode validates the files without the driver or a connection, and a
    # LoadError carries the partial result of a load that failed half way.
    module = neo4j_module(options())
    if not arrow.HAS_PYARROW:
        module.fail_json(msg=missing_required_lib("pyarrow"), exception=arrow.PYARROW_IMPORT_ERROR)
    params = module.params
    try:
        name = check_params(params)
        nodes, rels = open_all(params)
        ensure_driver(module)
        if module.check_mode:
            result = check(params, name, nodes, rels)
        else:
            result = load(params, name, nodes, rels, reporter=progress.reporter())
    except LoadError as exc:
        module.fail_json(msg=exc.msg, **exc.extra)
    except Neo4jModuleError as exc:
        module.fail_json(**exc.as_fail_kwargs())
    except Exception as exc:  # report anything unexpected with its traceback instead of a bare crash
        module.fail_json(msg="Unexpected error: %s: %s" % (type(exc).__name__, exc), exception=traceback.format_exc())
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
