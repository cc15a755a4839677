"""SHOW/CREATE/ALTER/DROP ALIAS for standard databases (OM5 aliases/manage-aliases-standard-databases.adoc)."""

import re

from .. import errors, versions
from ..model import Alias
from .commands_databases import keystore_missing, system_immutable
from .context import argument_error, rows_result, system_result
from .projection import apply_tail

ALIAS_DEFAULT_COLUMNS = ["name", "composite", "database", "location", "url", "user"]
ALIAS_ALL_COLUMNS = ALIAS_DEFAULT_COLUMNS + ["driver", "properties"]


def alias_columns(version):
    """(default, YIELD *) columns of SHOW ALIASES on ``version``: ``credentials`` (a default column, before
    ``user``) from 2026.01 and ``defaultLanguage`` (before ``properties``) from 2025.06 (docs-operations
    manage-aliases-standard-databases.adoc, table and examples, tag 2026.07.0)."""
    default = list(ALIAS_DEFAULT_COLUMNS)
    if versions.at_least(version, versions.ALIAS_CREDENTIALS):
        default.insert(default.index("user"), "credentials")
    extra = ["driver"] + (["defaultLanguage"] if versions.at_least(version, versions.CYPHER_25) else [])
    return default, default + extra + ["properties"]


# Allowed DRIVER settings for remote aliases (OM5 remote-database-alias-configuration / manage-aliases).
DRIVER_SETTINGS = ("ssl_enforced", "connection_timeout", "connection_max_lifetime",
                   "connection_pool_acquisition_timeout", "connection_pool_idle_test", "connection_pool_max_size",
                   "logging_level")
URL_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


def validate_alias_name(name):
    if not name:
        raise argument_error("The provided alias name is empty.", "22N85")
    if len(name) > 65534:
        raise argument_error("The provided alias name must have a length between 1 and 65534 characters.",
                             "22N84")
    if name.startswith("_") or name.startswith("system"):
        raise argument_error("Alias name '%s' is invalid, due to the prefix '%s'."
                             % (name, "_" if name.startswith("_") else "system"), "22N82")
    if name.endswith("."):
        raise argument_error("Alias name '%s' is invalid: it cannot end with a dot." % name, "22N82")


def _alias_not_found(action, name):
    return errors.database_not_found(
        name, "Failed to %s the specified database alias '%s': Database alias does not exist." % (action, name))


def _target_not_found(action, alias, target):
    return errors.database_not_found(
        target, "Failed to %s the specified database alias '%s': Database '%s' does not exist." % (action, alias, target))


def _validate_url(url):
    match = re.match(r"^([a-z0-9+]+)://[^/\s]+", url or "")
    if not match or match.group(1) not in URL_SCHEMES:
        raise argument_error(
            "The provided url '%s' has an invalid scheme. Please use one of the following schemes: %s."
            % (url, ", ".join(URL_SCHEMES)), "22N11")


def _validate_driver(driver):
    if driver is None:
        return None
    settings = {}
    for key, value in driver.items():
        if key not in DRIVER_SETTINGS:
            raise errors.Neo4jError(
                "Neo.ClientError.Statement.ArgumentError",
                "Failed evaluating the given driver settings. `%s` is not a valid driver setting." % key, "42N89",
                "error: syntax error or access rule violation - invalid driver settings map. Failed evaluating the "
                "given driver settings. `%s` is not a valid driver setting." % key)
        settings[key] = value.upper() if key == "logging_level" and isinstance(value, str) else value
    return settings


def _properties(properties):
    # Neo4j stores property keys lower-cased (docs example shows {namecontainsspace: TRUE}).
    return {k.lower(): v for k, v in (properties or {}).items()}


def show_aliases(model, ctx, cmd, db):
    # Inside a transaction that has written, ``model`` is its own view.  Neo4j's community planner lists
    # aliases from DatabaseReferenceRepository, which reads in a new transaction (committed state only), and
    # takes only ``properties`` from a MATCH in the caller's transaction (ShowAliasesExecutionPlanner.scala).
    listed = model.aliases
    if model is not ctx.model and ctx.model.alias_show_source == "committed":
        listed = ctx.model.aliases
    rows = []
    for alias in sorted(listed.values(), key=lambda a: a.name):
        own = model.aliases.get(alias.name)
        if cmd.name is not None and alias.name != cmd.name.lower():
            continue
        rows.append({
            "name": alias.name,
            "composite": alias.namespace,
            "database": alias.database,
            "location": alias.location,
            "url": alias.url,
            "user": alias.user,
            "driver": dict(alias.driver) if alias.location == "remote" and alias.driver is not None else (
                {} if alias.location == "remote" else None),
            "properties": dict((own if own is not None else alias).properties or {}),
            # 2026.01: only stored native credentials (USER/PASSWORD) are simulated; NULL for local aliases.
            "credentials": "STORED NATIVE CREDENTIALS" if alias.location == "remote" else None,
            # 2025.06: remote aliases get db.query.default_language; NULL for local (and constituent) aliases.
            "defaultLanguage": (versions.language_name(model.configured_language)
                                if alias.location == "remote" and alias.namespace is None else None),
        })
    default_columns, all_columns = alias_columns(model.version)
    fields, records = apply_tail(rows, default_columns, all_columns, cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)


def create_alias(model, ctx, cmd, db):
    name = cmd.name.lower()
    validate_alias_name(name)
    target = cmd.target.lower()
    if name in model.databases:
        if cmd.if_not_exists:
            return system_result(db, updates=0)
        raise errors.existing_database("Failed to create the specified database alias '%s': Database exists with "
                                       "that name." % name)
    if name in model.aliases:
        if cmd.if_not_exists:
            return system_result(db, updates=0)
        if not cmd.replace:
            raise errors.existing_database("Failed to create the specified database alias '%s': Database name or "
                                           "alias already exists." % name)
    if cmd.url is None:
        target_db = model.databases.get(target)
        if target_db is None:
            raise _target_not_found("create", name, target)
        if target_db.type == "system":
            raise system_immutable("CREATE ALIAS")
        alias = Alias(name=name, database=target, location="local", properties=_properties(cmd.properties))
    else:
        _validate_url(cmd.url)
        _require_keystore(model, ctx, "create")
        alias = Alias(name=name, database=target, location="remote", url=cmd.url, user=cmd.user,
                      password=cmd.password, driver=_validate_driver(cmd.driver),
                      properties=_properties(cmd.properties))
    model.aliases.pop(name, None)  # OR REPLACE = DROP ALIAS x IF EXISTS + CREATE ALIAS x
    model.aliases[name] = alias
    return system_result(db)


def alter_alias(model, ctx, cmd, db):
    name = cmd.name.lower()
    alias = model.aliases.get(name)
    if alias is None:
        if cmd.if_exists:
            return system_result(db, updates=0)
        raise _alias_not_found("alter", name)
    remote_parts = cmd.url is not None or cmd.user is not None or cmd.password is not None or cmd.driver is not None
    to_local = cmd.target is not None and cmd.url is None
    if (alias.location == "local" and remote_parts) or (alias.location == "remote" and to_local):
        raise errors.Neo4jError(
            "Neo.ClientError.Statement.ArgumentError",
            "Failed to alter the specified database alias '%s': Altering remote alias to a local alias or vice "
            "versa is not supported. Drop and recreate the alias instead." % name, "22N91",
            "error: data exception - cannot convert alias local to remote or remote to local. Failed to alter the "
            "specified database alias `%s`. Altering remote alias to a local alias or vice versa is not supported."
            " Drop and recreate the alias instead." % name)
    if cmd.target is not None:
        target = cmd.target.lower()
        if alias.location == "local":
            target_db = model.databases.get(target)
            if target_db is None:
                raise _target_not_found("alter", name, target)
            if target_db.type == "system":
                raise system_immutable("ALTER ALIAS")
        alias.database = target
    if cmd.url is not None:
        _validate_url(cmd.url)
        alias.url = cmd.url
    if cmd.user is not None:
        alias.user = cmd.user
    if cmd.password is not None:
        _require_keystore(model, ctx, "alter")
        alias.password = cmd.password
    if cmd.driver is not None:
        alias.driver = _validate_driver(cmd.driver)  # all driver settings are replaced (OM5)
    if cmd.properties is not None:
        alias.properties = _properties(cmd.properties)
    return system_result(db)


def _require_keystore(model, ctx, action):
    """A remote alias's password is stored encrypted with the key of dbms.security.keystore.* (OM5
    remote-database-alias-configuration.adoc); the member running the command must have it."""
    server = model.servers.get(ctx.member)
    if server is not None and not server.keystore:
        raise keystore_missing("%s alias for remote database" % action)


def drop_alias(model, ctx, cmd, db):
    name = cmd.name.lower()
    if name not in model.aliases:
        if cmd.if_exists:
            return system_result(db, updates=0)
        raise _alias_not_found("delete", name)
    del model.aliases[name]
    return system_result(db)
