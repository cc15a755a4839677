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
