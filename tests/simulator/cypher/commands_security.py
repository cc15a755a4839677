"""Users and roles (docs-operations 5.26 authentication-authorization/manage-users.adoc and manage-roles.adoc).

Names follow Neo4j's rules (its ``assertValidUsername`` / ``assertValidRoleName``, neo4j/neo4j
``SystemGraphRealmHelper`` 4.x and ``FileUserRepositoryTest`` 5.x, and the naming rules of manage-roles.adoc):
a user name is printable ASCII other than ``,`` and ``:`` (no whitespace); a role name starts with an ASCII
letter, then ASCII letters, digits and ``_``.  Passwords must be at least
``dbms.security.auth_minimum_password_length`` characters (default 8, ``model.min_password_length``).

Auth providers (``SET AUTH``, ``REMOVE AUTH``, ``SHOW USERS WITH AUTH``) are modelled from 5.24, so on every
release the simulator plays: a user has ``native`` auth (a password) and/or external providers with an id.
"""

import re

from .. import errors, versions
from ..model import User
from ..notifications import Notification
from .context import argument_error, rows_result, system_result
from .projection import apply_tail

USER_COLUMNS = ["user", "roles", "passwordChangeRequired", "suspended", "home"]
AUTH_COLUMNS = ["provider", "auth"]  # SHOW USERS WITH AUTH (5.24+)
ROLE_COLUMNS = ["role"]
ROLE_ALL_COLUMNS = ["role", "immutable"]  # YIELD * shows `immutable` from 5.26
ROLE_USER_COLUMNS = ["role", "member"]
ROLE_USER_ALL_COLUMNS = ["role", "immutable", "member"]

USERNAME = re.compile(r"[\x21-\x2B\x2D-\x39\x3B-\x7E]+\Z")  # printable ASCII but ',' and ':'
ROLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def _user_row(user):
    # Neo4j lists the granted roles sorted, with PUBLIC last.
    roles = sorted(r for r in user.roles if r != "PUBLIC") + ["PUBLIC"]
    # passwordChangeRequired "is null if the user has native auth disabled"; tags (2026.06+): ABAC tags
    # are not simulated, so no user has any.
    native = user.password is not None
    return {"user": user.name, "roles": roles,
            "passwordChangeRequired": user.password_change_required if native else None,
            "suspended": user.suspended, "home": user.home, "tags": []}


def _auth_rows(user):
    """One row per auth provider (SHOW USERS WITH AUTH): native shows a masked password, others the id."""
    row = _user_row(user)
    out = []
    if user.password is not None:
        out.append(dict(row, provider="native",
                        auth={"password": "*********", "changeRequired": user.password_change_required}))
    for provider in sorted(user.auth):
        out.append(dict(row, provider=provider, auth={"id": user.auth[provider]}))
    return out


def user_columns(version, with_auth=False):
    """(default, YIELD *) columns of SHOW USERS / SHOW CURRENT USER: ``tags`` only with YIELD, from 2026.06
    (docs-operations manage-users.adoc, tag 2026.07.0); ``provider`` and ``auth`` WITH AUTH."""
    base = USER_COLUMNS + (AUTH_COLUMNS if with_auth else [])
    extra = ["tags"] if versions.at_least(version, versions.USER_TAGS) else []
    return base, base + extra


def show_users(model, ctx, cmd, db):
    users = sorted(model.users.values(), key=lambda u: u.name)
    with_auth = getattr(cmd, "with_auth", False)
    rows = [r for u in users for r in _auth_rows(u)] if with_auth else [_user_row(u) for u in users]
    fields, records = apply_tail(rows, *user_columns(model.version, with_auth), cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)


def show_current_user(model, ctx, cmd, db):
    user = model.users.get(ctx.user)
    rows = [_user_row(user)] if user is not None else []
    fields, records = apply_tail(rows, *user_columns(model.version), cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)


def _members(model, role):
    return sorted(u.name for u in model.users.values() if role in u.roles)


def show_roles(model, ctx, cmd, db):
    rows = []
    for role in sorted(model.roles):
        members = _members(model, role)
        if cmd.populated and not members:
            continue
        if cmd.with_users:
            for member in members or [None]:
                rows.append({"role": role, "immutable": False, "member": member})
        else:
            rows.append({"role": role, "immutable": False})
    if cmd.with_users:
        default_columns, all_columns = ROLE_USER_COLUMNS, ROLE_USER_ALL_COLUMNS
    else:
        default_columns, all_columns = ROLE_COLUMNS, ROLE_ALL_COLUMNS
    fields, records = apply_tail(rows, default_columns, all_columns, cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)


# ----- users ---------------------------------------------------------------------------------------

def _user_not_found(action, name):
    return errors.Neo4jError(
        "Neo.ClientError.Statement.ArgumentError",
        "Failed to %s the specified user '%s': User does not exist." % (action, name), "42N09",
        "error: syntax error or access rule violation - no such user. A user with the name `%s` was not found. "
        "Verify that the spelling is correct." % name)


def _already_exists(kind, name, gql_status):
    """CREATE USER/ROLE of an existing name, without IF NOT EXISTS or OR REPLACE."""
    return errors.Neo4jError(
        "Neo.ClientError.Statement.ArgumentError",
        "Failed to create the specified %s '%s': %s already exists." % (kind, name, kind.capitalize()), gql_status,
        "error: syntax error or access rule violation - %s already exists. A %s with the name `%s` "
        "already exists." % (kind, kind, name))


def _check_password(model, password, encrypted):
    # Neo4j's validatePassword: empty first, then the configured minimum length.
    if not password:
        raise argument_error("A password cannot be empty.", "22N85", "Neo.ClientError.General.InvalidArguments")
    if not encrypted and len(password) < model.min_password_length:
        raise argument_error("A password must be at least %d characters." % model.min_password_length, "22N85",
                             "Neo.ClientError.General.InvalidArguments")


def _invalid_name(message, value, context):
    """Cypher's InvalidArgumentException (Neo.ClientError.Statement.ArgumentError), GQL 22N05 (invalid input)."""
    return errors.Neo4jError(
        "Neo.ClientError.Statement.ArgumentError", message, "22N05",
        "error: data exception - invalid input value. Invalid input '%s' for %s." % (value, context))


# Messages as Neo4j's UserAdministrationCommandAcceptanceTest / RoleAdministrationCommandAcceptanceTest expect
# them (a line break inside).
def check_username(name):
    if not name:
        raise _invalid_name("The provided username is empty.", name, "username")
    if not USERNAME.match(name):
        raise _invalid_name("Username '%s' contains illegal characters.\nUse ascii characters that are not ',', "
                            "':' or whitespaces." % name, name, "username")


def check_role_name(name):
    if not name:
        raise _invalid_name("The provided role name is empty.", name, "role name")
    if not ROLE_NAME.match(name):
        raise _invalid_name("Role name '%s' contains illegal characters.\nUse simple ascii characters, numbers "
                            "and underscores." % name, name, "role name")


def _no_provider(name):
    return errors.Neo4jError("Neo.ClientError.General.InvalidArguments",
                             "Failed to alter the specified user '%s': A user must have at least one auth provider."
                             % name, "22N04")


def create_user(model, ctx, cmd, db):
    check_username(cmd.name)
    if cmd.name in model.users:
        if cmd.if_not_exists:
            return system_result(db, updates=0)
        if not cmd.replace:
            raise _already_exists("user", cmd.name, "42N12")
        if cmd.name == ctx.user:
            raise _self_delete(cmd.name)
    if cmd.password is not None:
        _check_password(model, cmd.password, cmd.encrypted)
    # "If the optional SET PASSWORD CHANGE [NOT] REQUIRED is omitted but a password is given, the default is
    # CHANGE REQUIRED."
    required = cmd.change_required if cmd.change_required is not None else cmd.password is not None
    model.users[cmd.name] = User(name=cmd.name, password=cmd.password, roles={"PUBLIC"},
                                 suspended=cmd.suspended, password_change_required=required,
                                 home=cmd.home.lower() if cmd.home else None, auth=dict(cmd.auth_set))
    return system_result(db)


def _self_delete(name):
    return errors.Neo4jError(
        "Neo.ClientError.Statement.ArgumentError",
        "Failed to delete the specified user '%s': Deleting yourself is not allowed." % name, "42N99",
        "error: syntax error or access rule violation - cannot delete own user. Cannot delete the user record of "
        "the current user.")


def alter_user(model, ctx, cmd, db):
    user = model.users.get(cmd.name)
    if user is None:
        if cmd.if_exists:
            return system_result(db, updates=0)
        raise _user_not_found("alter", cmd.name)
    if cmd.suspended is not None and cmd.name == ctx.user:
        raise errors.Neo4jError(
            "Neo.ClientError.Statement.ArgumentError",
            "Failed to alter the specified user '%s': Changing your own activation status is not allowed."
            % cmd.name, "42N98",
            "error: syntax error or access rule violation - cannot modify own user. Cannot modify the user record "
            "of the current user.")
    if cmd.auth_remove_all:
        user.password, user.auth = None, {}
    for provider in cmd.auth_remove:
        if provider == "native":
            user.password = None
        else:
            user.auth.pop(provider, None)
    if cmd.password is not None:
        _check_password(model, cmd.password, cmd.encrypted)
        if user.password is not None and cmd.password == user.password:
            raise errors.Neo4jError(
                "Neo.ClientError.Statement.ArgumentError",
                "Failed to alter the specified user '%s': Old password and new password cannot be the same."
                % cmd.name, "22N89",
                "error: data exception - new password cannot be the same as the old password. Expected the new "
                "password to be different from the old password.")
        adding_native = user.password is None
        user.password = cmd.password
        if adding_native and cmd.change_required is None:
            user.password_change_required = True  # native auth added without CHANGE [NOT] REQUIRED
    if cmd.change_required is not None:
        if user.password is None:
            raise errors.Neo4jError("Neo.ClientError.General.InvalidArguments",
                                    "Failed to alter the specified user '%s': The user has no native auth, so "
                                    "there is no password change to require." % cmd.name, "22N04")
        user.password_change_required = cmd.change_required
    user.auth.update(cmd.auth_set)
    if user.password is None and not user.auth:
        raise _no_provider(cmd.name)
    if cmd.suspended is not None:
        user.suspended = cmd.suspended
    if cmd.home is not None:
        user.home = cmd.home.lower()
    if cmd.remove_home:
        user.home = None
    return system_result(db)


def drop_user(model, ctx, cmd, db):
    if cmd.name not in model.users:
        if cmd.if_exists:
            return system_result(db, updates=0)
        raise _user_not_found("delete", cmd.name)
    if cmd.name == ctx.user:
        raise _self_delete(cmd.name)
    del model.users[cmd.name]
    return system_result(db)


# ----- roles ---------------------------------------------------------------------------------------

def _role_not_found(message, name):
    return errors.Neo4jError(
        "Neo.ClientError.Statement.ArgumentError", message, "42N10",
        "error: syntax error or access rule violation - no such role. A role with the name `%s` was not found. "
        "Verify that the spelling is correct." % name)


def _reserved(action, name, verb):
    return argument_error("Failed to %s the specified role '%s': '%s' is a reserved role and cannot be %s."
                          % (action, name, name, verb), "42N15")


def create_role(model, ctx, cmd, db):
    if cmd.name == "PUBLIC":
        raise _reserved("create", cmd.name, "created")
    check_role_name(cmd.name)
    if cmd.name in model.roles:
        if cmd.if_not_exists:
            return system_result(db, updates=0)
        if not cmd.replace:
            raise _already_exists("role", cmd.name, "42N13")
    copied = []
    if cmd.copy_of is not None:
        if cmd.copy_of not in model.roles:
            raise _role_not_found("Failed to create a role as copy of '%s': Role does not exist." % cmd.copy_of,
                                  cmd.copy_of)
        # "A role can be copied, keeping its privileges" (manage-roles.adoc); not its members.
        copied = [p.renamed(cmd.name) for p in model.privileges if p.role == cmd.copy_of]
    if cmd.replace and cmd.name in model.roles:
        _forget_role(model, cmd.name)  # OR REPLACE drops the old role, and with it its grants and privileges
    model.roles[cmd.name] = set()
    model.privileges.extend(copied)
    return system_result(db)


def _forget_role(model, name):
    for user in model.users.values():
        user.roles.discard(name)
    model.privileges = [p for p in model.privileges if p.role != name]


def drop_role(model, ctx, cmd, db):
    if cmd.name == "PUBLIC":
        raise _reserved("delete", cmd.name, "deleted")
    if cmd.name not in model.roles:
        if cmd.if_exists:
            return system_result(db, updates=0)
        raise _role_not_found("Failed to delete the specified role '%s': Role does not exist." % cmd.name,
                              cmd.name)
    del model.roles[cmd.name]
    _forget_role(model, cmd.name)
    return system_result(db)


def _role_no_effect(text, assigned):
    """00N70 / 00N71 for GRANT ROLE / REVOKE ROLE (all-notifications.adoc, SECURITY)."""
    if assigned:
        return Notification("00N70", "Neo.ClientNotification.Security.CommandHasNoEffect",
                            "`%s` has no effect." % text,
                            "The user already has the role. See Status Codes documentation for more information.",
                            "note: successful completion - role or privilege already assigned. `%s` has no "
                            "effect. The role or privilege is already assigned." % text,
                            "INFORMATION", "SECURITY", {"cmd": text})
    return Notification("00N71", "Neo.ClientNotification.Security.CommandHasNoEffect",
                        "`%s` has no effect." % text,
                        "The user does not have the role. See Status Codes documentation for more information.",
                        "note: successful completion - role or privilege not assigned. `%s` has no effect. The "
                        "role or privilege is not assigned." % text, "INFORMATION", "SECURITY", {"cmd": text})


def _impossible_revoke(text, what):
    return Notification("01N70", "Neo.ClientNotification.Security.ImpossibleRevokeCommand",
                        "`%s` has no effect." % text,
                        "%s does not exist. Make sure nothing is misspelled. This notification will become an "
                        "error in a future major version. See Status Codes documentation for more information."
                        % what,
                        "warn: impossible revoke command. `%s` has no effect. %s does not exist. Make sure "
                        "nothing is misspelled. This notification will become an error in a future major "
                        "version." % (text, what), "WARNING", "SECURITY", {"cmd": text})


def grant_role(model, ctx, cmd, db):
    updates = 0
    notifications = []
    for role in cmd.roles:
        for name in cmd.users:
            if role not in model.roles:
                raise _role_not_found("Failed to grant role '%s' to user '%s': Role does not exist." % (role, name),
                                      role)
            user = model.users.get(name)
            if user is None:
                error = _user_not_found("alter", name)
                error.message = "Failed to grant role '%s' to user '%s': User does not exist." % (role, name)
                error.args = (error.message,)
                raise error
            if role not in user.roles:
                user.roles.add(role)
                updates += 1
            else:
                notifications.append(_role_no_effect("GRANT ROLE %s TO %s" % (role, name), True))
    result = system_result(db, updates)
    result.notifications = notifications
    return result


def revoke_role(model, ctx, cmd, db):
    """REVOKE ROLE of a role or from a user that does not exist succeeds with 01N70, and of a role the user does
    not have with 00N71 (all-notifications.adoc examples "REVOKE ROLE manager, reader FROM jane")."""
    updates = 0
    notifications = []
    for role in cmd.roles:
        if role == "PUBLIC":
            raise argument_error("Failed to revoke role '%s': 'PUBLIC' is a reserved role and cannot be revoked."
                                 % role, "42N15")
        for name in cmd.users:
            text = "REVOKE ROLE %s FROM %s" % (role, name)
            if role not in model.roles:
                notifications.append(_impossible_revoke(text, "Role"))
                continue
            user = model.users.get(name)
            if user is None:
                notifications.append(_impossible_revoke(text, "User"))
            elif role in user.roles:
                user.roles.discard(role)
                updates += 1
            else:
                notifications.append(_role_no_effect(text, False))
    result = system_result(db, updates)
    result.notifications = notifications
    return result
