"""The deployment files in deploy/ say what an operator relies on, and agree with the code.

Nothing here starts a container or a cluster: the files are parsed and compared with the
topic registry, the settings and the services' default ports. `promtool` checks run only where
the binary is installed (Debian: `apt-get install prometheus`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas.topics import COMPLAINT_PARTITIONS, COMPLAINT_SUBMITTED, all_topic_partitions
from services.runtime.settings import ServiceSettings
from services.stack.up import DEFAULT_PORTS, service_processes

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"

# The services' default ports, as `aduan up` uses them.
PORTS = DEFAULT_PORTS
SERVICES = tuple(PORTS)
MODEL_DIR = "/var/lib/aduan/models/triage"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def parse_topic_specs(specs: str) -> list[tuple[str, int]]:
    """`name:partitions name:partitions ...` as the topic jobs take it."""
    pairs = []
    for spec in specs.split():
        name, _, partitions = spec.rpartition(":")
        pairs.append((name, int(partitions)))
    return pairs


def k8s_objects() -> list[dict[str, Any]]:
    objects = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            objects += load_all(path)
    return objects


def k8s_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in k8s_objects() if o["kind"] == kind}


def cpu_millicores(value: str) -> int:
    return int(value[:-1]) if value.endswith("m") else int(float(value) * 1000)


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not on PATH (Debian/Ubuntu: apt-get install prometheus)")
    return path


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))


class TestYamlFiles:
    """Every YAML file under deploy/ parses, so no tool chokes on a typo at deploy time."""

    @pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
    def test_parses(self, path: Path) -> None:
        assert load_all(path), f"{path} is empty"


class TestDockerfile:
    """One image for the four services, CPU torch, nothing fetched at run time, not root."""

    text = (DEPLOY / "Dockerfile").read_text()

    def test_base_image_is_python_311_slim(self) -> None:
        assert re.search(r"^FROM python:3\.11-slim\b", self.text, re.M)

    def test_cpu_torch_is_installed_before_the_project(self) -> None:
        cpu_index = r"pip install .*download\.pytorch\.org/whl/cpu.*torch==2\.13\.0"
        torch = re.search(cpu_index, self.text)
        project = re.search(r"pip install --no-deps /src", self.text)
        assert torch and project and torch.start() < project.start()

    def test_entrypoint_is_the_aduan_cli_serving_intake_by_default(self) -> None:
        assert 'ENTRYPOINT ["aduan"]' in self.text
        assert 'CMD ["serve", "intake"]' in self.text

    def test_runs_as_a_non_root_user(self) -> None:
        users = re.findall(r"^USER\s+(\S+)", self.text, re.M)
        assert users and users[-1].split(":")[0] not in ("root", "0")

    def test_hugging_face_hub_is_offline(self) -> None:
        assert "HF_HUB_OFFLINE=1" in self.text

    def test_listens_beyond_loopback(self) -> None:
        # The settings default to 127.0.0.1, unreachable from outside the container.
        assert "ADUAN_HTTP_HOST=0.0.0.0" in self.text


class TestCompose:
    """deploy/compose.yaml: real Kafka and Postgres, topics from the registry, four services."""

    compose = load(DEPLOY / "compose.yaml")
    services = compose["services"]

    @pytest.mark.parametrize("name", SERVICES)
    def test_service_reaches_kafka_and_postgres_of_this_file(self, name: str) -> None:
        env = self.services[name]["environment"]
        host = env["KAFKA_BOOTSTRAP_SERVERS"].split(":")[0]
        assert host in self.services and "kafka" in self.services[host]["image"]
        db_host = re.search(r"@([^:/]+)", env["DATABASE_URL"])
        assert db_host and db_host.group(1) in self.services
        assert "pgvector" in self.services[db_host.group(1)]["image"]

    @pytest.mark.parametrize("name", SERVICES)
    def test_service_serves_on_its_default_port(self, name: str) -> None:
        service = self.services[name]
        port = PORTS[name]
        assert service["command"] == ["serve", name]
        assert service["environment"]["ADUAN_HTTP_PORT"] == str(port)
        assert service["environment"]["ADUAN_HTTP_HOST"] == "0.0.0.0"
        published = service.get("ports", []) + service.get("expose", [])
        assert all(str(p).split(":")[-1] == str(port) for p in published), published

    @pytest.mark.parametrize("name", SERVICES)
    def test_healthcheck_probes_health_on_the_service_port(self, name: str) -> None:
        test = " ".join(self.services[name]["healthcheck"]["test"])
        assert f"127.0.0.1:{PORTS[name]}/health" in test

    @pytest.mark.parametrize("name", SERVICES)
    def test_service_starts_after_the_topics_exist(self, name: str) -> None:
        depends = self.services[name]["depends_on"]
        assert depends["kafka-topics"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"

    def test_services_share_the_tracking_key(self) -> None:
        keys = {self.services[n]["environment"]["ADUAN_TRACKING_KEY"] for n in SERVICES}
        assert len(keys) == 1

    def test_triage_runs_two_replicas_sharing_one_model_volume(self) -> None:
        triage = self.services["triage"]
        assert triage["deploy"]["replicas"] == 2
        # Fixed host ports would collide between replicas.
        assert "ports" not in triage and "container_name" not in triage
        assert triage["environment"]["ADUAN_MODEL_DIR"] == MODEL_DIR
        volume, _, target = triage["volumes"][0].partition(":")
        assert target == MODEL_DIR and volume in self.compose["volumes"]

    def test_the_model_is_trained_before_the_workers_start_and_shared_with_them(self) -> None:
        """Workers only load the model: a one-shot job trains it into their volume first."""
        job = self.services["triage-model"]
        assert job["command"] == ["triage", "ensure-model"]
        assert job["volumes"] == self.services["triage"]["volumes"]
        assert job["environment"]["ADUAN_MODEL_DIR"] == MODEL_DIR
        depends = self.services["triage"]["depends_on"]
        assert depends["triage-model"]["condition"] == "service_completed_successfully"
        assert depends["kafka-topics"]["condition"] == "service_completed_successfully"

    def test_triage_replicas_split_the_cores_instead_of_each_taking_all(self) -> None:
        assert self.services["triage"]["environment"]["ADUAN_ENCODER_THREADS"] == "1"

    def test_topic_job_creates_exactly_the_registry_topics(self) -> None:
        job = self.services["kafka-topics"]
        assert parse_topic_specs(job["environment"]["TOPICS"]) == all_topic_partitions()
        script = " ".join(job["command"])
        assert "kafka-topics.sh" in script and "--create" in script
        assert "--if-not-exists" in script

    def test_broker_does_not_auto_create_topics(self) -> None:
        # An auto-created topic would get the default partition count, not the registry's.
        env = self.services["kafka"]["environment"]
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"

    def test_prometheus_and_grafana_mount_the_deploy_configs(self) -> None:
        assert "./prometheus:/etc/prometheus:ro" in self.services["prometheus"]["volumes"]
        grafana = self.services["grafana"]["volumes"]
        assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana
        assert (DEPLOY / "grafana" / "provisioning" / "datasources").is_dir()

    def test_grafana_datasource_is_the_compose_prometheus(self) -> None:
        config = load(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml")
        (source,) = config["datasources"]
        assert source["type"] == "prometheus"
        assert source["url"] == "http://prometheus:9090"


class TestPrometheus:
    """deploy/prometheus/prometheus.yml scrapes every service's /metrics every 15 s."""

    config = load(PROMETHEUS_CONFIG)

    def targets(self, job: dict[str, Any]) -> set[str]:
        found = {t for sc in job.get("static_configs", []) for t in sc["targets"]}
        for sd in job.get("dns_sd_configs", []):
            found |= {f"{name}:{sd['port']}" for name in sd["names"]}
        return found

    def test_interval_is_15_seconds(self) -> None:
        assert self.config["global"]["scrape_interval"] == "15s"

    def test_rule_files_come_from_the_rules_folder(self) -> None:
        assert self.config["rule_files"] == ["rules/*.yml"]
        assert (PROMETHEUS_CONFIG.parent / "rules").is_dir()

    @pytest.mark.parametrize("name", SERVICES)
    def test_scrapes_service_metrics(self, name: str) -> None:
        jobs = {j["job_name"]: j for j in self.config["scrape_configs"]}
        job = jobs[name]
        assert job.get("metrics_path", "/metrics") == "/metrics"
        assert self.targets(job) == {f"{name}:{PORTS[name]}"}

    def test_promtool_accepts_the_config(self) -> None:
        result = subprocess.run(
            [promtool(), "check", "config", str(PROMETHEUS_CONFIG)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_promtool_accepts_the_rules(self) -> None:
        rules = sorted((PROMETHEUS_CONFIG.parent / "rules").glob("*.yml"))
        if not rules:
            pytest.skip("no rule files in deploy/prometheus/rules yet")
        result = subprocess.run(
            [promtool(), "check", "rules", *map(str, rules)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


class TestKubernetes:
    """deploy/k8s: probes, settings, ports and scaling limits of the four services."""

    deployments = k8s_kind("Deployment")
    k8s_services = k8s_kind("Service")

    def container(self, name: str) -> dict[str, Any]:
        (container,) = self.deployments[name]["spec"]["template"]["spec"]["containers"]
        return container

    def test_every_service_has_a_deployment_and_a_service(self) -> None:
        assert set(self.deployments) == set(SERVICES)
        assert set(self.k8s_services) == set(SERVICES)

    @pytest.mark.parametrize("name", SERVICES)
    def test_settings_come_from_the_configmap_and_the_secret(self, name: str) -> None:
        refs = self.container(name)["envFrom"]
        configmaps = {r["configMapRef"]["name"] for r in refs if "configMapRef" in r}
        secrets = {r["secretRef"]["name"] for r in refs if "secretRef" in r}
        config = k8s_kind("ConfigMap")
        secret = k8s_kind("Secret")
        assert any("KAFKA_BOOTSTRAP_SERVERS" in config[c]["data"] for c in configmaps)
        assert any("DATABASE_URL" in secret[s]["stringData"] for s in secrets)
        assert any("ADUAN_TRACKING_KEY" in secret[s]["stringData"] for s in secrets)
        assert all(config[c]["data"].get("ADUAN_HTTP_HOST") == "0.0.0.0" for c in configmaps)

    def test_secret_template_holds_only_placeholders(self) -> None:
        for secret in k8s_kind("Secret").values():
            for key, value in secret["stringData"].items():
                assert "REPLACE_ME" in value, f"{key} looks like a real secret"

    @pytest.mark.parametrize("name", SERVICES)
    def test_serves_on_its_default_port(self, name: str) -> None:
        container = self.container(name)
        port = PORTS[name]
        assert container["args"] == ["serve", name]
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        assert env["ADUAN_HTTP_PORT"] == str(port)
        (service_port,) = self.k8s_services[name]["spec"]["ports"]
        assert service_port["port"] == port and service_port["targetPort"] == "http"
        assert (
            self.k8s_services[name]["spec"]["selector"]
            == (self.deployments[name]["spec"]["selector"]["matchLabels"])
        )

    def test_triage_encoder_threads_match_its_cpu_limit(self) -> None:
        container = self.container("triage")
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["ADUAN_ENCODER_THREADS"] == str(container["resources"]["limits"]["cpu"])

    @pytest.mark.parametrize("name", SERVICES)
    @pytest.mark.parametrize("probe", ["readinessProbe", "livenessProbe", "startupProbe"])
    def test_probes_health(self, name: str, probe: str) -> None:
        check = self.container(name)[probe]["httpGet"]
        assert check["path"] == "/health" and check["port"] == "http"

    @pytest.mark.parametrize("name", SERVICES)
    def test_prometheus_annotations(self, name: str) -> None:
        annotations = self.deployments[name]["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(PORTS[name])
        assert annotations["prometheus.io/path"] == "/metrics"

    @pytest.mark.parametrize("name", SERVICES)
    def test_runs_as_non_root(self, name: str) -> None:
        pod = self.deployments[name]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert self.container(name)["securityContext"]["allowPrivilegeEscalation"] is False

    def test_cpu_requests_fit_a_two_core_node(self) -> None:
        hpa = k8s_kind("HorizontalPodAutoscaler")["triage"]
        total = 0
        for name in SERVICES:
            replicas = self.deployments[name]["spec"]["replicas"]
            if name == "triage":
                replicas = max(replicas, hpa["spec"]["minReplicas"])
            requests = self.container(name)["resources"]["requests"]
            assert "memory" in requests
            total += replicas * cpu_millicores(requests["cpu"])
        # Leave room for Kafka, Postgres and the node's own pods.
        assert total <= 1000, f"{total}m requested at minimum scale"

    def test_triage_mounts_the_model_volume(self) -> None:
        mounts = self.container("triage")["volumeMounts"]
        assert [m["mountPath"] for m in mounts] == [MODEL_DIR]
        (init,) = self.deployments["triage"]["spec"]["template"]["spec"]["initContainers"]
        assert init["args"] == ["triage", "ensure-model"]
        assert init["volumeMounts"] == mounts
        assert k8s_kind("ConfigMap")["aduan-config"]["data"]["ADUAN_MODEL_DIR"] == MODEL_DIR

    def test_triage_hpa_scales_on_cpu_up_to_the_partition_count(self) -> None:
        hpa = k8s_kind("HorizontalPodAutoscaler")["triage"]["spec"]
        assert hpa["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "triage",
        }
        assert hpa["metrics"][0]["resource"]["name"] == "cpu"
        assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"] <= COMPLAINT_PARTITIONS

    def test_keda_scaler_watches_the_triage_group_lag(self) -> None:
        (scaled,) = load_all(K8S / "optional" / "triage-keda-scaledobject.yaml")
        assert scaled["kind"] == "ScaledObject"
        assert scaled["spec"]["scaleTargetRef"]["name"] == "triage"
        assert scaled["spec"]["maxReplicaCount"] <= COMPLAINT_PARTITIONS
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == ServiceSettings().group("triage")
        assert trigger["metadata"]["topic"] == COMPLAINT_SUBMITTED.name
        assert int(trigger["metadata"]["lagThreshold"]) > 0
        config = k8s_kind("ConfigMap")["aduan-config"]["data"]
        assert trigger["metadata"]["bootstrapServers"] == config["KAFKA_BOOTSTRAP_SERVERS"]

    def test_topic_job_creates_exactly_the_registry_topics(self) -> None:
        (container,) = k8s_kind("Job")["kafka-topics"]["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert parse_topic_specs(env["TOPICS"]) == all_topic_partitions()
        assert "--create" in container["args"][0]

    def test_kustomization_lists_every_manifest_except_optional(self) -> None:
        kustomization = load(K8S / "kustomization.yaml")
        manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
        assert sorted(kustomization["resources"]) == sorted(manifests)
        assert not any(r.startswith("optional") for r in kustomization["resources"])


class TestEmbeddedProcesses:
    """`aduan up --triage-workers N` runs triage as N processes of one consumer group."""

    def test_one_worker_by_default_names_each_process_after_its_service(self) -> None:
        assert service_processes(1) == [
            ("intake", "intake"),
            ("feedback", "feedback"),
            ("recommend", "recommend"),
            ("triage", "triage"),
        ]

    def test_extra_triage_workers_get_their_own_names_and_run_triage(self) -> None:
        processes = service_processes(3)
        assert processes[-3:] == [
            ("triage", "triage"),
            ("triage-2", "triage"),
            ("triage-3", "triage"),
        ]
        assert len({name for name, _ in processes}) == len(processes)
