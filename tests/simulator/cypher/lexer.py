"""Tokens of a Cypher statement, with the positions Neo4j reports in syntax errors.

Positions follow Neo4j's convention: ``line`` and ``column`` are 1-based, ``offset`` is the 0-based
character index.  Keywords are not special tokens: they are identifiers compared case-insensitively,
so ``name`` can be any identifier that is not used as a keyword at that point, as in Neo4j.
"""

from dataclasses import dataclass

from .. import errors

IDENT = "ident"  # a plain identifier or keyword
QUOTED = "quoted"  # a backtick-quoted identifier; never a keyword
STRING = "string"
INTEGER = "integer"
FLOAT = "float"
PARAM = "param"
SYMBOL = "symbol"
EOF = "eof"

# Longest first, so "<=" wins over "<".
SYMBOLS = ("<>", "<=", ">=", "=~", "->", "<-", "..", "!=",
           "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "=", "<", ">", "+", "-", "*", "/", "%", "^", "|", "$")

ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


@dataclass
class Token:
    kind: str
    value: object
    text: str  # the source text of the token, as quoted in error messages
    offset: int
    line: int
    column: int

    def is_kw(self, *words):
        return self.kind == IDENT and self.value.upper() in words

    def is_sym(self, *symbols):
        return self.kind == SYMBOL and self.value in symbols


def position_of(query, offset):
    """(line, column) of an offset, both 1-based."""
    line = query.count("\n", 0, offset) + 1
    start = query.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def position_text(query, offset):
    line, column = position_of(query, offset)
    return "(line %d, column %d (offset: %d))" % (line, column, offset)


def _fail(query, offset, message):
    raise errors.syntax_error("%s %s" % (message, position_text(query, offset)))


def tokenize(query):
    tokens = []
    i, n = 0, len(query)
    while True:
        # whitespace and comments
        while i < n:
            if query[i].isspace():
                i += 1
            elif query.startswith("//", i):
                end = query.find("\n", i)
                i = n if end < 0 else end + 1
            elif query.startswith("/*", i):
                end = query.find("*/", i + 2)
                if end < 0:
                    _fail(query, i, "Failed to parse comment. A comment starting on `/*` must have a closing `*/`.")
                i = end + 2
            else:
                break
        if i >= n:
            line, column = position_of(query, n)
            tokens.append(Token(EOF, None, "", n, line, column))
            return tokens
        start = i
        c = query[i]
        if c.isalpha() or c == "_":
            while i < n and (query[i].isalnum() or query[i] == "_"):
                i += 1
            kind, value = IDENT, query[start:i]
        elif c == "`":
            parts = []
            i += 1
            while True:
                if i >= n:
                    _fail(query, start, "Failed to parse quoted identifier. A quoted identifier must end with '`'.")
                if query[i] == "`":
                    if i + 1 < n and query[i + 1] == "`":  # `` is an escaped backtick
                        parts.append("`")
                        i += 2
                        continue
                    i += 1
                    break
                parts.append(query[i])
                i += 1
            kind, value = QUOTED, "".join(parts)
        elif c in "'\"":
            parts = []
            i += 1
            while True:
                if i >= n:
                    _fail(query, start, "Failed to parse string literal. The query must contain an even number of "
                                        "non-escaped quotes.")
                ch = query[i]
                if ch == "\\" and i + 1 < n:
                    nxt = query[i + 1]
                    if nxt in ESCAPES:
                        parts.append(ESCAPES[nxt])
                        i += 2
                        continue
                    if nxt in "uU":
                        width = 4 if nxt == "u" else 8
                        digits = query[i + 2:i + 2 + width]
                        try:
                            parts.append(chr(int(digits, 16)))
                        except ValueError:
                            _fail(query, i, "Invalid input '%s': expected four hexadecimal digits" % digits)
                        i += 2 + width
                        continue
                    parts.append(ch)
                    i += 1
                    continue
                if ch == c:
                    i += 1
                    break
                parts.append(ch)
                i += 1
            kind, value = STRING, "".join(parts)
        elif c.isdigit() or (c == "." and i + 1 < n and query[i + 1].isdigit()):
            if query.startswith(("0x", "0X"), i):
                i += 2
                while i < n and (query[i].isalnum()):
                    i += 1
                kind, value = INTEGER, int(query[start:i], 16)
            else:
                while i < n and query[i].isdigit():
                    i += 1
                is_float = False
                if i < n and query[i] == "." and i + 1 < n and query[i + 1].isdigit():
                    is_float = True
                    i += 1
                    while i < n and query[i].isdigit():
                        i += 1
                if i < n and query[i] in "eE" and i + 1 < n and (query[i + 1].isdigit() or query[i + 1] in "+-"):
                    is_float = True
                    i += 2
                    while i < n and query[i].isdigit():
                        i += 1
                text = query[start:i]
                kind, value = (FLOAT, float(text)) if is_float else (INTEGER, int(text))
                if i < n and (query[i].isalpha() or query[i] == "_"):
                    _fail(query, start, "Invalid input '%s': expected an expression" % query[start:i + 1])
        elif c == "$":
            i += 1
            if i < n and query[i] == "`":
                end = query.find("`", i + 1)
                if end < 0:
                    _fail(query, i, "Failed to parse quoted identifier. A quoted identifier must end with '`'.")
                name = query[i + 1:end]
                i = end + 1
            else:
                while i < n and (query[i].isalnum() or query[i] == "_"):
                    i += 1
                name = query[start + 1:i]
                if not name:
                    _fail(query, start, "Invalid input '$': expected an identifier or an integer value")
            kind, value = PARAM, name
        else:
            for sym in SYMBOLS:
                if query.startswith(sym, i):
                    i += len(sym)
                    kind, value = SYMBOL, sym
                    break
            else:
                _fail(query, i, "Invalid input '%s': expected an expression" % c)
        line, column = position_of(query, start)
        tokens.append(Token(kind, value, query[start:i], start, line, column))
