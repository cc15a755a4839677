"""Notifications and GQL status objects, as they travel in the SUCCESS that ends a result.

A statement's result may carry :class:`Notification` objects (``Result.notifications``).  The Bolt layer
sends them in the shape of the negotiated version (``summary_metadata``): Bolt 5.6+ puts every GQL status
object in ``statuses``, the outcome first (``00000`` success, ``02000`` no data, ``00001`` omitted
result) and the notifications after it; older versions send only the notifications, in ``notifications``
(docs-bolt message.adoc, "Server response SUCCESS" of PULL/DISCARD).  The status keys are the ones the
drivers read (neo4j-python-driver ``_work/summary.py`` ``GqlStatusObject``; testkit
``tests/stub/summary/scripts/v5x6/*.script``).

The WAIT notifications of Cypher 25 (2025.06+) are Neo4j's own: docs-status-codes ``notifications/
all-notifications.adoc``, "Server has caught up / failed / is still catching up / is not available during
WAIT command".  Servers are named as in those examples, ``ServerId{<first 8 hex digits of the id>}``.
"""

from dataclasses import dataclass, field

OUTCOMES = {
    "00000": "note: successful completion",
    "00001": "note: successful completion - omitted result",
    "02000": "note: no data",
}


@dataclass
class Notification:
    gql_status: str
    neo4j_code: str
    title: str
    description: str  # the Neo4j-code description
    status_description: str  # the GQL status description
    severity: str  # INFORMATION | WARNING
    classification: str  # e.g. TOPOLOGY
    parameters: dict = field(default_factory=dict)

    def status(self):
        """The GQL status object (Bolt 5.6+)."""
        return {
            "gql_status": self.gql_status,
            "status_description": self.status_description,
            "neo4j_code": self.neo4j_code,
            "title": self.title,
            "description": self.description,
            "diagnostic_record": {
                "OPERATION": "",
                "OPERATION_CODE": "0",
                "CURRENT_SCHEMA": "/",
                "_status_parameters": dict(self.parameters),
                "_severity": self.severity,
                "_classification": self.classification,
            },
        }

    def legacy(self):
        """The notification map of Bolt 5.0-5.4."""
        return {"code": self.neo4j_code, "title": self.title, "description": self.description,
                "severity": self.severity, "category": self.classification}


def _precedence(status):
    """GQL order: no data, then warnings, then success, then informational (driver summary.py)."""
    return {"02": 3, "01": 2, "00": 1, "03": 0}.get(status["gql_status"][:2], -1)


def summary_metadata(notifications, has_fields, had_records, bolt_version):
    """The ``statuses`` (5.6+) or ``notifications`` entry of a final PULL/DISCARD SUCCESS."""
    notifications = list(notifications or [])
    if bolt_version >= (5, 6):
        outcome = "00001" if not has_fields else ("00000" if had_records else "02000")
        statuses = [{"gql_status": outcome, "status_description": OUTCOMES[outcome]}]
        statuses += [n.status() for n in notifications]
        return {"statuses": sorted(statuses, key=_precedence, reverse=True)}
    if notifications:
        return {"notifications": [n.legacy() for n in notifications]}
    return {}


# ----- WAIT in Cypher 25 --------------------------------------------------------------------------

def server_label(server_id):
    return "ServerId{%s}" % str(server_id).replace("-", "")[:8]


def _where(server_id, address):
    return "Server `%s` at address `%s`" % (server_label(server_id), address)


def server_caught_up(server_id, address):
    where = _where(server_id, address)
    return Notification("03N85", "Neo.ClientNotification.Cluster.ServerCaughtUp", "Server has caught up.",
                        "%s has caught up." % where, "info: server has caught up. %s has caught up." % where,
                        "INFORMATION", "TOPOLOGY", {"server": server_label(server_id), "serverAddress": address})


def server_failed(server_id, address, message):
    where = _where(server_id, address)
    return Notification("01N80", "Neo.ClientNotification.Cluster.ServerFailed", "Server failed.",
                        "%s failed: %s" % (where, message), "warn: server failed. %s failed: %s" % (where, message),
                        "WARNING", "TOPOLOGY",
                        {"server": server_label(server_id), "serverAddress": address, "msg": message})


def server_catching_up(server_id, address):
    where = _where(server_id, address)
    return Notification("01N81", "Neo.ClientNotification.Cluster.ServerCatchingUp", "Server is still catching up.",
                        "%s is still catching up." % where,
                        "warn: server is catching up. %s is still catching up." % where,
                        "WARNING", "TOPOLOGY", {"server": server_label(server_id), "serverAddress": address})


def server_not_available(server_id, address):
    # The table's template reads "Server `(%s)` is not available."; both worked examples name the address
    # too, as the other three do, so the examples are followed.
    where = _where(server_id, address)
    return Notification("01N82", "Neo.ClientNotification.Cluster.ServerNotAvailable", "Server is not available.",
                        "%s is not available." % where,
                        "warn: server is not available. %s is not available." % where,
                        "WARNING", "TOPOLOGY", {"server": server_label(server_id), "serverAddress": address})
