"""Execution context, result type and helpers shared by the command modules."""

from dataclasses import dataclass, field

from .. import errors


@dataclass
class ExecContext:
    model: object
    member: str
    user: str
    database: str = None  # as the client named it (may be an alias); None = the user's home database
    mode: str = "w"  # "r" or "w", the access mode of the session/transaction


@dataclass
class Result:
    fields: list
    records: list
    stats: dict = field(default_factory=dict)
    type: str = "r"  # "r", "w", "rw" or "s"
    db: str = None
    waiter: object = None  # set by WAIT commands: called outside the model lock to produce the rows
    notifications: list = field(default_factory=list)  # simulator.notifications.Notification objects


def rows_result(fields, records, db, type_="r"):
    return Result(fields=list(fields), records=records, db=db.name, type=type_)


def system_result(db, updates=1):
    """An administration write: no rows; ``system-updates`` as Neo4j reports (testkit expects 1)."""
    stats = {"system-updates": updates} if updates else {}
    return Result(fields=[], records=[], stats=stats, type="s", db=db.name)


def system_only_error(command):
    # Neo4j: NotSystemDatabaseException, GQL 51N28.
    return errors.Neo4jError(
        "Neo.ClientError.Statement.NotSystemDatabaseError",
        "This is an administration command and it should be executed against the system database: %s" % command,
        "51N28",
        "error: system configuration or operation exception - not supported on this database. "
        "This command is only supported on the system database.")


def argument_error(message, gql="22N00", code="Neo.ClientError.Statement.ArgumentError"):
    return errors.Neo4jError(code, message, gql, "error: data exception - " + message)


def invalid_arguments(message, gql="22N04"):
    """Neo4j's kernel InvalidArgumentsException (option validation)."""
    return errors.Neo4jError("Neo.ClientError.General.InvalidArguments", message, gql,
                             "error: data exception - invalid input value. " + message)


def current_user(ctx):
    return ctx.model.users.get(ctx.user)
