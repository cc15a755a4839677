"""Neo4j errors as the simulator raises them.

Every failure the simulator reports travels as a :class:`Neo4jError`.  The Bolt layer turns it into a
FAILURE message carrying ``neo4j_code``, ``gql_status``, ``description`` and ``message`` (Bolt 5.7+) or
``code`` and ``message`` (older); the Arrow Flight layer maps it to a gRPC status.  Codes and GQL
statuses are Neo4j's own (see shared/reference/neo4j-operations.md section 7).
"""


class Neo4jError(Exception):
    """A failure with Neo4j's status code, GQL status and human message."""

    def __init__(self, code, message, gql_status="50N42", description=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.gql_status = gql_status
        self.description = description or "error: general processing exception - unexpected error. " + message

    @property
    def classification(self):
        """CLIENT_ERROR, TRANSIENT_ERROR or DATABASE_ERROR, from the code's second part."""
        kind = self.code.split(".")[1] if self.code.count(".") >= 3 else "DatabaseError"
        return {
            "ClientError": "CLIENT_ERROR",
            "TransientError": "TRANSIENT_ERROR",
        }.get(kind, "DATABASE_ERROR")

    def failure_metadata(self, gql_aware=True):
        """The FAILURE metadata map, in the shape of the negotiated Bolt version."""
        if not gql_aware:
            return {"code": self.code, "message": self.message}
        return {
            "neo4j_code": self.code,
            "message": self.message,
            "gql_status": self.gql_status,
            "description": self.description,
            "diagnostic_record": {
                "OPERATION": "",
                "OPERATION_CODE": "0",
                "CURRENT_SCHEMA": "/",
                "_classification": self.classification,
            },
        }


# Constructors for the errors the collection depends on.  Messages follow Neo4j's wording where known.

def syntax_error(message, gql_status="42001"):
    return Neo4jError(
        "Neo.ClientError.Statement.SyntaxError", message, gql_status,
        "error: syntax error or access rule violation - invalid syntax")


def unsupported(message):
    return Neo4jError(
        "Neo.ClientError.Statement.UnsupportedAdministrationCommand", message, "42001",
        "error: syntax error or access rule violation - unsupported administration command")


def parameter_missing(name):
    return Neo4jError(
        "Neo.ClientError.Statement.ParameterMissing", "Expected parameter(s): %s" % name, "42N51",
        "error: syntax error or access rule violation - invalid parameter. Invalid parameter $`%s`." % name)


def argument_error(message):
    return Neo4jError("Neo.ClientError.Statement.ArgumentError", message, "22N00",
                      "error: data exception - " + message)


def database_not_found(name, message=None):
    """``message`` replaces the session wording where Neo4j names the administration command that failed."""
    return Neo4jError(
        "Neo.ClientError.Database.DatabaseNotFound",
        message or "Database does not exist. Database name: '%s'." % name, "22N51",
        "error: data exception - graph reference not found. A graph reference with the name `%s` was not found."
        " Verify that the spelling is correct." % name)


def existing_database(message):
    return Neo4jError("Neo.ClientError.Database.ExistingDatabaseFound", message, "42N11",
                      "error: syntax error or access rule violation - graph reference already exists. " + message)


def not_a_leader(database="system"):
    return Neo4jError(
        "Neo.ClientError.Cluster.NotALeader",
        "No write operations are allowed directly on this database. Writes must pass through the leader. "
        "The role of this server is: FOLLOWER", "08N07",
        "error: connection exception - not the leader. This member is not the leader.")


def database_unavailable(name):
    return Neo4jError(
        "Neo.TransientError.General.DatabaseUnavailable",
        "Database '%s' is unavailable." % name, "08N09",
        "error: connection exception - database unavailable. The database `%s` is currently unavailable."
        " Check the database status. Retry your request at a later time." % name)


def unauthorized():
    return Neo4jError(
        "Neo.ClientError.Security.Unauthorized",
        "The client is unauthorized due to authentication failure.", "42NFF",
        "error: syntax error or access rule violation - permission/access denied."
        " Access denied, see the security logs for details.")


def forbidden(message):
    return Neo4jError("Neo.ClientError.Security.Forbidden", message, "42NFF",
                      "error: syntax error or access rule violation - permission/access denied. " + message)


def forbidden_on_read_only(name):
    return Neo4jError(
        "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
        "Writing to a read-only database is not allowed. Database '%s' is read-only." % name, "08N08",
        "error: connection exception - database is read-only. The database `%s` is in read-only mode." % name)


def invalid_request(message):
    # 08N11: "connection exception - request error. The request is invalid and could not be processed by the server."
    return Neo4jError("Neo.ClientError.Request.Invalid", message, "08N11",
                      "error: connection exception - request error. The request is invalid and could not be processed "
                      "by the server. See cause for further details.")


def invalid_server_state(message_name, state):
    """A message the Bolt server state machine does not accept now (08N10, invalid server state)."""
    return Neo4jError("Neo.ClientError.Request.Invalid",
                      "Message '%s' cannot be handled by a session in the %s state." % (message_name, state), "08N10",
                      "error: connection exception - invalid server state. Message `%s` cannot be handled by session "
                      "in the `%s` state." % (message_name, state))


def not_on_system(query):
    """A clause or procedure the system database does not run.  Neo4j's UnsupportedSystemCommand phase throws
    InvalidSemanticsException (status Neo.ClientError.Statement.SemanticError) with this legacy message, GQL
    42001 caused by 42N17 "`...` is not allowed on the system database" (docs-status-codes 42N17.adoc; 2025.x
    adds 42NA9 below it); FAILURE metadata carries the top-level status."""
    return Neo4jError(
        "Neo.ClientError.Statement.SemanticError",
        "Not a recognised system command or procedure. This Cypher command can only be executed in a user "
        "database: %s" % query.strip(), "42001",
        "error: syntax error or access rule violation - invalid syntax")
