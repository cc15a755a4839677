"""What each Neo4j release the simulator can impersonate serves, with the source of every difference.

The simulator runs one version (``Cluster(version=...)``, ``python -m simulator --version``, and for the test
suite ``GRAPHOPS_SIM_VERSION``).  The two lines users run are modelled:

- **5.26 LTS** (the default, ``5.26.0``): Bolt 5.0-5.8, Cypher 5 only.
- **calendar releases** (``2025.MM.p`` / ``2026.MM.p``): everything below switches on at the release that
  introduced it.

Sources: ``neo4j/docs-bolt`` ``bolt-compatibility.adoc`` (which Bolt versions a release serves),
``neo4j/docs-operations`` tags ``5.26.2`` ... ``2026.07.0`` and branch ``dev`` (the "Introduced in" labels of
``listing-databases.adoc``, ``manage-aliases-standard-databases.adoc``, ``manage-users.adoc``,
``create-databases.adoc``, ``deprecations.adoc``, ``configuration/cypher-version-configuration.adoc``).
"""

import re

DEFAULT_VERSION = "5.26.0"

# Release that introduced each difference (compare with ``at_least``).
CYPHER_25 = (2025, 6)  # Cypher 25 selectable; DEFAULT LANGUAGE; defaultLanguage columns (cypher-versions.adoc)
SEED_RESTORE_UNTIL = (2025, 1)  # CREATE DATABASE option seedRestoreUntil (create-databases.adoc, Cypher 5 tab)
SEED_OR_REPLACE = (2025, 1)  # seed options allowed with CREATE OR REPLACE (create-databases.adoc NOTE)
BOLT_6 = (2025, 10)  # bolt-compatibility.adoc: "Bolt 6.0 | 2025.10 - current"
SHARD_COLUMNS = (2025, 12)  # SHOW DATABASES: property-shard columns (listing-databases.adoc, "Introduced in 2025.12")
ALIAS_CREDENTIALS = (2026, 1)  # SHOW ALIASES `credentials` (manage-aliases-standard-databases.adoc, 2026.01)
CONF_CYPHER_25 = (2026, 2)  # the distributed neo4j.conf sets db.query.default_language=CYPHER_25
USER_TAGS = (2026, 6)  # SHOW USERS `tags` (manage-users.adoc, "Introduced in 2026.06")

# bolt-compatibility.adoc, "Bolt 5.x": 5.26 - current serve 5.0-5.4 and 5.6-5.8; "Bolt version 5.5 is not
# used, and no Neo4j server will ever negotiate it".
BOLT_5 = [(5, minor) for minor in range(8, -1, -1) if minor != 5]


def version_key(version):
    """``"5.26.0"`` -> ``(5, 26, 0)``, ``"2025.10.1"`` -> ``(2025, 10, 1)``: calendar versions sort above 5.x."""
    parts = re.findall(r"\d+", str(version))[:3]
    if not parts:
        raise ValueError("not a Neo4j version: %r" % (version,))
    return tuple(int(p) for p in parts)


def at_least(version, release):
    return version_key(version)[:len(release)] >= tuple(release)


def is_calver(version):
    return version_key(version)[0] >= 2025


def bolt_versions(version):
    """The Bolt versions a release negotiates, newest first (Bolt 4.x is not simulated)."""
    return ([(6, 0)] if at_least(version, BOLT_6) else []) + list(BOLT_5)


def configured_language(version):
    """``db.query.default_language`` as the distributed neo4j.conf leaves it: 5 or 25 (None before 2025.06).

    The setting's own default is CYPHER_5 (configuration-settings.adoc); from 2026.02 the neo4j.conf that
    ships with Neo4j sets CYPHER_25 explicitly (cypher-version-configuration.adoc).  The setting decides the
    language of "new (and initial) databases", so also of ``system`` and ``neo4j`` on a fresh cluster.
    """
    if not at_least(version, CYPHER_25):
        return None
    return 25 if at_least(version, CONF_CYPHER_25) else 5


def language_name(language):
    """5 -> ``"CYPHER 5"``, the form of the ``defaultLanguage`` columns (listing-databases.adoc example)."""
    return None if language is None else "CYPHER %d" % language
