"""Users and roles (OM5 authentication-authorization/manage-users.adoc and manage-roles.adoc)."""

from .. import errors, versions
from ..model import BUILTIN_ROLES, User
from .context import argument_error, rows_result, system_result
from .projection import apply_tail

USER_COLUMNS = ["user", "roles", "passwordChangeRequired", "suspended", "home"]
ROLE_COLUMNS = ["role"]
ROLE_ALL_COLUMNS = ["role", "immutable"]  # YIELD * shows `immutable` from 5.26
ROLE_USER_COLUMNS = ["role", "member"]
ROLE_USER_ALL_COLUMNS = ["role", "immutable", "member"]

MIN_PASSWORD_LENGTH = 8  # dbms.security.auth_minimum_password_length default


def _user_row(user):
    # Neo4j lists the granted roles sorted, with PUBLIC last.
    roles = sorted(r for r in user.roles if r != "PUBLIC") + ["PUBLIC"]
    # tags (2026.06+): ABAC tags are not simulated, so no user has any.
    return {"user": user.name, "roles": roles, "passwordChangeRequired": user.password_change_required,
            "suspended": user.suspended, "home": user.home, "tags": []}


def user_columns(version):
    """(default, YIELD *) columns of SHOW USERS / SHOW CURRENT USER: ``tags`` only with YIELD, from 2026.06
    (docs-operations manage-users.adoc, tag 2026.07.0)."""
    extra = ["tags"] if versions.at_least(version, versions.USER_TAGS) else []
    return USER_COLUMNS, USER_COLUMNS + extra


def show_users(model, ctx, cmd, db):
    rows = [_user_row(u) for u in sorted(model.users.values(), key=lambda u: u.name)]
    fields, records = apply_tail(rows, *user_columns(model.version), cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)


def show_current_user(model, ctx, cmd, db):
    user = model.users.get(ctx.user)
    rows = [_user_row(user)] if user is not None else []
    fields, records = apply_tail(rows, *user_columns(model.version), cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)


def profile(model, role):
    """The built-in roles whose privileges ``role`` carries: itself if built in, else what it was copied from.

    Privileges are not modelled one by one; a role made ``AS COPY OF admin`` acts as admin.
    """
    marks = set(model.roles.get(role, ()))
    if role in BUILTIN_ROLES:
        marks.add(role)
    return marks


def has_profile(model, user, *roles):
    return user is not None and not user.suspended and any(
        profile(model, r) & set(roles) for r in user.roles)


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


def _check_password(password, encrypted):
    if not encrypted and len(password) < MIN_PASSWORD_LENGTH:
        raise argument_error("A password must be at least %d characters." % MIN_PASSWORD_LENGTH, "22N85",
                             "Neo.ClientError.General.InvalidArguments")
    if not password:
        raise argument_error("A password cannot be empty.", "22N85", "Neo.ClientError.General.InvalidArguments")


def _check_username(name):
    if not name or any(c in name for c in ",:") or name != name.strip():
        raise argument_error("The provided username '%s' contains illegal characters." % name, "22N82",
                             "Neo.ClientError.General.InvalidArguments")


def create_user(model, ctx, cmd, db):
    _check_username(cmd.name)
    if cmd.name in model.users:
        if cmd.if_not_exists:
            return system_result(db, updates=0)
        if not cmd.replace:
            raise _already_exists("user", cmd.name, "42N12")
        if cmd.name == ctx.user:
            raise _self_delete(cmd.name)
    _check_password(cmd.password, cmd.encrypted)
    model.users[cmd.name] = User(name=cmd.name, password=cmd.password, roles={"PUBLIC"},
                                 suspended=cmd.suspended, password_change_required=cmd.change_required,
                                 home=cmd.home.lower() if cmd.home else None)
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
    if cmd.password is not None:
        _check_password(cmd.password, cmd.encrypted)
        if cmd.password == user.password:
            raise errors.Neo4jError(
                "Neo.ClientError.Statement.ArgumentError",
                "Failed to alter the specified user '%s': Old password and new password cannot be the same."
                % cmd.name, "22N89",
                "error: data exception - new password cannot be the same as the old password. Expected the new "
                "password to be different from the old password.")
        user.password = cmd.password
    if cmd.change_required is not None:
        user.password_change_required = cmd.change_required
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
    if cmd.name in model.roles:
        if cmd.if_not_exists:
            return system_result(db, updates=0)
        if not cmd.replace:
            raise _already_exists("role", cmd.name, "42N13")
    privileges = set()
    if cmd.copy_of is not None:
        if cmd.copy_of not in model.roles:
            raise _role_not_found("Failed to create a role as copy of '%s': Role does not exist." % cmd.copy_of,
                                  cmd.copy_of)
        privileges = profile(model, cmd.copy_of)
    if cmd.replace and cmd.name in model.roles:
        for user in model.users.values():  # OR REPLACE drops the old role, and with it its grants
            user.roles.discard(cmd.name)
    model.roles[cmd.name] = privileges
    return system_result(db)


def drop_role(model, ctx, cmd, db):
    if cmd.name == "PUBLIC":
        raise _reserved("delete", cmd.name, "deleted")
    if cmd.name not in model.roles:
        if cmd.if_exists:
            return system_result(db, updates=0)
        raise _role_not_found("Failed to delete the specified role '%s': Role does not exist." % cmd.name,
                              cmd.name)
    del model.roles[cmd.name]
    for user in model.users.values():
        user.roles.discard(cmd.name)
    return system_result(db)


def grant_role(model, ctx, cmd, db):
    updates = 0
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
    return system_result(db, updates)


def revoke_role(model, ctx, cmd, db):
    updates = 0
    for role in cmd.roles:
        if role == "PUBLIC":
            raise argument_error("Failed to revoke role '%s': 'PUBLIC' is a reserved role and cannot be revoked."
                                 % role, "42N15")
        for name in cmd.users:
            if role not in model.roles:
                raise _role_not_found("Failed to revoke role '%s' from user '%s': Role does not exist."
                                      % (role, name), role)
            user = model.users.get(name)
            if user is not None and role in user.roles:
                user.roles.discard(role)
                updates += 1
    return system_result(db, updates)
