"""Bad inputs for every option of every module, generated from the modules' own argument specs.

``argument_specs()`` runs each module's ``main()`` with ``AnsibleModule.__init__`` replaced by a stand-in that
captures its keyword arguments (argument_spec, mutually_exclusive, required_if, required_together) and stops:
new options and new modules are covered without editing this file.  ``cases(module, spec, base)`` turns one
module's spec into ``Case``s: the module's valid ``base`` options with one option made wrong (wrong type, value
out of range, a value outside its choices, an illegal or injecting name, a missing or corrupt file) or a
contradictory combination.  Every case must fail with a message naming ``case.names`` (one of them).
"""

import importlib
import pathlib
import sys
from dataclasses import dataclass

TESTS = pathlib.Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from collection_path import COLLECTION_ROOT, register_collection_packages  # noqa: E402  pylint: disable=wrong-import-position

# Names that are illegal everywhere a database, alias or role name goes: Cypher injection attempts and blanks.
INJECTIONS = ["a`b", "q'uote", 'd"quote', "x;DROP DATABASE neo4j", "x//comment", "$param", "white space", ""]
ILLEGAL = {
    "database": INJECTIONS + ["ab", "_under", "systemx", "9lives", "ünïcode"],
    "alias": INJECTIONS + ["_under", "systemx", "9lives", "trailing."],
    "role": INJECTIONS + ["9role", "dash-role", "dot.role"],
    # Neo4j user names are printable ASCII except ',' and ':' (quotes and backticks are legal and quoted).
    "user": ["white space", "comma,name", "colon:name", "", "tab\tname", "ünïcode"],
    # Database or alias (neo4j_query's database): only what is illegal for both.
    "database_or_alias": INJECTIONS,
}
# A user's home database is a database or an alias, and "" removes it (REMOVE HOME DATABASE).
ILLEGAL["home_database"] = [name for name in ILLEGAL["alias"] if name]
# Which options are names, per module (``option[]`` is a list of names).
NAME_OPTIONS = {
    "neo4j_alias": {"name": "alias", "target": "database", "expected_target": "database"},
    "neo4j_arrow_load": {"database": "database"},
    "neo4j_database": {"name": "database"},
    "neo4j_privileges_copy": {"source": "database", "target": "database", "roles": "role"},
    "neo4j_query": {"database": "database_or_alias"},
    "neo4j_role": {"name": "role", "copy_from": "role", "members": "user"},
    "neo4j_server": {"allowed_databases": "database", "denied_databases": "database"},
    "neo4j_user": {"name": "user", "home_database": "home_database"},
}
PORT_OPTIONS = ("bolt_port", "arrow_port")
# Folders neo4j-admin writes into (and may create): a missing one is no bad input.  Whether neo4j-admin refuses a
# file where the folder goes is not documented; not tried yet.
OUTPUT_LOCATIONS = {"temp_path", "report_path"}
# Options whose every value is legal or whose content is the user's own (a Cypher statement, its parameters,
# free text); they get only the wrong-type inputs their type has.
FREE_OPTIONS = {"query", "parameters", "secret_parameters", "description", "properties"}


@dataclass
class Case:
    module: str
    label: str  # unique task name
    args: dict  # the task's options
    names: tuple  # option names, one of which the failure message must contain
    what: str = ""  # the input without the module: the same for a connection option on every Bolt module
    shared: bool = False  # a connection option (or a combination of them): the same code in every Bolt module


class _Captured(Exception):
    pass


def module_names():
    return sorted(path.stem for path in (COLLECTION_ROOT / "plugins" / "modules").glob("neo4j_*.py"))


def argument_specs():
    """module name -> the keyword arguments its AnsibleModule gets (argument_spec, mutually_exclusive, ...)."""
    register_collection_packages()
    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

    def capture(self, **kwargs):  # pylint: disable=unused-argument
        raise _Captured(kwargs)

    original = basic.AnsibleModule.__init__
    basic.AnsibleModule.__init__ = capture
    specs = {}
    try:
        for name in module_names():
            module = importlib.import_module("ansible_collections.graphops.neo4j.plugins.modules." + name)
            try:
                module.main()
            except _Captured as captured:
                specs[name] = captured.args[0]
    finally:
        basic.AnsibleModule.__init__ = original
    return specs


def _names(option, spec):
    return (option,) + tuple(spec.get("aliases") or ())


def _wrong_values(option, spec, kind=None):
    """(what, value) pairs that are wrong for one option."""
    kind = kind or spec.get("type", "str")
    values = []
    if spec.get("choices"):
        values.append(("not a choice", "not-a-choice"))
    if kind == "int":
        values += [("not a number", "not-a-number"), ("negative", -1)]
        if option in PORT_OPTIONS:
            values += [("port 0", 0), ("port above 65535", 70000)]
    elif kind == "float":
        values.append(("not a number", "not-a-number"))
        if option.endswith("timeout") or option.startswith("keep_"):
            values += [("zero", 0), ("negative", -1), ("not finite", "nan")]
        elif option.endswith("interval"):  # progress_interval: 0 turns the progress lines off
            values += [("negative", -1), ("not finite", "nan")]
    elif kind == "bool":
        values.append(("not a boolean", "maybe"))
    elif kind == "dict":
        values.append(("not a dict", "not-a-dict"))
    elif kind == "list":
        elements = spec.get("elements")
        if elements in ("dict", "int", "float"):
            values.append(("element of the wrong type", ["not-a-%s" % elements]))
    return values


def _placeholder(spec):
    """Some value of the option's type (for contradictory combinations)."""
    return {"int": 1, "float": 1.0, "bool": True, "list": ["x"], "dict": {}}.get(spec.get("type", "str"), "x")


def cases(module, kwargs, base, files):
    """Every bad input for ``module`` whose AnsibleModule gets ``kwargs``, on top of the valid ``base`` options.

    ``files``: {"missing": path, "corrupt": path} used for path options and file sub-options."""
    spec = kwargs["argument_spec"]
    found = []

    connection = connection_options()

    def add(what, args, names):
        shared = all(name in connection for name in names if name in spec)
        found.append(Case(module, "%s %s #%d" % (module, what, len(found) + 1), args, tuple(names), what, shared))

    def with_option(option, value):
        args = dict(base)
        if option in ("host", "scheme", "bolt_port") and "uri" in args:
            args.pop("uri")
            args.setdefault("host", "127.0.0.1") if option != "host" else None
        args[option] = value
        return args

    names_of = NAME_OPTIONS.get(module, {})
    for option, option_spec in spec.items():
        names = _names(option, option_spec)
        if option not in FREE_OPTIONS or option_spec.get("type") not in (None, "str"):
            for what, value in _wrong_values(option, option_spec):
                add("%s %s" % (option, what), with_option(option, value), names)
        if option in names_of:
            as_list = option_spec.get("type") == "list"
            for bad in ILLEGAL[names_of[option]]:
                add("%s illegal name %r" % (option, bad), with_option(option, [bad] if as_list else bad), names)
        if (option_spec.get("type") == "path" or option in ("trusted_ca_file",)) and option not in OUTPUT_LOCATIONS:
            for what, path in sorted(files.items()):
                args = with_option(option, path)
                if option == "trusted_ca_file":
                    args["uri"] = args.get("uri", "").replace("neo4j://", "neo4j+s://")
                add("%s %s file" % (option, what), args, names)
        sub = option_spec.get("options")
        if sub:
            template = base.get(option)
            for sub_option, sub_spec in sub.items():
                for what, value in _wrong_values(sub_option, sub_spec):
                    if isinstance(template, list):
                        value = [dict(template[0], **{sub_option: value})]
                    elif option_spec.get("type") == "list":
                        continue  # a list option the base leaves out: its elements need more than one field
                    else:
                        value = dict(template or _required_subs(sub), **{sub_option: value})
                    add("%s.%s %s" % (option, sub_option, what), with_option(option, value),
                        _names(sub_option, sub_spec) + (option,))
                if sub_option == "path" and isinstance(template, list):
                    for what, path in sorted(files.items()):
                        add("%s.path %s file" % (option, what),
                            with_option(option, [dict(template[0], path=path)]), ("path", option))
    for left, right in kwargs.get("mutually_exclusive") or ():
        args = dict(base)
        args.setdefault(left, _placeholder(spec[left]))
        args.setdefault(right, _placeholder(spec[right]))
        add("%s with %s" % (left, right), args, (left, right))
    for key, value, needed, *rest in kwargs.get("required_if") or ():
        args = dict(base, **{key: value})
        for option in needed:
            args.pop(option, None)
        add("%s=%s without %s" % (key, value, "/".join(needed)), args, tuple(needed) + (key,))
    for together in kwargs.get("required_together") or ():
        args = dict(base)
        for option in together:
            args.pop(option, None)
        args[together[0]] = _placeholder(spec[together[0]])
        add("%s without %s" % (together[0], "/".join(together[1:])), args, tuple(together))
    return found


def connection_options():
    """The connection options every Bolt module shares (connection.neo4j_argument_spec)."""
    register_collection_packages()
    from ansible_collections.graphops.neo4j.plugins.module_utils import connection  # pylint: disable=import-outside-toplevel
    return set(connection.neo4j_argument_spec())


def spread_shared(all_cases):
    """Each connection-option input once, on the Bolt modules in turn, instead of once per module: they all go
    through the same neo4j_module()/run_module() code, and this keeps make reliability's run time in bounds.
    Every Bolt module still gets some of them, and every other input is kept."""
    kept, inputs = [], {}
    for case in all_cases:
        if case.shared:
            inputs.setdefault(case.what, []).append(case)
        else:
            kept.append(case)
    for number, what in enumerate(sorted(inputs)):
        on_modules = inputs[what]
        kept.append(on_modules[number % len(on_modules)])
    return kept


def _required_subs(sub):
    return {name: _placeholder(spec) for name, spec in sub.items() if spec.get("required")}


def short(all_cases, per_module=2):
    """A few cases of every module, spread over its list: the variant ``make test`` runs."""
    chosen, by_module = [], {}
    for case in all_cases:
        by_module.setdefault(case.module, []).append(case)
    for module_cases in by_module.values():
        step = max(1, len(module_cases) // per_module)
        chosen += module_cases[::step][:per_module]
    return chosen
