"""The image, the Compose file and the Kubernetes manifests: valid offline, and in step.

The Compose file is parsed by the compose_spec bindings (a strict implementation of the Compose
specification: unknown keys and wrong types are refused), the manifests are validated against
the Kubernetes OpenAPI schemas that kubernetes-validate bundles; neither needs a network or a
Docker engine. Then all three must name the processes, ports and variables deploy/README.md
names.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyCompose

from services.kernel.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.33"
# Read by the processes themselves, not by Settings (SGO_HOST, SGO_PORT: services.kernel.app,
# gateway.cli; SGO_LOG_LEVEL: gateway.cli) or by uvicorn (FORWARDED_ALLOW_IPS).
PROCESS_VARIABLES = {"SGO_HOST", "SGO_PORT", "SGO_LOG_LEVEL", "FORWARDED_ALLOW_IPS"}
SERVICES = ("people", "journal", "messaging", "reports")


@cache
def readme() -> str:
    return (DEPLOY / "README.md").read_text(encoding="utf-8")


@cache
def processes() -> dict[str, tuple[list[str], int]]:
    """The README's table: process -> (arguments after `sgo`, port)."""
    found = {}
    for name, command, port in re.findall(
        r"^\| (\w+)\s+\| `sgo ([a-z ]+)`\s+\| (\d+) \|$", readme(), re.MULTILINE
    ):
        found[name] = (command.split(), int(port))
    return found


def documented(variable: str) -> bool:
    return f"`{variable}`" in readme()


def known(variable: str) -> bool:
    if variable in PROCESS_VARIABLES:
        return True
    return variable.startswith("SGO_") and variable[4:].lower() in Settings.model_fields


@cache
def compose() -> dict[str, Any]:
    # Compose resolves YAML merge keys (<<) before its schema applies; so does safe_load.
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


@cache
def manifests() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        text = (KUBERNETES / resource).read_text(encoding="utf-8")
        documents += [d for d in yaml.safe_load_all(text) if d]
    return documents


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in manifests() if d["kind"] == kind}


def test_readme_names_the_five_processes() -> None:
    assert processes() == {
        "people": (["service", "people"], 8101),
        "journal": (["service", "journal"], 8102),
        "messaging": (["service", "messaging"], 8103),
        "reports": (["service", "reports"], 8104),
        "gateway": (["gateway"], 8000),
    }


def test_compose_file_follows_the_compose_specification() -> None:
    parsed = PyCompose.from_yaml(yaml.safe_dump(compose()))
    assert set(parsed.service_names()) >= set(processes())
    with pytest.raises(ValueError):  # the validator refuses what the specification does not
        PyCompose.from_yaml("services:\n  web:\n    image: x\n    replica: 2\n")


def test_every_manifest_is_valid_kubernetes() -> None:
    core = [d for d in manifests() if not d["apiVersion"].startswith("postgresql.cnpg.io/")]
    assert {d["kind"] for d in core} >= {
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "ConfigMap",
        "Namespace",
    }
    for document in core:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    broken = {**of_kind("Deployment")["sgo-gateway"], "spec": {"replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_cloudnativepg_cluster_holds_every_service_database() -> None:
    # CloudNativePG's CRDs are not in the bundled schemas: check what sgo relies on.
    (cluster,) = of_kind("Cluster").values()
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["spec"]["instances"] >= 3 and cluster["spec"]["storage"]["size"]
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in of_kind("Database").values()}
    for service in SERVICES:
        name = f"sgo_{service}"
        assert roles[name]["login"] and roles[name]["passwordSecret"]["name"] == f"sgo-{service}-db"
        assert databases[name]["owner"] == name
        assert databases[name]["cluster"]["name"] == cluster["metadata"]["name"]


def test_nats_chart_values_make_a_three_node_jetstream_cluster() -> None:
    values = yaml.safe_load((KUBERNETES / "nats-values.yaml").read_text())
    assert values["config"]["cluster"] == {"enabled": True, "replicas": 3}
    assert values["config"]["jetstream"]["enabled"] is True
    assert values["config"]["jetstream"]["fileStore"]["pvc"]["enabled"] is True
    config = of_kind("ConfigMap")["sgo-config"]["data"]
    assert config["SGO_NATS_URL"] == "nats://nats:4222"  # the chart's Service for release "nats"


def test_image_runs_every_process_as_non_root_with_a_health_check() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    final = dockerfile.split("\nFROM ")[-1]  # the stage that ships
    assert re.search(r"^USER 10001", final, re.MULTILINE)
    assert 'ENTRYPOINT ["sgo"]' in final
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", final, re.MULTILINE)
    (exposed,) = re.findall(r"^EXPOSE (.+)$", final, re.MULTILINE)
    assert {int(p) for p in exposed.split()} == {port for _, port in processes().values()}
    for variable in re.findall(r"\b(SGO_[A-Z_]+)=", final):
        assert known(variable) and documented(variable), variable


def test_compose_runs_each_process_twice_as_the_readme_says() -> None:
    services = compose()["services"]
    for name, (command, port) in processes().items():
        service = services[name]
        assert service["command"] == command, name
        assert service["environment"]["SGO_PORT"] == str(port), name
        assert service["deploy"]["replicas"] == 2, name
        assert service["healthcheck"]["test"], name
        assert str(port) in service["expose"], name
    for name in SERVICES:
        url = services[name]["environment"]["SGO_DATABASE_URL"]
        assert url.endswith(f"@postgres:5432/sgo_{name}") and f"//sgo_{name}:" in url
        port = processes()[name][1]
        gateway_url = services["gateway"]["environment"][f"SGO_{name.upper()}_URL"]
        assert gateway_url == f"http://{name}:{port}/graphql"
    nats = [n for n in services if n.startswith("nats-")]
    assert len(nats) == 3 and all("--jetstream" in services[n]["command"] for n in nats)
    assert "8080:8080" in services["balancer"]["ports"]
    assert "server gateway:8000" in (DEPLOY / "compose/nginx.conf").read_text()
    for service in services.values():
        for variable in service.get("environment", {}):
            if variable.startswith("SGO_") or variable in PROCESS_VARIABLES:
                assert known(variable) and documented(variable), variable


def test_kubernetes_runs_each_process_as_the_readme_says() -> None:
    deployments, services = of_kind("Deployment"), of_kind("Service")
    budgets, config = of_kind("PodDisruptionBudget"), of_kind("ConfigMap")["sgo-config"]
    assert set(deployments) == {f"sgo-{name}" for name in processes()}
    for name, (command, port) in processes().items():
        spec = deployments[f"sgo-{name}"]["spec"]
        pod = spec["template"]["spec"]
        (container,) = pod["containers"]
        assert spec["replicas"] >= 2 and container["args"] == command, name
        assert container["ports"] == [{"name": "http", "containerPort": port}], name
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["resources"]["requests"] and container["resources"]["limits"], name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        env = {e["name"]: e for e in container["env"]}
        assert env["SGO_PORT"]["value"] == str(port), name
        assert services[f"sgo-{name}"]["spec"]["ports"][0]["port"] == port, name
        budget = budgets[f"sgo-{name}"]["spec"]
        assert budget["minAvailable"] == 1, name
        assert budget["selector"]["matchLabels"] == spec["selector"]["matchLabels"], name
        for variable in env:
            if variable.startswith("SGO_") or variable in PROCESS_VARIABLES:
                assert known(variable) and documented(variable), variable
    for name in SERVICES:
        port = processes()[name][1]
        url = config["data"][f"SGO_{name.upper()}_URL"]
        assert url == f"http://sgo-{name}:{port}/graphql"
    for variable in config["data"]:
        assert known(variable) and documented(variable), variable
