"""The YIELD / ORDER BY / SKIP / LIMIT / WHERE / RETURN pipeline shared by SHOW commands, CALL and RETURN."""

from dataclasses import dataclass, field

from .. import errors
from .expressions import Scope, evaluate, sort_key
from .lexer import position_text


@dataclass
class Order:
    items: list  # [(Expr, descending)]


@dataclass
class ReturnSpec:
    items: object  # "*" or [(Expr, alias or None)]
    distinct: bool = False
    order: list = field(default_factory=list)
    skip: object = None  # Expr
    limit: object = None  # Expr


@dataclass
class Tail:
    """What follows a SHOW command or a CALL: YIELD ... [ORDER BY] [SKIP] [LIMIT] [WHERE] [RETURN ...]."""

    yield_items: object = None  # None, "*" or [(column, alias, offset)]
    order: list = field(default_factory=list)
    skip: object = None
    limit: object = None
    where: object = None  # Expr
    ret: ReturnSpec = None


def _count(expr, params, what):
    if expr is None:
        return None
    value = evaluate(expr, Scope({}, params))
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise errors.Neo4jError(
            "Neo.ClientError.Statement.ArgumentError",
            "Invalid input. '%s' is not a valid value. Must be a non-negative integer." % value, "42N31")
    return value


def _order_rows(rows, order, scope_of):
    for expr, descending in reversed(order):
        rows.sort(key=lambda r: sort_key(evaluate(expr, scope_of(r))), reverse=descending)
    return rows


def _filter(rows, where, params):
    if where is None:
        return rows
    return [r for r in rows if evaluate(where, Scope(r, params)) is True]


def apply_tail(rows, default_columns, all_columns, tail, params, query=""):
    """rows: dicts holding every column; returns (fields, records)."""
    if tail is None:
        tail = Tail()
    if tail.yield_items is None:
        rows = _filter(rows, tail.where, params)
        return default_columns, [[r[c] for c in default_columns] for r in rows]
    if tail.yield_items == "*":
        columns = list(all_columns)
        rows = [{c: r[c] for c in columns} for r in rows]
    else:
        columns = []
        for column, alias, offset in tail.yield_items:
            if column not in all_columns:
                raise errors.syntax_error("Variable `%s` not defined %s" % (column, position_text(query, offset)),
                                          "42N62")
            columns.append(alias or column)
        rows = [{(alias or column): r[column] for column, alias, _offset in tail.yield_items} for r in rows]
    rows = _order_rows(list(rows), tail.order, lambda r: Scope(r, params))
    skip, limit = _count(tail.skip, params, "SKIP"), _count(tail.limit, params, "LIMIT")
    if skip:
        rows = rows[skip:]
    if limit is not None:
        rows = rows[:limit]
    rows = _filter(rows, tail.where, params)
    if tail.ret is None:
        return columns, [[r[c] for c in columns] for r in rows]
    return apply_return(rows, columns, tail.ret, params)


def apply_return(rows, columns, ret, params):
    """Project rows (dicts) through RETURN, with grouping when aggregates are present."""
    if ret.items == "*":
        items = [(_var(c), c) for c in columns]
    else:
        items = ret.items
    fields = [alias or expr.text for expr, alias in items]
    if len(set(fields)) != len(fields):
        raise errors.syntax_error("Multiple result columns with the same name are not supported", "42N38")
    aggregated = any(expr.is_aggregate() for expr, _alias in items)
    projected = []  # (projected dict, source row)
    if aggregated:
        keys = [(expr, name) for (expr, _alias), name in zip(items, fields) if not expr.is_aggregate()]
        groups = {}
        order = []
        for row in rows:
            scope = Scope(row, params)
            key = tuple(_freeze(evaluate(expr, scope)) for expr, _name in keys)
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(scope)
        if not rows and not keys:
            groups[()] = []
            order.append(())
        for key in order:
            members = groups[key]
            first = members[0] if members else Scope({}, params)
            out = {name: evaluate(expr, first, members) for (expr, _alias), name in zip(items, fields)}
            projected.append((out, first.row))
    else:
        for row in rows:
            scope = Scope(row, params)
            projected.append(({name: evaluate(expr, scope) for (expr, _alias), name in zip(items, fields)}, row))
    if ret.distinct:
        seen, unique = [], []
        for out, row in projected:
            frozen = tuple(_freeze(out[f]) for f in fields)
            if frozen not in seen:
                seen.append(frozen)
                unique.append((out, row))
        projected = unique
    if ret.order:
        def scope_of(pair):
            out, row = pair
            return Scope({**(row if not aggregated else {}), **out}, params)
        projected = _order_rows(projected, ret.order, scope_of)
    skip, limit = _count(ret.skip, params, "SKIP"), _count(ret.limit, params, "LIMIT")
    if skip:
        projected = projected[skip:]
    if limit is not None:
        projected = projected[:limit]
    return fields, [[out[f] for f in fields] for out, _row in projected]


def _var(name):
    from .expressions import Expr
    return Expr("var", [name], name)


def _freeze(value):
    if isinstance(value, list):
        return ("list", tuple(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    return value
