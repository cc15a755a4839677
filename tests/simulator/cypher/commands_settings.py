"""SHOW SETTINGS: the configuration settings of the member that runs it.

Syntax and columns from the Operations Manual, ``configuration/show-settings.adoc``::

    SHOW SETTING[S] [setting-name[,...]] [YIELD ...] [WHERE ...] [RETURN ...]

"SHOW SETTINGS returns settings on the executing server only"; names are quoted strings or an expression resolving to
a STRING or LIST<STRING> (here: string literals and parameters); a name that does not exist returns nothing.  Default
columns ``name, value, isDynamic, defaultValue, description``; ``YIELD *`` adds ``startupValue, isExplicitlySet,
validValues, isDeprecated``.  Every value is a STRING.

Only the settings the simulator models are listed (the rest of a real server's several hundred are not):
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


def _settings(model):
    value = str(model.max_databases)
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
    }]


def show_settings(model, ctx, cmd, db):
    user = model.users.get(ctx.user)
    if user is not None and not privileges.allows(model, user, "show_setting"):
        raise errors.forbidden(
            "Permission denied for SHOW SETTINGS. Try executing SHOW USER PRIVILEGES to determine the missing or denied "
            "privileges. In case of missing privileges, they need to be granted (See GRANT). In case of denied "
            "privileges, they need to be revoked (See REVOKE) and granted.")
    rows = _settings(model)
    if cmd.names is not None:
        wanted = set(cmd.names)
        rows = [row for row in rows if row["name"] in wanted]
    fields, records = apply_tail(rows, DEFAULT_COLUMNS, ALL_COLUMNS, cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)
