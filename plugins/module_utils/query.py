# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What neo4j_query does: run one Cypher statement in a managed transaction and report what it changed.

``routing: write`` runs the statement in a write transaction (on the leader of the database),
``routing: read`` in a read transaction (any member; the server refuses writes there).  A statement
changed something when its counters say it contains updates (data or system updates).

In check mode only read-routed statements run, since only there the server guarantees nothing is
written; a write-routed statement is skipped and reported as not changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .cypher import InvalidName, validate_alias_name, validate_database_name

ROUTING = ("write", "read")

CHECK_MODE_SKIP_MSG = ("Check mode: the query was not run because routing is 'write'; whether it would change "
                       "anything is unknown. Use routing: read for queries that only read, so they also run in "
                       "check mode.")


def changed_from_counters(counters):
    """Whether a statement wrote: data updates or system (administration) updates."""
    return bool(counters.get("contains_updates") or counters.get("contains_system_updates"))


def all_parameters(parameters, secret_parameters):
    """``parameters`` and ``secret_parameters`` as one dict; a name given in both is refused.

    The module declares ``secret_parameters`` no_log, so Ansible hides its values everywhere; here
    they are ordinary statement parameters.
    """
    both = sorted(set(parameters or {}) & set(secret_parameters or {}))
    if both:
        raise ValueError("parameters and secret_parameters both give %s; give each parameter in one of them."
                         % ", ".join("'%s'" % name for name in both))
    merged = dict(parameters or {})
    merged.update(secret_parameters or {})
    return merged


def validate_database(name, option="database"):
    """A statement's database: system, a database name or an alias name (Neo4j's naming rules, cypher.py).

    The driver sends it as a string, never as Cypher, but an illegal name can only end in "database does not
    exist"; refusing it here names the option."""
    if name is None or name.lower() == "system":
        return
    try:
        validate_database_name(name, option)
    except InvalidName:
        try:
            validate_alias_name(name, option)
        except InvalidName:
            raise ValueError("%s: %r is neither a database name nor an alias name (ASCII letters, digits, '_', '.' "
                             "and '-', an ASCII letter first)." % (option, name))


def validate(params):
    """Refuse a bad database name or a parameter given twice before connecting."""
    validate_database(params.get("database"))
    all_parameters(params.get("parameters"), params.get("secret_parameters"))


def run_query(client, query, parameters=None, database=None, routing="write", check_mode=False):
    """Run ``query`` and return the module result (without ``msg`` unless skipped)."""
    if routing not in ROUTING:
        raise ValueError("routing must be one of %s" % ", ".join(ROUTING))
    result = dict(changed=False, query=query, database=database, routing=routing, rows=[], row_count=0,
                  counters={}, notifications=[], skipped_in_check_mode=False)
    if check_mode and routing != "read":
        result.update(skipped_in_check_mode=True, msg=CHECK_MODE_SKIP_MSG)
        return result
    run = client.read if routing == "read" else client.write
    outcome = run(query, parameters or {}, database=database)
    result.update(rows=outcome.rows, row_count=len(outcome.rows), counters=outcome.counters,
                  notifications=outcome.notifications, changed=changed_from_counters(outcome.counters))
    return result
