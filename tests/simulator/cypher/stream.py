"""A cursor over tokens with Neo4j-style syntax errors ("Invalid input 'X': expected ...")."""

from .. import errors
from .lexer import EOF, IDENT, INTEGER, PARAM, QUOTED, STRING, position_text, tokenize


def expected_text(options):
    """Neo4j's list form: "A", "B" or "C"."""
    quoted = [o if o.startswith(("a ", "an ", "<")) else '"%s"' % o for o in options]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


class Cursor:
    def __init__(self, query, params):
        self.query = query
        self.params = params or {}
        self.tokens = tokenize(query)
        self.pos = 0

    @property
    def tok(self):
        return self.tokens[self.pos]

    def peek(self, ahead=1):
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self):
        tok = self.tokens[self.pos]
        if tok.kind != EOF:
            self.pos += 1
        return tok

    def at_end(self):
        return self.tok.kind == EOF

    # ----- errors ------------------------------------------------------------------------

    def error(self, *expected, tok=None):
        raise self.error_at(tok or self.tok, *expected)

    def error_at(self, tok, *expected):
        """The syntax error ``error`` raises, without raising it (for syntax only some versions accept)."""
        return errors.syntax_error("Invalid input '%s': expected %s %s"
                                   % (tok.text, expected_text(expected), position_text(self.query, tok.offset)))

    # ----- keywords and symbols ----------------------------------------------------------

    def at_kw(self, *words):
        return self.tok.is_kw(*words)

    def accept_kw(self, *words):
        if self.tok.is_kw(*words):
            return self.advance().value.upper()
        return None

    def expect_kw(self, *words):
        if not self.tok.is_kw(*words):
            self.error(*words)
        return self.advance().value.upper()

    def accept_kws(self, *words):
        """Accept a fixed keyword sequence (e.g. IF NOT EXISTS) only when all of it is present."""
        for i, word in enumerate(words):
            if not self.peek(i).is_kw(word):
                return False
        for _word in words:
            self.advance()
        return True

    def expect_kws(self, *words):
        for word in words:
            self.expect_kw(word)

    def at_sym(self, *symbols):
        return self.tok.is_sym(*symbols)

    def accept_sym(self, *symbols):
        if self.tok.is_sym(*symbols):
            return self.advance().value
        return None

    def expect_sym(self, *symbols):
        if not self.tok.is_sym(*symbols):
            self.error(*symbols)
        return self.advance().value

    # ----- names -------------------------------------------------------------------------

    def at_name(self):
        return self.tok.kind in (IDENT, QUOTED, PARAM)

    def symbolic_name(self, what="an identifier"):
        tok = self.tok
        if tok.kind in (IDENT, QUOTED):
            self.advance()
            return tok.value
        self.error(what)

    def name(self, what="a parameter or an identifier", allow_param=True):
        """A database, alias, user or role name: identifier, dotted identifier, backtick-quoted or $param.

        Unquoted dots join parts (``a.b``), as Neo4j reads composite-style names when no composite exists.
        Returns (value, is_param).
        """
        tok = self.tok
        if tok.kind == PARAM and allow_param:
            self.advance()
            return self.param_value(tok.value, tok), True
        if tok.kind not in (IDENT, QUOTED):
            self.error(what)
        parts = [self.advance().value]
        while self.at_sym(".") and self.peek().kind in (IDENT, QUOTED):
            self.advance()
            parts.append(self.advance().value)
        return ".".join(parts), False

    def param_value(self, name, tok=None):  # pylint: disable=unused-argument
        if name not in self.params:
            raise errors.parameter_missing(name)
        return self.params[name]

    def string_or_param(self, what="a string or a parameter"):
        return self._literal_or_param(STRING, what)

    def integer_or_param(self, what="an integer value or a parameter"):
        return self._literal_or_param(INTEGER, what)

    def _literal_or_param(self, kind, what):
        """The value of a ``kind`` literal or of a parameter; else a syntax error expecting ``what``."""
        tok = self.tok
        if tok.kind == kind:
            self.advance()
            return tok.value
        if tok.kind == PARAM:
            self.advance()
            return self.param_value(tok.value, tok)
        self.error(what)
