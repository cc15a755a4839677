# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The steps of an in-place rolling upgrade that talk to Neo4j: plan, drain, release and wait.

Neo4j's procedure (Upgrade and Migration Guide, "in-place rolling upgrade"): before each server, the cluster is
healthy (``SHOW SERVERS ... WHERE requestedHosting <> hosting`` and ``SHOW DATABASES ... WHERE currentStatus <>
requestedStatus`` return nothing); upgrade the server as a standalone one; then it shows state ``Enabled`` and health
``Available`` again, and "the cluster returns to a stable state before moving on to the next".  Administration
commands "must not be used during a rolling upgrade" (database-administration/index.adoc), so nothing here runs one:
only SHOW commands and the member-local procedure ``dbms.setConfigValue``.

Leadership: Neo4j documents no procedure that moves a leadership on demand.  It documents that it "automatically
transfers database leaderships away from instances where those databases are configured to be read-only using
server.databases.read_only" (clustering/setup/routing.adoc, 5.x and dev), a dynamic setting that
``dbms.setConfigValue`` changes on one member only and that is "lost if the server is restarted"
(procedures/built-in-procedures.adoc).  ``drain`` uses that; ``system`` cannot be listed there (the setting's valid
values exclude it), so its leadership moves by election when the member stops.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .connection import Neo4jModuleError
from .info import database_problems, databases_from_rows, server_names_by_id, server_problems, servers_from_rows
from .servers import find
from .wait import WaitTimeout, poll

SHOW_SERVERS = "SHOW SERVERS YIELD *"
SHOW_DATABASES = "SHOW DATABASES YIELD *"
READ_ONLY_SETTING = "server.databases.read_only"
SHOW_READ_ONLY = "SHOW SETTINGS $names YIELD name, value RETURN value"
SET_CONFIG_VALUE = "CALL dbms.setConfigValue($setting, $value)"
STEPS = ("plan", "drain", "release", "wait")


class UpgradeRefused(Neo4jModuleError):
    """The cluster or the inventory is not fit for the step; nothing was changed."""


def version_key(version):
    """``5.26.12`` -> (5, 26, 12); ``2026.07.0`` -> (2026, 7, 0): calendar releases sort above 5.x."""
    parts = []
    for piece in str(version).split("-", 1)[0].split("."):
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple((parts + [0, 0, 0])[:3])  # "2026.07" is "2026.07.0"


def read_state(client):
    servers = client.read(SHOW_SERVERS, {}, database="system").rows
    databases = client.read(SHOW_DATABASES, {}, database="system").rows
    return servers, databases


def _copies(server, databases):
    return [row for row in databases if row.get("serverID") == server.get("serverId")]


def leaderships(server, databases):
    """The databases whose writer (leader) is ``server``, ``system`` included."""
    return sorted(row["name"] for row in _copies(server, databases) if row.get("writer"))


def role_of(server, databases):
    """``secondary`` when the server hosts no primary copy (system included), else ``primary``."""
    copies = _copies(server, databases)
    if copies and all(row.get("role") == "secondary" for row in copies):
        return "secondary"
    return "secondary" if (server.get("modeConstraint") == "SECONDARY" and not copies) else "primary"


def lagging(databases, max_lag):
    """Copies further behind their writer than ``max_lag`` transactions (SHOW DATABASES ``replicationLag``)."""
    out = []
    for row in databases:
        lag = row.get("replicationLag")
        if lag is not None and lag > max_lag:
            out.append("database %s on %s: replication_lag %s" % (row.get("name"), row.get("address"), lag))
    return out


def health_reasons(servers, databases, max_lag=0):
    """Neo4j's pre-checks: every server Enabled and Available and hosting what it should, no database in a
    transitional state, every copy caught up."""
    by_name = servers_from_rows(servers)
    reasons = server_problems(by_name)
    for name, db in sorted(databases_from_rows(databases, server_names_by_id(by_name)).items()):
        reasons.extend(database_problems(name, db))
    return reasons + lagging(databases, max_lag)


def member_view(server, databases, target_version=None):
    version = server.get("version")
    out = dict(server=server.get("name"), server_id=server.get("serverId"), address=server.get("address"),
               version=version, role=role_of(server, databases), leaderships=leaderships(server, databases),
               databases=sorted(set(row["name"] for row in _copies(server, databases))))
    if target_version:
        out["upgraded"] = version is not None and version_key(version) >= version_key(target_version)
    return out


def plan(members, servers, databases, target_version, max_lag=0):
    """The upgrade order: members hosting only secondary copies first, then primaries by how many leaderships they
    hold, fewest first (the member holding most is upgraded last); inventory order breaks ties."""
    if not members:
        raise UpgradeRefused("members: give at least one member (host and server).")
    seen, entries = set(), []
    for index, member in enumerate(members):
        if not isinstance(member, dict) or not member.get("host") or not member.get("server"):
            raise UpgradeRefused("members[%d]: each member needs a host (inventory name) and a server (its name, id or "
                                 "Bolt address in SHOW SERVERS); got %r." % (index, member))
        row = find(servers, member["server"])
        if row is None:
            raise UpgradeRefused("members[%d]: host %s names server '%s', which SHOW SERVERS does not list (known: %s)."
                                 % (index, member["host"], member["server"],
                                    ", ".join("%s (%s)" % (s.get("name"), s.get("address")) for s in servers)))
        if row.get("serverId") in seen:
            raise UpgradeRefused("members[%d]: server '%s' is named twice." % (index, member["server"]))
        seen.add(row.get("serverId"))
        entry = member_view(row, databases, target_version)
        entry["host"] = member["host"]
        if entry["version"] and version_key(entry["version"]) > version_key(target_version):
            raise UpgradeRefused("target_version: %s is older than %s, which host %s (server %s) runs; a rolling "
                                 "upgrade never downgrades." % (target_version, entry["version"], member["host"],
                                                                entry["server"]))
        entries.append((0 if entry["role"] == "secondary" else 1, len(entry["leaderships"]), index, entry))
    order = [entry for _r, _l, _i, entry in sorted(entries, key=lambda e: e[:3])]
    others = [dict(server=s.get("name"), address=s.get("address"), version=s.get("version"))
              for s in servers if s.get("serverId") not in seen and s.get("state") != "Dropped"]
    reasons = health_reasons(servers, databases, max_lag)
    return dict(order=order, pending=[e["host"] for e in order if not e["upgraded"]], not_in_members=others,
                healthy=not reasons, health_reasons=reasons)


# ----- drain and release -----------------------------------------------------------------------------

def _find_or_refuse(servers, wanted):
    row = find(servers, wanted)
    if row is None:
        raise UpgradeRefused("server: SHOW SERVERS lists no server with the name, id or address '%s'." % wanted)
    return row


def read_only_value(member):
    rows = member.read(SHOW_READ_ONLY, {"names": [READ_ONLY_SETTING]}, database="system").rows
    return rows[0]["value"] if rows else ""


def wait_healthy(client, timeout, max_lag=0, check_mode=False):
    """Neo4j's pre-checks before each server: wait until they pass (the previous member's databases may still be
    settling) or refuse after ``timeout`` seconds with the reasons.  In check mode, look once and do not wait."""
    if check_mode:
        return read_state(client)
    try:
        return poll(lambda: read_state(client), lambda state: not health_reasons(state[0], state[1], max_lag),
                    timeout, max_interval=1.0)
    except WaitTimeout as exc:
        raise UpgradeRefused("The cluster did not pass Neo4j's rolling-upgrade pre-checks within %s s, so no member "
                             "was touched: %s" % (timeout, "; ".join(health_reasons(exc.last[0], exc.last[1], max_lag))))


def drain(client, member_client, params, check_mode=False, timeout=60.0):
    """Once the cluster passes the pre-checks (``settle_timeout``), move every leadership but ``system``'s away from the
    server: add its databases to server.databases.read_only on that member (dbms.setConfigValue) and wait until
    SHOW DATABASES shows another writer for each."""
    servers, databases = wait_healthy(client, params.get("settle_timeout") or 300.0,
                                      params.get("max_replication_lag") or 0, check_mode)
    row = _find_or_refuse(servers, params["server"])
    led = [name for name in leaderships(row, databases) if name != "system"]
    result = dict(changed=False, server=row.get("name"), address=row.get("address"), moved=led, version=row.get("version"),
                  kept=["system"] if "system" in leaderships(row, databases) else [],
                  health_reasons=health_reasons(servers, databases, params.get("max_replication_lag") or 0))
    with member_client(row["address"]) as member:
        previous = read_only_value(member)
        names = [n for n in previous.split(",") if n.strip()]
        wanted = names + [n for n in led if n not in names]
        result.update(previous_read_only=previous, read_only=",".join(wanted))
        if not led or check_mode:
            result["changed"] = bool(led)
            return result
        member.read(SET_CONFIG_VALUE, {"setting": READ_ONLY_SETTING, "value": ",".join(wanted)}, database="system")
    result["changed"] = True

    def still_led(state):
        current = _find_or_refuse(state[0], params["server"])
        return [n for n in leaderships(current, state[1]) if n in led]

    try:
        poll(lambda: read_state(client), lambda state: not still_led(state), timeout)
    except WaitTimeout as exc:
        err = UpgradeRefused("server %s (%s) still leads %s %s s after %s was set on it: Neo4j did not move the "
                             "leadership (no other primary may lead it?)."
                             % (row.get("name"), row.get("address"), ", ".join(still_led(exc.last)), timeout,
                                READ_ONLY_SETTING))
        err.result = result
        raise err
    return result


def release(client, member_client, params, check_mode=False):
    """Set server.databases.read_only on the member back to ``read_only`` (what drain found there)."""
    servers, _databases = read_state(client)
    row = _find_or_refuse(servers, params["server"])
    wanted = params.get("read_only") or ""
    with member_client(row["address"]) as member:
        current = read_only_value(member)
        result = dict(changed=current != wanted, server=row.get("name"), address=row.get("address"),
                      read_only=wanted, previous_read_only=current)
        if result["changed"] and not check_mode:
            member.read(SET_CONFIG_VALUE, {"setting": READ_ONLY_SETTING, "value": wanted}, database="system")
    return result


# ----- wait ------------------------------------------------------------------------------------------

def rejoin_problems(servers, databases, wanted, target_version=None, max_lag=0):
    """What keeps the server from counting as back: its state, health, version, hosting, and every database it
    hosts online (its requested status) and caught up.  Returns (row, problems, stuck databases)."""
    row = find(servers, wanted)
    if row is None:
        return None, ["SHOW SERVERS does not list it"], []
    problems = []
    if row.get("state") != "Enabled":
        problems.append("state is %s, not Enabled" % row.get("state"))
    if row.get("health") != "Available":
        problems.append("health is %s, not Available" % row.get("health"))
    # The release it reports must be the target (or newer: "2026.07" asked, "2026.07.0" reported counts).
    if target_version and (not row.get("version") or version_key(row["version"]) < version_key(target_version)):
        problems.append("version is %s, not %s" % (row.get("version"), target_version))
    missing = sorted(set(row.get("requestedHosting") or []) - set(row.get("hosting") or []))
    if missing:
        problems.append("not yet hosting %s" % ", ".join(missing))
    stuck = []
    for copy in _copies(row, databases):
        lag = copy.get("replicationLag")
        if copy.get("currentStatus") != copy.get("requestedStatus"):
            stuck.append(dict(database=copy["name"], current_status=copy.get("currentStatus"),
                              requested_status=copy.get("requestedStatus"), status_message=copy.get("statusMessage")))
        elif lag is not None and lag > max_lag:
            stuck.append(dict(database=copy["name"], current_status="%s, %s transactions behind"
                              % (copy.get("currentStatus"), lag), requested_status=copy.get("requestedStatus"),
                              status_message=copy.get("statusMessage")))
    for database in missing:
        if database not in [s["database"] for s in stuck]:
            stuck.append(dict(database=database, current_status="not hosted", requested_status="online",
                              status_message=""))
    return row, problems, sorted(stuck, key=lambda s: s["database"])


def _stuck_text(stuck):
    return ", ".join("%s (%s)" % (s["database"], s["current_status"]) for s in stuck)


def wait_rejoined(client, params, reporter=None):
    """Poll until the server is back (``rejoin_problems`` is empty) or ``wait_timeout`` passes; the failure names
    the server and what is stuck."""
    wanted, timeout = params["server"], params["wait_timeout"]
    target, max_lag = params.get("target_version"), params.get("max_replication_lag") or 0
    if reporter is not None:
        reporter.phase("waiting for server %s to rejoin" % wanted, unit=None)

    def check(state):
        row, problems, stuck = rejoin_problems(state[0], state[1], wanted, target, max_lag)
        if reporter is not None:
            reporter.members([dict(member=s["database"], current_status=s["current_status"],
                                   requested_status=s["requested_status"]) for s in stuck]
                             + [dict(member=wanted, current_status=p) for p in problems])
        return not problems and not stuck

    try:
        servers, databases = poll(lambda: read_state(client), check, timeout, max_interval=1.0)
    except WaitTimeout as exc:
        row, problems, stuck = rejoin_problems(exc.last[0], exc.last[1], wanted, target, max_lag)
        where = "%s (%s)" % (row.get("name"), row.get("address")) if row else wanted
        detail = list(problems)
        if stuck:
            detail.append("databases not online and caught up on it: %s" % _stuck_text(stuck))
        err = UpgradeRefused("Server %s did not rejoin within %s s: %s." % (where, timeout, "; ".join(detail)))
        err.result = dict(server=row.get("name") if row else wanted, problems=problems, stuck_databases=stuck)
        raise err
    row = find(servers, wanted)
    return dict(changed=False, **member_view(row, databases, target))
