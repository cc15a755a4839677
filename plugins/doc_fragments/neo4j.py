# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by every module; see plugins/module_utils/connection.py.
    DOCUMENTATION = r'''
options:
  uri:
    description:
      - Connection URI of the Neo4j server or cluster, for example V(neo4j://db1.example.com:7687).
      - Schemes C(neo4j), C(neo4j+s) and C(neo4j+ssc) route statements across a cluster (writes go to the leader);
        C(bolt), C(bolt+s) and C(bolt+ssc) talk to exactly one server.
      - C(+s) encrypts and verifies the server certificate; C(+ssc) encrypts and accepts any certificate.
      - If not set, the value of the E(NEO4J_URI) environment variable is used.
      - Mutually exclusive with O(host), O(bolt_port) and O(scheme).
      - When neither O(uri) nor O(host) is given, V(neo4j://localhost:7687) is used (or the first of O(endpoints)).
    type: str
  host:
    description:
      - Host name or address of the server, used with O(bolt_port) and O(scheme) instead of O(uri).
    type: str
  bolt_port:
    description:
      - Bolt port used with O(host). Defaults to V(7687).
    type: int
  scheme:
    description:
      - Scheme used with O(host). Defaults to V(neo4j).
    type: str
    choices: [neo4j, neo4j+s, neo4j+ssc, bolt, bolt+s, bolt+ssc]
  endpoints:
    description:
      - Several C(host:port) addresses of cluster members, for clusters without a load balancer.
        The driver tries them in turn to discover the cluster (its C(resolver)).
      - Needs a routing scheme (C(neo4j), C(neo4j+s) or C(neo4j+ssc)).
    type: list
    elements: str
  auth_type:
    description:
      - How to authenticate. V(basic) uses O(login_user) and O(login_password), V(bearer) uses O(token)
        (for example an SSO access token), V(none) sends no credentials.
    type: str
    choices: [basic, bearer, none]
    default: basic
  login_user:
    description:
      - User name for O(auth_type=basic).
      - If not set, the value of the E(NEO4J_USERNAME) environment variable is used.
      - Named as in community.postgresql and community.mysql, so that C(module_defaults) for the whole
        C(group/graphops.neo4j.neo4j) never fill the C(password) of a user being managed.
    type: str
    default: neo4j
    aliases: [login_username]
  login_password:
    description:
      - Password for O(auth_type=basic). Required for basic authentication.
      - If not set, the value of the E(NEO4J_PASSWORD) environment variable is used.
    type: str
  token:
    description:
      - Bearer token for O(auth_type=bearer).
      - If not set, the value of the E(NEO4J_TOKEN) environment variable is used.
    type: str
  trusted_ca_file:
    description:
      - PEM file with the certificate authorities that signed the server certificate, for C(+s) schemes.
        Without it, the system's trusted CAs are used.
    type: path
  validate_certs:
    description:
      - Verify the server certificate for C(+s) schemes. V(false) accepts any certificate, like the C(+ssc) schemes.
    type: bool
    default: true
  check_hostname:
    description:
      - Check that the server certificate names the host connected to, for C(+s) schemes.
      - Set to V(false) when members are reached by addresses their certificates do not list.
    type: bool
    default: true
  connection_timeout:
    description:
      - Seconds to wait for a TCP connection to a server.
      - Must be greater than V(0), like every timeout option of the collection; V(0) or less is refused before
        anything is sent.
    type: float
    default: 30
  retry_timeout:
    description:
      - Seconds during which transient failures (leader switch, database briefly unavailable, lost connection)
        are retried, counted from the first failure, before the task fails.
      - Must be greater than V(0), like every timeout option of the collection; V(0) or less is refused before
        anything is sent. A value below V(0.2) (the first pause between attempts) means a single attempt.
      - Failures that no retry fixes end the task at once, whatever this value says. One is a TLS failure; the message
        starts with C(TLS failed) and gives the cause, such as a certificate the trusted CAs do not cover or a
        host name the certificate does not list. The other is a statement sent to a database that was stopped
        (C(SHOW DATABASES) says C(requestedStatus) is V(offline)); the message names the database and how to start it.
      - Nothing listening is not retried either. When the first connection of a task is refused, or the host name does
        not resolve, at every address tried (the O(uri) or O(host), or every one of O(endpoints)), the task fails at once
        with each address and its cause (C(Connection refused), C(unknown host)). Once a server has answered, a refused
        connection is a member restarting, and it is retried like a leader switch. A timeout or a resolver that does
        not answer is retried.
    type: float
    default: 30
requirements:
  - neo4j (the Neo4j Python driver) >= 5.28
notes:
  - Set the connection options once per play with C(module_defaults) and the action group
    C(group/graphops.neo4j.neo4j), or through the environment variables E(NEO4J_URI), E(NEO4J_USERNAME),
    E(NEO4J_PASSWORD) and E(NEO4J_TOKEN) (for example from an AWX custom credential type).
  - Administration commands need Neo4j Enterprise Edition; the modules report a clear error on Community Edition.
'''
