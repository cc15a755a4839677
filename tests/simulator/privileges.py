"""Privileges as Neo4j stores and lists them, the built-in roles' defaults, and the checks that use them.

A privilege is one row of ``SHOW PRIVILEGES``: ``access`` (GRANTED | DENIED), ``action``, ``resource``,
``graph``, ``segment``, ``role``, ``immutable`` (docs-operations 5.26 ``authentication-authorization/
manage-privileges.adoc``, "Listing assigned privileges").  One command may make several rows:
``GRANT MATCH {*} ON GRAPH * TO r`` makes a NODE(*) and a RELATIONSHIP(*) row, ``ON GRAPHS a, b`` a row
per graph, ``READ {a, b}`` a row per property; ``AS COMMANDS`` prints one command per row, and rows that
print the same command (the two rows of ``WRITE``) once.

Sources for the names in the rows (``action``, ``resource``, ``segment``):

- the 5.26 manual's SHOW PRIVILEGES examples (``access``, ``match``/``all_properties``, ``write``/``graph``,
  ``transaction_management``/``USER(*)``, ``constraint``, ``index``, ``token``, ``start_database``,
  ``stop_database``, ``dbms_actions``, ``database_management``, ``execute``/``PROCEDURE(*)``);
- Neo4j's own acceptance-test helpers for the others (``traverse``/``graph``, ``read``, ``create_element``,
  ``delete_element``, ``set_property``, ``show_index``, ``show_constraint``, ``database_actions``,
  ``role_management``, ``user_management``, ``privilege_management``, ``show_user``, ``show_role``,
  ``show_privilege``): neo4j/neo4j 4.x ``AdministrationCommandAcceptanceTestBase.scala``.
- ``alias_management`` (4.4+, after those tests) and ``load``/``all_data`` follow the same scheme; no
  example lists their rows.  The collection reads ``AS COMMANDS`` only, whose text every manual example
  fixes.

The ``graph`` of a privilege ``ON HOME GRAPH`` / ``ON HOME DATABASE`` is shown as ``DEFAULT``, as every
SHOW PRIVILEGES example of the 5.26 and current manuals prints PUBLIC's ``ACCESS ON HOME DATABASE``.

Privileges on a database disappear with it: Neo4j's acceptance test "should not show role privileges on a
dropped database" (4.x ``PrivilegeAdministrationCommandAcceptanceTest``), and the manual: a new database of
the same name does NOT have the privileges of the dropped one (``database-administration.adoc``).
"""

import re
from dataclasses import dataclass, replace

HOME = "DEFAULT"  # the graph column of HOME GRAPH / HOME DATABASE privileges


@dataclass(frozen=True)
class Privilege:
    role: str
    access: str  # GRANTED | DENIED
    action: str
    resource: str
    graph: str  # "*", a database name, or HOME
    segment: str
    immutable: bool = False

    def row(self):
        return {"access": self.access, "action": self.action, "resource": self.resource, "graph": self.graph,
                "segment": self.segment, "role": self.role, "immutable": self.immutable}

    def renamed(self, role):
        return replace(self, role=role)


@dataclass(frozen=True)
class Kind:
    """One privilege the simulator knows: its canonical words and where it applies."""

    words: str  # as AS COMMANDS prints it, e.g. "NAME MANAGEMENT"
    action: str
    target: str  # database | graph | dbms | all_data
    resource: str = "database"
    properties: bool = False  # READ {..}, MATCH {..}, SET PROPERTY {..}
    entity: bool = False  # takes NODES / RELATIONSHIPS / ELEMENTS
    segments: tuple = ()  # fixed segments (WRITE: NODE(*) and RELATIONSHIP(*))
    noun: str = ""  # as "Failed to grant <noun> privilege" names it


def _kinds():
    kinds = [
        # Database privileges (database-administration.adoc).
        Kind("ACCESS", "access", "database", noun="access"),
        Kind("START", "start_database", "database", noun="start_database"),
        Kind("STOP", "stop_database", "database", noun="stop_database"),
        Kind("INDEX MANAGEMENT", "index", "database", noun="index"),
        Kind("CONSTRAINT MANAGEMENT", "constraint", "database", noun="constraint"),
        Kind("NAME MANAGEMENT", "token", "database", noun="token"),
        Kind("SHOW INDEX", "show_index", "database", noun="show_index"),
        Kind("SHOW CONSTRAINT", "show_constraint", "database", noun="show_constraint"),
        Kind("ALL DATABASE PRIVILEGES", "database_actions", "database", noun="database_actions"),
        Kind("TRANSACTION MANAGEMENT (*)", "transaction_management", "database", segments=("USER(*)",),
             noun="transaction_management"),
        # Graph privileges (privileges-reads.adoc, privileges-writes.adoc).
        Kind("TRAVERSE", "traverse", "graph", resource="graph", entity=True, noun="traversal"),
        Kind("READ", "read", "graph", properties=True, entity=True, noun="read"),
        Kind("MATCH", "match", "graph", properties=True, entity=True, noun="match"),
        Kind("WRITE", "write", "graph", resource="graph", segments=("NODE(*)", "RELATIONSHIP(*)"), noun="write"),
        Kind("CREATE", "create_element", "graph", resource="graph", entity=True, noun="create_element"),
        Kind("DELETE", "delete_element", "graph", resource="graph", entity=True, noun="delete_element"),
        Kind("SET PROPERTY", "set_property", "graph", properties=True, entity=True, noun="set_property"),
        # DBMS privileges (dbms-administration.adoc).
        Kind("ALL DBMS PRIVILEGES", "dbms_actions", "dbms", noun="dbms_actions"),
        Kind("ROLE MANAGEMENT", "role_management", "dbms", noun="role_management"),
        Kind("USER MANAGEMENT", "user_management", "dbms", noun="user_management"),
        Kind("DATABASE MANAGEMENT", "database_management", "dbms", noun="database_management"),
        Kind("ALIAS MANAGEMENT", "alias_management", "dbms", noun="alias_management"),
        Kind("PRIVILEGE MANAGEMENT", "privilege_management", "dbms", noun="privilege_management"),
        Kind("SHOW USER", "show_user", "dbms", noun="show_user"),
        Kind("SHOW ROLE", "show_role", "dbms", noun="show_role"),
        Kind("SHOW PRIVILEGE", "show_privilege", "dbms", noun="show_privilege"),
        Kind("EXECUTE PROCEDURE", "execute", "dbms", segments=("PROCEDURE(*)",), noun="execute"),
        Kind("EXECUTE FUNCTION", "execute", "dbms", segments=("FUNCTION(*)",), noun="execute"),
        # LOAD (load-privileges.adoc): PUBLIC and admin hold LOAD ON ALL DATA by default.
        Kind("LOAD", "load", "all_data", resource="all_data", noun="load"),
    ]
    return kinds


KINDS = _kinds()


def kind_of(privilege):
    """The Kind a row belongs to (EXECUTE rows by their segment)."""
    for kind in KINDS:
        if kind.action != privilege.action:
            continue
        if kind.action == "execute" and privilege.segment not in kind.segments:
            continue
        return kind
    raise KeyError(privilege.action)


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def quote_if_needed(name):
    """Labels, types and properties print bare when they are plain identifiers (``NODE Patient``)."""
    return name if _PLAIN.match(name) else "`%s`" % name.replace("`", "``")


def quote(name):
    """Database and role names always print in backticks (``ON GRAPH `healthcare```, ``TO `reader```)."""
    return "`%s`" % name.replace("`", "``")


def _segment_text(segment):
    match = re.match(r"(NODE|RELATIONSHIP)\((.*)\)\Z", segment)
    if not match:
        return ""
    name = match.group(2)
    return " %s %s" % (match.group(1), "*" if name == "*" else quote_if_needed(name))


def _properties_text(resource):
    if resource == "all_properties":
        return " {*}"
    match = re.match(r"property\((.*)\)\Z", resource)
    return " {%s}" % quote_if_needed(match.group(1)) if match else ""


def body(privilege):
    """The command without GRANT/DENY and the role: ``MATCH {*} ON GRAPH `movies` NODE *``."""
    kind = kind_of(privilege)
    words = kind.words
    if kind.properties:
        words += _properties_text(privilege.resource)
    if kind.target == "dbms":
        return words + (" *" if kind.action == "execute" else "") + " ON DBMS"
    if kind.target == "all_data":
        return words + " ON ALL DATA"
    noun = "GRAPH" if kind.target == "graph" else "DATABASE"
    if privilege.graph == HOME:
        where = "HOME %s" % noun
    elif privilege.graph == "*":
        where = "%s *" % noun
    else:
        where = "%s %s" % (noun, quote(privilege.graph))
    text = "%s ON %s" % (words, where)
    if kind.entity:
        text += _segment_text(privilege.segment)
    return text


def command(privilege, revoke=False, role_text=None):
    """The row as AS COMMANDS (or AS REVOKE COMMANDS) prints it."""
    role = role_text or quote(privilege.role)
    verb = "GRANT" if privilege.access == "GRANTED" else "DENY"
    immutable = " IMMUTABLE" if privilege.immutable else ""
    if revoke:
        return "REVOKE%s %s %s FROM %s" % (immutable, verb, body(privilege), role)
    return "%s%s %s TO %s" % (verb, immutable, body(privilege), role)


# ----- built-in roles (built-in-roles.adoc, "Listing <role> role privileges", 5.26 and current) -------------

READER = ["ACCESS ON DATABASE *", "MATCH {*} ON GRAPH * NODE *", "MATCH {*} ON GRAPH * RELATIONSHIP *",
          "SHOW CONSTRAINT ON DATABASE *", "SHOW INDEX ON DATABASE *"]
EDITOR = READER + ["WRITE ON GRAPH *"]
PUBLISHER = EDITOR + ["NAME MANAGEMENT ON DATABASE *"]
ARCHITECT = PUBLISHER + ["CONSTRAINT MANAGEMENT ON DATABASE *", "INDEX MANAGEMENT ON DATABASE *"]
BUILTIN_GRANTS = {
    "PUBLIC": ["ACCESS ON HOME DATABASE", "EXECUTE FUNCTION * ON DBMS", "EXECUTE PROCEDURE * ON DBMS",
               "LOAD ON ALL DATA"],
    "reader": READER,
    "editor": EDITOR,
    "publisher": PUBLISHER,
    "architect": ARCHITECT,
    "admin": ARCHITECT + ["ALL DBMS PRIVILEGES ON DBMS", "LOAD ON ALL DATA", "START ON DATABASE *",
                          "STOP ON DATABASE *", "TRANSACTION MANAGEMENT (*) ON DATABASE *"],
}


# ----- checks ----------------------------------------------------------------------------------------------

# What grants (and, denied, refuses) an action: the action itself and the privileges that contain it
# (database-administration.adoc and dbms-administration.adoc, the privilege hierarchies).
IMPLIED_BY = {
    "access": {"access", "database_actions"},
    "start_database": {"start_database"},
    "stop_database": {"stop_database"},
    "traverse": {"traverse", "read", "match"},
    "create_element": {"create_element", "write"},
    "delete_element": {"delete_element", "write"},
}
DBMS_GROUPS = {
    "role_management": ("create_role", "drop_role", "assign_role", "remove_role", "show_role"),
    "user_management": ("create_user", "drop_user", "alter_user", "show_user"),
    "database_management": ("create_database", "drop_database", "alter_database"),
    "alias_management": ("create_alias", "drop_alias", "alter_alias", "show_alias"),
    "privilege_management": ("show_privilege", "assign_privilege", "remove_privilege"),
}
for _group, _members in DBMS_GROUPS.items():
    for _member in _members:
        IMPLIED_BY[_member] = {_member, _group, "dbms_actions"}
    IMPLIED_BY[_group] = {_group, "dbms_actions"}
IMPLIED_BY["dbms_actions"] = {"dbms_actions"}
IMPLIED_BY["show_servers"] = {"dbms_actions"}  # SERVER MANAGEMENT is not modelled; admin holds it through ALL
IMPLIED_BY["execute_admin"] = {"dbms_actions"}
IMPLIED_BY["show_setting"] = {"show_setting", "dbms_actions"}  # SHOW SETTING (dbms privileges), or ALL


def _covers(privilege, database, home):
    """Whether the row's graph covers ``database`` (None: a DBMS action)."""
    if privilege.graph == "*":
        return True
    if database is None:
        return False
    if privilege.graph == HOME:
        return database == home
    return privilege.graph == database


def allows(model, user, action, database=None):
    """Whether ``user`` (a model User) may do ``action`` on ``database`` (a name; None for DBMS actions):
    a GRANT from one of its roles and no DENY (manage-privileges.adoc: "The user will be able to access the
    resource if they have a GRANT (allowlist) and do not have a DENY (denylist) relevant to that resource")."""
    if user is None or user.suspended:
        return False
    actions = IMPLIED_BY.get(action, {action})
    roles = set(user.roles) | {"PUBLIC"}
    home = model.resolved_home(user.name) if database is not None else None
    granted = False
    for privilege in model.privileges:
        if privilege.role not in roles or privilege.action not in actions:
            continue
        if not _covers(privilege, database, home):
            continue
        if privilege.access == "DENIED":
            return False
        granted = True
    return granted


def roles_text(user):
    """The role list of Neo4j's refusals: ``[PUBLIC, custom]`` (sorted, as Java sorts strings)."""
    return "[%s]" % ", ".join(sorted(set(user.roles) | {"PUBLIC"})) if user is not None else "[]"
