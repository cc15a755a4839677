"""RETURN-only queries and the few graph queries answered from GraphData counts.

Supported: ``MATCH (n[:Label]) RETURN count(n|*)``, ``MATCH ()-[r[:TYPE]]->() RETURN count(r|*)``,
``CREATE`` of nodes and relationships (counts only), and ``MATCH (n) DETACH DELETE n``.  Anything the
counts cannot answer exactly is refused as unsupported rather than guessed.
"""

from .. import errors
from .commands_security import has_profile
from .context import Result, rows_result
from .parser import not_supported
from .projection import apply_return


def return_only(model, ctx, cmd, db):
    fields, records = apply_return([{}], [], cmd.ret, cmd.params)
    return rows_result(fields, records, db)


def require_write_privilege(ctx, db):
    user = ctx.model.users.get(ctx.user)
    if not has_profile(ctx.model, user, "editor", "publisher", "architect", "admin"):
        roles = sorted(user.roles) if user is not None else []
        raise errors.forbidden("Create node with labels '' on database '%s' is not allowed for user '%s' with "
                               "roles [%s]." % (db.name, ctx.user, ", ".join(roles)))


def _count_of(ret, variable):
    """The single aggregate `count(var)` / `count(*)` this RETURN asks for, else unsupported."""
    if ret.items == "*" or len(ret.items) != 1 or ret.distinct:
        raise not_supported("This MATCH ... RETURN shape")
    expr, _alias = ret.items[0]
    if expr.kind != "call" or expr.args[0].lower() != "count" or expr.args[1]:
        raise not_supported("This MATCH ... RETURN shape")
    if not expr.args[3]:
        args = expr.args[2]
        if len(args) != 1 or args[0].kind != "var" or args[0].args[0] != variable:
            raise not_supported("This MATCH ... RETURN shape")


def match_return(model, ctx, cmd, db):
    pattern = cmd.pattern
    graph = db.graph
    if len(pattern) == 1:
        node = pattern[0]
        if node["props"] or len(node["labels"]) > 1:
            raise not_supported("MATCH with properties or several labels")
        _count_of(cmd.ret, node["var"])
        count = graph.label_counts.get(node["labels"][0], 0) if node["labels"] else graph.node_count
    elif len(pattern) == 3:
        left, rel, right = pattern
        if left["labels"] or right["labels"] or left["props"] or right["props"] or rel["props"]:
            raise not_supported("MATCH on relationships with labelled or filtered end nodes")
        if len(rel["types"]) > 1 or rel["direction"] == "both":
            raise not_supported("MATCH on undirected or multi-type relationships")
        _count_of(cmd.ret, rel["var"])
        count = graph.type_counts.get(rel["types"][0], 0) if rel["types"] else graph.relationship_count
    else:
        raise not_supported("MATCH on paths longer than one relationship")
    expr, alias = cmd.ret.items[0]
    fields, records = apply_return([{"_count": count}], ["_count"],
                                   _renamed(cmd.ret, alias or expr.text), cmd.params)
    return rows_result(fields, records, db)


def _renamed(ret, name):
    from .expressions import Expr
    from .projection import ReturnSpec
    return ReturnSpec(items=[(Expr("var", ["_count"], "_count"), name)], order=[], skip=ret.skip, limit=ret.limit)


def create_graph(model, ctx, cmd, db):
    graph = db.graph
    stats = {}

    def bump(key, n=1):
        if n:
            stats[key] = stats.get(key, 0) + n

    bound = set()
    for pattern in cmd.patterns:
        for i, element in enumerate(pattern):
            if i % 2 == 0:  # node
                if element["var"] is not None and element["var"] in bound:
                    if element["labels"] or element["props"]:
                        raise errors.syntax_error("Can't create node `%s` with labels or properties here. The "
                                                  "variable is already declared in this context" % element["var"])
                    continue
                if element["var"] is not None:
                    bound.add(element["var"])
                graph.node_count += 1
                bump("nodes-created")
                for label in element["labels"]:
                    graph.label_counts[label] = graph.label_counts.get(label, 0) + 1
                bump("labels-added", len(element["labels"]))
                props = {k: v for k, v in element["props"].items() if v is not None}
                graph.node_properties.update(props)
                bump("properties-set", len(props))
            else:  # relationship
                if len(element["types"]) != 1:
                    raise errors.syntax_error("Exactly one relationship type must be specified for CREATE. Did you "
                                              "forget to prefix your relationship type with a ':'?", "42I51")
                if element["direction"] == "both":
                    raise errors.syntax_error("Only directed relationships are supported in CREATE", "42I50")
                rel_type = element["types"][0]
                graph.relationship_count += 1
                graph.type_counts[rel_type] = graph.type_counts.get(rel_type, 0) + 1
                bump("relationships-created")
                props = {k: v for k, v in element["props"].items() if v is not None}
                graph.relationship_properties.update(props)
                bump("properties-set", len(props))
    db.last_committed_txn += 1
    if stats:
        stats["contains-updates"] = True
    return Result(fields=[], records=[], stats=stats, type="w", db=db.name)


def match_delete(model, ctx, cmd, db):
    pattern = cmd.pattern
    if len(pattern) != 1 or pattern[0]["labels"] or pattern[0]["props"] or pattern[0]["var"] != cmd.var:
        raise not_supported("DETACH DELETE of anything but all nodes: MATCH (n) DETACH DELETE n")
    graph = db.graph
    stats = {}
    if graph.node_count:
        stats["nodes-deleted"] = graph.node_count
    if graph.relationship_count:
        stats["relationships-deleted"] = graph.relationship_count
    graph.node_count = graph.relationship_count = 0
    graph.label_counts.clear()
    graph.type_counts.clear()
    if stats:
        stats["contains-updates"] = True
        db.last_committed_txn += 1
    return Result(fields=[], records=[], stats=stats, type="w", db=db.name)
