"""Which Cypher version a statement runs in (2025.06+), and the syntax that only some versions accept.

From Neo4j 2025.06 a statement runs in Cypher 5 or Cypher 25: the ``CYPHER 5`` / ``CYPHER 25`` prefix
decides, else the default language of the database the session uses; for administration commands that is
``system`` (docs-operations ``configuration/cypher-version-configuration.adoc``, "Set the Cypher version on
a per-query basis" / "per database").  Releases before 2025.06 only have Cypher 5.

The parser accepts the union of the grammars and records, on the command, what a piece of syntax needs
(``cmd.needs``: ``(requirement, error)`` with requirement ``"2025.06"`` or ``"cypher25"``);
:func:`effective_language` raises the recorded error when the release or the language lacks it.
"""

from .. import errors, versions

CYPHER_25_RELEASE = "2025.06"
CYPHER_25_ONLY = "cypher25"


def prefix_unavailable(version):
    # Neo4j 5.26's own wording for a CYPHER 25 prefix is not documented; the code is its syntax error's.
    return errors.syntax_error(
        "CYPHER 25 is not available on Neo4j %s: Cypher versions can be selected from Neo4j 2025.06 "
        "(simulator message; Neo4j's exact wording is not documented)." % version)


def effective_language(model, cmd, db):
    """5 or 25: the language ``cmd`` runs in on session database ``db``; raises for syntax it cannot have."""
    prefix = getattr(cmd, "cypher_prefix", None)
    has_versions = versions.at_least(model.version, versions.CYPHER_25)
    if prefix == 25 and not has_versions:
        raise prefix_unavailable(model.version)
    language = prefix or model.language_of(db)
    for requirement, error in getattr(cmd, "needs", ()):
        if requirement == CYPHER_25_RELEASE and not has_versions:
            raise error
        if requirement == CYPHER_25_ONLY and language != 25:
            raise error
    return language
