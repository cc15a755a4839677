# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Name validation, quoting and builders for the administration statements the modules send.

Rules followed (Neo4j Operations Manual 5.x, "Naming databases" and "Naming aliases"):

- database names: 3 to 63 characters, an ASCII letter first, then ASCII letters, digits, ``.`` and
  ``-``; not ending with ``.`` or ``-``; case-insensitive (Neo4j stores them in lower case); names
  starting with ``system`` or ``_`` are reserved.
- alias names: Neo4j accepts any identifier (in backticks, up to 65534 characters) except names ending
  with ``.`` or starting with ``system`` or ``_``.  We accept a safer subset: an ASCII letter first,
  then ASCII letters, digits, ``_``, ``.`` and ``-``.  Whitespace, quotes, backticks, ``$``, ``;``
  and non-ASCII characters are refused, so a name reads the same in YAML, shells, logs and Cypher.

Every statement passes names as ``$parameters`` where Neo4j documents it (database name and topology
in ``CREATE DATABASE`` / ``ALTER DATABASE ... SET TOPOLOGY``, alias name in ``CREATE``/``DROP ALIAS``,
remote URL, user, password, driver settings and properties) and as validated, backtick-quoted
literals elsewhere.  A :class:`Statement` is ``(query, params)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

Statement = namedtuple("Statement", ["query", "params"])

DATABASE_NAME_MIN = 3
DATABASE_NAME_MAX = 63
ALIAS_NAME_MAX = 65534
RESERVED_PREFIXES = ("system", "_")

# DRIVER settings Neo4j accepts for remote aliases, and which of them are durations.
DRIVER_SETTINGS = ("ssl_enforced", "connection_timeout", "connection_max_lifetime", "connection_pool_acquisition_timeout",
                   "connection_pool_idle_test", "connection_pool_max_size", "logging_level")
DURATION_SETTINGS = ("connection_timeout", "connection_max_lifetime", "connection_pool_acquisition_timeout", "connection_pool_idle_test")
LOGGING_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR", "NONE")

_ASCII_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_DB_CHARS = frozenset(_ASCII_ALNUM + ".-")
_ALIAS_CHARS = frozenset(_ASCII_ALNUM + "_.-")
_PROPERTY_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_ISO_DURATION = re.compile(r"P(?!\Z)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?\Z")
_SHORT_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)\Z")


class InvalidName(ValueError):
    """A name that Neo4j would refuse (or that we refuse for safety); the message names the option."""


def _describe(value):
    """Show a bad value without letting control characters garble the message."""
    return repr(value) if isinstance(value, str) else "a %s" % type(value).__name__


def _bad_char(name, allowed):
    for ch in name:
        if ch not in allowed:
            if ch.isspace():
                return "whitespace (%r)" % ch
            if ord(ch) > 127:
                return "the non-ASCII character %r" % ch
            return "the character %r" % ch
    return None


def validate_database_name(name, option="name"):
    """Return the normalised (lower-case) database name or raise :class:`InvalidName`."""
    if not isinstance(name, str) or not name:
        raise InvalidName("%s: a database name is required (got %s)." % (option, _describe(name)))
    problem = _bad_char(name, _DB_CHARS)
    if problem:
        raise InvalidName("%s: database name %s contains %s; use ASCII letters, digits, '.' and '-' only." % (option, _describe(name), problem))
    if not DATABASE_NAME_MIN <= len(name) <= DATABASE_NAME_MAX:
        raise InvalidName("%s: database name %s is %d characters long; Neo4j needs %d to %d."
                          % (option, _describe(name), len(name), DATABASE_NAME_MIN, DATABASE_NAME_MAX))
    if not name[0].isalpha():
        raise InvalidName("%s: database name %s must start with an ASCII letter." % (option, _describe(name)))
    if name[-1] in ".-":
        raise InvalidName("%s: database name %s must not end with '%s'." % (option, _describe(name), name[-1]))
    if name.lower().startswith("system"):
        raise InvalidName("%s: database name %s is reserved: names starting with 'system' belong to Neo4j." % (option, _describe(name)))
    return name.lower()


def validate_alias_name(name, option="name"):
    """Return the normalised (lower-case) alias name or raise :class:`InvalidName`."""
    if not isinstance(name, str) or not name:
        raise InvalidName("%s: an alias name is required (got %s)." % (option, _describe(name)))
    problem = _bad_char(name, _ALIAS_CHARS)
    if problem:
        raise InvalidName("%s: alias name %s contains %s; use ASCII letters, digits, '_', '.' and '-' only." % (option, _describe(name), problem))
    if len(name) > ALIAS_NAME_MAX:
        raise InvalidName("%s: alias name is %d characters long; Neo4j allows at most %d." % (option, len(name), ALIAS_NAME_MAX))
    if name.startswith("_") or name.lower().startswith("system"):
        raise InvalidName("%s: alias name %s is reserved: names starting with 'system' or '_' belong to Neo4j." % (option, _describe(name)))
    if not name[0].isalpha():
        raise InvalidName("%s: alias name %s must start with an ASCII letter." % (option, _describe(name)))
    if name.endswith("."):
        raise InvalidName("%s: alias name %s must not end with '.'." % (option, _describe(name)))
    return name.lower()


def quote_name(name):
    """Backtick-quote a name for Cypher, doubling any backtick inside it."""
    return "`%s`" % name.replace("`", "``")


def _positive_count(value, option, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError("%s must be an integer >= %d (got %s)." % (option, minimum, _describe(value) if isinstance(value, str) else value))
    return value


# ----- databases ---------------------------------------------------------------------------------

SHOW_DATABASE = "SHOW DATABASES YIELD * WHERE name = $name"
SHOW_DATABASES = "SHOW DATABASES YIELD *"
SHOW_SERVERS = "SHOW SERVERS YIELD *"


def show_database(name):
    return Statement(SHOW_DATABASE, dict(name=name))


def show_databases():
    return Statement(SHOW_DATABASES, {})


def show_servers():
    return Statement(SHOW_SERVERS, {})


# OPTIONS keys of CREATE DATABASE that the module sets; values always travel as parameters.
CREATE_OPTIONS = ("existingData", "existingDataSeedServer", "seedURI", "seedConfig", "seedCredentials", "storeFormat", "txLogEnrichment")


def create_database(name, primaries=None, secondaries=None, options=None, language=None):
    """``CREATE DATABASE $name IF NOT EXISTS [TOPOLOGY ...] [OPTIONS {...}]`` (NOWAIT; the caller polls).

    ``language`` (5 or 25) prefixes ``CYPHER n``, which only Neo4j 2025.06 and later accept.
    """
    query = ("CYPHER %d " % language if language else "") + "CREATE DATABASE $name IF NOT EXISTS"
    params = dict(name=name)
    if primaries is not None:
        params["primaries"] = _positive_count(primaries, "topology.primaries", 1)
        params["secondaries"] = _positive_count(secondaries or 0, "topology.secondaries", 0)
        query += " TOPOLOGY $primaries PRIMARIES $secondaries SECONDARIES"
    entries = []
    for key, value in sorted((options or {}).items()):
        if key not in CREATE_OPTIONS:
            raise ValueError("Unknown CREATE DATABASE option %r." % key)
        if value is None:
            continue
        params["option_" + key] = value
        entries.append("%s: $option_%s" % (key, key))
    if entries:
        query += " OPTIONS {%s}" % ", ".join(entries)
    return Statement(query, params)


def drop_database(name, data="destroy"):
    """``DROP DATABASE `name` IF EXISTS {DUMP|DESTROY} DATA``; local aliases must be gone (RESTRICT)."""
    if data not in ("dump", "destroy"):
        raise ValueError("drop_data must be dump or destroy.")
    return Statement("DROP DATABASE %s IF EXISTS %s DATA" % (quote_name(name), data.upper()), {})


def start_database(name):
    return Statement("START DATABASE %s" % quote_name(name), {})


def stop_database(name):
    return Statement("STOP DATABASE %s" % quote_name(name), {})


def alter_database_access(name, access):
    if access not in ("read-write", "read-only"):
        raise ValueError("access must be read-write or read-only.")
    return Statement("ALTER DATABASE %s SET ACCESS %s" % (quote_name(name), "READ WRITE" if access == "read-write" else "READ ONLY"), {})


def alter_database_topology(name, primaries, secondaries=0):
    return Statement("ALTER DATABASE $name SET TOPOLOGY $primaries PRIMARIES $secondaries SECONDARIES",
                     dict(name=name, primaries=_positive_count(primaries, "topology.primaries", 1),
                          secondaries=_positive_count(secondaries or 0, "topology.secondaries", 0)))


# ----- aliases -----------------------------------------------------------------------------------

SHOW_ALIAS = "SHOW ALIASES FOR DATABASES YIELD * WHERE name = $name"


def show_alias(name):
    return Statement(SHOW_ALIAS, dict(name=name))


def _map_clause(keyword, values, prefix, params):
    """`` KEYWORD {k: $prefix_k, ...}``; keys are validated identifiers, values are parameters."""
    entries = []
    for key in sorted(values):
        if not _PROPERTY_KEY.match(key):
            raise ValueError("%s key %r is not a plain identifier (letters, digits and '_', starting with a letter)." % (keyword.lower(), key))
        pname = "%s_%s" % (prefix, key)
        params[pname] = values[key]
        entries.append(("%s: duration($%s)" if prefix == "driver" and key in DURATION_SETTINGS else "%s: $%s") % (key, pname))
    return " %s {%s}" % (keyword, ", ".join(entries))


def normalize_driver_settings(settings, option="driver"):
    """Validate remote-alias DRIVER settings; durations become ISO 8601 strings (``PT1M``)."""
    out = {}
    for key, value in (settings or {}).items():
        if key not in DRIVER_SETTINGS:
            raise ValueError("%s: unknown setting %r; Neo4j accepts %s." % (option, key, ", ".join(DRIVER_SETTINGS)))
        if key in DURATION_SETTINGS:
            out[key] = to_iso_duration(value, "%s.%s" % (option, key))
        elif key == "ssl_enforced":
            if not isinstance(value, bool):
                raise ValueError("%s.ssl_enforced must be true or false." % option)
            out[key] = value
        elif key == "connection_pool_max_size":
            out[key] = _positive_count(value, "%s.connection_pool_max_size" % option, 1)
        else:
            level = str(value).upper()
            if level not in LOGGING_LEVELS:
                raise ValueError("%s.logging_level must be one of %s." % (option, ", ".join(LOGGING_LEVELS)))
            out[key] = level
    return out


def to_iso_duration(value, option):
    """Seconds (number), ``30s``/``5m``/``1h``/``500ms`` or ISO 8601 (``PT1M``) -> ISO 8601 string."""
    if isinstance(value, bool):
        raise ValueError("%s must be a duration such as 30s, 5m or PT1M." % option)
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        if _ISO_DURATION.match(text.upper()):
            return text.upper()
        match = _SHORT_DURATION.match(text.lower())
        if not match:
            raise ValueError("%s: %s is not a duration such as 30s, 5m, 1h or PT1M." % (option, _describe(value)))
        factor = dict(ms=0.001, s=1, m=60, h=3600, d=86400)[match.group(2)]
        seconds = float(match.group(1)) * factor
    if seconds < 0:
        raise ValueError("%s must not be negative." % option)
    return "PT%sS" % (("%d" % seconds) if seconds == int(seconds) else ("%.3f" % seconds).rstrip("0"))


# Aliases are created without IF NOT EXISTS: when two clients create one alias at once, the one that
# loses must get an error, not a silent no-op it would report as its own change.
def create_local_alias(name, target, properties=None):
    params = dict(name=name)
    query = "CREATE ALIAS $name FOR DATABASE %s" % quote_name(target)
    if properties:
        query += _map_clause("PROPERTIES", properties, "property", params)
    return Statement(query, params)


def create_remote_alias(name, target, url, user, password, driver=None, properties=None):
    params = dict(name=name, url=url, user=user, password=password)
    query = "CREATE ALIAS $name FOR DATABASE %s AT $url USER $user PASSWORD $password" % quote_name(target)
    if driver:
        query += _map_clause("DRIVER", driver, "driver", params)
    if properties:
        query += _map_clause("PROPERTIES", properties, "property", params)
    return Statement(query, params)


def alter_local_alias(name, target=None, properties=None):
    params = {}
    query = "ALTER ALIAS %s SET DATABASE" % quote_name(name)
    if target is not None:
        query += " TARGET %s" % quote_name(target)
    if properties is not None:
        query += _map_clause("PROPERTIES", properties, "property", params) if properties else " PROPERTIES {}"
    if target is None and properties is None:
        raise ValueError("alter_local_alias needs a target or properties.")
    return Statement(query, params)


def alter_remote_alias(name, target=None, url=None, user=None, password=None, driver=None, properties=None):
    """Only the given parts change; ``driver={}`` / ``properties={}`` clear them (DRIVER replaces all)."""
    params = {}
    query = "ALTER ALIAS %s SET DATABASE" % quote_name(name)
    if target is not None or url is not None:
        if target is None or url is None:
            raise ValueError("A remote alias changes target and url together.")
        query += " TARGET %s AT $url" % quote_name(target)
        params["url"] = url
    if user is not None:
        query += " USER $user"
        params["user"] = user
    if password is not None:
        query += " PASSWORD $password"
        params["password"] = password
    if driver is not None:
        query += _map_clause("DRIVER", driver, "driver", params) if driver else " DRIVER {}"
    if properties is not None:
        query += _map_clause("PROPERTIES", properties, "property", params) if properties else " PROPERTIES {}"
    if not params and driver is None and properties is None:
        raise ValueError("alter_remote_alias needs something to change.")
    return Statement(query, params)


def drop_alias(name):
    return Statement("DROP ALIAS $name IF EXISTS FOR DATABASE", dict(name=name))


# ----- users and roles ---------------------------------------------------------------------------
#
# Names follow Neo4j's rules (Neo4j's UserAdministrationCommandAcceptanceTest / RoleAdministrationCommand-
# AcceptanceTest; manage-roles.adoc "naming rules"): a user name is printable ASCII other than ',' and ':'
# (no whitespace); a role name starts with an ASCII letter, then ASCII letters, digits and '_'.  User and role
# names travel as $parameters; role names in privilege commands are validated and backtick-quoted (Neo4j lists
# them so).  Passwords always travel as $password.

_USER_NAME = re.compile(r"[\x21-\x2B\x2D-\x39\x3B-\x7E]+\Z")
_ROLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_PROVIDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
BUILTIN_ROLES = ("PUBLIC", "reader", "editor", "publisher", "architect", "admin")
SHOW_USER = ("SHOW USERS WITH AUTH YIELD user, roles, passwordChangeRequired, suspended, home, provider, auth "
             "WHERE user = $name")
SHOW_ROLE = "SHOW ROLES WITH USERS YIELD role, member WHERE role = $name"
SHOW_ROLE_PRIVILEGES = "SHOW ROLE $name PRIVILEGES AS COMMANDS YIELD command, immutable"
SHOW_PRIVILEGES = "SHOW PRIVILEGES AS COMMANDS YIELD command, immutable"


def validate_user_name(name, option="name"):
    if not isinstance(name, str) or not name:
        raise InvalidName("%s: a user name is required (got %s)." % (option, _describe(name)))
    if not _USER_NAME.match(name):
        problem = _bad_char(name, frozenset(chr(c) for c in range(0x21, 0x7F)) - frozenset(",:"))
        raise InvalidName("%s: user name %s contains %s; Neo4j accepts printable ASCII characters except ',' and ':' "
                          "(no whitespace)." % (option, _describe(name), problem))
    return name


def validate_role_name(name, option="name"):
    if not isinstance(name, str) or not name:
        raise InvalidName("%s: a role name is required (got %s)." % (option, _describe(name)))
    if not _ROLE_NAME.match(name):
        raise InvalidName("%s: role name %s is not allowed; Neo4j needs an ASCII letter first, then ASCII letters, "
                          "digits and '_'." % (option, _describe(name)))
    return name


def validate_auth_provider(name, option="auth_providers"):
    """An auth provider name as it appears after SET AUTH (a string literal there: Neo4j takes no parameter)."""
    if not isinstance(name, str) or not _PROVIDER.match(name):
        raise InvalidName("%s: provider %s is not a provider name (ASCII letters, digits, '.', '_' and '-')."
                          % (option, _describe(name)))
    return name


def show_user(name):
    return Statement(SHOW_USER, dict(name=name))


def create_user(name, password=None, change_required=None, suspended=None, home=None, providers=None):
    """``CREATE USER $name [SET PASSWORD $password [CHANGE [NOT] REQUIRED]] [SET STATUS ...] [SET HOME DATABASE
    `home`] [SET AUTH 'p' {SET ID $auth_0} ...]``; without IF NOT EXISTS, so a concurrent create fails."""
    params = dict(name=name)
    query = "CREATE USER $name"
    if password is not None:
        params["password"] = password
        query += " SET PASSWORD $password"
        if change_required is not None:
            query += " CHANGE REQUIRED" if change_required else " CHANGE NOT REQUIRED"
    if suspended is not None:
        query += " SET STATUS %s" % ("SUSPENDED" if suspended else "ACTIVE")
    if home:
        query += " SET HOME DATABASE %s" % quote_name(home)
    query += _auth_clauses(providers, params)
    return Statement(query, params)


def _auth_clauses(providers, params):
    text = ""
    for index, (provider, identifier) in enumerate(sorted((providers or {}).items())):
        key = "auth_%d" % index
        params[key] = identifier
        text += " SET AUTH '%s' {SET ID $%s}" % (validate_auth_provider(provider), key)
    return text


def alter_user(name, password=None, change_required=None, suspended=None, home=None, remove_home=False,
               providers=None, remove_providers=None):
    """``ALTER USER $name [REMOVE HOME DATABASE] [REMOVE AUTH 'p', ...] [SET PASSWORD $password] [SET PASSWORD
    CHANGE [NOT] REQUIRED] [SET STATUS ...] [SET HOME DATABASE `home`] [SET AUTH ...]`` (REMOVE before SET, as
    manage-users.adoc requires)."""
    params = dict(name=name)
    query = "ALTER USER $name"
    if remove_home:
        query += " REMOVE HOME DATABASE"
    if remove_providers:
        query += " REMOVE AUTH %s" % ", ".join("'%s'" % validate_auth_provider(p) for p in sorted(remove_providers))
    if password is not None:
        params["password"] = password
        query += " SET PASSWORD $password"
    if change_required is not None:
        query += " SET PASSWORD CHANGE %s" % ("REQUIRED" if change_required else "NOT REQUIRED")
    if suspended is not None:
        query += " SET STATUS %s" % ("SUSPENDED" if suspended else "ACTIVE")
    if home:
        query += " SET HOME DATABASE %s" % quote_name(home)
    query += _auth_clauses(providers, params)
    if query == "ALTER USER $name":
        raise ValueError("alter_user needs something to change.")
    return Statement(query, params)


def drop_user(name):
    return Statement("DROP USER $name", dict(name=name))


def show_role(name):
    return Statement(SHOW_ROLE, dict(name=name))


def show_role_privileges(name):
    return Statement(SHOW_ROLE_PRIVILEGES, dict(name=name))


def show_privileges():
    return Statement(SHOW_PRIVILEGES, {})


def create_role(name, copy_of=None):
    """``CREATE ROLE $name [AS COPY OF $copy_of]``; without IF NOT EXISTS, so a concurrent create fails."""
    if copy_of is None:
        return Statement("CREATE ROLE $name", dict(name=name))
    return Statement("CREATE ROLE $name AS COPY OF $copy_of", dict(name=name, copy_of=copy_of))


def drop_role(name):
    return Statement("DROP ROLE $name", dict(name=name))


def grant_role(role, user):
    return Statement("GRANT ROLE $role TO $user", dict(role=role, user=user))


def revoke_role(role, user):
    return Statement("REVOKE ROLE $role FROM $user", dict(role=role, user=user))
