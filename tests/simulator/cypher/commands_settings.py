"""SHOW SETTINGS: the configuration settings of the member that runs it.

Syntax and columns from the Operations Manual, ``configuration/show-settings.adoc``::

    SHOW SETTING[S] [setting-name[,...]] [YIELD ...] [WHERE ...] [RETURN ...]

"SHOW SETTINGS returns settings on the executing server only"; names are quoted strings or an expression resolving to
a STRING or LIST<STRING> (here: string literals and parameters); a name that does not exist returns nothing.  Default
columns ``name, value, isDynamic, defaultValue, description``; ``YIELD *`` adds ``startupValue, isExplicitlySet,
validValues, isDeprecated``.  Every value is a STRING.

Only the settings the simulator models are listed (the rest of a real server's several hundred are not):
``server.databases.read_only`` (dynamic; ``dbms.setConfigValue`` sets it on one member, see procedures.py) and
``dbms.max_databases`` (Enterprise; "The maximum number of databases.", "A long that is minimum `2`.", default
``100``: ``configuration/configuration-settings.adoc``), which ``model.max_databases`` sets and CREATE DATABASE
enforces.  It is not in the manual's list of dynamic settings (``configuration/dynamic-settings.adoc``).
"""

from .. import errors, privileges
from .context import rows_result
from .projection import apply_tail

DEFAULT_COLUMNS = ["name", "value", "isDynamic", "defaultValue", "description"]
ALL_COLUMNS = DEFAULT_COLUMNS + ["startupValue", "isExplicitlySet", "validValues", "isDeprecated"]

MAX_DATABASES_DEFAULT = 100


READ_ONLY_DESCRIPTION = ("List of databases for which to prevent write queries. Databases not included in this list "
                         "maybe read_only anyway depending upon the value of "
                         "server.databases.default_to_read_only.")


def _settings(model, member=None):
    value = str(model.max_databases)
    rows = []
    if member is not None:
        # Dynamic (dynamic-settings.adoc); dbms.setConfigValue changes it on this member until it restarts.
        read_only = ",".join(model.servers[member].read_only)
        rows.append({
            "name": "server.databases.read_only",
            "value": read_only,
            "isDynamic": True,
            "defaultValue": "",
            "description": READ_ONLY_DESCRIPTION,
            "startupValue": "",
            "isExplicitlySet": bool(read_only),
            "validValues": "A comma-separated set where each element is a valid database name containing only "
                           "alphabetic characters, numbers, dots, and dashes with a length between 3 and 63 "
                           "characters, starting with an alphabetic character or number but not with the name "
                           "system.",
            "isDeprecated": False,
        })
    return [{
        "name": "dbms.max_databases",
        "value": value,
        "isDynamic": False,
        "defaultValue": str(MAX_DATABASES_DEFAULT),
        "description": "The maximum number of databases.",
        "startupValue": value,
        "isExplicitlySet": model.max_databases != MAX_DATABASES_DEFAULT,
        "validValues": "A long that is minimum `2`.",
        "isDeprecated": False,
    }] + rows


def show_settings(model, ctx, cmd, db):
    user = model.users.get(ctx.user)
    if user is not None and not privileges.allows(model, user, "show_setting"):
        raise errors.forbidden(
            "Permission denied for SHOW SETTINGS. Try executing SHOW USER PRIVILEGES to determine the missing or denied "
            "privileges. In case of missing privileges, they need to be granted (See GRANT). In case of denied "
            "privileges, they need to be revoked (See REVOKE) and granted.")
    rows = _settings(model, ctx.member)
    if cmd.names is not None:
        wanted = set(cmd.names)
        rows = [row for row in rows if row["name"] in wanted]
    fields, records = apply_tail(rows, DEFAULT_COLUMNS, ALL_COLUMNS, cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)
