// Lints Cypher statements with Neo4j's own grammar (@neo4j-cypher/language-support).
//
// stdin:  one JSON object per line: {"query": "...", "parameters": {...}}
// stdout: one JSON object per input line, in order:
//         {"index": n, "query": "...", "diagnostics": [{"severity", "message", "offsets"}...]}
// Each statement is linted with its own parameters as the schema's parameters, so `$name` is defined
// exactly when the statement was sent with it.  Severity 1 is an error, 2 a warning.
'use strict';

const readline = require('readline');
const { lintCypherQuery } = require('@neo4j-cypher/language-support');

function lintLine(line, index) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch (err) {
    return { index, query: null, diagnostics: [{ severity: 1, message: 'lint.js: invalid JSON input: ' + err.message }] };
  }
  const query = entry.query;
  if (typeof query !== 'string') {
    return { index, query: null, diagnostics: [{ severity: 1, message: 'lint.js: "query" must be a string' }] };
  }
  const result = lintCypherQuery(query, { parameters: entry.parameters || {} });
  const diagnostics = (result.diagnostics || []).map((d) => ({
    severity: d.severity,
    message: d.message,
    offsets: d.offsets,
  }));
  return { index, query, diagnostics };
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let index = 0;
  for await (const line of rl) {
    if (line.trim() === '') {
      continue;
    }
    process.stdout.write(JSON.stringify(lintLine(line, index)) + '\n');
    index += 1;
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(2);
});
