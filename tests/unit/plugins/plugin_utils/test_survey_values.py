"""plugin_utils.survey_values: role variables as AWX surveys send them (strings), one message per bad variable."""

from ansible_collections.graphops.neo4j.plugins.plugin_utils.survey_values import check_values


def test_strings_parse_as_yaml_or_json_and_values_pass_through():
    checked = check_values(
        {"n": '[{"path": "a.csv"}]', "t": "{primaries: 3}", "q": [{"query": "RETURN 1 AS x", "expect": [{"x": 1}]}],
         "k": "2", "r": "", "one": {"path": "b.csv"}, "p": 3, "b": None},
        {"n": "nodes", "t": "dict", "q": "queries", "k": "count", "r": "release", "one": "list", "p": "positive",
         "b": "dict"})
    assert checked["errors"] == []
    assert checked["values"] == {"n": [{"path": "a.csv"}], "t": {"primaries": 3},
                                 "q": [{"query": "RETURN 1 AS x", "expect": [{"x": 1}]}], "k": 2, "r": "",
                                 "one": [{"path": "b.csv"}], "p": 3, "b": {}}


def test_every_bad_variable_gets_its_own_message():
    checked = check_values({"n": "[{path: a", "t": "[1]", "k": True, "r": "2025", "a": " ", "n2": "[]", "l": "[1]"},
                           {"n": "nodes", "t": "dict", "k": "count", "r": "release", "a": "alias", "n2": "nodes",
                            "l": "list"})
    assert [e.split(":", 1)[0] for e in checked["errors"]] == ["n", "t", "k", "r", "a", "n2", "l"]
    assert checked["errors"][1] == "t: expected a dict (or a YAML/JSON string of one), got a list."
    assert checked["errors"][2] == "k: expected an integer >= 0, got a boolean."
    assert checked["errors"][3] == "r: must be 14 digits (YYYYMMDDHHMMSS), got '2025'."
    assert checked["errors"][5] == "n2: must name at least one source, got an empty list."
    assert checked["errors"][6] == "l: expected a list of dicts, but item 0 is an integer."
    assert checked["errors"][0].startswith("n: the string '[{path: a' is not valid YAML or JSON (")
    assert checked["values"] == {}


def test_deployments_are_checked_entry_by_entry():
    good = check_values({"d": "[{alias: Movies, nodes: [{path: m.csv}], topology: '{primaries: 1}', keep: '1'}]"},
                        {"d": "deployments"})
    assert good["errors"] == []
    assert good["values"]["d"] == [{"alias": "movies", "release": "", "nodes": [{"path": "m.csv"}], "relationships": [],
                                    "topology": {"primaries": 1}, "validation_queries": [], "keep": 1}]
    entries = [{"nodes": [{"path": "m.csv"}]},
               {"alias": "x", "nodes": "[{path: y}]", "release": "1", "validation_queries": [{"query": "q", "expect": 1}]}]
    bad = check_values({"d": entries}, {"d": "deployments"})
    assert bad["errors"] == [
        "d: [0]: alias must be set (the alias applications read); [1] (alias 'x'): release must be 14 digits "
        "(YYYYMMDDHHMMSS), got '1'; [1] (alias 'x'): validation_queries item 0: expect must be the list of rows the "
        "query returns, got an integer."]


def test_names_follow_neo4j_rules_before_anything_is_read():
    bad = ["a`b", "x;DROP DATABASE neo4j", "white space", "_under", "systemx", "9lives", "trailing.", "a" * 49]
    names = {"a%d" % i: value for i, value in enumerate(bad)}
    checked = check_values(names, {label: "alias" for label in names})
    assert [e.split(":", 1)[0] for e in checked["errors"]] == sorted(names, key=lambda k: int(k[1:]))
    assert "the character '`'" in checked["errors"][0]
    assert "<alias>-<release>" in checked["errors"][7]  # the release databases would be longer than 63 characters
    good = check_values({"a": "Movies-2.x", "d": "", "d2": "Movies-20250101000001"},
                        {"a": "alias", "d": "database", "d2": "database"})
    assert good == {"values": {"a": "movies-2.x", "d": "", "d2": "movies-20250101000001"}, "errors": []}
    # '_' is legal in an alias but not in the database names <alias>-<release>
    assert check_values({"a": "my_alias"}, {"a": "alias"})["errors"][0].startswith("a: the release databases")
    bad = check_values({"d": "a`b"}, {"d": "database"})
    assert bad["errors"][0].startswith("d: database: database name 'a`b' contains the character '`'")


def test_topology_counts():
    assert check_values({"t": "{primaries: 3, secondaries: 0}"}, {"t": "topology"})["errors"] == []
    errors = check_values({"t": {"primaries": 0}, "u": {"secondaries": -1}, "v": {"primary": 1}},
                          {"t": "topology", "u": "topology", "v": "topology"})["errors"]
    assert errors == ["t: primaries expected an integer >= 1, got 0.", "u: secondaries expected an integer >= 0, got -1.",
                      "v: unknown key primary (known: primaries, secondaries)."]
