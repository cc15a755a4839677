# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter for roles whose list and dict variables may arrive as YAML/JSON strings (AWX surveys)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: neo4j_survey_values
short_description: Parse and check role variables that may arrive as YAML or JSON strings
version_added: 0.1.0
author:
  - graphops.neo4j contributors (@graphops)
description:
  - AWX surveys and C(-e key=value) send every answer as a string. This filter reads each value as its kind says,
    parsing strings as YAML (so JSON too), and returns the parsed values and one message per bad variable, each
    naming it, so a role can report every bad variable at once before it reads or changes anything.
  - "Kinds: V(dict); V(topology) (a dict of C(primaries) >= 1 and C(secondaries) >= 0); V(list) (a list of dicts,
    one dict alone is taken as a list of it); V(nodes) (a non-empty list of dicts); V(queries) (a list of
    C({query, parameters, expect})); V(count) (an integer >= 0, also as a string); V(positive) (an integer >= 1);
    V(release) (empty or 14 digits); V(alias) (non-empty, a legal alias whose release databases have legal names,
    lower-cased); V(database) (empty or a legal database name); V(deployments) (a list of C({alias, release, nodes,
    relationships, topology, validation_queries, keep}), each checked as above, one entry per alias)."
options:
  _input:
    description: Label (the variable's name as the user knows it) to value.
    type: dict
    required: true
  kinds:
    description: Label to kind.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Parse the variables
  ansible.builtin.set_fact:
    checked: "{{ {'bg_nodes': bg_nodes, 'bg_keep': bg_keep} | graphops.neo4j.neo4j_survey_values({'bg_nodes': 'nodes', 'bg_keep': 'count'}) }}"
'''

RETURN = r'''
_value:
  description: C(values) (label to parsed value; a bad variable is left out) and C(errors) (a list of messages).
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.graphops.neo4j.plugins.plugin_utils.survey_values import KINDS, check_values


def neo4j_survey_values(values, kinds):
    unknown = sorted(set(kinds.values()) - set(KINDS))
    if unknown:
        raise AnsibleFilterError("neo4j_survey_values: unknown kinds %s (known: %s)" % (unknown, sorted(KINDS)))
    return check_values(values, kinds)


class FilterModule(object):
    def filters(self):
        return {"neo4j_survey_values": neo4j_survey_values}
