"""The simulator's Cypher executor: parse a statement and run it against the shared ClusterModel.

Contract (see the team brief)::

    from simulator.cypher import ExecContext, Result, Transaction, begin, run, commit, rollback, execute

Every failure is an :class:`errors.Neo4jError` with Neo4j's code, GQL status and message.  Before a
statement runs, the executor checks what a Neo4j member checks: the session database exists and is online
on this member, administration commands run against ``system``, writes go to the member that leads the
database (else ``NotALeader``), read-only databases refuse writes, and the user holds the needed role.

Explicit transactions are read-committed, as Neo4j's are: each statement sees the latest committed state
plus the transaction's own earlier writes (replayed on a private copy of the model); ``commit`` replays
the writes on the real model atomically, ``rollback`` drops them.  A write to a name (database or alias)
takes that name's lock until commit or rollback (``simulator.locks``), so a second writer waits, and a
cycle of waiters ends in ``DeadlockDetected``.  Statement types may not be mixed in one transaction
(administration commands with queries: 25N01).  A statement with ``WAIT`` first commits the
transaction, as Neo4j documents (operations manual, "WAIT options").
"""

import copy
from dataclasses import dataclass, field

from .. import errors
from ..locks import name_taken
from .. import privileges, servers
from . import (commands_aliases, commands_databases, commands_privileges, commands_security, commands_servers,
               commands_settings, language,
               procedures, reads)
from .context import ExecContext, Result, system_only_error
from .parser import parse

__all__ = ["ExecContext", "Result", "Transaction", "begin", "run", "commit", "rollback", "execute"]


@dataclass
class Transaction:
    ctx: ExecContext
    db: str  # the resolved database name the transaction is bound to
    pending: list = field(default_factory=list)  # callables(model) replayed at commit
    open: bool = True
    statement_type: str = None  # "administration command" or "query", fixed by the first statement
    statements: int = 0
    queries: list = field(default_factory=list)  # the statements run, for fault hooks
    alias: str = None  # the alias the transaction was opened through, if any
    database_id: str = None  # the id of the database it resolved to at BEGIN


# kind -> (handler, class); class is "admin_read", "admin_write", "read", "write" or "any"
HANDLERS = {
    "show_databases": (commands_databases.show_databases, "admin_read"),
    "show_servers": (commands_databases.show_servers, "admin_read"),
    "enable_server": (commands_servers.enable_server, "admin_write"),
    "alter_server": (commands_servers.alter_server, "admin_write"),
    "rename_server": (commands_servers.rename_server, "admin_write"),
    "drop_server": (commands_servers.drop_server, "admin_write"),
    "deallocate_databases": (commands_servers.deallocate_databases, "admin_write"),
    "reallocate_databases": (commands_servers.reallocate_databases, "admin_write"),
    "create_database": (commands_databases.create_database, "admin_write"),
    "drop_database": (commands_databases.drop_database, "admin_write"),
    "alter_database": (commands_databases.alter_database, "admin_write"),
    "start_database": (commands_databases.start_database, "admin_write"),
    "stop_database": (commands_databases.stop_database, "admin_write"),
    "show_aliases": (commands_aliases.show_aliases, "admin_read"),
    "create_alias": (commands_aliases.create_alias, "admin_write"),
    "alter_alias": (commands_aliases.alter_alias, "admin_write"),
    "drop_alias": (commands_aliases.drop_alias, "admin_write"),
    "show_users": (commands_security.show_users, "admin_read"),
    "show_current_user": (commands_security.show_current_user, "admin_read"),
    "show_roles": (commands_security.show_roles, "admin_read"),
    "create_user": (commands_security.create_user, "admin_write"),
    "alter_user": (commands_security.alter_user, "admin_write"),
    "drop_user": (commands_security.drop_user, "admin_write"),
    "create_role": (commands_security.create_role, "admin_write"),
    "drop_role": (commands_security.drop_role, "admin_write"),
    "grant_role": (commands_security.grant_role, "admin_write"),
    "revoke_role": (commands_security.revoke_role, "admin_write"),
    "show_privileges": (commands_privileges.show_privileges, "admin_read"),
    "grant_privilege": (commands_privileges.grant_privilege, "admin_write"),
    "deny_privilege": (commands_privileges.deny_privilege, "admin_write"),
    "revoke_privilege": (commands_privileges.revoke_privilege, "admin_write"),
    "show_settings": (commands_settings.show_settings, "any"),
    "return": (reads.return_only, "any"),
    "call": (procedures.call, "procedure"),
    "match_return": (reads.match_return, "read"),
    "create_graph": (reads.create_graph, "write"),
    "match_delete": (reads.match_delete, "write"),
}

# Commands any authenticated user may run (Neo4j: SHOW DATABASES is filtered by ACCESS, not refused).
OPEN_TO_ALL = {"show_databases", "show_current_user"}


# ----- session database ---------------------------------------------------------------------------

def resolve(ctx):
    """The Database the session uses, or DatabaseNotFound."""
    model = ctx.model
    name = ctx.database if ctx.database is not None else model.home_database(ctx.user)
    db = model.resolve(name)
    if db is None:
        raise errors.database_not_found(name.lower() if name else name)
    return db


def check_available(ctx, db):
    """The database must be online on this member (system is wherever the member is up)."""
    model = ctx.model
    server = model.servers.get(ctx.member)
    if server is None or not server.available:
        raise errors.database_unavailable(db.name)
    alloc = db.allocations.get(ctx.member)
    if alloc is None or alloc.current() != "online":
        raise errors.database_unavailable(db.name)


def check_write(ctx, db):
    if ctx.mode == "r":
        raise errors.Neo4jError(
            "Neo.ClientError.Statement.AccessMode",
            "Writing in read access mode not allowed. Attempted write to internal graph 0 (%s)" % db.name, "42N02",
            "error: syntax error or access rule violation - writing in read access mode. "
            "Writing in read access mode not allowed.")
    if db.writer != ctx.member:
        raise errors.not_a_leader(db.name)


# The privilege each administration command needs (dbms-administration.adoc; START and STOP are database
# privileges on the database they name, database-administration.adoc).
REQUIRED = {
    "show_users": "show_user", "create_user": "create_user", "alter_user": "alter_user", "drop_user": "drop_user",
    "show_roles": "show_role", "create_role": "create_role", "drop_role": "drop_role",
    "grant_role": "assign_role", "revoke_role": "remove_role",
    "show_privileges": "show_privilege", "grant_privilege": "assign_privilege",
    "deny_privilege": "assign_privilege", "revoke_privilege": "remove_privilege",
    "create_database": "create_database", "drop_database": "drop_database", "alter_database": "alter_database",
    "start_database": "start_database", "stop_database": "stop_database",
    "show_aliases": "show_alias", "create_alias": "create_alias", "alter_alias": "alter_alias",
    "drop_alias": "drop_alias", "show_servers": "show_servers", "enable_server": "show_servers",
    # SERVER MANAGEMENT (5.23+) is not modelled apart from show_servers; admin holds both through ALL.
    "alter_server": "show_servers", "rename_server": "show_servers", "drop_server": "show_servers",
    "deallocate_databases": "show_servers", "reallocate_databases": "show_servers",
    "call": "execute_admin",
}


def require_privilege(ctx, cmd):
    """Refuse an administration command the user holds no privilege for (a GRANT and no DENY)."""
    model = ctx.model
    user = model.users.get(ctx.user)
    action = REQUIRED.get(cmd.kind, "dbms_actions")
    database = None
    if action in ("start_database", "stop_database"):
        target = model.resolve(cmd.name)
        database = target.name if target is not None else cmd.name.lower()
    if cmd.kind == "show_privileges" and cmd.scope == "user" and list(cmd.names) in ([], [ctx.user]):
        return  # "The same command can be used at all times to review available privileges for the current user"
    if not privileges.allows(model, user, action, database):
        # Neo4j's wording (community/security tests: "Permission denied for CREATE DATABASE. Try ...").
        raise errors.forbidden(
            "Permission denied for %s. Try executing SHOW USER PRIVILEGES to determine the missing or denied "
            "privileges. In case of missing privileges, they need to be granted (See GRANT). In case of denied "
            "privileges, they need to be revoked (See REVOKE) and granted." % cmd.text)


def check_access(ctx, db):
    """The ACCESS privilege, checked when a transaction starts on a database (system always allows it: Neo4j's
    ``authorize`` grants access to system to every user).  Message as Neo4j's security tests expect it."""
    if db.name == "system":
        return
    model = ctx.model
    user = model.users.get(ctx.user)
    if user is None:
        return  # auth disabled: the simulator's anonymous user may do anything
    if not privileges.allows(model, user, "access", db.name):
        raise errors.forbidden("Database access is not allowed for user '%s' with roles %s."
                               % (ctx.user, privileges.roles_text(user)))


# ----- running ------------------------------------------------------------------------------------

def _shadow(model):
    shadow = copy.copy(model)
    # servers too: a server command (ALTER, DROP, DEALLOCATE SERVER ...) in an explicit transaction runs once on this
    # copy and once more on the model at commit.
    for name in ("databases", "aliases", "users", "roles", "dumps", "privileges", "servers"):
        setattr(shadow, name, copy.deepcopy(getattr(model, name)))
    return shadow


def _view(tx, writes):
    """What a statement of ``tx`` sees: the committed model, plus the transaction's own writes (on a
    private copy whenever there are any, or the statement is about to write)."""
    model = tx.ctx.model
    if not tx.pending and not writes:
        return model
    view = _shadow(model)
    for apply in tx.pending:
        apply(view)
    return view


# Commands that write a name's node in the system graph, and so lock it until the transaction ends.
NAME_WRITES = {"create_database", "drop_database", "alter_database", "start_database", "stop_database",
               "create_alias", "alter_alias", "drop_alias"}
SECURITY_WRITES = {"create_user": "user", "alter_user": "user", "drop_user": "user",
                   "create_role": "role", "drop_role": "role"}


def lock_keys(cmd):
    """The locks a command takes: its name, and the target an alias is pointed at (a new TARGETS
    relationship locks both end nodes)."""
    if cmd.kind in NAME_WRITES:
        keys = [("name", cmd.name.lower())]
        target = getattr(cmd, "target", None)
        if cmd.kind in ("create_alias", "alter_alias") and target and getattr(cmd, "url", None) is None:
            keys.append(("name", target.lower()))
        return keys
    if cmd.kind in SECURITY_WRITES:
        return [(SECURITY_WRITES[cmd.kind], cmd.name)]
    if cmd.kind in ("grant_privilege", "deny_privilege", "revoke_privilege"):
        return [("role", role) for role in sorted(set(cmd.roles))]
    return []


def _statement_type(cmd, klass):
    """Neo4j's statement type for the 25N01 rule: a procedure call is a query (the router types only
    administration commands as "Administration command").  A bare RETURN counts as neither: the simulator
    does not know how Neo4j types it on ``system``, so it never makes a transaction fail."""
    if cmd.kind == "call":
        return "query"
    if klass == "any":
        return None
    return "administration command" if klass.startswith("admin") else "query"


def mixed_statement_types(query):
    return errors.Neo4jError(
        "Neo.ClientError.Transaction.ForbiddenDueToTransactionType",
        "Failed to execute the query `%s` due to conflicting statement types (read query, write query, schema "
        "modification, or administration command). To execute queries in the same transaction, they must be "
        "either of the same type, or be a combination of schema modifications and read commands." % query.strip(),
        "25N01",
        "error: invalid transaction state - invalid combination of statement types. Failed to execute the query "
        "`%s` due to conflicting statement types (read query, write query, schema modification, or "
        "administration command)." % query.strip())


def location_changed(name):
    # docs-status-codes 51N35; neo4j FabricException.databaseLocationChanged pairs it with Outdated.
    return errors.Neo4jError(
        "Neo.TransientError.Transaction.Outdated",
        "The location of `%s` has changed while the transaction was running." % name, "51N35",
        "error: system configuration or operation exception - database location changed. The location of "
        "`%s` has changed while the transaction was running." % name)


def _check_location(tx):
    """A transaction opened through an alias that now points elsewhere is aborted (when the switch says so)."""
    if tx.alias is None:
        return
    model = tx.ctx.model
    if model.alias_switch_transactions != "abort":
        return
    now = model.resolve(tx.alias)
    if now is None or now.database_id != tx.database_id:
        raise location_changed(tx.alias)


def _snapshot(model):
    return {name: copy.deepcopy(getattr(model, name))
            for name in ("databases", "aliases", "users", "roles", "privileges", "system_leader")}


def _restore(model, snapshot):
    for name, value in snapshot.items():
        setattr(model, name, value)


def _prepare(ctx, db, query, params):
    """Parse and authorise a statement; returns (cmd, handler, klass)."""
    cmd = parse(query, params)
    cmd.language = language.effective_language(ctx.model, cmd, db)  # 5 or 25 (simulator/cypher/language.py)
    handler, klass = HANDLERS[cmd.kind]
    if klass == "procedure":
        klass = procedures.classify(cmd, ctx)
    is_system = db.name == "system"
    if klass.startswith("admin"):
        if not is_system:
            raise system_only_error(cmd.text)
        if cmd.kind not in OPEN_TO_ALL:
            require_privilege(ctx, cmd)
    elif klass in ("read", "write") and is_system:
        raise errors.not_on_system(query)
    check_available(ctx, db)
    if klass in ("admin_write", "write"):
        check_write(ctx, db)
        if klass == "write":
            if db.access == "read-only":
                raise errors.forbidden_on_read_only(db.name)
            reads.require_write_privilege(ctx, db, cmd)
    return cmd, handler, klass


def _execute(ctx, tx, query, params):
    model = ctx.model
    params = params or {}
    model.rendezvous.arrive(query, tx is None or tx.statements == 0, ctx.mode)
    with model.lock:
        servers.settle(model)  # moves whose new copy is up finish now (simulator/servers.py)
        if tx is not None:
            _check_location(tx)
        db = resolve(ctx) if tx is None else model.resolve(tx.db)
        if db is None:
            raise errors.database_not_found(tx.db)
        if tx is None:
            check_access(ctx, db)
        cmd, handler, klass = _prepare(ctx, db, query, params)
        writes = klass in ("admin_write", "write")
        if tx is not None:
            kind = _statement_type(cmd, klass)
            if kind is not None:
                if tx.statement_type not in (None, kind):
                    raise mixed_statement_types(query)
                tx.statement_type = kind
            tx.statements += 1
            tx.queries.append(query)
        if tx is None or (writes and cmd.wait):
            if tx is not None:
                _commit_pending(tx)  # WAIT commits the surrounding transaction first
            owner = object()
            try:
                waited = _lock(model, owner, cmd)
                result = _run_handler(handler, model, ctx, cmd, model.resolve(db.name) or db, waited)
            finally:
                model.locks.release(owner)
            if writes:
                model.changed.notify_all()
        else:
            waited = _lock(model, tx, cmd)  # may wait: the model's lock is released meanwhile
            view = _view(tx, writes)
            result = _run_handler(handler, view, ctx, cmd, view.resolve(db.name) or db, waited)
            if writes:
                tx.pending.append(lambda m, h=handler, c=cmd, name=db.name: h(m, ctx, c, m.resolve(name)))
    if result.waiter is not None:
        result.fields, result.records = result.waiter()  # outside the lock: the wait polls the model
        result.waiter = None
    return result


def _lock(model, owner, cmd):
    """Take the command's locks for ``owner``; returns whether any of them had to be waited for."""
    waited = False
    for key in lock_keys(cmd):
        waited = model.locks.acquire(owner, key) or waited
    return waited


def _run_handler(handler, model, ctx, cmd, db, waited):
    try:
        return handler(model, ctx, cmd, db)
    except errors.Neo4jError as exc:
        lost_race = waited and cmd.kind.startswith("create_") and exc.code.endswith("ExistingDatabaseFound")
        if lost_race and ctx.model.name_conflict == "constraint":
            raise name_taken(cmd.name.lower()) from exc
        raise


def _commit_pending(tx):
    model = tx.ctx.model
    with model.lock:
        try:
            if tx.pending:
                snapshot = _snapshot(model)
                try:
                    for apply in tx.pending:
                        apply(model)
                except Exception:
                    _restore(model, snapshot)
                    raise
                model.changed.notify_all()
        finally:
            tx.pending = []
            model.locks.release(tx)


def begin(ctx):
    with ctx.model.lock:
        db = resolve(ctx)
        check_access(ctx, db)
        check_available(ctx, db)
        tx = Transaction(ctx=ctx, db=db.name, database_id=db.database_id)
        named = (ctx.database or "").lower()
        if named and named != db.name and named in ctx.model.aliases:
            tx.alias = named
        return tx


def run(ctx, tx, query, params=None):
    if not tx.open:
        raise errors.Neo4jError("Neo.ClientError.Transaction.TransactionNotFound",
                                "Unrecognized transaction id. Transaction may have timed out and been rolled back.",
                                "25N04", "error: invalid transaction state - specified transaction does not exist.")
    try:
        result = _execute(ctx, tx, query, params)
    except errors.Neo4jError:
        rollback(tx)  # every Neo4j error class rolls the transaction back
        raise
    result.db = tx.db
    return result


def commit(tx):
    try:
        if tx.pending:
            with tx.ctx.model.lock:
                _check_location(tx)
        _commit_pending(tx)
    finally:
        rollback(tx)
    for action in tx.ctx.model.take_after_commit(tx.queries):
        action()


def rollback(tx):
    with tx.ctx.model.lock:
        tx.pending = []
        tx.open = False
        tx.ctx.model.locks.release(tx)


def execute(ctx, query, params=None):
    return _execute(ctx, None, query, params)
