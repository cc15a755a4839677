"""What Neo4j's query log would hold for the statements the simulator received (``model.query_log()``).

``model.statements`` is what arrived on the wire, parameters included: a test reads it to see what the collection
sent.  A real server's query log (``logs/query.log``) is not that.  The Operations Manual says (monitoring/logging.adoc,
"Query log configurations"; configuration/configuration-settings.adoc):

* passwords are obfuscated: ``db.logs.query.early_raw_logging_enabled`` (default ``false``) is the setting to "Log
  query text and parameters without obfuscating passwords", so by default neither the query text nor the parameters
  show a password; the security log example prints ``CREATE USER janedoe SET PASSWORD '********' CHANGE REQUIRED``
  (eight asterisks, used here for literals and parameters alike);
* ``db.logs.query.obfuscate_literals`` (default ``false``) obfuscates every literal of the query text, and "does not
  obfuscate literals in parameters"; ``db.logs.query.parameter_logging_enabled`` (default ``true``) leaves
  parameters out altogether when false.

A password here is whatever follows the keyword ``PASSWORD`` (``SET [PLAINTEXT|ENCRYPTED] PASSWORD x``, a remote
alias's ``USER u PASSWORD x``, ``SET PASSWORD FROM x TO y``), as a literal or a parameter.  Whether Neo4j treats the
``seedCredentials`` option of ``CREATE DATABASE`` as a password in its query log is not documented, so the simulator
offers both (switch ``model.query_log_seed_credentials``): ``logged`` (as any other option: the literal reading,
since only passwords are said to be obfuscated) and ``obfuscated``.
"""

import re
from dataclasses import replace

MASK = "********"
QUERY_LOG_SEED_CREDENTIALS = ("logged", "obfuscated")
_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_VALUE = r"(?:%s|\$\w+|\$`[^`]+`)" % _STRING
_PASSWORD = re.compile(r"(\bPASSWORD\s+(?:FROM\s+)?)(%s)(\s+TO\s+(%s))?" % (_VALUE, _VALUE), re.IGNORECASE)
_SEED_CREDENTIALS = re.compile(r"(\bseedCredentials\s*:\s*)(%s)" % _VALUE)


def _secret_values(query, seed_credentials):
    """(positions of secret literals in ``query``, names of secret parameters)."""
    spans, params = [], set()

    def take(match_text, start):
        if match_text.startswith("$"):
            params.add(match_text[1:].strip("`"))
        else:
            spans.append((start, start + len(match_text)))

    for match in _PASSWORD.finditer(query):
        take(match.group(2), match.start(2))
        if match.group(4):
            take(match.group(4), match.start(4))
    if seed_credentials == "obfuscated":
        for match in _SEED_CREDENTIALS.finditer(query):
            take(match.group(2), match.start(2))
    return spans, params


def logged(statement, seed_credentials="logged", obfuscate_literals=False, parameter_logging=True):
    """``statement`` (a ``model.Statement``) as the query log shows it."""
    query = statement.query
    spans, secret_params = _secret_values(query, seed_credentials)
    for start, end in sorted(spans, reverse=True):
        query = query[:start] + "'%s'" % MASK + query[end:]
    if obfuscate_literals:
        query = re.sub(_STRING, "******", query)
    parameters = {}
    if parameter_logging:
        parameters = {name: (MASK if name in secret_params else value) for name, value in statement.parameters.items()}
    return replace(statement, query=query, parameters=parameters)
