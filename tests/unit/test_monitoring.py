"""The monitoring configuration (Prometheus rules, Grafana dashboards) agrees with the code.

Every metric a rule or a dashboard queries must be one the services export (derived from the
real `prometheus_client` objects, not from a list kept here) or a recording rule of
deploy/prometheus/rules: a renamed metric or a forgotten `_total` fails here instead of leaving
an empty panel or an alert that can never fire. The rules' own behaviour is unit tested by
`promtool test rules`, run here where promtool is installed (Debian: `apt-get install
prometheus`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric
from prometheus_client.utils import floatToGoString

from services.feedback import metrics as feedback_metrics
from services.runtime import metrics as runtime_metrics

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
RULES_TEST = PROMETHEUS / "tests" / "aduan.rules.test.yml"
GRAFANA = DEPLOY / "grafana"
DASHBOARD_FILES = sorted((GRAFANA / "dashboards").glob("*.json"))
DASHBOARD_PROVIDER = GRAFANA / "provisioning" / "dashboards" / "aduan.yml"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"

METRIC_MODULES: tuple[ModuleType, ...] = (runtime_metrics, feedback_metrics)

# Series Prometheus adds to every scrape target itself.
SYNTHETIC_SERIES = frozenset({"up"})

# Sample-name suffixes of each metric family type, as prometheus_client exposes them.
SUFFIXES_BY_TYPE: dict[str, tuple[str, ...]] = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
}

# First human response targets per priority (docs/domain.md §6), in seconds.
FIRST_RESPONSE_TARGETS = {
    "P1": feedback_metrics.DAY,
    "P2": 3 * feedback_metrics.DAY,
    "P3": 7 * feedback_metrics.DAY,
}

DASHBOARD_TITLES = {
    "Aduan — response times per union",
    "Aduan — satisfaction",
    "Aduan — pipeline",
}


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# PromQL words that are not metric names: functions, aggregations, keywords, literals, and the
# functions Grafana adds for template variables.
PROMQL_FUNCTIONS = words(
    """
    abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes
    clamp clamp_max clamp_min cos cosh count_over_time day_of_month day_of_week day_of_year
    days_in_month deg delta deriv double_exponential_smoothing exp floor histogram_avg
    histogram_count histogram_fraction histogram_quantile histogram_stddev histogram_stdvar
    histogram_sum holt_winters hour idelta increase info irate label_join label_replace
    last_over_time ln log10 log2 mad_over_time max_over_time min_over_time minute month pi
    predict_linear present_over_time quantile_over_time rad rate resets round scalar sgn sin
    sinh sort sort_by_label sort_by_label_desc sort_desc sqrt stddev_over_time
    stdvar_over_time sum_over_time tan tanh time timestamp vector year
    avg bottomk count count_values group limit_ratio limitk max min quantile stddev stdvar
    sum topk
    label_values label_names metrics query_result
    """
)
PROMQL_KEYWORDS = words(
    """
    and or unless by without on ignoring group_left group_right offset bool start end inf nan
    """
)

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_COMMENT = re.compile(r"#[^\n]*")
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.$])[A-Za-z_:][\w:]*")
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(?P<expr>.*),)?\s*\w+\s*\)\s*$", re.S)
_SELECTOR = re.compile(r"(?P<name>[A-Za-z_:][\w:]*)\s*\{(?P<matchers>[^{}]*)\}")
_MATCHER = re.compile(r'(?P<label>\w+)\s*(?P<op>=~|!=|!~|=)\s*"(?P<value>[^"]*)"')


def metric_names(expr: str) -> set[str]:
    """Metric names an expression (PromQL, or a Grafana `label_values(...)` query) reads.

    Identifiers followed by `{`, `[`, `(` or standing bare count, minus PromQL functions and
    keywords; label names (in matchers and grouping clauses), strings, durations and Grafana
    variables are removed first.
    """
    match = _LABEL_VALUES.match(expr)
    if match:
        expr = match.group("expr") or ""
    for pattern in (_STRING, _COMMENT, _VARIABLE, _MATCHERS, _RANGE, _GROUPING):
        expr = pattern.sub(" ", expr)
    words = set(_IDENTIFIER.findall(expr))
    return words - PROMQL_FUNCTIONS - PROMQL_KEYWORDS


def exported_sample_names() -> set[str]:
    """Sample names the services expose, from the real metric objects and their types."""
    names: set[str] = set()
    for module in METRIC_MODULES:
        metrics = [m for m in vars(module).values() if isinstance(m, MetricWrapperBase)]
        assert metrics, f"no prometheus_client metrics found in {module.__name__}"
        for metric in metrics:
            for family in metric.describe():
                names |= {family.name + suffix for suffix in SUFFIXES_BY_TYPE[family.type]}
    return names


def family(metric: MetricWrapperBase) -> Metric:
    """The one metric family a prometheus_client metric object describes."""
    (described,) = metric.describe()
    return described


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def rules() -> Iterator[dict[str, Any]]:
    for path in RULE_FILES:
        for group in load_yaml(path)["groups"]:
            yield from group["rules"]


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def alerts() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every panel of a dashboard, including those nested in (collapsed) rows."""
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def dashboard_queries(dashboard: dict[str, Any]) -> list[str]:
    """The PromQL of every panel target and every query template variable."""
    queries = [
        target["expr"]
        for panel in panels(dashboard["panels"])
        for target in panel.get("targets", [])
        if target.get("expr")
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]
            queries.append(query["query"] if isinstance(query, dict) else query)
    return queries


def query_sources() -> list[tuple[str, list[str]]]:
    """(file, its PromQL expressions) for every rules file and every dashboard."""
    sources = [
        (str(path.relative_to(REPO)), [rule["expr"] for rule in rules_of(path)])
        for path in RULE_FILES
    ]
    sources += [
        (str(path.relative_to(REPO)), dashboard_queries(json.loads(path.read_text())))
        for path in DASHBOARD_FILES
    ]
    return sources


def rules_of(path: Path) -> list[dict[str, Any]]:
    return [rule for group in load_yaml(path)["groups"] for rule in group["rules"]]


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not on PATH (Debian/Ubuntu: apt-get install prometheus)")
    return path


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, check=False, cwd=REPO
    )


class TestPromtool:
    """promtool accepts the rule files, and the rule unit tests pass."""

    def test_there_are_rule_files(self) -> None:
        assert RULE_FILES, "no rule files in deploy/prometheus/rules"
        assert RULES_TEST.is_file()

    def test_check_rules(self) -> None:
        result = run_promtool("check", "rules", *map(str, RULE_FILES))
        assert result.returncode == 0, result.stdout + result.stderr

    def test_rule_unit_tests_pass(self) -> None:
        result = run_promtool("test", "rules", str(RULES_TEST))
        assert result.returncode == 0, result.stdout + result.stderr


class TestRuleUnitTestCoverage:
    """The promtool test file exercises every alert both ways and every recording rule."""

    tests = load_yaml(RULES_TEST)

    def alert_cases(self) -> list[dict[str, Any]]:
        return [case for group in self.tests["tests"] for case in group.get("alert_rule_test", [])]

    def test_the_test_file_loads_every_rule_file(self) -> None:
        loaded = {(RULES_TEST.parent / f).resolve() for f in self.tests["rule_files"]}
        assert loaded == {path.resolve() for path in RULE_FILES}

    @pytest.mark.parametrize("alert", [a["alert"] for a in alerts()])
    def test_alert_is_tested_firing_and_not_firing(self, alert: str) -> None:
        cases = [c for c in self.alert_cases() if c["alertname"] == alert]
        assert any(c.get("exp_alerts") for c in cases), f"{alert}: no case where it fires"
        assert any(not c.get("exp_alerts") for c in cases), f"{alert}: no case where it is quiet"

    @pytest.mark.parametrize("record", sorted(recorded_names()))
    def test_recording_rule_has_an_expected_value(self, record: str) -> None:
        checked = set()
        for group in self.tests["tests"]:
            for case in group.get("promql_expr_test", []):
                if case.get("exp_samples"):
                    checked |= metric_names(case["expr"])
        assert record in checked


class TestRules:
    """Alerts say how bad and what happened; the SLA rules read the right buckets."""

    @pytest.mark.parametrize("alert", alerts(), ids=lambda a: a["alert"])
    def test_alert_has_severity_summary_and_description(self, alert: dict[str, Any]) -> None:
        assert alert["labels"]["severity"] in {"critical", "warning", "info"}
        assert alert["annotations"]["summary"].strip()
        assert len(alert["annotations"]["description"].split()) >= 10

    def test_recording_rule_names_follow_level_metric_operation(self) -> None:
        for record in recorded_names():
            assert re.fullmatch(r"[a-z_]+:aduan_[a-z0-9_]+:[a-z0-9_]+", record), record

    def test_first_response_targets_read_exported_buckets(self) -> None:
        """P1/P2/P3 compliance counts the bucket at 24 h / 3 days / 7 days, as exported."""
        exported = {floatToGoString(b) for b in feedback_metrics.FIRST_RESPONSE_BUCKETS}
        bucket = family(feedback_metrics.TIME_TO_FIRST_RESPONSE).name + "_bucket"
        seen: dict[str, set[str]] = {}
        for rule in rules():
            for selector in _SELECTOR.finditer(rule["expr"]):
                if selector.group("name") != bucket:
                    continue
                matchers = {
                    m.group("label"): m.group("value")
                    for m in _MATCHER.finditer(selector.group("matchers"))
                }
                if "le" in matchers:
                    seen.setdefault(matchers["priority"], set()).add(matchers["le"])
        assert set(seen) == set(FIRST_RESPONSE_TARGETS)
        for priority, target in FIRST_RESPONSE_TARGETS.items():
            assert seen[priority] == {floatToGoString(target)}, priority
            assert seen[priority] <= exported


class TestMetricNames:
    """Every metric in a rule or dashboard is exported by a service or recorded by a rule."""

    exported = exported_sample_names()
    known = exported | recorded_names() | SYNTHETIC_SERIES

    def test_extractor_finds_metrics_and_skips_labels_functions_and_variables(self) -> None:
        expr = (
            'sum by (union, le) (rate(foo_bucket{le="1.0", union=~"$union"}[$__rate_interval]))'
            " / ignoring (fixed) group_left bar:baz:ratio_1h offset 5m > bool 0.9"
            ' or on () vector(1) and qux unless histogram_quantile(0.9, quux{a="b"}) * 1e3'
        )
        assert metric_names(expr) == {"foo_bucket", "bar:baz:ratio_1h", "qux", "quux"}
        assert metric_names("label_values(foo_total, union)") == {"foo_total"}
        assert metric_names("label_values(union)") == set()

    def test_exported_names_come_from_the_metric_types(self) -> None:
        counter = family(runtime_metrics.EVENTS_CONSUMED).name
        histogram = family(feedback_metrics.TIME_TO_TRIAGE).name
        gauge = family(runtime_metrics.OUTBOX_PENDING).name
        assert f"{counter}_total" in self.exported and counter not in self.exported
        assert {f"{histogram}{s}" for s in ("_bucket", "_count", "_sum")} <= self.exported
        assert histogram not in self.exported
        assert gauge in self.exported

    def test_a_counter_without_its_total_suffix_is_caught(self) -> None:
        counter = family(runtime_metrics.EVENTS_CONSUMED).name
        assert metric_names(f"rate({counter}[5m])") - self.known == {counter}

    @pytest.mark.parametrize("source", query_sources(), ids=lambda s: s[0])
    def test_every_metric_is_known(self, source: tuple[str, list[str]]) -> None:
        path, queries = source
        assert queries, f"{path} has no queries"
        used = set().union(*(metric_names(q) for q in queries))
        assert used, f"no metric names found in {path}"
        assert used - self.known == set(), f"{path} reads metrics nobody exports or records"


class TestDashboards:
    """The three dashboards are provisioned from deploy/grafana and use the Prometheus source."""

    dashboards: ClassVar[dict[str, Any]] = {
        path.name: json.loads(path.read_text()) for path in DASHBOARD_FILES
    }
    datasource_uid = load_yaml(DATASOURCES)["datasources"][0]["uid"]

    def test_the_three_dashboards_exist_with_unique_uids(self) -> None:
        titles = [d["title"] for d in self.dashboards.values()]
        uids = [d["uid"] for d in self.dashboards.values()]
        assert sorted(titles) == sorted(DASHBOARD_TITLES)
        assert len(set(uids)) == len(uids)

    @pytest.mark.parametrize("name", [p.name for p in DASHBOARD_FILES])
    def test_every_query_uses_the_provisioned_prometheus(self, name: str) -> None:
        dashboard = self.dashboards[name]
        for panel in panels(dashboard["panels"]):
            if panel["type"] == "row":
                continue
            assert panel["targets"], f"{panel['title']} has no query"
            for holder in (panel, *panel["targets"]):
                assert holder["datasource"]["uid"] == self.datasource_uid, panel["title"]
        for variable in dashboard["templating"]["list"]:
            assert variable["datasource"]["uid"] == self.datasource_uid

    @pytest.mark.parametrize("name", [p.name for p in DASHBOARD_FILES])
    def test_panel_ids_are_unique(self, name: str) -> None:
        ids = [panel["id"] for panel in panels(self.dashboards[name]["panels"])]
        assert len(set(ids)) == len(ids)

    def test_provider_reads_the_folder_compose_mounts(self) -> None:
        (provider,) = load_yaml(DASHBOARD_PROVIDER)["providers"]
        assert provider["type"] == "file"
        compose = load_yaml(DEPLOY / "compose.yaml")
        mounts = {}
        for volume in compose["services"]["grafana"]["volumes"]:
            source, target = volume.split(":")[:2]
            mounts[source] = target
        assert mounts["./grafana/dashboards"] == provider["options"]["path"]
        assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
