"""Statement parser: administration commands, CALL, RETURN and the few graph queries the simulator runs.

``parse(query, params)`` returns a :class:`Command` whose ``kind`` names the statement (``show_databases``,
``create_database``, ``call``, ``match_count`` ...) and whose attributes carry its parts, with names already
resolved from parameters.  Grammar follows the Neo4j 5 Cypher manual; anything outside it is a syntax error
in Neo4j's format.  Administration commands Neo4j has but the simulator does not model fail with
UnsupportedAdministrationCommand (:func:`not_supported`); data statements it does not model fail with a
SyntaxError saying so (:func:`not_modelled`), since "unsupported administration command" would send the
reader looking for an Enterprise-only feature.
"""

from .. import errors
from .expressions import Expr, evaluate, parse_expression, parse_expression_list, parse_map_entries, Scope
from .lexer import FLOAT, IDENT, INTEGER, PARAM, QUOTED, STRING, position_text
from .projection import ReturnSpec, Tail
from . import commands_privileges
from .stream import Cursor


class Command:
    def __init__(self, kind, text, **fields):
        self.kind = kind
        self.text = text  # Neo4j's name for the command in messages, e.g. "CREATE DATABASE"
        self.wait = False
        self.timeout = 0
        self.__dict__.update(fields)

    def __repr__(self):
        return "Command(%s)" % ", ".join("%s=%r" % kv for kv in self.__dict__.items())


def not_supported(what):
    """An administration command (or feature of one) that Neo4j has but the simulator does not model."""
    return errors.unsupported("%s is not supported by the Neo4j simulator." % what)


def not_modelled(what):
    """A data statement (MATCH, CREATE, UNWIND ...) the simulator does not model; it keeps counts, not a graph."""
    return errors.syntax_error("The Neo4j simulator does not model this statement: %s. It keeps counts, not a "
                               "graph, and runs only the graph statements listed in tests/simulator/cypher/reads.py."
                               % what)


def parse(query, params=None):
    cur = Cursor(query, params)
    if cur.at_end():
        cur.error("a statement")  # Neo4j: Invalid input '': expected ...
    prefix = _cypher_prefix(cur)
    cmd = _statement(cur)
    cmd.cypher_prefix = prefix
    cmd.needs = getattr(cmd, "needs", [])
    cmd.query, cmd.params = query, cur.params
    cur.accept_sym(";")
    if not cur.at_end():
        if cur.tokens[cur.pos - 1].is_sym(";"):
            raise errors.syntax_error("Expected exactly one statement per query but got: 2", "42N61")
        cur.error("<EOF>")
    return cmd


STATEMENT_STARTS = ("ALTER", "CALL", "CREATE", "DROP", "GRANT", "MATCH", "RETURN", "REVOKE", "SHOW", "START",
                    "STOP", "UNWIND")


def _cypher_prefix(cur):
    """``CYPHER 5`` / ``CYPHER 25`` before the statement: 5, 25 or None (language.effective_language checks it)."""
    if not cur.tok.is_kw("CYPHER"):
        return None
    cur.advance()
    if cur.tok.kind == INTEGER and cur.tok.value in (5, 25):
        return cur.advance().value
    return None


def _language_number(cur):
    """``CYPHER {5|25}`` of DEFAULT LANGUAGE: 5 or 25 (message as Neo4j's Cypher linter words it)."""
    cur.expect_kw("CYPHER")
    if cur.tok.kind == INTEGER and cur.tok.value in (5, 25):
        return cur.advance().value
    if cur.tok.kind == INTEGER:
        raise errors.syntax_error("Invalid Cypher version '%s'. Valid Cypher versions are: 5, 25 %s"
                                  % (cur.tok.text, position_text(cur.query, cur.tok.offset)))
    cur.error("5", "25")


def _statement(cur):
    tok = cur.tok
    if tok.is_kw("SHOW"):
        return _show(cur)
    if tok.is_kw("CREATE"):
        return _create(cur)
    if tok.is_kw("DROP"):
        return _drop(cur)
    if tok.is_kw("ALTER"):
        return _alter(cur)
    if tok.is_kw("START", "STOP"):
        word = cur.advance().value.upper()
        cur.expect_kw("DATABASE")
        name = _db_name(cur)
        cmd = Command(word.lower() + "_database", word + " DATABASE", name=name)
        _wait(cur, cmd)
        return cmd
    if tok.is_kw("GRANT", "REVOKE", "DENY"):
        return _grant_revoke(cur)
    if tok.is_kw("RETURN"):
        cur.advance()
        return Command("return", "RETURN", ret=_return_body(cur))
    if tok.is_kw("CALL"):
        return _call(cur)
    if tok.is_kw("MATCH"):
        return _match(cur)
    if tok.is_kw("UNWIND"):
        return _unwind(cur)
    if tok.is_kw("ENABLE") and cur.peek().is_kw("SERVER"):
        # ENABLE SERVER 'serverId' [OPTIONS {...}] (clustering/servers.adoc)
        cur.advance()
        cur.advance()
        cmd = Command("enable_server", "ENABLE SERVER", name=cur.string_or_param("a string or a parameter"))
        cmd.options = _map_or_param(cur) if cur.accept_kw("OPTIONS") else {}
        return cmd
    if tok.is_kw("RENAME") and cur.peek().is_kw("SERVER"):
        # RENAME SERVER 'name' TO 'newName' (clustering/server-syntax.adoc)
        cur.advance()
        cur.advance()
        name = cur.string_or_param("a string or a parameter")
        cur.expect_kw("TO")
        return Command("rename_server", "RENAME SERVER", name=name,
                       new_name=cur.string_or_param("a string or a parameter"))
    if tok.is_kw("DRYRUN", "DEALLOCATE", "REALLOCATE") and _at_server_allocation(cur):
        return _server_allocation(cur)
    if tok.is_kw("ENABLE", "DEALLOCATE", "REALLOCATE", "DRYRUN", "RENAME", "TERMINATE"):
        raise not_supported("'%s'" % tok.text.upper())
    if tok.is_kw("USE", "WITH", "MERGE", "OPTIONAL", "LOAD", "FOREACH", "DETACH", "DELETE", "SET", "REMOVE",
                 "FINISH"):
        raise not_modelled("a statement starting with %s" % tok.text.upper())
    cur.error(*STATEMENT_STARTS)


def _at_server_allocation(cur):
    i = 1 if cur.tok.is_kw("DRYRUN") else 0
    return cur.peek(i).is_kw("DEALLOCATE", "REALLOCATE") and cur.peek(i + 1).is_kw("DATABASE", "DATABASES")


def _server_allocation(cur):
    """[DRYRUN] REALLOCATE DATABASE[S] and [DRYRUN] DEALLOCATE DATABASE[S] FROM SERVER[S] 'name'[, ...]
    (clustering/server-syntax.adoc)."""
    dryrun = bool(cur.accept_kw("DRYRUN"))
    word = cur.advance().value.upper()
    cur.expect_kw("DATABASE", "DATABASES")
    if word == "REALLOCATE":
        return Command("reallocate_databases", "REALLOCATE DATABASES", dryrun=dryrun)
    cur.expect_kw("FROM")
    cur.expect_kw("SERVER", "SERVERS")
    names = [cur.string_or_param("a string or a parameter")]
    while cur.accept_sym(","):
        names.append(cur.string_or_param("a string or a parameter"))
    return Command("deallocate_databases", "DEALLOCATE DATABASES", names=names, dryrun=dryrun)


# ----- shared pieces -------------------------------------------------------------------------------

def _db_name(cur):
    value, is_param = cur.name()
    if is_param and not isinstance(value, str):
        raise _param_type_error(value)
    return value


def _param_type_error(value):
    from .expressions import type_name
    return errors.Neo4jError("Neo.ClientError.Statement.ArgumentError",
                             "Expected a string value for database or alias name, but got: %s" % type_name(value),
                             "22G03")


def _if_not_exists(cur):
    return cur.accept_kws("IF", "NOT", "EXISTS")


def _create_if_not_exists(cur, replace, what, name):
    """IF NOT EXISTS after ``CREATE [OR REPLACE] <what> name``; Neo4j refuses it together with OR REPLACE."""
    if_not_exists = _if_not_exists(cur)
    if replace and if_not_exists:
        raise errors.syntax_error("Failed to create the specified %s '%s': cannot have both `OR REPLACE` and "
                                  "`IF NOT EXISTS`." % (what, name), "42N14")
    return if_not_exists


def _if_exists(cur):
    return cur.accept_kws("IF", "EXISTS")


def _wait(cur, cmd):
    """[WAIT [n [SEC[OND[S]]]] | NOWAIT]; the default is NOWAIT."""
    if cur.accept_kw("NOWAIT"):
        return
    if cur.accept_kw("WAIT"):
        cmd.wait = True
        cmd.timeout = 300  # default limit, per the Operations Manual (wait-options)
        if cur.tok.kind == INTEGER:
            cmd.timeout = cur.advance().value
            cur.accept_kw("SEC", "SECOND", "SECONDS")
        elif cur.tok.kind == FLOAT:
            cur.error("<EOF>", "<UNSIGNED_DECIMAL_INTEGER>")


def _map_or_param(cur):
    if cur.tok.kind == PARAM:
        tok = cur.advance()
        value = cur.param_value(tok.value)
        if not isinstance(value, dict):
            raise errors.Neo4jError("Neo.ClientError.Statement.TypeError",
                                    "Expected a map for parameter $%s" % tok.value, "22G03")
        return dict(value)
    entries = parse_map_entries(cur)
    scope = Scope({}, cur.params)
    return {key: evaluate(expr, scope) for key, expr in entries}


def _count_value(cur):
    value = cur.integer_or_param()
    if not isinstance(value, int) or isinstance(value, bool):
        raise errors.Neo4jError("Neo.ClientError.Statement.ArgumentError",
                                "Expected an integer for the topology, but got: %r" % (value,), "22G03")
    return value


def _topology(cur):
    """TOPOLOGY n PRIMAR{Y|IES} [m SECONDAR{Y|IES}] (either order, each once)."""
    primaries = secondaries = None
    while cur.tok.kind in (INTEGER, PARAM):
        count = _count_value(cur)
        word = cur.expect_kw("PRIMARY", "PRIMARIES", "SECONDARY", "SECONDARIES")
        if word.startswith("PRIMAR"):
            if primaries is not None:
                raise errors.syntax_error("Duplicate PRIMARIES clause", "42N19")
            primaries = count
        else:
            if secondaries is not None:
                raise errors.syntax_error("Duplicate SECONDARIES clause", "42N19")
            secondaries = count
    if primaries is None and secondaries is None:
        cur.error("an integer value or a parameter")
    return primaries, secondaries


def _tail(cur, allow_bare_where=True):
    """YIELD ... [ORDER BY] [SKIP] [LIMIT] [WHERE] [RETURN ...] | WHERE expr."""
    tail = Tail()
    if cur.accept_kw("YIELD"):
        if cur.accept_sym("*"):
            tail.yield_items = "*"
        else:
            items = []
            while True:
                offset = cur.tok.offset
                column = cur.symbolic_name("a variable name")
                alias = cur.symbolic_name() if cur.accept_kw("AS") else None
                items.append((column, alias, offset))
                if not cur.accept_sym(","):
                    break
            tail.yield_items = items
        tail.order = _order_by(cur)
        tail.skip = _skip_limit(cur, "SKIP", "OFFSET")
        tail.limit = _skip_limit(cur, "LIMIT")
        if cur.accept_kw("WHERE"):
            tail.where = parse_expression(cur)
        if cur.accept_kw("RETURN"):
            tail.ret = _return_body(cur)
    elif cur.at_kw("WHERE") and allow_bare_where:
        cur.advance()
        tail.where = parse_expression(cur)
    return tail


def _order_by(cur):
    order = []
    if cur.accept_kw("ORDER"):
        cur.expect_kw("BY")
        while True:
            expr = parse_expression(cur)
            direction = cur.accept_kw("ASC", "ASCENDING", "DESC", "DESCENDING")
            order.append((expr, direction in ("DESC", "DESCENDING")))
            if not cur.accept_sym(","):
                break
    return order


def _skip_limit(cur, *words):
    if cur.accept_kw(*words):
        return parse_expression(cur)
    return None


def _return_body(cur):
    distinct = bool(cur.accept_kw("DISTINCT"))
    if cur.accept_sym("*"):
        items = "*"
    else:
        items = []
        while True:
            expr = parse_expression(cur)
            alias = cur.symbolic_name("an identifier") if cur.accept_kw("AS") else None
            items.append((expr, alias))
            if not cur.accept_sym(","):
                break
    ret = ReturnSpec(items=items, distinct=distinct)
    ret.order = _order_by(cur)
    ret.skip = _skip_limit(cur, "SKIP", "OFFSET")
    ret.limit = _skip_limit(cur, "LIMIT")
    return ret


# ----- SHOW ------------------------------------------------------------------------------------------

def _show(cur):
    cur.expect_kw("SHOW")
    if cur.accept_kw("DATABASE", "DATABASES"):
        name = None
        if cur.at_name() and not cur.at_kw("YIELD", "WHERE"):
            name = _db_name(cur)
        return Command("show_databases", "SHOW DATABASE", name=name, scope="all", tail=_tail(cur))
    if cur.at_kw("DEFAULT", "HOME") and cur.peek().is_kw("DATABASE"):
        scope = cur.advance().value.lower()
        cur.advance()
        return Command("show_databases", "SHOW %s DATABASE" % scope.upper(), name=None, scope=scope,
                       tail=_tail(cur))
    if cur.accept_kw("ALIAS", "ALIASES"):
        name = None
        if not cur.at_kw("FOR"):
            name = _db_name(cur)
        cur.expect_kw("FOR")
        cur.expect_kw("DATABASE", "DATABASES")
        return Command("show_aliases", "SHOW ALIAS", name=name, tail=_tail(cur))
    if cur.accept_kw("SERVER", "SERVERS"):
        return Command("show_servers", "SHOW SERVERS", tail=_tail(cur))
    if cur.accept_kw("CURRENT"):
        cur.expect_kw("USER")
        return Command("show_current_user", "SHOW CURRENT USER", tail=_tail(cur))
    if cur.accept_kw("USER", "USERS"):
        if cur.accept_kw("PRIVILEGE", "PRIVILEGES"):
            return commands_privileges.parse_show(cur, "user", [])
        if cur.at_name() and not cur.at_kw("YIELD", "WHERE", "WITH"):
            names = [cur.name()[0]]
            while cur.accept_sym(","):
                names.append(cur.name()[0])
            cur.expect_kw("PRIVILEGE", "PRIVILEGES")
            return commands_privileges.parse_show(cur, "user", names)
        with_auth = False
        if cur.accept_kw("WITH"):
            cur.expect_kw("AUTH")  # 5.24+ (manage-users.adoc, "Listing user auth providers")
            with_auth = True
        return Command("show_users", "SHOW USER", with_auth=with_auth, tail=_tail(cur))
    if cur.at_kw("ALL") and cur.peek().is_kw("PRIVILEGE", "PRIVILEGES"):
        cur.advance()
    if cur.accept_kw("PRIVILEGE", "PRIVILEGES"):
        return commands_privileges.parse_show(cur, "all", [])
    populated = False
    if cur.at_kw("ALL", "POPULATED") and cur.peek().is_kw("ROLE", "ROLES"):
        populated = cur.advance().value.upper() == "POPULATED"
    if cur.accept_kw("ROLE", "ROLES"):
        if cur.at_name() and not cur.at_kw("YIELD", "WHERE", "WITH"):
            if populated:
                cur.error("WITH", "YIELD", "WHERE", "<EOF>")
            names = [cur.name()[0]]
            while cur.accept_sym(","):
                names.append(cur.name()[0])
            cur.expect_kw("PRIVILEGE", "PRIVILEGES")
            return commands_privileges.parse_show(cur, "role", names)
        with_users = False
        if cur.accept_kw("WITH"):
            cur.expect_kw("USER", "USERS")
            with_users = True
        return Command("show_roles", "SHOW ROLE", populated=populated, with_users=with_users, tail=_tail(cur))
    if cur.accept_kw("SETTING", "SETTINGS"):
        return Command("show_settings", "SHOW SETTINGS", names=_setting_names(cur), tail=_tail(cur))
    if cur.at_kw("PROCEDURE", "PROCEDURES", "FUNCTION", "FUNCTIONS", "INDEX", "INDEXES", "CONSTRAINT",
                 "CONSTRAINTS", "TRANSACTION", "TRANSACTIONS", "SUPPORTED", "BUILT", "ALIAS",
                 "RANGE", "TEXT", "POINT", "LOOKUP", "FULLTEXT", "VECTOR"):
        raise not_supported("SHOW %s" % cur.tok.text.upper())
    cur.error("ALIAS", "ALIASES", "ALL", "CURRENT", "DATABASE", "DATABASES", "DEFAULT", "HOME", "POPULATED",
              "ROLE", "ROLES", "SERVER", "SERVERS", "USER", "USERS")


def _setting_names(cur):
    """SHOW SETTINGS' names: comma-separated strings or parameters, each a STRING or a LIST<STRING>; None for all."""
    if cur.tok.kind not in (STRING, PARAM):
        return None
    names = []
    while True:
        value = cur.param_value(cur.advance().value) if cur.tok.kind == PARAM else cur.string_or_param()
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            raise errors.Neo4jError("Neo.ClientError.Statement.TypeError",
                                    "Expected a string or a list of strings, but got: %r" % (value,), "22G03")
        names.extend(values)
        if not cur.accept_sym(","):
            return names


# ----- CREATE ----------------------------------------------------------------------------------------

def _create(cur):
    cur.expect_kw("CREATE")
    if cur.at_sym("("):
        return _create_pattern(cur)
    replace = cur.accept_kws("OR", "REPLACE")
    if cur.accept_kw("DATABASE"):
        return _create_database(cur, replace)
    if cur.accept_kw("ALIAS"):
        return _create_alias(cur, replace)
    if cur.accept_kw("USER"):
        return _create_user(cur, replace)
    if cur.accept_kw("ROLE"):
        return _create_role(cur, replace)
    if cur.at_kw("COMPOSITE"):
        raise not_supported("CREATE COMPOSITE DATABASE")
    if cur.at_kw("INDEX", "CONSTRAINT", "RANGE", "TEXT", "POINT", "LOOKUP", "FULLTEXT", "VECTOR", "IMMUTABLE"):
        raise not_supported("CREATE %s" % cur.tok.text.upper())
    if replace:
        cur.error("ALIAS", "COMPOSITE", "DATABASE", "ROLE", "USER")
    cur.error("a graph pattern", "ALIAS", "COMPOSITE", "CONSTRAINT", "DATABASE", "INDEX", "OR", "ROLE", "USER")


def _create_database(cur, replace):
    """CREATE DATABASE name [IF NOT EXISTS] [[SET] DEFAULT LANGUAGE CYPHER {5|25}] [[SET] TOPOLOGY ...]
    [OPTIONS {...}] [WAIT|NOWAIT]: DEFAULT LANGUAGE from 2025.06, the SET forms in Cypher 25 only
    (docs-operations dev create-databases.adoc, both tabs).  The Cypher 5 errors for the SET forms list what
    Neo4j's Cypher 5 grammar expects there (@neo4j-cypher/language-support, tests/lint)."""
    name = _db_name(cur)
    if_not_exists = _create_if_not_exists(cur, replace, "database", name)
    cmd = Command("create_database", "CREATE DATABASE", name=name, replace=replace, if_not_exists=if_not_exists,
                  primaries=None, secondaries=None, options={}, default_language=None, needs=[])
    name_part = () if if_not_exists else ("a database name",)
    exists_part = () if if_not_exists else ("IF NOT EXISTS",)
    tail = ("NOWAIT", "OPTIONS", "TOPOLOGY", "WAIT", "<EOF>")
    expected = name_part + ("DEFAULT LANGUAGE CYPHER",) + exists_part + tail
    if _set_form(cur, cmd, "DEFAULT", expected) or cur.at_kw("DEFAULT"):
        tok = cur.advance()
        cmd.needs.append(("2025.06", cur.error_at(tok, *(name_part + exists_part + tail))))
        cur.expect_kw("LANGUAGE")
        cmd.default_language = _language_number(cur)
        expected = tail
    if _set_form(cur, cmd, "TOPOLOGY", expected) or cur.at_kw("TOPOLOGY"):
        cur.advance()
        cmd.primaries, cmd.secondaries = _topology(cur)
    if cur.accept_kw("OPTIONS"):
        cmd.options = _map_or_param(cur)
    _wait(cur, cmd)
    return cmd


def _set_form(cur, cmd, word, expected):
    """Consume the ``SET`` of ``SET <word>`` (Cypher 25 only), recording the Cypher 5 syntax error."""
    if cur.at_kw("SET") and cur.peek().is_kw(word):
        cmd.needs.append(("cypher25", cur.error_at(cur.advance(), *expected)))
        return True
    return False


def _alias_target_parts(cur, cmd, is_alter):
    """AT 'url' USER u PASSWORD 'p' DRIVER {...} PROPERTIES {...} in any of the documented combinations."""
    while True:
        if cur.accept_kw("AT"):
            cmd.url = cur.string_or_param("a string or a parameter")
        elif cur.accept_kw("USER"):
            user, _is_param = cur.name()
            cmd.user = user
        elif cur.accept_kw("PASSWORD"):
            cmd.password = cur.string_or_param("a string or a parameter")
        elif cur.accept_kw("DRIVER"):
            cmd.driver = _map_or_param(cur)
        elif cur.accept_kw("PROPERTIES"):
            cmd.properties = _map_or_param(cur)
        elif is_alter and cur.accept_kw("TARGET"):
            cmd.target = _db_name(cur)
        else:
            return


def _create_alias(cur, replace):
    name = _db_name(cur)
    if_not_exists = _create_if_not_exists(cur, replace, "database alias", name)
    cur.expect_kw("FOR")
    cur.expect_kw("DATABASE")
    target = _db_name(cur)
    cmd = Command("create_alias", "CREATE ALIAS", name=name, replace=replace, if_not_exists=if_not_exists,
                  target=target, url=None, user=None, password=None, driver=None, properties=None)
    _alias_target_parts(cur, cmd, False)
    if cmd.url is not None and (cmd.user is None or cmd.password is None):
        cur.error("USER" if cmd.user is None else "PASSWORD")
    if cmd.url is None and (cmd.user is not None or cmd.password is not None or cmd.driver is not None):
        cur.error("AT")
    return cmd


def _password(cur):
    encrypted = cur.accept_kw("PLAINTEXT", "ENCRYPTED") == "ENCRYPTED"
    cur.expect_kw("PASSWORD")
    if cur.at_kw("CHANGE"):
        return None, encrypted
    tok = cur.tok
    if tok.kind not in (STRING, PARAM):
        cur.error("a string or a parameter")
    value = cur.string_or_param()
    if not isinstance(value, str):
        raise errors.Neo4jError("Neo.ClientError.Statement.TypeError",
                                "Only string values are accepted as password, got: %s" % type(value).__name__,
                                "22G03")
    return value, encrypted


def _change_required(cur):
    cur.expect_kw("CHANGE")
    negated = bool(cur.accept_kw("NOT"))
    cur.expect_kw("REQUIRED")
    return not negated


def _auth_block(cur, cmd):
    """``SET AUTH [PROVIDER] 'provider' {SET ID 'id' | SET [PLAINTEXT|ENCRYPTED] PASSWORD 'pw' | SET PASSWORD
    CHANGE [NOT] REQUIRED ...}`` (5.24+, manage-users.adoc); the provider is a string literal."""
    cur.accept_kw("PROVIDER")
    if cur.tok.kind != STRING:
        cur.error("a string")
    provider = cur.advance().value
    cur.expect_sym("{")
    entry = {}
    while not cur.accept_sym("}"):
        cur.expect_kw("SET")
        if cur.accept_kw("ID"):
            entry["id"] = cur.string_or_param()
        elif cur.at_kw("PLAINTEXT", "ENCRYPTED", "PASSWORD"):
            password, encrypted = _password(cur)
            if password is not None:
                entry["password"], entry["encrypted"] = password, encrypted
            else:
                entry["change_required"] = _change_required(cur)
        else:
            cur.error("ENCRYPTED", "ID", "PASSWORD", "PLAINTEXT")
    if provider == "native":
        if "id" in entry:
            raise errors.Neo4jError("Neo.ClientError.General.InvalidArguments",
                                    "Auth provider 'native' does not allow 'SET ID' clause.", "22N04")
        if "password" in entry:
            cmd.password, cmd.encrypted = entry["password"], entry["encrypted"]
        if "change_required" in entry:
            cmd.change_required = entry["change_required"]
        cmd.native_auth = True
    else:
        if "password" in entry or "change_required" in entry:
            raise errors.Neo4jError("Neo.ClientError.General.InvalidArguments",
                                    "Auth provider '%s' does not allow 'SET PASSWORD' clause." % provider, "22N04")
        if "id" not in entry:
            raise errors.Neo4jError("Neo.ClientError.General.InvalidArguments",
                                    "Clause 'SET ID' is mandatory for auth provider '%s'." % provider, "22N04")
        if not isinstance(entry["id"], str):
            raise errors.Neo4jError("Neo.ClientError.Statement.TypeError",
                                    "Only string values are accepted as id, got: %s" % type(entry["id"]).__name__,
                                    "22G03")
        cmd.auth_set[provider] = entry["id"]


def _auth_names(cur):
    """``'p'[, 'q']`` of REMOVE AUTH (string literals or a list parameter)."""
    names = [cur.string_or_param("a string or a parameter")]
    while cur.accept_sym(","):
        names.append(cur.string_or_param("a string or a parameter"))
    out = []
    for name in names:
        out.extend(name if isinstance(name, list) else [name])
    return out


def _user_clauses(cur, cmd, allow_remove):
    seen = set()

    def once(what):
        if what in seen:
            raise errors.syntax_error("Duplicate SET %s clause" % what, "42N19")
        seen.add(what)

    while True:
        if cur.accept_kw("SET"):
            if cur.at_kw("PLAINTEXT", "ENCRYPTED", "PASSWORD"):
                password, encrypted = _password(cur)
                if password is not None:
                    once("PASSWORD")
                    cmd.password, cmd.encrypted = password, encrypted
                if cur.at_kw("CHANGE"):
                    once("PASSWORD CHANGE [NOT] REQUIRED")
                    cmd.change_required = _change_required(cur)
            elif cur.accept_kw("STATUS"):
                once("STATUS")
                cmd.suspended = cur.expect_kw("ACTIVE", "SUSPENDED") == "SUSPENDED"
            elif cur.accept_kw("HOME"):
                once("HOME DATABASE")
                cur.expect_kw("DATABASE")
                cmd.home = _db_name(cur)
            elif cur.accept_kw("AUTH"):
                _auth_block(cur, cmd)
            else:
                cur.error("AUTH", "ENCRYPTED", "HOME", "PASSWORD", "PLAINTEXT", "STATUS")
        elif cur.at_kw("CHANGE"):
            once("PASSWORD CHANGE [NOT] REQUIRED")
            cmd.change_required = _change_required(cur)
        elif allow_remove and cur.accept_kw("REMOVE"):
            if cur.accept_kw("HOME"):
                cur.expect_kw("DATABASE")
                cmd.remove_home = True
            elif cur.accept_kw("AUTH"):
                cur.accept_kw("PROVIDER", "PROVIDERS")
                cmd.auth_remove.extend(_auth_names(cur))
            elif cur.accept_kw("ALL"):
                cur.expect_kw("AUTH")
                cur.accept_kw("PROVIDER", "PROVIDERS")
                cmd.auth_remove_all = True
            else:
                cur.error("ALL", "AUTH", "HOME")
        else:
            return


def _create_user(cur, replace):
    name, _is_param = cur.name()
    if_not_exists = _create_if_not_exists(cur, replace, "user", name)
    cmd = Command("create_user", "CREATE USER", name=name, replace=replace, if_not_exists=if_not_exists,
                  password=None, encrypted=False, change_required=None, suspended=False, home=None,
                  auth_set={}, native_auth=False)
    _user_clauses(cur, cmd, allow_remove=False)
    if cmd.password is None and not cmd.auth_set:
        cur.error("SET")
    return cmd


def _create_role(cur, replace):
    name, _is_param = cur.name()
    if_not_exists = _create_if_not_exists(cur, replace, "role", name)
    copy_of = None
    if cur.accept_kws("AS", "COPY", "OF"):
        copy_of, _is_param = cur.name()
    return Command("create_role", "CREATE ROLE", name=name, replace=replace, if_not_exists=if_not_exists,
                   copy_of=copy_of)


# ----- DROP ------------------------------------------------------------------------------------------

def _drop(cur):
    cur.expect_kw("DROP")
    if cur.accept_kw("DATABASE"):
        name = _db_name(cur)
        cmd = Command("drop_database", "DROP DATABASE", name=name, if_exists=_if_exists(cur), cascade=False,
                      dump=False)
        if cur.accept_kw("CASCADE"):
            cur.expect_kw("ALIAS", "ALIASES")
            cmd.cascade = True
        elif cur.accept_kw("RESTRICT"):
            pass
        if cur.at_kw("DUMP", "DESTROY"):
            cmd.dump = cur.advance().value.upper() == "DUMP"
            cur.expect_kw("DATA")
        _wait(cur, cmd)
        return cmd
    if cur.accept_kw("ALIAS"):
        name = _db_name(cur)
        if_exists = _if_exists(cur)
        cur.expect_kw("FOR")
        cur.expect_kw("DATABASE")
        return Command("drop_alias", "DROP ALIAS", name=name, if_exists=if_exists)
    if cur.accept_kw("USER"):
        name, _is_param = cur.name()
        return Command("drop_user", "DROP USER", name=name, if_exists=_if_exists(cur))
    if cur.accept_kw("ROLE"):
        name, _is_param = cur.name()
        return Command("drop_role", "DROP ROLE", name=name, if_exists=_if_exists(cur))
    if cur.accept_kw("SERVER"):
        # DROP SERVER 'name' (clustering/server-syntax.adoc)
        return Command("drop_server", "DROP SERVER", name=cur.string_or_param("a string or a parameter"))
    if cur.at_kw("COMPOSITE", "INDEX", "CONSTRAINT"):
        raise not_supported("DROP %s" % cur.tok.text.upper())
    cur.error("ALIAS", "COMPOSITE", "CONSTRAINT", "DATABASE", "INDEX", "ROLE", "SERVER", "USER")


# ----- ALTER -----------------------------------------------------------------------------------------

def _alter(cur):
    cur.expect_kw("ALTER")
    if cur.accept_kw("DATABASE"):
        name = _db_name(cur)
        cmd = Command("alter_database", "ALTER DATABASE", name=name, if_exists=_if_exists(cur), access=None,
                      primaries=None, secondaries=None, set_options={}, remove_options=[], default_language=None,
                      needs=[])
        clauses = 0
        while True:
            if cur.accept_kw("SET"):
                if cur.accept_kw("ACCESS"):
                    cur.expect_kw("READ")
                    cmd.access = "read-only" if cur.expect_kw("ONLY", "WRITE") == "ONLY" else "read-write"
                elif cur.accept_kw("TOPOLOGY"):
                    cmd.primaries, cmd.secondaries = _topology(cur)
                elif cur.accept_kw("OPTION"):
                    key = cur.symbolic_name("an identifier")
                    cmd.set_options[key] = evaluate(parse_expression(cur), Scope({}, cur.params))
                elif cur.at_kw("DEFAULT"):  # 2025.06+ (docs-operations dev syntax.adoc, "Alter a database")
                    cmd.needs.append(("2025.06", cur.error_at(cur.advance(), "ACCESS", "OPTION", "TOPOLOGY")))
                    cur.expect_kw("LANGUAGE")
                    cmd.default_language = _language_number(cur)
                else:
                    cur.error("ACCESS", "OPTION", "TOPOLOGY")
            elif cur.accept_kw("REMOVE"):
                cur.expect_kw("OPTION")
                cmd.remove_options.append(cur.symbolic_name("an identifier"))
            else:
                break
            clauses += 1
        if not clauses:
            cur.error("IF", "REMOVE", "SET")
        if (cmd.access or cmd.primaries is not None) and (cmd.set_options or cmd.remove_options):
            raise errors.syntax_error("Failed to alter the specified database '%s': OPTION clauses cannot be "
                                      "combined with ACCESS or TOPOLOGY." % name, "42N14")
        _wait(cur, cmd)
        return cmd
    if cur.accept_kw("ALIAS"):
        name = _db_name(cur)
        if_exists = _if_exists(cur)
        cur.expect_kw("SET")
        cur.expect_kw("DATABASE")
        cmd = Command("alter_alias", "ALTER ALIAS", name=name, if_exists=if_exists, target=None, url=None,
                      user=None, password=None, driver=None, properties=None)
        start = cur.pos
        _alias_target_parts(cur, cmd, True)
        if cur.pos == start:
            cur.error("DRIVER", "PASSWORD", "PROPERTIES", "TARGET", "USER")
        if cmd.url is not None and cmd.target is None:
            cur.error("TARGET")
        return cmd
    if cur.accept_kw("USER"):
        name, _is_param = cur.name()
        cmd = Command("alter_user", "ALTER USER", name=name, if_exists=_if_exists(cur), password=None,
                      encrypted=False, change_required=None, suspended=None, home=None, remove_home=False,
                      auth_set={}, native_auth=False, auth_remove=[], auth_remove_all=False)
        start = cur.pos
        _user_clauses(cur, cmd, allow_remove=True)
        if cur.pos == start:
            cur.error("IF", "REMOVE", "SET")
        return cmd
    if cur.accept_kw("SERVER"):
        # ALTER SERVER 'name' SET OPTIONS {...} (clustering/server-syntax.adoc)
        name = cur.string_or_param("a string or a parameter")
        cur.expect_kw("SET")
        cur.expect_kw("OPTIONS")
        return Command("alter_server", "ALTER SERVER", name=name, options=_map_or_param(cur))
    if cur.at_kw("CURRENT", "COMPOSITE"):
        raise not_supported("ALTER %s" % cur.tok.text.upper())
    cur.error("ALIAS", "CURRENT", "DATABASE", "SERVER", "USER")


# ----- GRANT / DENY / REVOKE ---------------------------------------------------------------------------

def _grant_revoke(cur):
    verb = cur.advance().value.upper()
    if verb == "DENY" or not cur.at_kw("ROLE", "ROLES") or cur.peek().is_kw("MANAGEMENT"):
        return commands_privileges.parse_command(cur, verb)
    cur.advance()
    roles = [cur.name()[0]]
    while cur.accept_sym(","):
        roles.append(cur.name()[0])
    cur.expect_kw("TO" if verb == "GRANT" else "FROM")
    users = [cur.name()[0]]
    while cur.accept_sym(","):
        users.append(cur.name()[0])
    kind = "grant_role" if verb == "GRANT" else "revoke_role"
    return Command(kind, "%s ROLE" % ("ASSIGN" if verb == "GRANT" else "REMOVE"), roles=roles, users=users)


# ----- CALL ------------------------------------------------------------------------------------------

def _call(cur):
    cur.expect_kw("CALL")
    if cur.at_sym("{"):
        raise not_modelled("CALL subqueries")
    parts = [cur.symbolic_name("an identifier")]
    while cur.accept_sym("."):
        parts.append(cur.symbolic_name("an identifier"))
    name = ".".join(parts)
    args = None  # None: written without parentheses (arguments implicit from parameters)
    if cur.accept_sym("("):
        args = parse_expression_list(cur, ")")
    tail = _tail(cur, allow_bare_where=False)
    if tail.yield_items is None and cur.at_kw("RETURN"):
        raise errors.syntax_error("Procedure call inside a query does not support naming results implicitly "
                                  "(name explicitly using `YIELD` instead)", "42N25")
    return Command("call", "CALL", procedure=name, args=args, tail=tail)


# ----- graph patterns ----------------------------------------------------------------------------------

def _node(cur):
    cur.expect_sym("(")
    var = None
    if cur.tok.kind in (IDENT, QUOTED) and not cur.at_sym(":"):
        var = cur.advance().value
    labels = []
    while cur.accept_sym(":"):
        labels.append(cur.symbolic_name("a node label"))
        while cur.accept_sym("&"):
            labels.append(cur.symbolic_name("a node label"))
    props = _properties(cur)
    cur.expect_sym(")")
    return {"var": var, "labels": labels, "props": props}


def _properties(cur):
    """A pattern's {key: expr, ...} or $param, as an Expr evaluated per row (it may use an UNWIND variable)."""
    if cur.at_sym("{"):
        entries = parse_map_entries(cur)
        return Expr("map", [entries]) if entries else None
    if cur.tok.kind == PARAM:
        tok = cur.advance()
        cur.param_value(tok.value)  # a missing parameter fails now, as Neo4j checks them up front
        return Expr("param", [tok.value])
    return None


def _relationship(cur):
    """-[r:TYPE {..}]-> or <-[...]- or -[...]-; returns dict with direction."""
    left = cur.accept_sym("<-")
    if not left:
        cur.expect_sym("-")
    var, types, props = None, [], None
    if cur.accept_sym("["):
        if cur.tok.kind in (IDENT, QUOTED):
            var = cur.advance().value
        if cur.accept_sym(":"):
            types.append(cur.symbolic_name("a relationship type"))
            while cur.accept_sym("|"):
                types.append(cur.symbolic_name("a relationship type"))
        if cur.at_sym("*"):
            raise not_modelled("variable-length relationships")
        props = _properties(cur)
        cur.expect_sym("]")
    right = cur.accept_sym("->")
    if not right:
        cur.expect_sym("-")
    direction = "left" if left and not right else ("right" if right and not left else "both")
    return {"var": var, "types": types, "props": props, "direction": direction}


def _pattern(cur):
    """A path: nodes and relationships alternating."""
    elements = [_node(cur)]
    while cur.at_sym("-", "<-"):
        elements.append(_relationship(cur))
        elements.append(_node(cur))
    return elements


def _create_pattern(cur, unwind=None):
    """CREATE pattern, ... [RETURN ...]; ``unwind`` is (list Expr, variable) of a leading UNWIND."""
    patterns = [_pattern(cur)]
    while cur.accept_sym(","):
        patterns.append(_pattern(cur))
    ret = None
    if cur.accept_kw("RETURN"):
        ret = _return_body(cur)
    elif not cur.at_end() and not cur.at_sym(";"):
        raise not_modelled("CREATE followed by %s" % cur.tok.text.upper())
    return Command("create_graph", "CREATE", patterns=patterns, ret=ret, unwind=unwind)


def _unwind(cur):
    """UNWIND list AS var CREATE ... (the only UNWIND the simulator models)."""
    cur.expect_kw("UNWIND")
    source = parse_expression(cur)
    cur.expect_kw("AS")
    var = cur.symbolic_name("a variable name")
    if not cur.accept_kw("CREATE"):
        raise not_modelled("UNWIND followed by %s" % (cur.tok.text.upper() or "nothing"))
    if not cur.at_sym("("):
        cur.error("a graph pattern")
    return _create_pattern(cur, unwind=(source, var))


def _match(cur):
    cur.expect_kw("MATCH")
    pattern = _pattern(cur)
    if cur.at_sym(","):
        raise not_modelled("MATCH with several patterns")
    if cur.at_kw("WHERE"):
        raise not_modelled("MATCH ... WHERE")
    if cur.accept_kw("DETACH"):
        cur.expect_kw("DELETE")
        var = cur.symbolic_name("a variable")
        return Command("match_delete", "DELETE", pattern=pattern, var=var)
    if cur.at_kw("DELETE", "SET", "REMOVE", "MERGE", "CREATE", "WITH", "UNWIND", "OPTIONAL", "MATCH", "CALL",
                 "FOREACH"):
        raise not_modelled("MATCH ... %s" % cur.tok.text.upper())
    cur.expect_kw("RETURN")
    return Command("match_return", "MATCH", pattern=pattern, ret=_return_body(cur))


__all__ = ["Command", "parse", "not_modelled", "not_supported"]
