"""The deployment files (infra/) say what the platform needs: every manifest parses,
web is probed on /healthz, beat can never run twice, every container has resources,
PgBouncer pools by session, and every setting the manifests hand over is one the
settings read. CI has no container engine; infra/README.md describes the smoke run."""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
K8S = INFRA / "k8s"
SETTINGS = ROOT / "platform" / "tradepost" / "settings.py"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _manifests() -> list[dict[str, Any]]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in _documents(path)]


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in _manifests() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["spec"]["template"]["spec"]["containers"]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((INFRA / "compose.yaml").read_text())


def _pgbouncer_ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",), comment_prefixes=(";",))
    parser.read_string(text)
    return parser


@pytest.mark.parametrize(
    "path", sorted([*K8S.glob("*.yaml"), INFRA / "compose.yaml"]), ids=lambda p: p.name
)
def test_every_manifest_parses(path):
    documents = _documents(path)

    assert documents
    for doc in documents:
        assert isinstance(doc, dict)
        if path.parent == K8S:
            assert {"apiVersion", "kind"} <= doc.keys(), path.name
            if doc["kind"] != "Kustomization":
                assert doc["metadata"]["name"]


def test_the_kustomization_lists_files_that_exist_and_names_every_image_used():
    kustomization = _documents(K8S / "kustomization.yaml")[0]
    images = {image["name"] for image in kustomization["images"]}
    used = {
        container["image"]
        for doc in _manifests()
        if doc["kind"] in ("Deployment", "Job")
        for container in _containers(doc)
    }

    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    assert used == images
    # The Job runs before a rollout and the Secret never comes from the repository.
    assert "migrate-job.yaml" not in kustomization["resources"]
    assert "secret.example.yaml" not in kustomization["resources"]


def test_web_is_probed_on_healthz_and_autoscaled():
    web = _one("Deployment", "web")
    (container,) = _containers(web)

    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz", probe
    # A database outage takes pods out of the Service before it restarts them.
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    assert (
        liveness["periodSeconds"] * liveness["failureThreshold"]
        > readiness["periodSeconds"] * readiness["failureThreshold"]
    )
    hpa = _one("HorizontalPodAutoscaler", "web")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


def test_beat_runs_exactly_once():
    beat = _one("Deployment", "beat")

    assert beat["spec"]["replicas"] == 1
    # Recreate: the old pod is gone before the new one starts, even during a rollout.
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    targets = {
        doc["spec"]["scaleTargetRef"]["name"]
        for doc in _manifests()
        if doc["kind"] == "HorizontalPodAutoscaler"
    }
    assert "beat" not in targets
    assert "beat" in " ".join(_containers(beat)[0]["command"])


def test_every_container_has_requests_and_limits():
    workloads = [doc for doc in _manifests() if doc["kind"] in ("Deployment", "Job")]

    assert {doc["metadata"]["name"] for doc in workloads} >= {
        "web",
        "worker",
        "beat",
        "migrate",
        "pgbouncer",
    }
    for doc in workloads:
        for container in _containers(doc):
            resources = container["resources"]
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= resources[bound].keys(), (
                    doc["metadata"]["name"],
                    bound,
                )


def test_worker_and_pgbouncer_have_liveness_probes():
    assert _containers(_one("Deployment", "worker"))[0]["livenessProbe"]["exec"]["command"]
    pgbouncer = _containers(_one("Deployment", "pgbouncer"))[0]
    assert pgbouncer["readinessProbe"] and pgbouncer["livenessProbe"]


def test_the_migrations_job_runs_once_straight_to_postgresql():
    job = _one("Job", "migrate")
    spec = job["spec"]["template"]["spec"]
    command = " ".join(spec["containers"][0]["command"])

    assert spec["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] <= 3
    assert "migrate_schemas" in command and "platform_setup" in command
    assert command.count('DATABASE_URL="$MIGRATE_DATABASE_URL"') == 2


@pytest.mark.parametrize("source", ["compose", "kubernetes"])
def test_pgbouncer_pools_by_session(source):
    if source == "compose":
        text = (INFRA / "pgbouncer" / "pgbouncer.ini").read_text()
    else:
        text = _one("ConfigMap", "pgbouncer")["data"]["pgbouncer.ini"]
    ini = _pgbouncer_ini(text)

    assert ini["pgbouncer"]["pool_mode"] == "session"
    assert ini["pgbouncer"]["server_reset_query"] == "DISCARD ALL"
    assert 0 < int(ini["pgbouncer"]["server_lifetime"]) <= 3600
    assert ini["databases"]["tradepost"]


def test_compose_has_every_service_and_the_app_goes_through_pgbouncer():
    services = _compose()["services"]

    assert set(services) == {"db", "pgbouncer", "redis", "migrate", "web", "worker", "beat"}
    for name in ("web", "worker", "beat"):
        assert "@pgbouncer:6432/" in services[name]["environment"]["DATABASE_URL"], name
    assert "@db:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert "replicas" not in services["beat"].get("deploy", {})


def test_every_setting_the_manifests_hand_over_is_read_by_the_settings():
    read = set(re.findall(r'env_(?:str|int|bool|list)\(\s*"([A-Z_]+)"', SETTINGS.read_text()))
    # Read by the manifests themselves, not by Django.
    manifest_only = {"MIGRATE_DATABASE_URL", "PGBOUNCER_USERLIST"}
    handed = {
        **_one("ConfigMap", "tradepost-config")["data"],
        **_documents(K8S / "secret.example.yaml")[0]["stringData"],
        **_compose()["services"]["web"]["environment"],
    }

    assert set(handed) - manifest_only <= read, set(handed) - manifest_only - read
    manifests_text = "\n".join(path.read_text() for path in K8S.glob("*.yaml"))
    for key in manifest_only:
        assert manifests_text.count(key) >= 2, key
