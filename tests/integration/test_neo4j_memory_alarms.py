"""Memory alarms in CloudWatch: the neo4j_memory_alarms role (neo4j_info -> neo4j_cloudwatch_metrics ->
neo4j_cloudwatch_alarm) against a simulated cluster, and the alarm module's lifecycle, both against moto's CloudWatch
in server mode on 127.0.0.1 (real boto3 calls with IAM credentials checked)."""

import datetime
import json
import uuid

from plays import assert_refused, play, refusal_tasks, target_vars

SNS = "arn:aws:sns:eu-west-1:123456789012:neo4j-scale-out"
MIB = 1024 * 1024


def cloudwatch_defaults(moto):
    """module_defaults for the CloudWatch group, under the Neo4j group the plays already set."""
    lines = ["    group/graphops.neo4j.neo4j_cloudwatch:"]
    lines += ["      %s: %s" % (key, json.dumps(value)) for key, value in moto.module_options().items()]
    return "\n".join(lines) + "\n"


def with_cloudwatch(text, moto):
    return text.replace("  tasks:\n", cloudwatch_defaults(moto) + "  tasks:\n", 1)


def alarms(cw, prefix):
    return {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]}


def latest(cw, cluster_name, server, metric):
    now = datetime.datetime.now(datetime.timezone.utc)
    dimensions = [{"Name": "ClusterName", "Value": cluster_name}, {"Name": "ServerName", "Value": server}]
    metric = {"Namespace": "Neo4j", "MetricName": metric, "Dimensions": dimensions}
    answer = cw.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Maximum"}}],
        StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=1))
    return answer["MetricDataResults"][0]["Values"]


def test_role_publishes_every_members_heap_and_page_cache_and_keeps_two_alarms_each(run_playbook, cluster, moto_cloudwatch):
    cw = moto_cloudwatch.client(service="cloudwatch")
    name = "c-" + uuid.uuid4().hex[:8]
    heaps, caches = {}, {}
    with cluster.model.lock:
        cluster.model.metrics_mbean_keys = "name,type"  # the other naming than neo4j_info's default-naming tests
        for i, member in enumerate(cluster.members):
            cluster.model.heap[member] = ((200 + 300 * i) * MIB, 1000 * MIB)
            heaps[cluster.server_name(member)] = (200 + 300 * i) / 10.0
            cluster.model.page_cache[member] = (0.5 + 0.25 * i, 0.96)
            caches[cluster.server_name(member)] = 50.0 + 25.0 * i
        cluster.model.page_cache[cluster.members[-1]] = None  # server.metrics.jmx.enabled=false on this one
    off = cluster.server_name(cluster.members[-1])
    del caches[off]
    # playbooks/memory_alarms.yml over the role; the credentials reach boto3 through its default chain (AWS_*).
    extra = target_vars(cluster, memory_alarms_cluster_name=name, memory_alarms_alarm_actions=[SNS],
                        aws_region=moto_cloudwatch.region, aws_endpoint_url=moto_cloudwatch.endpoint)
    env = {"AWS_ACCESS_KEY_ID": moto_cloudwatch.access_key, "AWS_SECRET_ACCESS_KEY": moto_cloudwatch.secret_key}
    playbook = "playbooks/memory_alarms.yml"

    checked = run_playbook(playbook, extra_vars=extra, env=env, check=True)
    assert checked.rc == 0, checked
    assert [r["changed"] for r in checked.all_results("Alarm on each member's heap")] in ([True], [True] * 3)
    assert [r["changed"] for r in checked.all_results("Alarm on each member's page-cache use")] in ([True], [True] * 3)
    assert cw.list_metrics(Dimensions=[{"Name": "ClusterName", "Value": name}])["Metrics"] == []
    assert alarms(cw, "neo4j-%s-" % name) == {}  # --check sent nothing

    first = run_playbook(playbook, extra_vars=extra, env=env)
    assert first.rc == 0, first
    published = first.results["Publish the heap and page-cache use to CloudWatch"]
    assert published["changed"] is True and published["not_published"] == {}
    assert list(published["page_cache_not_published"]) == [off]
    assert "server.metrics.jmx.enabled" in published["page_cache_not_published"][off]
    listed = cw.list_metrics(Namespace="Neo4j", Dimensions=[{"Name": "ClusterName", "Value": name}])["Metrics"]
    assert sorted((m["MetricName"], {d["Name"]: d["Value"] for d in m["Dimensions"]}["ServerName"]) for m in listed) \
        == sorted([(metric, server) for server in heaps for metric in ("HeapUsedBytes", "HeapUsedPercent")] +
                  [(metric, server) for server in caches for metric in ("PageCacheHitPercent", "PageCacheUsagePercent")])
    for server, percent in heaps.items():
        assert latest(cw, name, server, "HeapUsedPercent") == [percent]
        assert latest(cw, name, server, "HeapUsedBytes") == [percent * 10 * MIB]
    for server, percent in caches.items():
        assert latest(cw, name, server, "PageCacheUsagePercent") == [percent]
        assert latest(cw, name, server, "PageCacheHitPercent") == [96.0]
    assert latest(cw, name, off, "PageCacheUsagePercent") == []  # metrics off: nothing made up
    made = alarms(cw, "neo4j-%s-" % name)
    assert sorted(made) == sorted(["neo4j-%s-%s-heap" % (name, server) for server in heaps] +
                                  ["neo4j-%s-%s-page-cache" % (name, server) for server in heaps])
    for server in heaps:  # the member without page-cache metrics keeps its alarm: it sees missing data
        alarm = made["neo4j-%s-%s-page-cache" % (name, server)]
        assert (alarm["MetricName"], alarm["Namespace"], alarm["Threshold"], alarm["TreatMissingData"]) == \
            ("PageCacheUsagePercent", "Neo4j", 95.0, "missing")
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"ClusterName": name, "ServerName": server}
        assert alarm["AlarmActions"] == [SNS]
    for server in heaps:
        alarm = made["neo4j-%s-%s-heap" % (name, server)]
        assert alarm["MetricName"] == "HeapUsedPercent" and alarm["Namespace"] == "Neo4j"
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"ClusterName": name, "ServerName": server}
        assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["Statistic"]) == \
            (85.0, "GreaterThanThreshold", "Maximum")
        assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (300, 3, 2)
        assert alarm["AlarmActions"] == [SNS]

    # Scheduled again: new datapoints, no alarm rewritten.
    second = run_playbook(playbook, extra_vars=extra, env=env)
    assert second.rc == 0, second
    assert second.results["Publish the heap and page-cache use to CloudWatch"]["changed"] is True
    assert [r["changed"] for r in second.all_results("Alarm on each member's heap")] in ([False], [False] * 3)
    assert [r["changed"] for r in second.all_results("Alarm on each member's page-cache use")] in \
        ([False], [False] * 3)
    assert alarms(cw, "neo4j-%s-" % name) == made

    removed = run_playbook(playbook, extra_vars=dict(extra, memory_alarms_state="absent"), env=env)
    assert removed.rc == 0, removed
    assert alarms(cw, "neo4j-%s-" % name) == {}


BAD_ALARMS = [
    ("threshold out of range", "name: {p}-bad1\n  cluster_name: c\n  server_name: s\n  threshold: 150",
     r"^threshold: 150.0 is out of range; HeapUsedPercent is a percentage, use a value from 0 to 100$"),
    ("unknown comparison operator",
     "name: {p}-bad2\n  cluster_name: c\n  server_name: s\n  threshold: 80\n  comparison_operator: Bigger",
     r"comparison_operator must be one of: .*GreaterThanThreshold.*, got: Bigger"),
    ("wrong credentials", "name: {p}-bad3\n  cluster_name: c\n  server_name: s\n  threshold: 80\n"
     "  secret_key: not-the-secret",
     r"^CloudWatch refused (the credentials \(SignatureDoesNotMatch\) for DescribeAlarms|DescribeAlarms \(HTTP 403\)): "
     r"check access_key and secret_key"),
]

LIFECYCLE = """
- name: publish in check mode
  graphops.neo4j.neo4j_cloudwatch_metrics:
    cluster_name: {p}
    memory: {{server1: {{heap_used_percent: 50.0, heap: {{used: 512, max: 1024}}}}, server2: {{heap_used_percent: null, error: down}}}}
  check_mode: true
- name: create in check mode
  graphops.neo4j.neo4j_cloudwatch_alarm: &alarm
    name: {p}-heap
    cluster_name: {p}
    server_name: server1
    threshold: 85
    alarm_actions: [{sns}]
  check_mode: true
- name: create
  graphops.neo4j.neo4j_cloudwatch_alarm: *alarm
- name: again
  graphops.neo4j.neo4j_cloudwatch_alarm: *alarm
- name: new threshold in check mode
  graphops.neo4j.neo4j_cloudwatch_alarm:
    <<: *alarm
    threshold: 90
  check_mode: true
  diff: true
- name: new threshold
  graphops.neo4j.neo4j_cloudwatch_alarm:
    <<: *alarm
    threshold: 90
  diff: true
- name: remove in check mode
  graphops.neo4j.neo4j_cloudwatch_alarm:
    name: {p}-heap
    state: absent
  check_mode: true
- name: remove
  graphops.neo4j.neo4j_cloudwatch_alarm:
    name: {p}-heap
    state: absent
- name: remove again
  graphops.neo4j.neo4j_cloudwatch_alarm:
    name: {p}-heap
    state: absent
"""


def test_alarm_lifecycle_check_mode_diff_and_refusals(run_playbook, moto_cloudwatch):
    cw = moto_cloudwatch.client(service="cloudwatch")
    p = "a-" + uuid.uuid4().hex[:8]
    cases = [(label, options.format(p=p), pattern) for label, options, pattern in BAD_ALARMS]
    tasks = LIFECYCLE.format(p=p, sns=SNS) + "\n" + refusal_tasks("neo4j_cloudwatch_alarm", cases)
    run = run_playbook(with_cloudwatch(play(tasks), moto_cloudwatch))
    assert run.rc == 0, run
    r = run.results

    metrics = r["publish in check mode"]
    assert metrics["changed"] is True and metrics["not_published"] == {"server2": "down"}
    sent = [(m["metric_name"], m["value"]) for m in metrics["metrics"]]
    assert sent == [("HeapUsedBytes", 512.0), ("HeapUsedPercent", 50.0)]
    assert cw.list_metrics(Dimensions=[{"Name": "ClusterName", "Value": p}])["Metrics"] == []

    assert r["create in check mode"]["changed"] is True
    assert r["create"]["changed"] is True
    assert "threshold" in r["create"]["changed_fields"]  # a new alarm: check mode had created nothing
    assert r["create"]["alarm"]["threshold"] == 85.0 and r["create"]["alarm"]["alarm_actions"] == [SNS]
    assert r["again"]["changed"] is False and r["again"]["changed_fields"] == []
    for label in ("new threshold in check mode", "new threshold"):
        assert r[label]["changed"] is True, label
        assert r[label]["changed_fields"] == ["threshold"], label
        assert r[label]["diff"]["before"]["threshold"] == 85.0, label  # check mode left it at 85
        assert r[label]["diff"]["after"]["threshold"] == 90.0, label
    assert r["remove in check mode"]["changed"] is True
    assert r["remove"]["changed"] is True and r["remove"]["alarm"] is None
    assert r["remove again"]["changed"] is False

    assert_refused(run, cases)
    assert alarms(cw, p) == {}  # removed, and no refused alarm was created
