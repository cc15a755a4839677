"""Bad inputs for every variable of every role, generated from the roles' own ``meta/argument_specs.yml``.

``role_specs()`` reads every role's entry points (an entry point whose options are those of an earlier one of the
same role, such as neo4j_rolling_upgrade's ``member``, is the same variables checked by the same code and is not tried
twice).  ``cases(role, entry, spec, base, extras)`` turns one entry point's options into ``RoleCase``s: the valid
``base`` variables with one variable made wrong, from its spec (wrong types, values outside ``choices``, a required
variable left out, zero or negative timeouts, counts and sizes, ports out of range, thresholds that are no
percentage) plus the role's own ``extras`` (illegal and injecting names, survey strings that do not parse, missing
and corrupt files, contradictory combinations), which the test writes per role since they need the role's meaning.
Every case must fail before changing anything, with a message naming ``case.names`` (one of them).
"""

import math
import pathlib
from dataclasses import dataclass

import yaml

ROLES = pathlib.Path(__file__).resolve().parents[2] / "roles"
ABSENT = object()  # a variable the case leaves out


@dataclass
class RoleCase:
    role: str
    entry: str
    label: str  # unique, also the block's name in the playbook
    variables: dict  # the include_role vars; a value ABSENT leaves the variable out
    names: tuple  # names one of which the failure message must contain
    what: str = ""

    def role_vars(self):
        return {name: value for name, value in self.variables.items() if value is not ABSENT}


def role_specs():
    """role -> entry point -> options (from meta/argument_specs.yml), without entry points that repeat another's."""
    specs = {}
    for path in sorted(ROLES.glob("*/meta/argument_specs.yml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))["argument_specs"]
        kept, seen = {}, []
        for entry, spec in entries.items():
            options = spec.get("options") or {}
            if options in seen:
                continue
            seen.append(options)
            kept[entry] = options
        specs[path.parents[1].name] = kept
    return specs


TIMEOUT = ("timeout",)
COUNTS = ("period", "periods", "datapoints", "history", "retries", "parallel", "lag", "memory_mb", "keep",
          "default_primaries", "default_secondaries")
PERCENT = ("threshold", "percent")
STRICTLY_POSITIVE = ("period", "periods", "datapoints")  # CloudWatch needs at least 1


def _has(option, words):
    return any(option == word or option.endswith("_" + word) or ("_%s_" % word) in option for word in words)


def wrong_values(option, spec, parent=None):
    """(what, value) pairs wrong for one variable (or sub-option) by its spec and its name."""
    kind = spec.get("type", "str")
    values = []
    if spec.get("choices"):
        values.append(("not a choice", ["not-a-choice"] if kind == "list" else "not-a-choice"))
    if kind in ("int", "float"):
        values.append(("not a number", "not-a-number"))
        if _has(option, TIMEOUT):
            values += [("zero", 0), ("negative", -1)] + ([("not finite", "nan")] if kind == "float" else [])
        elif option.endswith("_port") or parent == "default_ports":
            values += [("port 0", 0), ("port above 65535", 70000)]
        elif _has(option, STRICTLY_POSITIVE):
            values += [("zero", 0), ("negative", -1)]
        elif _has(option, COUNTS):
            values.append(("negative", -1))
        elif _has(option, PERCENT):
            values += [("negative", -1)] + ([("not finite", "nan")] if kind == "float" else [])
        elif option.endswith("interval") and kind == "float":  # progress_interval: 0 turns the lines off
            values += [("negative", -1), ("not finite", "nan")]
    elif kind == "bool":
        values.append(("not a boolean", "maybe"))
    elif kind == "dict":
        values.append(("not a dict", "not-a-dict"))
    elif kind == "list" and not spec.get("choices"):
        elements = spec.get("elements")
        if elements in ("dict", "int", "float"):
            values.append(("element of the wrong type", ["not-a-%s" % elements]))
        else:
            values.append(("not a list", {"not": "a list"}))
    return values


def _names(role, option):
    """The variable and, for neo4j_blue_green, the short name the playbooks use (bg_<name>)."""
    names = (option,)
    if role == "neo4j_blue_green":
        names += ("bg_" + option[len("neo4j_blue_green_"):],)
    return names


def cases(role, entry, options, base, extras=()):
    """Every bad input for one entry point of ``role``: generated from ``options``, plus ``extras``
    ((what, {variable: value}, names) with ABSENT for a variable left out), on top of ``base``."""
    found = []

    def add(what, changes, names):
        variables = dict(base)
        variables.update(changes)
        found.append(RoleCase(role, entry, "%s:%s %s #%d" % (role, entry, what, len(found) + 1), variables,
                              tuple(names), what))

    for option, spec in options.items():
        names = _names(role, option)
        for what, value in wrong_values(option, spec):
            add("%s %s" % (option, what), {option: value}, names)
        if spec.get("required"):
            add("%s left out" % option, {option: ABSENT}, names)
        sub = spec.get("options") or {}
        template = base.get(option)
        for sub_option, sub_spec in sub.items():
            for what, value in wrong_values(sub_option, sub_spec, parent=option[option.rfind("_") + 1:]
                                            if option.endswith("default_ports") else None):
                if isinstance(template, list) and template and isinstance(template[0], dict):
                    bad = [dict(template[0], **{sub_option: value})]
                elif spec.get("type") == "list":
                    continue  # a list the base leaves out: its elements need more than one field
                else:
                    bad = dict(template or {}, **{sub_option: value})
                add("%s.%s %s" % (option, sub_option, what), {option: bad}, names)
            for inner, inner_spec in (sub_spec.get("options") or {}).items():
                if not (isinstance(template, list) and template and isinstance(template[0].get(sub_option), dict)):
                    continue
                for what, value in wrong_values(inner, inner_spec):
                    element = dict(template[0], **{sub_option: dict(template[0][sub_option], **{inner: value})})
                    add("%s.%s.%s %s" % (option, sub_option, inner, what), {option: [element]}, names)
    for what, changes, names in extras:
        add(what, changes, names)
    return found


def short(all_cases, per_role=4):
    """A few cases of every role, spread over its list: the variant ``make test`` runs."""
    chosen, by_role = [], {}
    for case in all_cases:
        by_role.setdefault(case.role, []).append(case)
    for role_cases in by_role.values():
        step = max(1, math.ceil(len(role_cases) / per_role))
        chosen += role_cases[::step][:per_role]
    return chosen
