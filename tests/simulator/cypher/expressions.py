"""Cypher expressions for WHERE, RETURN, OPTIONS and procedure arguments: parsing and evaluation.

Covers what administration queries use: literals, parameters, variables, property access, lists, maps,
comparisons with Cypher's three-valued logic, AND/OR/XOR/NOT, IN, IS [NOT] NULL, STARTS WITH, ENDS WITH,
CONTAINS, =~, arithmetic, common scalar functions and the aggregates count/collect/sum/min/max/avg.
Anything else is a syntax error, never a guess.
"""

import math
import re
from datetime import datetime, timedelta, timezone

from .. import errors
from .lexer import FLOAT, IDENT, INTEGER, PARAM, QUOTED, STRING

AGGREGATES = {"count", "collect", "sum", "min", "max", "avg"}


class Expr:
    """One expression node; ``text`` is its source, used to name unaliased RETURN columns."""

    __slots__ = ("kind", "args", "text")

    def __init__(self, kind, args, text=""):
        self.kind = kind
        self.args = args
        self.text = text

    def __repr__(self):
        return "Expr(%s, %r)" % (self.kind, self.args)

    def is_aggregate(self):
        if self.kind == "call" and self.args[0].lower() in AGGREGATES:
            return True
        return any(child.is_aggregate() for child in self.children())

    def children(self):
        for arg in self.args:
            if isinstance(arg, Expr):
                yield arg
            elif isinstance(arg, list):
                for item in arg:
                    if isinstance(item, Expr):
                        yield item
                    elif isinstance(item, tuple):
                        yield from (x for x in item if isinstance(x, Expr))


# ----- parsing ---------------------------------------------------------------------------------

def parse_expression(cur):
    start = cur.tok.offset
    expr = _or(cur)
    return _with_text(cur, expr, start)


def _with_text(cur, expr, start):
    end = cur.tokens[cur.pos - 1].offset + len(cur.tokens[cur.pos - 1].text) if cur.pos else start
    expr.text = cur.query[start:end].strip()
    return expr


def _left_associative(cur, keyword, operand):
    """``operand (keyword operand)*`` grouped from the left, e.g. a OR b OR c as (a OR b) OR c."""
    left = operand(cur)
    while cur.accept_kw(keyword):
        left = Expr(keyword.lower(), [left, operand(cur)])
    return left


def _or(cur):
    return _left_associative(cur, "OR", _xor)


def _xor(cur):
    return _left_associative(cur, "XOR", _and)


def _and(cur):
    return _left_associative(cur, "AND", _not)


def _not(cur):
    if cur.accept_kw("NOT"):
        return Expr("not", [_not(cur)])
    return _comparison(cur)


COMPARISONS = ("=", "<>", "!=", "<", ">", "<=", ">=", "=~")


def _comparison(cur):
    left = _string_predicates(cur)
    while cur.at_sym(*COMPARISONS):
        op = cur.advance().value
        if op == "!=":
            op = "<>"
        left = Expr("cmp", [op, left, _string_predicates(cur)])
    return left


def _string_predicates(cur):
    left = _additive(cur)
    while True:
        if cur.accept_kws("STARTS", "WITH"):
            left = Expr("starts", [left, _additive(cur)])
        elif cur.accept_kws("ENDS", "WITH"):
            left = Expr("ends", [left, _additive(cur)])
        elif cur.accept_kw("CONTAINS"):
            left = Expr("contains", [left, _additive(cur)])
        elif cur.at_kw("IN"):
            cur.advance()
            left = Expr("in", [left, _additive(cur)])
        elif cur.at_kw("IS"):
            cur.advance()
            negated = bool(cur.accept_kw("NOT"))
            cur.expect_kw("NULL")
            left = Expr("isnull", [left, negated])
        else:
            return left


def _additive(cur):
    left = _multiplicative(cur)
    while cur.at_sym("+", "-"):
        op = cur.advance().value
        left = Expr("arith", [op, left, _multiplicative(cur)])
    return left


def _multiplicative(cur):
    left = _power(cur)
    while cur.at_sym("*", "/", "%"):
        op = cur.advance().value
        left = Expr("arith", [op, left, _power(cur)])
    return left


def _power(cur):
    left = _unary(cur)
    while cur.accept_sym("^"):
        left = Expr("arith", ["^", left, _unary(cur)])
    return left


def _unary(cur):
    if cur.accept_sym("-"):
        return Expr("neg", [_unary(cur)])
    if cur.accept_sym("+"):
        return _unary(cur)
    return _postfix(cur)


def _postfix(cur):
    expr = _atom(cur)
    while True:
        if cur.at_sym(".") and cur.peek().kind in (IDENT, QUOTED):
            cur.advance()
            expr = Expr("prop", [expr, cur.advance().value])
        elif cur.at_sym("["):
            cur.advance()
            lower = None if cur.at_sym("..") else parse_expression(cur)
            if cur.accept_sym(".."):
                upper = None if cur.at_sym("]") else parse_expression(cur)
                cur.expect_sym("]")
                expr = Expr("slice", [expr, lower, upper])
            else:
                cur.expect_sym("]")
                expr = Expr("index", [expr, lower])
        else:
            return expr


def _atom(cur):
    tok = cur.tok
    start = tok.offset
    if tok.kind in (STRING, INTEGER, FLOAT):
        cur.advance()
        return Expr("lit", [tok.value], tok.text)
    if tok.kind == PARAM:
        cur.advance()
        return Expr("param", [tok.value], tok.text)
    if tok.is_kw("TRUE"):
        cur.advance()
        return Expr("lit", [True])
    if tok.is_kw("FALSE"):
        cur.advance()
        return Expr("lit", [False])
    if tok.is_kw("NULL"):
        cur.advance()
        return Expr("lit", [None])
    if tok.is_sym("("):
        cur.advance()
        inner = parse_expression(cur)
        cur.expect_sym(")")
        return inner
    if tok.is_sym("["):
        cur.advance()
        return Expr("list", [parse_expression_list(cur, "]")])
    if tok.is_sym("{"):
        return Expr("map", [parse_map_entries(cur)])
    if tok.is_kw("CASE"):
        return _case(cur)
    if tok.kind in (IDENT, QUOTED):
        name = cur.advance().value
        # namespaced function names: a.b.c(
        parts = [name]
        while (tok.kind == IDENT and cur.at_sym(".") and cur.peek().kind == IDENT
               and _is_call_ahead(cur)):
            cur.advance()
            parts.append(cur.advance().value)
        if cur.at_sym("(") and tok.kind == IDENT:
            return _call(cur, ".".join(parts), start)
        return Expr("var", [name], tok.text)
    cur.error("an expression")


def _is_call_ahead(cur):
    """After ``a`` with ``.b`` next: is this a dotted function name like ``a.b(``?"""
    i = cur.pos
    while cur.tokens[i].is_sym(".") and cur.tokens[i + 1].kind == IDENT:
        i += 2
        if cur.tokens[i].is_sym("("):
            return True
    return False


def _call(cur, name, start):
    cur.expect_sym("(")
    distinct = bool(cur.accept_kw("DISTINCT"))
    if name.lower() == "count" and cur.at_sym("*"):
        cur.advance()
        cur.expect_sym(")")
        return Expr("call", [name, False, [], True])
    return Expr("call", [name, distinct, parse_expression_list(cur, ")"), False])


def parse_expression_list(cur, close):
    """Comma-separated expressions up to the ``close`` symbol, which is consumed (the opening one already is)."""
    items = []
    if not cur.at_sym(close):
        items.append(parse_expression(cur))
        while cur.accept_sym(","):
            items.append(parse_expression(cur))
    cur.expect_sym(close)
    return items


def _case(cur):
    cur.expect_kw("CASE")
    subject = None if cur.at_kw("WHEN") else parse_expression(cur)
    branches = []
    while cur.accept_kw("WHEN"):
        cond = parse_expression(cur)
        cur.expect_kw("THEN")
        branches.append((cond, parse_expression(cur)))
    if not branches:
        cur.error("WHEN")
    default = parse_expression(cur) if cur.accept_kw("ELSE") else None
    cur.expect_kw("END")
    return Expr("case", [subject, branches, default])


def parse_map_entries(cur):
    """``{key: expr, ...}``; returns [(key, Expr)] in source order."""
    cur.expect_sym("{")
    entries = []
    if not cur.at_sym("}"):
        while True:
            key = cur.symbolic_name("an identifier")
            cur.expect_sym(":")
            entries.append((key, parse_expression(cur)))
            if not cur.accept_sym(","):
                break
    cur.expect_sym("}")
    return entries


# ----- evaluation ------------------------------------------------------------------------------

def type_name(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "List"
    if isinstance(value, dict):
        return "Map"
    return type(value).__name__


def type_error(message):
    return errors.Neo4jError("Neo.ClientError.Statement.TypeError", message, "22G03",
                             "error: data exception - invalid value type")


class Scope:
    """Variables of one row plus the statement's parameters."""

    def __init__(self, row, params):
        self.row = row
        self.params = params

    def lookup(self, name):
        if name in self.row:
            return self.row[name]
        raise errors.syntax_error("Variable `%s` not defined" % name, "42N62")


def evaluate(expr, scope, groups=None):
    """Value of ``expr``; ``groups`` (a list of Scopes) is given when aggregates must be computed."""
    kind, a = expr.kind, expr.args
    if kind == "lit":
        return a[0]
    if kind == "param":
        if a[0] not in scope.params:
            raise errors.parameter_missing(a[0])
        return scope.params[a[0]]
    if kind == "var":
        return scope.lookup(a[0])
    if kind == "list":
        return [evaluate(x, scope, groups) for x in a[0]]
    if kind == "map":
        return {k: evaluate(v, scope, groups) for k, v in a[0]}
    if kind == "prop":
        target = evaluate(a[0], scope, groups)
        if target is None:
            return None
        if isinstance(target, dict):
            return target.get(a[1])
        if isinstance(target, timedelta):
            return _duration_component(target, a[1])
        raise type_error("Type mismatch: expected a map but was %s" % type_name(target))
    if kind == "index":
        target, idx = evaluate(a[0], scope, groups), evaluate(a[1], scope, groups)
        if target is None or idx is None:
            return None
        if isinstance(target, dict):
            return target.get(idx)
        if isinstance(target, list) and isinstance(idx, int):
            return target[idx] if -len(target) <= idx < len(target) else None
        raise type_error("Type mismatch: cannot index %s with %s" % (type_name(target), type_name(idx)))
    if kind == "slice":
        target = evaluate(a[0], scope, groups)
        lower = evaluate(a[1], scope, groups) if a[1] is not None else None
        upper = evaluate(a[2], scope, groups) if a[2] is not None else None
        if target is None:
            return None
        return target[lower:upper]
    if kind == "not":
        value = _bool(evaluate(a[0], scope, groups))
        return None if value is None else not value
    if kind in ("and", "or", "xor"):
        left, right = _bool(evaluate(a[0], scope, groups)), _bool(evaluate(a[1], scope, groups))
        if kind == "and":
            if left is False or right is False:
                return False
            return None if left is None or right is None else True
        if kind == "or":
            if left is True or right is True:
                return True
            return None if left is None or right is None else False
        return None if left is None or right is None else left != right
    if kind == "cmp":
        return _compare(a[0], evaluate(a[1], scope, groups), evaluate(a[2], scope, groups))
    if kind in ("starts", "ends", "contains"):
        left, right = evaluate(a[0], scope, groups), evaluate(a[1], scope, groups)
        if not isinstance(left, str) or not isinstance(right, str):
            return None
        return {"starts": left.startswith, "ends": left.endswith, "contains": left.__contains__}[kind](right)
    if kind == "in":
        value, items = evaluate(a[0], scope, groups), evaluate(a[1], scope, groups)
        if items is None:
            return None
        if not isinstance(items, list):
            raise type_error("Type mismatch: expected List<T> but was %s" % type_name(items))
        saw_null = False
        for item in items:
            eq = _compare("=", value, item)
            if eq is True:
                return True
            if eq is None:
                saw_null = True
        return None if saw_null else False
    if kind == "isnull":
        value = evaluate(a[0], scope, groups)
        return (value is not None) if a[1] else (value is None)
    if kind == "neg":
        value = evaluate(a[0], scope, groups)
        return None if value is None else -value
    if kind == "arith":
        return _arith(a[0], evaluate(a[1], scope, groups), evaluate(a[2], scope, groups))
    if kind == "case":
        return _eval_case(a, scope, groups)
    if kind == "call":
        return _eval_call(expr, scope, groups)
    raise errors.syntax_error("Unsupported expression")


def _bool(value):
    if value is None or isinstance(value, bool):
        return value
    raise type_error("Type mismatch: expected Boolean but was %s" % type_name(value))


def _comparable(left, right):
    numeric = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool)
    if isinstance(left, numeric) and isinstance(right, numeric):
        return True
    return type(left) is type(right)


def _compare(op, left, right):
    if op == "=~":
        if left is None or right is None or not isinstance(left, str) or not isinstance(right, str):
            return None
        try:
            return re.fullmatch(right, left) is not None
        except re.error as exc:
            raise errors.Neo4jError("Neo.ClientError.Statement.ArgumentError", "Invalid Regex: %s" % exc, "22000")
    if left is None or right is None:
        return None
    if op in ("=", "<>"):
        if isinstance(left, list) and isinstance(right, list):
            if len(left) != len(right):
                equal = False
            else:
                results = [_compare("=", x, y) for x, y in zip(left, right)]
                equal = False if False in results else (None if None in results else True)
        elif not _comparable(left, right):
            equal = False
        else:
            equal = left == right
        if equal is None:
            return None
        return equal if op == "=" else not equal
    if not _comparable(left, right) or isinstance(left, (list, dict)):
        return None
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]


def _arith(op, left, right):
    if left is None or right is None:
        return None
    if op == "+":
        if isinstance(left, list):
            return left + (right if isinstance(right, list) else [right])
        if isinstance(right, list):
            return [left] + right
        if isinstance(left, str) or isinstance(right, str):
            if isinstance(left, (str, int, float)) and isinstance(right, (str, int, float)):
                return _to_string(left) + _to_string(right)
        if isinstance(left, datetime) and isinstance(right, timedelta):
            return left + right
    numeric = (int, float)
    if not (isinstance(left, numeric) and isinstance(right, numeric)) or isinstance(left, bool) \
            or isinstance(right, bool):
        raise type_error("Cannot apply '%s' to %s and %s" % (op, type_name(left), type_name(right)))
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        if isinstance(left, int) and isinstance(right, int):
            if right == 0:
                raise errors.Neo4jError("Neo.ClientError.Statement.ArithmeticError", "/ by zero", "22012")
            return int(left / right)
        return left / right if right else (math.copysign(math.inf, left) if left else math.nan)
    if op == "%":
        if isinstance(left, int) and isinstance(right, int):
            if right == 0:
                raise errors.Neo4jError("Neo.ClientError.Statement.ArithmeticError", "/ by zero", "22012")
            return int(math.fmod(left, right))
        return math.fmod(left, right)
    return float(left) ** float(right)


def _eval_case(a, scope, groups):
    subject, branches, default = a
    if subject is not None:
        value = evaluate(subject, scope, groups)
        for cond, result in branches:
            if _compare("=", value, evaluate(cond, scope, groups)) is True:
                return evaluate(result, scope, groups)
    else:
        for cond, result in branches:
            if _bool(evaluate(cond, scope, groups)) is True:
                return evaluate(result, scope, groups)
    return evaluate(default, scope, groups) if default is not None else None


def _to_string(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, timedelta):
        return _iso_duration(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def _iso_duration(value):
    seconds = value.total_seconds()
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += "%dH" % hours
    if minutes:
        text += "%dM" % minutes
    if secs or text == "PT":
        text += "%dS" % secs
    return text


def _duration_component(value, key):
    seconds = int(value.total_seconds())
    return {"seconds": seconds, "minutes": seconds // 60, "hours": seconds // 3600,
            "milliseconds": seconds * 1000}.get(key)


def _to_integer(value):
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value)) if "." in value or "e" in value.lower() else int(value)
        except ValueError:
            return None
    raise type_error("Invalid input for function 'toInteger()': Expected a String, Float, Integer or Boolean, "
                     "got: %s" % type_name(value))


def _to_float(value):
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    raise type_error("Invalid input for function 'toFloat()': Expected a String, Float or Integer, got: %s"
                     % type_name(value))


def _to_boolean(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    if isinstance(value, int):
        return value != 0
    raise type_error("Invalid input for function 'toBoolean()': Expected a String, Integer or Boolean, got: %s"
                     % type_name(value))


def _size(value):
    if value is None:
        return None
    if isinstance(value, (str, list)):
        return len(value)
    raise type_error("Type mismatch: expected String or List<T> but was %s" % type_name(value))


def _duration(value):
    if isinstance(value, dict):
        units = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "milliseconds": 0.001,
                 "weeks": 604800}
        total = 0.0
        for key, amount in value.items():
            if key not in units:
                raise errors.Neo4jError("Neo.ClientError.Statement.ArgumentError",
                                        "No such field: %s" % key, "22N04")
            total += units[key] * amount
        return timedelta(seconds=total)
    if isinstance(value, str):
        match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", value.upper())
        if not match:
            raise errors.Neo4jError("Neo.ClientError.Statement.ArgumentError",
                                    "Text cannot be parsed to a Duration", "22007")
        d, h, m, s = (float(x) if x else 0 for x in match.groups())
        return timedelta(days=d, hours=h, minutes=m, seconds=s)
    raise type_error("Invalid input for function 'duration()'")


def _datetime(value=None):
    if value is None:
        return datetime.now(timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise errors.Neo4jError("Neo.ClientError.Statement.ArgumentError",
                                    "Text cannot be parsed to a DateTime", "22007")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise type_error("Invalid input for function 'datetime()'")


def _null_safe(fn):
    return lambda value, *rest: None if value is None else fn(value, *rest)


def _reverse(value):
    return value[::-1]


SCALARS = {
    "tolower": _null_safe(lambda v: v.lower()),
    "toupper": _null_safe(lambda v: v.upper()),
    "trim": _null_safe(lambda v: v.strip()),
    "ltrim": _null_safe(lambda v: v.lstrip()),
    "rtrim": _null_safe(lambda v: v.rstrip()),
    "replace": _null_safe(lambda v, old, new: v.replace(old, new)),
    "substring": _null_safe(lambda v, start, length=None: v[start:] if length is None else v[start:start + length]),
    "left": _null_safe(lambda v, n: v[:n]),
    "right": _null_safe(lambda v, n: v[len(v) - n:] if n else ""),
    "split": _null_safe(lambda v, sep: v.split(sep)),
    "reverse": _null_safe(_reverse),
    "tostring": _to_string,
    "tointeger": _to_integer,
    "tofloat": _to_float,
    "toboolean": _to_boolean,
    "size": _size,
    "length": _size,
    "head": _null_safe(lambda v: v[0] if v else None),
    "last": _null_safe(lambda v: v[-1] if v else None),
    "tail": _null_safe(lambda v: v[1:]),
    "keys": _null_safe(lambda v: list(v.keys())),
    "abs": _null_safe(abs),
    "range": lambda start, end, step=1: list(range(start, end + (1 if step > 0 else -1), step)),
    "duration": _duration,
    "datetime": _datetime,
}


def _eval_call(expr, scope, groups):
    name, distinct, args, star = expr.args
    lname = name.lower()
    if lname in AGGREGATES:
        if groups is None:
            raise errors.syntax_error("Invalid use of aggregating function %s(...) in this context" % name)
        return _aggregate(lname, distinct, args, star, groups)
    if lname == "coalesce":
        for arg in args:
            value = evaluate(arg, scope, groups)
            if value is not None:
                return value
        return None
    if lname == "exists" and args:
        return evaluate(args[0], scope, groups) is not None
    fn = SCALARS.get(lname)
    if fn is None:
        raise errors.Neo4jError(
            "Neo.ClientError.Statement.SyntaxError",
            "Unknown function '%s'" % name, "42N48",
            "error: syntax error or access rule violation - unknown function. Function `%s` not found."
            " Verify that the spelling is correct." % name)
    values = [evaluate(arg, scope, groups) for arg in args]
    try:
        return fn(*values)
    except errors.Neo4jError:
        raise
    except (TypeError, AttributeError, ValueError):
        raise type_error("Invalid input for function '%s()': %s" % (name, ", ".join(type_name(v) for v in values)))


def _aggregate(name, distinct, args, star, groups):
    if star:
        return len(groups)
    values = [evaluate(args[0], g) for g in groups]
    values = [v for v in values if v is not None]
    if distinct:
        unique = []
        for value in values:
            if value not in unique:
                unique.append(value)
        values = unique
    if name == "count":
        return len(values)
    if name == "collect":
        return values
    if not values:
        return 0 if name == "sum" else None
    if name == "sum":
        return sum(values)
    if name == "avg":
        return sum(values) / len(values)
    return min(values) if name == "min" else max(values)


def sort_key(value):
    """Cypher's ORDER BY ordering across types; nulls sort last ascending."""
    order = {dict: 0, list: 3, str: 5, bool: 6, int: 7, float: 7}
    if value is None:
        return (9, 0)
    if isinstance(value, bool):
        return (order[bool], value)
    if isinstance(value, (int, float)):
        return (7, value)
    if isinstance(value, list):
        return (3, [sort_key(v) for v in value])
    if isinstance(value, datetime):
        return (4, value)
    return (order.get(type(value), 8), value if isinstance(value, (str,)) else str(value))
