"""ALTER SERVER, RENAME SERVER, [DRYRUN] DEALLOCATE DATABASES FROM SERVERS, [DRYRUN] REALLOCATE DATABASES, DROP SERVER
and ENABLE SERVER; the lifecycle itself (states, moves, refusals, sources) is in ``simulator/servers.py``."""

from .. import servers
from .context import rows_result, system_result


def enable_server(model, ctx, cmd, db):
    changed = servers.enable(model, cmd.name, cmd.options)
    return system_result(db, updates=1 if changed else 0)


def alter_server(model, ctx, cmd, db):
    changed = servers.alter(model, cmd.name, cmd.options)
    return system_result(db, updates=1 if changed else 0)


def rename_server(model, ctx, cmd, db):
    changed = servers.rename(model, cmd.name, cmd.new_name)
    return system_result(db, updates=1 if changed else 0)


def drop_server(model, ctx, cmd, db):
    servers.drop(model, cmd.name)
    return system_result(db)


def deallocate_databases(model, ctx, cmd, db):
    rows = servers.deallocate(model, cmd.names, dryrun=cmd.dryrun)
    if cmd.dryrun:  # the documented DRYRUN columns (servers.adoc, "Deallocating databases from a server")
        return rows_result(servers.DRYRUN_COLUMNS, [[r[c] for c in servers.DRYRUN_COLUMNS] for r in rows], db)
    return system_result(db)


def reallocate_databases(model, ctx, cmd, db):
    rows = servers.reallocate(model, dryrun=cmd.dryrun)
    if cmd.dryrun:  # same columns as DRYRUN DEALLOCATE (clustering/databases.adoc)
        return rows_result(servers.DRYRUN_COLUMNS, [[r[c] for c in servers.DRYRUN_COLUMNS] for r in rows], db)
    return system_result(db, updates=1 if rows else 0)
