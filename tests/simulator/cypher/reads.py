"""RETURN-only queries and the few graph queries answered from GraphData counts.

Supported: ``MATCH (n[:Label]) RETURN count(n|*)``, ``MATCH ()-[r[:TYPE]]->() RETURN count(r|*)``,
``[UNWIND list AS x] CREATE`` of nodes and relationships (counts only) with an optional ``RETURN`` of the
created property values, and ``MATCH (n[:Label]) DETACH DELETE n``.  Anything the counts cannot answer
exactly is refused (``not_modelled``) rather than guessed.
"""

from .. import errors
from .. import privileges
from .context import Result, rows_result
from .expressions import Scope, evaluate, type_error, type_name
from .parser import not_modelled
from .projection import apply_return


def return_only(model, ctx, cmd, db):
    fields, records = apply_return([{}], [], cmd.ret, cmd.params)
    return rows_result(fields, records, db)


def require_write_privilege(ctx, db, cmd=None):
    """WRITE (or CREATE / DELETE) on the graph, else Neo4j's refusal (limitations.adoc: "Create node with labels
    'A' on database 'testing' is not allowed for user 'Alice' with roles [PUBLIC, custom].")."""
    model = ctx.model
    user = model.users.get(ctx.user)
    deleting = cmd is not None and cmd.kind == "match_delete"
    action = "delete_element" if deleting else "create_element"
    if privileges.allows(model, user, action, db.name):
        return
    labels = ""
    if cmd is not None and getattr(cmd, "patterns", None):
        first = cmd.patterns[0][0]
        labels = ", ".join(first.get("labels") or [])
    elif cmd is not None and getattr(cmd, "pattern", None):
        labels = ", ".join(cmd.pattern[0].get("labels") or [])
    verb = "Delete" if deleting else "Create"
    raise errors.forbidden("%s node with labels '%s' on database '%s' is not allowed for user '%s' with roles %s."
                           % (verb, labels, db.name, ctx.user, privileges.roles_text(user)))


def visible(ctx, db):
    """Whether the user's read privileges let it see the graph at all: without TRAVERSE (or READ / MATCH)
    nodes and relationships are invisible, "as if they had a smaller database" (manage-privileges.adoc).
    The simulator keeps counts only, so a graph is either all visible or not at all."""
    model = ctx.model
    user = model.users.get(ctx.user)
    if user is None:
        return True  # auth disabled: the anonymous user reads everything
    return privileges.allows(model, user, "traverse", db.name)


def _count_of(ret, variable):
    """The single aggregate `count(var)` / `count(*)` this RETURN asks for, else unsupported."""
    if ret.items == "*" or len(ret.items) != 1 or ret.distinct:
        raise not_modelled("MATCH ... RETURN of anything but a single count()")
    expr, _alias = ret.items[0]
    if expr.kind != "call" or expr.args[0].lower() != "count" or expr.args[1]:
        raise not_modelled("MATCH ... RETURN of anything but a single count()")
    if not expr.args[3]:
        args = expr.args[2]
        if len(args) != 1 or args[0].kind != "var" or args[0].args[0] != variable:
            raise not_modelled("MATCH ... RETURN of anything but a single count()")


def match_return(model, ctx, cmd, db):
    pattern = cmd.pattern
    graph = db.graph
    if len(pattern) == 1:
        node = pattern[0]
        if node["props"] or len(node["labels"]) > 1:
            raise not_modelled("MATCH with properties or several labels")
        _count_of(cmd.ret, node["var"])
        count = graph.label_counts.get(node["labels"][0], 0) if node["labels"] else graph.node_count
    elif len(pattern) == 3:
        left, rel, right = pattern
        if left["labels"] or right["labels"] or left["props"] or right["props"] or rel["props"]:
            raise not_modelled("MATCH on relationships with labelled or filtered end nodes")
        if len(rel["types"]) > 1 or rel["direction"] == "both":
            raise not_modelled("MATCH on undirected or multi-type relationships")
        _count_of(cmd.ret, rel["var"])
        count = graph.type_counts.get(rel["types"][0], 0) if rel["types"] else graph.relationship_count
    else:
        raise not_modelled("MATCH on paths longer than one relationship")
    if not visible(ctx, db):
        count = 0
    expr, alias = cmd.ret.items[0]
    fields, records = apply_return([{"_count": count}], ["_count"],
                                   _renamed(cmd.ret, alias or expr.text), cmd.params)
    return rows_result(fields, records, db)


def _renamed(ret, name):
    from .expressions import Expr
    from .projection import ReturnSpec
    return ReturnSpec(items=[(Expr("var", ["_count"], "_count"), name)], order=[], skip=ret.skip, limit=ret.limit)


def _unwound_rows(cmd):
    """One row per UNWIND element ({} alone without UNWIND); null unwinds to no rows, a scalar to one."""
    if cmd.unwind is None:
        return [{}]
    source, var = cmd.unwind
    values = evaluate(source, Scope({}, cmd.params))
    if values is None:
        return []
    return [{var: value} for value in (values if isinstance(values, list) else [values])]


def _property_values(expr, scope):
    """The non-null properties a pattern element sets (Neo4j does not store null properties)."""
    if expr is None:
        return {}
    values = evaluate(expr, scope)
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise type_error("Expected a map of properties, but got: %s" % type_name(values))
    return {k: v for k, v in values.items() if v is not None}


def _check_return(ret, entities):
    """RETURN may read created entities' properties (``m.title``) but not the entities themselves.

    The simulator keeps no node or relationship values, so ``RETURN m``, ``RETURN *`` or ``id(m)`` cannot be
    answered exactly.
    """
    if ret.items == "*":
        raise not_modelled("RETURN * after CREATE")
    exprs = [expr for expr, _alias in ret.items] + [expr for expr, _desc in ret.order]

    def walk(expr, under_prop):
        if expr.kind == "var" and expr.args[0] in entities and not under_prop:
            raise not_modelled("RETURN of a whole created node or relationship (`%s`); return its properties, "
                               "e.g. %s.name" % (expr.args[0], expr.args[0]))
        for child in expr.children():
            walk(child, expr.kind == "prop" and child is expr.args[0])

    for expr in exprs:
        walk(expr, False)


class _Changes:
    """What a CREATE adds, gathered first and applied only once the whole statement has succeeded."""

    def __init__(self):
        self.stats = {}
        self.labels = {}
        self.types = {}
        self.node_properties = set()
        self.relationship_properties = set()

    def bump(self, key, n=1):
        if n:
            self.stats[key] = self.stats.get(key, 0) + n

    def apply(self, graph):
        graph.node_count += self.stats.get("nodes-created", 0)
        graph.relationship_count += self.stats.get("relationships-created", 0)
        for counts, delta in ((graph.label_counts, self.labels), (graph.type_counts, self.types)):
            for key, n in delta.items():
                counts[key] = counts.get(key, 0) + n
        graph.node_properties.update(self.node_properties)
        graph.relationship_properties.update(self.relationship_properties)


def _create_element(changes, index, element, props, bound):
    """Count one pattern element (even index: node, odd: relationship); False for a node already bound."""
    var = element["var"]
    if index % 2 == 0:
        if var is not None and var in bound:
            if element["labels"] or element["props"] is not None:
                raise errors.syntax_error("Can't create node `%s` with labels or properties here. The "
                                          "variable is already declared in this context" % var)
            return False
        changes.bump("nodes-created")
        for label in element["labels"]:
            changes.labels[label] = changes.labels.get(label, 0) + 1
        changes.bump("labels-added", len(element["labels"]))
        changes.node_properties.update(props)
    else:
        if len(element["types"]) != 1:
            raise errors.syntax_error("Exactly one relationship type must be specified for CREATE. Did you "
                                      "forget to prefix your relationship type with a ':'?", "42I51")
        if element["direction"] == "both":
            raise errors.syntax_error("Only directed relationships are supported in CREATE", "42I50")
        rel_type = element["types"][0]
        changes.types[rel_type] = changes.types.get(rel_type, 0) + 1
        changes.bump("relationships-created")
        changes.relationship_properties.update(props)
    changes.bump("properties-set", len(props))
    return True


def create_graph(model, ctx, cmd, db):
    changes = _Changes()
    unwind_var = cmd.unwind[1] if cmd.unwind else None
    entities = set()
    out_rows = []
    for row in _unwound_rows(cmd):
        scope = Scope(dict(row), cmd.params)
        bound = set()  # entity variables this row has created
        for pattern in cmd.patterns:
            for index, element in enumerate(pattern):
                var = element["var"]
                if var is not None and var == unwind_var:
                    raise errors.syntax_error("Variable `%s` already declared" % var, "42N59")
                props = _property_values(element["props"], scope)
                if _create_element(changes, index, element, props, bound) and var is not None:
                    bound.add(var)
                    entities.add(var)
                    scope.row[var] = props  # what RETURN var.key reads
        out_rows.append(scope.row)
    fields, records, type_ = [], [], "w"
    if cmd.ret is not None:
        _check_return(cmd.ret, entities)
        fields, records = apply_return(out_rows, [], cmd.ret, cmd.params)
        type_ = "rw"
    stats = changes.stats
    if stats:
        changes.apply(db.graph)
        db.last_committed_txn += 1
        stats["contains-updates"] = True
    return Result(fields=fields, records=records, stats=stats, type=type_, db=db.name)


def match_delete(model, ctx, cmd, db):
    pattern = cmd.pattern
    node = pattern[0]
    if len(pattern) == 1 and node["var"] != cmd.var:
        raise errors.syntax_error("Variable `%s` not defined" % cmd.var, "42N62")
    if len(pattern) != 1 or node["props"] is not None or len(node["labels"]) > 1:
        raise not_modelled("DETACH DELETE of anything but all nodes or the nodes of one label: "
                           "MATCH (n[:Label]) DETACH DELETE n")
    graph = db.graph
    label = node["labels"][0] if node["labels"] else None
    deleted = graph.node_count if label is None else graph.label_counts.get(label, 0)
    stats = {}
    if deleted == graph.node_count:  # every node goes, whatever labels it carries: exact
        if graph.node_count:
            stats["nodes-deleted"] = graph.node_count
        if graph.relationship_count:
            stats["relationships-deleted"] = graph.relationship_count
        graph.node_count = graph.relationship_count = 0
        graph.label_counts.clear()
        graph.type_counts.clear()
    elif deleted and graph.relationship_count:
        # The counts do not say which nodes the relationships connect, so how many go with these nodes is unknown.
        raise not_modelled("DETACH DELETE of some of the nodes while relationships exist")
    elif deleted:
        # Limit: GraphData counts labels, not nodes, so this assumes the nodes carrying `label` carry no other
        # label; any other label they carry keeps its count.
        stats["nodes-deleted"] = deleted
        graph.node_count -= deleted
        graph.label_counts.pop(label, None)
    if stats:
        stats["contains-updates"] = True
        db.last_committed_txn += 1
    return Result(fields=[], records=[], stats=stats, type="w", db=db.name)
