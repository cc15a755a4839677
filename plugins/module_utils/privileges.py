# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Privileges written as Neo4j writes them, turned into the exact text ``SHOW ROLE ... PRIVILEGES AS COMMANDS``
prints, so what a role should hold can be compared with what it holds.

A privilege is written as its Cypher command without the role: ``GRANT MATCH {*} ON GRAPH movies``,
``DENY WRITE ON GRAPH movies``, ``ACCESS ON DATABASE movies`` (GRANT when neither GRANT nor DENY is given).
Neo4j lists one command per graph, segment and property, with database names in backticks, so one written
privilege may stand for several listed ones::

    GRANT MATCH {*} ON GRAPH movies
      -> GRANT MATCH {*} ON GRAPH `movies` NODE *
         GRANT MATCH {*} ON GRAPH `movies` RELATIONSHIP *

The forms are those the Operations Manual prints in its ``AS COMMANDS`` examples (5.26 and current,
authentication-authorization/*.adoc): ``ACCESS ON DATABASE `healthcare```, ``ACCESS ON HOME DATABASE``,
``MATCH {*} ON GRAPH `healthcare` NODE Patient``, ``READ {address} ON GRAPH ... NODE Patient``,
``WRITE ON GRAPH `healthcare``` (no segment), ``TRANSACTION MANAGEMENT (*) ON DATABASE *``,
``ROLE MANAGEMENT ON DBMS``, ``EXECUTE PROCEDURE * ON DBMS``, ``LOAD ON ALL DATA``.  Only privileges whose
listed form the manual shows are accepted; anything else is refused by name rather than compared wrongly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from . import cypher

# (what the user writes, normalised) -> (canonical words, target, takes {properties}, takes an entity)
DATABASE, GRAPH, DBMS, ALL_DATA = "database", "graph", "dbms", "all data"
Kind = namedtuple("Kind", ["words", "target", "properties", "entity"])
KINDS = {
    "ACCESS": Kind("ACCESS", DATABASE, False, False),
    "START": Kind("START", DATABASE, False, False),
    "STOP": Kind("STOP", DATABASE, False, False),
    "INDEX": Kind("INDEX MANAGEMENT", DATABASE, False, False),
    "INDEXES": Kind("INDEX MANAGEMENT", DATABASE, False, False),
    "INDEX MANAGEMENT": Kind("INDEX MANAGEMENT", DATABASE, False, False),
    "INDEXES MANAGEMENT": Kind("INDEX MANAGEMENT", DATABASE, False, False),
    "CONSTRAINT": Kind("CONSTRAINT MANAGEMENT", DATABASE, False, False),
    "CONSTRAINTS": Kind("CONSTRAINT MANAGEMENT", DATABASE, False, False),
    "CONSTRAINT MANAGEMENT": Kind("CONSTRAINT MANAGEMENT", DATABASE, False, False),
    "CONSTRAINTS MANAGEMENT": Kind("CONSTRAINT MANAGEMENT", DATABASE, False, False),
    "NAME": Kind("NAME MANAGEMENT", DATABASE, False, False),
    "NAME MANAGEMENT": Kind("NAME MANAGEMENT", DATABASE, False, False),
    "SHOW INDEX": Kind("SHOW INDEX", DATABASE, False, False),
    "SHOW INDEXES": Kind("SHOW INDEX", DATABASE, False, False),
    "SHOW CONSTRAINT": Kind("SHOW CONSTRAINT", DATABASE, False, False),
    "SHOW CONSTRAINTS": Kind("SHOW CONSTRAINT", DATABASE, False, False),
    "ALL DATABASE PRIVILEGES": Kind("ALL DATABASE PRIVILEGES", DATABASE, False, False),
    "TRANSACTION MANAGEMENT (*)": Kind("TRANSACTION MANAGEMENT (*)", DATABASE, False, False),
    "TRAVERSE": Kind("TRAVERSE", GRAPH, False, True),
    "READ": Kind("READ", GRAPH, True, True),
    "MATCH": Kind("MATCH", GRAPH, True, True),
    "WRITE": Kind("WRITE", GRAPH, False, False),
    "CREATE": Kind("CREATE", GRAPH, False, True),
    "DELETE": Kind("DELETE", GRAPH, False, True),
    "SET PROPERTY": Kind("SET PROPERTY", GRAPH, True, True),
    "ALL DBMS PRIVILEGES": Kind("ALL DBMS PRIVILEGES", DBMS, False, False),
    "ROLE MANAGEMENT": Kind("ROLE MANAGEMENT", DBMS, False, False),
    "USER MANAGEMENT": Kind("USER MANAGEMENT", DBMS, False, False),
    "DATABASE MANAGEMENT": Kind("DATABASE MANAGEMENT", DBMS, False, False),
    "ALIAS MANAGEMENT": Kind("ALIAS MANAGEMENT", DBMS, False, False),
    "PRIVILEGE MANAGEMENT": Kind("PRIVILEGE MANAGEMENT", DBMS, False, False),
    "SHOW USER": Kind("SHOW USER", DBMS, False, False),
    "SHOW USERS": Kind("SHOW USER", DBMS, False, False),
    "SHOW ROLE": Kind("SHOW ROLE", DBMS, False, False),
    "SHOW ROLES": Kind("SHOW ROLE", DBMS, False, False),
    "SHOW PRIVILEGE": Kind("SHOW PRIVILEGE", DBMS, False, False),
    "SHOW PRIVILEGES": Kind("SHOW PRIVILEGE", DBMS, False, False),
    "EXECUTE PROCEDURE *": Kind("EXECUTE PROCEDURE *", DBMS, False, False),
    "EXECUTE PROCEDURES *": Kind("EXECUTE PROCEDURE *", DBMS, False, False),
    "EXECUTE FUNCTION *": Kind("EXECUTE FUNCTION *", DBMS, False, False),
    "EXECUTE FUNCTIONS *": Kind("EXECUTE FUNCTION *", DBMS, False, False),
    "EXECUTE USER DEFINED FUNCTION *": Kind("EXECUTE FUNCTION *", DBMS, False, False),
    "EXECUTE USER DEFINED FUNCTIONS *": Kind("EXECUTE FUNCTION *", DBMS, False, False),
    "LOAD": Kind("LOAD", ALL_DATA, False, False),
}
# "ALL [[DATABASE] PRIVILEGES] ON DATABASE", "ALL [DBMS] PRIVILEGES ON DBMS": decided by what follows ON.
SUPPORTED = ("ACCESS, START, STOP, INDEX MANAGEMENT, CONSTRAINT MANAGEMENT, NAME MANAGEMENT, SHOW INDEX, "
             "SHOW CONSTRAINT, ALL DATABASE PRIVILEGES, TRANSACTION MANAGEMENT (*) (ON DATABASE ...); TRAVERSE, "
             "READ {...}, MATCH {...}, WRITE, CREATE, DELETE, SET PROPERTY {...} (ON GRAPH ...); ALL DBMS "
             "PRIVILEGES, ROLE / USER / DATABASE / ALIAS / PRIVILEGE MANAGEMENT, SHOW USER / ROLE / PRIVILEGE, "
             "EXECUTE PROCEDURE *, EXECUTE FUNCTION * (ON DBMS); LOAD ON ALL DATA")

HOME = "HOME"
Privilege = namedtuple("Privilege", ["access", "body", "graph"])  # GRANT|DENY, text after it, database or None

_TOKEN = re.compile(r"\s*(?:(`(?:[^`]|``)*`)|(\{[^}]*\})|(\(\s*\*\s*\))|([A-Za-z0-9_.\-]+)|(\*)|(,)|(\S))")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class PrivilegeError(ValueError):
    """A privilege that cannot be understood; the message names the option and the item."""


def _tokens(text):
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        quoted, braces, star_paren, word, star, comma, other = match.groups()
        if quoted is not None:
            out.append(("name", quoted[1:-1].replace("``", "`")))
        elif braces is not None:
            out.append(("props", braces))
        elif star_paren is not None:
            out.append(("word", "(*)"))
        elif word is not None:
            out.append(("word", word))
        elif star is not None:
            out.append(("star", "*"))
        elif comma is not None:
            out.append(("comma", ","))
        else:
            out.append(("other", other))
    return out


def quote_if_needed(name):
    """Labels, types and properties print bare when they are plain identifiers (``NODE Patient``)."""
    return name if _IDENTIFIER.match(name) else cypher.quote_name(name)


class _Reader:
    def __init__(self, text, where):
        self.text = text
        self.where = where
        self.items = _tokens(text)
        self.pos = 0

    def fail(self, problem):
        raise PrivilegeError("%s: %s in %r." % (self.where, problem, self.text))

    def peek(self, ahead=0):
        index = self.pos + ahead
        return self.items[index] if index < len(self.items) else (None, None)

    def word(self, ahead=0):
        kind, value = self.peek(ahead)
        return value.upper() if kind == "word" else None

    def take(self):
        item = self.peek()
        self.pos += 1
        return item

    def accept(self, *words):
        if self.word() in words:
            return self.take()[1].upper()
        return None

    def expect(self, *words):
        found = self.accept(*words)
        if found is None:
            self.fail("expected %s, found %r" % (" or ".join(words), self.peek()[1] or "the end"))
        return found

    def done(self):
        return self.pos >= len(self.items)


def _names(reader, what):
    """``*`` or ``name[, name]``: plain or backtick-quoted names."""
    if reader.peek()[0] == "star":
        reader.take()
        return ["*"]
    names = []
    while True:
        kind, value = reader.take()
        if kind not in ("word", "name") or (kind == "word" and value.upper() in ("ON", "TO", "FROM")):
            reader.fail("expected %s" % what)
        names.append(value)
        if reader.peek()[0] != "comma":
            return names
        reader.take()


def _graph_name(reader, name):
    try:
        return cypher.validate_alias_name(name, reader.where)
    except cypher.InvalidName as exc:
        raise PrivilegeError("%s (in %r)" % (exc, reader.text))


def _words(reader):
    """The privilege's own words, up to ON (or a property list)."""
    words = []
    while not reader.done() and reader.word() != "ON" and reader.peek()[0] not in ("props",):
        kind, value = reader.take()
        if kind == "star":
            words.append("*")
        elif kind == "word":
            words.append(value.upper())
        else:
            reader.fail("unexpected %r" % value)
    return " ".join(words)


def _properties(reader):
    kind, value = reader.peek()
    if kind != "props":
        reader.fail("expected a property list such as {*} or {name, title}")
    reader.take()
    inner = value[1:-1].strip()
    if inner == "*":
        return ["*"]
    names = []
    for part in inner.split(","):
        part = part.strip()
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            part = part[1:-1].replace("``", "`")
        if not part:
            reader.fail("empty property name")
        names.append(part)
    return names


def _entity(reader):
    """NODE[S] / RELATIONSHIP[S] / ELEMENT[S] {* | names}; default ELEMENTS *."""
    word = reader.accept("NODE", "NODES", "RELATIONSHIP", "RELATIONSHIPS", "ELEMENT", "ELEMENTS")
    if word is None:
        if reader.word() == "FOR":
            reader.fail("property-based access control (FOR ...) is not supported")
        return [("NODE", "*"), ("RELATIONSHIP", "*")]
    names = _names(reader, "a label, a relationship type or *")
    if word.startswith("NODE"):
        return [("NODE", n) for n in names]
    if word.startswith("RELATIONSHIP"):
        return [("RELATIONSHIP", n) for n in names]
    return [("NODE", n) for n in names] + [("RELATIONSHIP", n) for n in names]


def parse(text, where="privileges"):
    """One written privilege -> the list of :class:`Privilege` Neo4j lists for it (graph names as written,
    lower-cased; ``resolve`` maps aliases to their targets)."""
    if not isinstance(text, str) or not text.strip():
        raise PrivilegeError("%s: a privilege such as 'GRANT MATCH {*} ON GRAPH movies' is required (got %r)."
                             % (where, text))
    reader = _Reader(text, where)
    if reader.accept("REVOKE"):
        reader.fail("write the privilege the role should hold (GRANT or DENY); privileges_exclusive removes the "
                    "others")
    access = reader.accept("GRANT", "DENY") or "GRANT"
    if reader.accept("IMMUTABLE"):
        reader.fail("IMMUTABLE privileges can only be granted with auth disabled; they are not managed")
    words = _words(reader)
    props = None
    if reader.peek()[0] == "props":
        props = _properties(reader)
    reader.expect("ON")
    if words in ("ALL", "ALL PRIVILEGES", "ALL DATABASE PRIVILEGES", "ALL DBMS PRIVILEGES", "ALL DBMS",
                 "ALL DATABASE"):
        words = "ALL DBMS PRIVILEGES" if reader.word() == "DBMS" else "ALL DATABASE PRIVILEGES"
    if words in ("TRANSACTION", "TRANSACTIONS", "TRANSACTION MANAGEMENT", "TRANSACTIONS MANAGEMENT"):
        words = "TRANSACTION MANAGEMENT (*)"
    elif words.endswith(" (*)") and words.startswith("TRANSACTION"):
        words = "TRANSACTION MANAGEMENT (*)"
    kind = KINDS.get(words)
    if kind is None:
        reader.fail("unknown or unsupported privilege %r; supported: %s" % (words or text, SUPPORTED))
    if kind.properties and props is None:
        reader.fail("%s needs a property list such as {*}" % kind.words)
    if props is not None and not kind.properties:
        reader.fail("%s takes no property list" % kind.words)
    graphs = _scope(reader, kind)
    segments = _entity(reader) if kind.entity else [None]
    if not reader.done():
        if reader.word() in ("TO", "FROM"):
            reader.fail("leave out '%s ...': the role is the module's name" % reader.word())
        reader.fail("unexpected %r" % reader.peek()[1])
    out = []
    for graph in graphs:
        for prop in props or [None]:
            for segment in segments:
                out.append(Privilege(access, _body(kind, graph, prop, segment), graph if kind.target in (
                    DATABASE, GRAPH) else None))
    return out


def _scope(reader, kind):
    if kind.target == DBMS:
        reader.expect("DBMS")
        return [None]
    if kind.target == ALL_DATA:
        reader.expect("ALL")
        reader.expect("DATA")
        return [None]
    noun = "DATABASE" if kind.target == DATABASE else "GRAPH"
    if reader.accept("HOME"):
        reader.expect(noun)
        return [HOME]
    if reader.word() == "DEFAULT":
        reader.fail("DEFAULT %s was removed in Neo4j 5; use HOME %s" % (noun, noun))
    reader.expect(noun, noun + "S")
    return [n if n == "*" else _graph_name(reader, n) for n in _names(reader, "a database name or *")]


def _body(kind, graph, prop, segment):
    text = kind.words
    if prop is not None:
        text += " {%s}" % ("*" if prop == "*" else quote_if_needed(prop))
    if kind.target == DBMS:
        return text + " ON DBMS"
    if kind.target == ALL_DATA:
        return text + " ON ALL DATA"
    noun = "DATABASE" if kind.target == DATABASE else "GRAPH"
    if graph == HOME:
        text += " ON HOME %s" % noun
    elif graph == "*":
        text += " ON %s *" % noun
    else:
        text += " ON %s %s" % (noun, cypher.quote_name(graph))
    if segment is not None:
        entity, name = segment
        text += " %s %s" % (entity, "*" if name == "*" else quote_if_needed(name))
    return text


def resolve(privilege, targets):
    """``privilege`` with its graph replaced by the target of the local alias it names (``targets``: alias ->
    database), as Neo4j does: "When using an alias, the command will be executed on the resolved graph"."""
    graph = privilege.graph
    if graph in (None, "*", HOME) or graph not in targets:
        return privilege
    target = targets[graph]
    quoted_old, quoted_new = cypher.quote_name(graph), cypher.quote_name(target)
    body = privilege.body.replace(" ON GRAPH %s" % quoted_old, " ON GRAPH %s" % quoted_new, 1)
    body = body.replace(" ON DATABASE %s" % quoted_old, " ON DATABASE %s" % quoted_new, 1)
    return Privilege(privilege.access, body, target)


# ----- listed privileges --------------------------------------------------------------------------------------

_LISTED = re.compile(r"(GRANT|DENY)( IMMUTABLE)? (.*) TO ((?:`(?:[^`]|``)*`)|\$role)\Z", re.S)
_GRAPH_IN_BODY = re.compile(r" ON (?:GRAPH|DATABASE) `((?:[^`]|``)*)`")


def listed(command, immutable=False):
    """A command as SHOW ... PRIVILEGES AS COMMANDS prints it -> (Privilege, role, immutable), or None when the
    text is not a GRANT or DENY (it always is)."""
    match = _LISTED.match(command or "")
    if match is None:
        return None
    body = match.group(3)
    role = match.group(4)
    role = role[1:-1].replace("``", "`") if role.startswith("`") else None
    graph = _GRAPH_IN_BODY.search(body)
    if graph is not None:
        graph_name = graph.group(1).replace("``", "`")
    elif " ON HOME " in body:
        graph_name = HOME
    elif " ON GRAPH * " in body + " " or " ON DATABASE * " in body + " ":
        graph_name = "*"
    else:
        graph_name = None
    return Privilege(match.group(1), body, graph_name), role, bool(immutable or match.group(2))


def text(privilege, role):
    """``GRANT <body> TO `role``` as Neo4j lists it and as it is sent."""
    return "%s %s TO %s" % (privilege.access, privilege.body, cypher.quote_name(role))


def revoke_text(privilege, role):
    """``REVOKE GRANT <body> FROM `role```, as ``AS REVOKE COMMANDS`` prints it."""
    return "REVOKE %s %s FROM %s" % (privilege.access, privilege.body, cypher.quote_name(role))


def retarget(privilege, database):
    """The same privilege on ``database`` instead of its own graph (for copying blue's privileges to green)."""
    old = " ON %s %s" % ("GRAPH" if " ON GRAPH " in privilege.body else "DATABASE", cypher.quote_name(privilege.graph))
    new = " ON %s %s" % ("GRAPH" if " ON GRAPH " in privilege.body else "DATABASE", cypher.quote_name(database))
    return Privilege(privilege.access, privilege.body.replace(old, new, 1), database)
