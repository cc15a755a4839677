"""GRANT, DENY and REVOKE of privileges, and SHOW PRIVILEGES (docs-operations 5.26
authentication-authorization/manage-privileges.adoc, database-administration.adoc, privileges-reads.adoc,
privileges-writes.adoc, dbms-administration.adoc).

Syntax (Cypher 5)::

    GRANT [IMMUTABLE] privilege TO role[, ...]
    DENY [IMMUTABLE] privilege TO role[, ...]
    REVOKE [IMMUTABLE] [GRANT | DENY] privilege FROM role[, ...]
    SHOW [ALL] PRIVILEGE[S] [AS [REVOKE] COMMAND[S]] [YIELD ...] [WHERE ...] [RETURN ...]
    SHOW ROLE[S] name[, ...] PRIVILEGE[S] [AS [REVOKE] COMMAND[S]] ...
    SHOW USER[S] [name[, ...]] PRIVILEGE[S] [AS [REVOKE] COMMAND[S]] ...

The privileges the simulator knows are listed in ``simulator/privileges.py`` (KINDS); any other fails with
UnsupportedAdministrationCommand, and IMMUTABLE too (Neo4j accepts it only with auth disabled).

Outcomes, as Neo4j documents them (docs-status-codes ``notifications/all-notifications.adoc``, SECURITY):
a GRANT or DENY the role already holds, and a REVOKE of what it does not hold, succeed with the notification
``00N70`` / ``00N71`` ("`<command>` has no effect."); a REVOKE from a role that does not exist succeeds with
``01N70`` (ImpossibleRevokeCommand).  A GRANT or DENY to a missing role or on a missing database fails:
"Failed to grant traversal privilege to role 'custom': Role 'custom' does not exist." / "...: Database 'foo'
does not exist." (Neo4j's acceptance tests, 4.x ``PrivilegeAdministrationCommandAcceptanceTest``).
"""

from dataclasses import dataclass, field

from .. import errors
from ..notifications import Notification
from ..privileges import HOME, KINDS, Privilege, body, command, quote
from .context import rows_result, system_result
from .projection import apply_tail

PRIVILEGE_COLUMNS = ["access", "action", "resource", "graph", "segment", "role", "immutable"]
USER_PRIVILEGE_COLUMNS = PRIVILEGE_COLUMNS + ["user"]
COMMAND_COLUMNS = ["command"]
COMMAND_ALL_COLUMNS = ["command", "immutable"]


def _not_supported(what):
    return errors.unsupported("%s is not supported by the Neo4j simulator." % what)


@dataclass
class Spec:
    """One privilege as written: its kind, properties, graphs and segments (each list a product)."""

    kind: object
    properties: list = field(default_factory=lambda: [None])  # None | "*" | names
    graphs: list = field(default_factory=lambda: ["*"])  # "*" | HOME | names
    segments: list = field(default_factory=lambda: ["database"])

    def rows(self, role, access):
        out = []
        for graph in self.graphs:
            for prop in self.properties:
                for segment in self.segments:
                    if self.kind.properties:
                        resource = "all_properties" if prop == "*" else "property(%s)" % prop
                    else:
                        resource = self.kind.resource
                    out.append(Privilege(role=role, access=access, action=self.kind.action, resource=resource,
                                         graph=graph, segment=segment))
        return out


# ----- grammar ---------------------------------------------------------------------------------------------

def _kind(words):
    for kind in KINDS:
        if kind.words == words:
            return kind
    raise KeyError(words)


def _names(cur):
    names = [cur.name()[0]]
    while cur.accept_sym(","):
        names.append(cur.name()[0])
    return names


def _star_or_names(cur):
    if cur.accept_sym("*"):
        return ["*"]
    return _names(cur)


def _properties(cur):
    cur.expect_sym("{")
    if cur.accept_sym("*"):
        cur.expect_sym("}")
        return ["*"]
    names = [cur.symbolic_name("a property name")]
    while cur.accept_sym(","):
        names.append(cur.symbolic_name("a property name"))
    cur.expect_sym("}")
    return names


def _database_scope(cur):
    """ON HOME DATABASE | ON DATABASE[S] {* | name[, ...]}"""
    if cur.accept_kws("HOME", "DATABASE"):
        return [HOME]
    if cur.at_kw("DEFAULT"):
        raise _not_supported("DEFAULT DATABASE (removed in Neo4j 5)")
    cur.expect_kw("DATABASE", "DATABASES")
    return _star_or_names(cur)


def _graph_scope(cur):
    """ON HOME GRAPH | ON GRAPH[S] {* | name[, ...]}"""
    if cur.accept_kws("HOME", "GRAPH"):
        return [HOME]
    cur.expect_kw("GRAPH", "GRAPHS")
    return _star_or_names(cur)


def _entity(cur):
    """[NODE[S] | RELATIONSHIP[S] | ELEMENT[S] {* | name[, ...]}]; defaults to ELEMENTS *."""
    word = cur.accept_kw("NODE", "NODES", "RELATIONSHIP", "RELATIONSHIPS", "ELEMENT", "ELEMENTS")
    if word is None:
        if cur.at_kw("FOR"):
            raise _not_supported("property-based access control (FOR pattern)")
        return ["NODE(*)", "RELATIONSHIP(*)"]
    names = _star_or_names(cur)
    if cur.at_sym("("):
        raise _not_supported("the (*) after an entity")
    if word.startswith("NODE"):
        return ["NODE(%s)" % n for n in names]
    if word.startswith("RELATIONSHIP"):
        return ["RELATIONSHIP(%s)" % n for n in names]
    return ["NODE(%s)" % n for n in names] + ["RELATIONSHIP(%s)" % n for n in names]


def _database_privilege_words(cur):
    """The words of a database privilege at the cursor, or None."""
    if cur.accept_kw("ACCESS"):
        return "ACCESS"
    if cur.at_kw("START", "STOP") and cur.peek().is_kw("ON"):
        return cur.advance().value.upper()
    for words, canonical in ((("INDEX", "INDEXES"), "INDEX MANAGEMENT"),
                             (("CONSTRAINT", "CONSTRAINTS"), "CONSTRAINT MANAGEMENT"),
                             (("NAME",), "NAME MANAGEMENT")):
        if cur.at_kw(*words) and (cur.peek().is_kw("MANAGEMENT", "ON")):
            cur.advance()
            cur.accept_kw("MANAGEMENT")
            return canonical
    if cur.at_kw("SHOW") and cur.peek().is_kw("INDEX", "INDEXES", "CONSTRAINT", "CONSTRAINTS"):
        cur.advance()
        return "SHOW INDEX" if cur.advance().value.upper().startswith("INDEX") else "SHOW CONSTRAINT"
    if cur.at_kw("TRANSACTION", "TRANSACTIONS"):
        cur.advance()
        cur.accept_kw("MANAGEMENT")
        if cur.accept_sym("("):
            if not cur.accept_sym("*"):
                raise _not_supported("TRANSACTION MANAGEMENT for named users")
            cur.expect_sym(")")
        return "TRANSACTION MANAGEMENT (*)"
    return None


def _dbms_privilege_words(cur):
    for group in ("ROLE", "USER", "DATABASE", "ALIAS", "PRIVILEGE"):
        if cur.at_kw(group) and cur.peek().is_kw("MANAGEMENT"):
            cur.advance()
            cur.advance()
            return "%s MANAGEMENT" % group
    if cur.at_kw("SHOW") and cur.peek().is_kw("USER", "USERS", "ROLE", "ROLES", "PRIVILEGE", "PRIVILEGES"):
        cur.advance()
        word = cur.advance().value.upper().rstrip("S")
        return "SHOW %s" % word
    if cur.at_kw("EXECUTE"):
        cur.advance()
        if cur.accept_kw("PROCEDURE", "PROCEDURES"):
            words = "EXECUTE PROCEDURE"
        elif cur.accept_kws("USER", "DEFINED", "FUNCTION") or cur.accept_kws("USER", "DEFINED", "FUNCTIONS") \
                or cur.accept_kw("FUNCTION", "FUNCTIONS"):
            words = "EXECUTE FUNCTION"
        else:
            raise _not_supported("EXECUTE %s" % cur.tok.text.upper())
        if not cur.accept_sym("*"):
            raise _not_supported("EXECUTE privileges on named procedures or functions")
        return words
    return None


def parse_privilege(cur):
    """The privilege between GRANT/DENY/REVOKE [GRANT|DENY] and TO/FROM, as a Spec."""
    start = cur.tok
    words = _database_privilege_words(cur)
    if words is not None:
        cur.expect_kw("ON")
        return Spec(kind=_kind(words), graphs=_database_scope(cur),
                    segments=list(_kind(words).segments) or ["database"])
    if cur.at_kw("ALL"):
        cur.advance()
        qualifier = cur.accept_kw("DATABASE", "DBMS", "GRAPH")
        if qualifier is not None or cur.at_kw("PRIVILEGES"):
            cur.expect_kw("PRIVILEGES")
        cur.expect_kw("ON")
        if cur.accept_kw("DBMS"):
            return Spec(kind=_kind("ALL DBMS PRIVILEGES"), segments=["database"])
        if cur.at_kw("GRAPH", "GRAPHS") or (cur.at_kw("HOME") and cur.peek().is_kw("GRAPH")):
            raise _not_supported("ALL GRAPH PRIVILEGES")
        return Spec(kind=_kind("ALL DATABASE PRIVILEGES"), graphs=_database_scope(cur))
    words = _dbms_privilege_words(cur)
    if words is not None:
        kind = _kind(words)
        cur.expect_kw("ON")
        cur.expect_kw("DBMS")
        return Spec(kind=kind, segments=list(kind.segments) or ["database"])
    if cur.accept_kw("LOAD"):
        cur.expect_kw("ON")
        if not cur.accept_kws("ALL", "DATA"):
            raise _not_supported("LOAD ON CIDR / URL")
        return Spec(kind=_kind("LOAD"))
    graph_words = None
    if cur.at_kw("TRAVERSE", "WRITE") or (cur.at_kw("CREATE", "DELETE") and cur.peek().is_kw("ON")):
        graph_words = cur.advance().value.upper()
    elif cur.at_kw("READ", "MATCH"):
        graph_words = cur.advance().value.upper()
    elif cur.at_kw("SET") and cur.peek().is_kw("PROPERTY"):
        cur.advance()
        cur.advance()
        graph_words = "SET PROPERTY"
    if graph_words is None:
        raise _not_supported("the privilege '%s'" % start.text.upper())
    kind = _kind(graph_words)
    properties = _properties(cur) if kind.properties else [None]
    cur.expect_kw("ON")
    graphs = _graph_scope(cur)
    segments = _entity(cur) if kind.entity else list(kind.segments)
    return Spec(kind=kind, properties=properties, graphs=graphs, segments=segments)


def parse_command(cur, verb):
    """GRANT / DENY / REVOKE of a privilege, after the verb: returns the Command's fields."""
    from .parser import Command  # the parser imports this module
    if cur.accept_kw("IMMUTABLE"):
        raise _not_supported("IMMUTABLE privileges (Neo4j accepts them only with auth disabled)")
    which = None
    if verb == "REVOKE" and cur.at_kw("GRANT", "DENY") and not cur.peek().is_kw("ON"):
        which = cur.advance().value.upper()
    spec = parse_privilege(cur)
    cur.expect_kw("FROM" if verb == "REVOKE" else "TO")
    roles = _names(cur)
    kind = {"GRANT": "grant_privilege", "DENY": "deny_privilege", "REVOKE": "revoke_privilege"}[verb]
    text = {"GRANT": "GRANT", "DENY": "DENY", "REVOKE": "REVOKE"}[verb]
    return Command(kind, "%s %s" % (text, spec.kind.words.split(" ")[0]), spec=spec, roles=roles, which=which)


def builtin_privileges():
    """The privileges of the built-in roles on a fresh DBMS (simulator/privileges.py BUILTIN_GRANTS)."""
    from ..privileges import BUILTIN_GRANTS
    from .stream import Cursor
    out = []
    for role, bodies in BUILTIN_GRANTS.items():
        for text in bodies:
            out.extend(parse_privilege(Cursor(text, {})).rows(role, "GRANTED"))
    return out


# ----- execution -------------------------------------------------------------------------------------------

def _has_no_effect(text, granted):
    if granted:
        return Notification("00N70", "Neo.ClientNotification.Security.CommandHasNoEffect",
                            "`%s` has no effect." % text,
                            "The role already has the privilege. See Status Codes documentation for more "
                            "information.",
                            "note: successful completion - role or privilege already assigned. `%s` has no "
                            "effect. The role or privilege is already assigned." % text,
                            "INFORMATION", "SECURITY", {"cmd": text})
    return Notification("00N71", "Neo.ClientNotification.Security.CommandHasNoEffect",
                        "`%s` has no effect." % text,
                        "The role does not have the privilege. See Status Codes documentation for more "
                        "information.",
                        "note: successful completion - role or privilege not assigned. `%s` has no effect. The "
                        "role or privilege is not assigned." % text,
                        "INFORMATION", "SECURITY", {"cmd": text})


def _impossible_revoke(text):
    return Notification("01N70", "Neo.ClientNotification.Security.ImpossibleRevokeCommand",
                        "`%s` has no effect." % text,
                        "Role does not exist. Make sure nothing is misspelled. This notification will become an "
                        "error in a future major version. See Status Codes documentation for more information.",
                        "warn: impossible revoke command. `%s` has no effect. Role does not exist. Make sure "
                        "nothing is misspelled. This notification will become an error in a future major "
                        "version." % text, "WARNING", "SECURITY", {"cmd": text})


def _role_missing(verb, noun, role):
    preposition = "from" if verb == "revoke" else "to"
    return errors.Neo4jError(
        "Neo.ClientError.General.InvalidArguments",
        "Failed to %s %s privilege %s role '%s': Role '%s' does not exist." % (verb, noun, preposition, role, role),
        "42N10",
        "error: syntax error or access rule violation - no such role. A role with the name `%s` was not found. "
        "Verify that the spelling is correct." % role)


def _database_missing(verb, noun, role, name):
    preposition = "from" if verb == "revoke" else "to"
    return errors.database_not_found(
        name, "Failed to %s %s privilege %s role '%s': Database '%s' does not exist."
        % (verb, noun, preposition, role, name))


def _resolved_graphs(model, spec, verb, role):
    """Names resolve as Neo4j resolves them: a local alias to its target ("When using an alias, the command
    will be executed on the resolved graph", manage-privileges.adoc)."""
    graphs = []
    for graph in spec.graphs:
        if graph in ("*", HOME) or spec.kind.target in ("dbms", "all_data"):
            graphs.append(graph)
            continue
        db = model.resolve(graph)
        if db is None:
            raise _database_missing(verb, spec.kind.noun, role, graph)
        graphs.append(db.name)
    return graphs


def _assign(model, ctx, cmd, db, access):
    verb = "grant" if access == "GRANTED" else "deny"
    result = system_result(db, updates=0)
    added = 0
    for role in cmd.roles:
        if role not in model.roles:
            raise _role_missing(verb, cmd.spec.kind.noun, role)
        spec = Spec(cmd.spec.kind, cmd.spec.properties, _resolved_graphs(model, cmd.spec, verb, role),
                    cmd.spec.segments)
        for row in spec.rows(role, access):
            if row in model.privileges:
                _notify(result, _has_no_effect(command(row), True))
                continue
            model.privileges.append(row)
            added += 1
    if added:
        result.stats = {"system-updates": added}
    return result


def grant_privilege(model, ctx, cmd, db):
    return _assign(model, ctx, cmd, db, "GRANTED")


def deny_privilege(model, ctx, cmd, db):
    return _assign(model, ctx, cmd, db, "DENIED")


def revoke_privilege(model, ctx, cmd, db):
    result = system_result(db, updates=0)
    removed = 0
    accesses = {"GRANT": ["GRANTED"], "DENY": ["DENIED"], None: ["GRANTED", "DENIED"]}[cmd.which]
    for role in cmd.roles:
        if role not in model.roles:
            shown = Privilege(role, "GRANTED" if cmd.which != "DENY" else "DENIED", cmd.spec.kind.action,
                              cmd.spec.kind.resource, cmd.spec.graphs[0], cmd.spec.segments[0])
            result.notifications.append(_impossible_revoke(_revoke_text(shown, cmd.which)))
            continue
        spec = Spec(cmd.spec.kind, cmd.spec.properties, _resolved_graphs(model, cmd.spec, "revoke", role),
                    cmd.spec.segments)
        for access in accesses:
            for row in spec.rows(role, access):
                if row in model.privileges:
                    model.privileges.remove(row)
                    removed += 1
                else:
                    _notify(result, _has_no_effect(_revoke_text(row, access[:5]), False))
    if removed:
        result.stats = {"system-updates": removed}
        # A REVOKE without GRANT/DENY that removed one of the two reports nothing for the other.
        if cmd.which is None:
            result.notifications = []
    return result


def _notify(result, notification):
    """One notification per command text: the NODE and RELATIONSHIP rows of WRITE print alike."""
    if all(n.title != notification.title for n in result.notifications):
        result.notifications.append(notification)


def _revoke_text(row, which):
    """``REVOKE GRANT ... FROM `role``` as the notifications quote it."""
    verb = "GRANT" if (which or "GRANT").startswith("GRANT") else "DENY"
    return "REVOKE %s %s FROM %s" % (verb, body(row), quote(row.role))


# ----- SHOW PRIVILEGES ---------------------------------------------------------------------------------------

def _sorted(privileges):
    return sorted(privileges, key=lambda p: (p.role, command(p)))


def show_privileges(model, ctx, cmd, db):
    """SHOW [ALL] PRIVILEGES / SHOW ROLE[S] x PRIVILEGES / SHOW USER[S] [x] PRIVILEGES, optionally AS
    [REVOKE] COMMANDS.  User privileges AS COMMANDS name the role as ``$role`` (manage-privileges.adoc)."""
    privileges = _sorted(model.privileges)
    user_rows = None
    if cmd.scope == "role":
        privileges = [p for p in privileges if p.role in cmd.names]
    elif cmd.scope == "user":
        names = cmd.names or [ctx.user]
        user_rows = []
        for name in names:
            user = model.users.get(name)
            if user is None:
                continue  # "should give nothing when showing privileges for non-existing user"
            roles = set(user.roles) | {"PUBLIC"}
            user_rows.extend((name, p) for p in privileges if p.role in roles)
    if cmd.as_commands:
        role_text = "$role" if cmd.scope == "user" else None
        seen, rows = set(), []
        pairs = user_rows if user_rows is not None else [(None, p) for p in privileges]
        for _user, p in pairs:
            text = command(p, revoke=cmd.as_commands == "revoke", role_text=role_text)
            if text not in seen:
                seen.add(text)
                rows.append({"command": text, "immutable": p.immutable})
        rows.sort(key=lambda r: r["command"])
        fields, records = apply_tail(rows, COMMAND_COLUMNS, COMMAND_ALL_COLUMNS, cmd.tail, cmd.params, cmd.query)
        return rows_result(fields, records, db)
    if user_rows is not None:
        rows = [dict(p.row(), user=name) for name, p in user_rows]
        fields, records = apply_tail(rows, USER_PRIVILEGE_COLUMNS, USER_PRIVILEGE_COLUMNS, cmd.tail, cmd.params,
                                     cmd.query)
    else:
        rows = [p.row() for p in privileges]
        fields, records = apply_tail(rows, PRIVILEGE_COLUMNS, PRIVILEGE_COLUMNS, cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)


def parse_show(cur, scope, names):
    """The rest of SHOW ... PRIVILEGE[S] after PRIVILEGE[S]: [AS [REVOKE] COMMAND[S]] and the tail."""
    from .parser import Command, _tail  # the parser imports this module
    as_commands = None
    if cur.accept_kw("AS"):
        as_commands = "revoke" if cur.accept_kw("REVOKE") else "grant"
        cur.expect_kw("COMMAND", "COMMANDS")
    return Command("show_privileges", "SHOW PRIVILEGE", scope=scope, names=names, as_commands=as_commands,
                   tail=_tail(cur))
