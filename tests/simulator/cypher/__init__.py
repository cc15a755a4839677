"""The simulator's Cypher executor: parse a statement and run it against the shared ClusterModel.

Contract (see the team brief)::

    from simulator.cypher import ExecContext, Result, Transaction, begin, run, commit, rollback, execute

Every failure is an :class:`errors.Neo4jError` with Neo4j's code, GQL status and message.  Before a
statement runs, the executor checks what a Neo4j member checks: the session database exists and is online
on this member, administration commands run against ``system``, writes go to the member that leads the
database (else ``NotALeader``), read-only databases refuse writes, and the user holds the needed role.

Explicit transactions run their statements against a private copy of the model, so later statements of
the same transaction see earlier ones; ``commit`` replays them on the real model atomically, ``rollback``
drops them.  A statement with ``WAIT`` first commits the transaction, as Neo4j documents
(operations manual, "WAIT options").
"""

import copy
from dataclasses import dataclass, field

from .. import errors
from . import commands_aliases, commands_databases, commands_security, procedures, reads
from .context import ExecContext, Result, system_only_error
from .parser import parse

__all__ = ["ExecContext", "Result", "Transaction", "begin", "run", "commit", "rollback", "execute"]


@dataclass
class Transaction:
    ctx: ExecContext
    db: str  # the resolved database name the transaction is bound to
    pending: list = field(default_factory=list)  # callables(model) replayed at commit
    shadow: object = None  # private copy of the model holding this transaction's writes
    open: bool = True


# kind -> (handler, class); class is "admin_read", "admin_write", "read", "write" or "any"
HANDLERS = {
    "show_databases": (commands_databases.show_databases, "admin_read"),
    "show_servers": (commands_databases.show_servers, "admin_read"),
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


def require_admin(ctx, cmd):
    user = ctx.model.users.get(ctx.user)
    if not commands_security.has_profile(ctx.model, user, "admin"):
        # Neo4j's wording (community/security tests: "Permission denied for CREATE DATABASE. Try ...").
        raise errors.forbidden(
            "Permission denied for %s. Try executing SHOW USER PRIVILEGES to determine the missing or denied "
            "privileges. In case of missing privileges, they need to be granted (See GRANT). In case of denied "
            "privileges, they need to be revoked (See REVOKE) and granted." % cmd.text)


# ----- running ------------------------------------------------------------------------------------

def _shadow(model):
    shadow = copy.copy(model)
    for name in ("databases", "aliases", "users", "roles"):
        setattr(shadow, name, copy.deepcopy(getattr(model, name)))
    return shadow


def _snapshot(model):
    return {name: copy.deepcopy(getattr(model, name))
            for name in ("databases", "aliases", "users", "roles", "system_leader")}


def _restore(model, snapshot):
    for name, value in snapshot.items():
        setattr(model, name, value)


def _prepare(ctx, db, query, params):
    """Parse and authorise a statement; returns (cmd, handler, klass)."""
    cmd = parse(query, params)
    handler, klass = HANDLERS[cmd.kind]
    if klass == "procedure":
        klass = procedures.classify(cmd, ctx)
    is_system = db.name == "system"
    if klass.startswith("admin"):
        if not is_system:
            raise system_only_error(cmd.text)
        if cmd.kind not in OPEN_TO_ALL:
            require_admin(ctx, cmd)
    elif klass in ("read", "write") and is_system:
        raise errors.not_on_system(query)
    check_available(ctx, db)
    if klass in ("admin_write", "write"):
        check_write(ctx, db)
        if klass == "write":
            if db.access == "read-only":
                raise errors.forbidden_on_read_only(db.name)
            reads.require_write_privilege(ctx, db)
    return cmd, handler, klass


def _execute(ctx, tx, query, params):
    model = ctx.model
    params = params or {}
    with model.lock:
        db = resolve(ctx) if tx is None else model.resolve(tx.db)
        if db is None:
            raise errors.database_not_found(tx.db)
        cmd, handler, klass = _prepare(ctx, db, query, params)
        writes = klass in ("admin_write", "write")
        if tx is None or (writes and cmd.wait):
            if tx is not None:
                _commit_pending(tx)  # WAIT commits the surrounding transaction first
            result = handler(model, ctx, cmd, db)
            if writes:
                model.changed.notify_all()
        else:
            if writes and tx.shadow is None:
                tx.shadow = _shadow(model)
            target = tx.shadow if tx.shadow is not None else model
            target_db = target.resolve(db.name) or db
            result = handler(target, ctx, cmd, target_db)
            if writes:
                tx.pending.append(lambda m, h=handler, c=cmd, name=db.name: h(m, ctx, c, m.resolve(name)))
    if result.waiter is not None:
        result.fields, result.records = result.waiter()  # outside the lock: the wait polls the model
        result.waiter = None
    return result


def _commit_pending(tx):
    model = tx.ctx.model
    if not tx.pending:
        tx.shadow = None
        return
    with model.lock:
        snapshot = _snapshot(model)
        try:
            for apply in tx.pending:
                apply(model)
        except Exception:
            _restore(model, snapshot)
            raise
        finally:
            tx.pending = []
            tx.shadow = None
        model.changed.notify_all()


def begin(ctx):
    with ctx.model.lock:
        db = resolve(ctx)
        check_available(ctx, db)
        return Transaction(ctx=ctx, db=db.name)


def run(ctx, tx, query, params=None):
    if not tx.open:
        raise errors.Neo4jError("Neo.ClientError.Transaction.TransactionNotFound",
                                "Unrecognized transaction id. Transaction may have timed out and been rolled back.",
                                "25N03")
    try:
        result = _execute(ctx, tx, query, params)
    except errors.Neo4jError:
        rollback(tx)  # every Neo4j error class rolls the transaction back
        raise
    result.db = tx.db
    return result


def commit(tx):
    try:
        _commit_pending(tx)
    finally:
        tx.open = False


def rollback(tx):
    tx.pending = []
    tx.shadow = None
    tx.open = False


def execute(ctx, query, params=None):
    return _execute(ctx, None, query, params)
