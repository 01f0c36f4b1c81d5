"""docker-compose.yml and the Dockerfiles: valid against the Compose Specification
schema (vendored in tests/data, see compose-spec.NOTICE), and consistent with
each other and with the README. The stack cannot be started here; this is the
check that it is written as documented."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft201909Validator

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA = REPO / "tests" / "data" / "compose-spec.json"
CLUEWATCH_SERVICES = ("app", "scheduler", "crawler")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))
    return loaded


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    validator = Draft201909Validator(json.loads(SCHEMA.read_text("utf-8")))
    problems = [
        f"{'.'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in validator.iter_errors(compose)
    ]
    assert problems == []
    # The check itself notices a mistake.
    broken = {**compose, "services": {**compose["services"], "app": {"imagee": "x"}}}
    assert list(validator.iter_errors(broken))


def test_services_volumes_and_health_checks_refer_to_each_other(compose: dict[str, Any]) -> None:
    services: dict[str, Any] = compose["services"]
    assert {"elasticsearch", "redis", *CLUEWATCH_SERVICES} <= set(services)
    declared = set(compose["volumes"])
    used = set()
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} mounts undeclared volume {source}"
                used.add(source)
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} cannot become healthy"
        build = service.get("build")
        if build is not None:
            context = REPO / (build if isinstance(build, str) else build["context"])
            assert (context / "Dockerfile").exists(), f"{name}: no Dockerfile in {context}"
    assert used == declared, f"declared but unused volumes: {declared - used}"


def test_data_evidence_and_keys_are_volumes_and_only_the_app_holds_the_key(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    mounts = {
        name: {v.split(":")[1]: v.split(":")[0] for v in services[name]["volumes"]}
        for name in CLUEWATCH_SERVICES
    }
    for name in CLUEWATCH_SERVICES:
        assert mounts[name]["/data"] == "data" and mounts[name]["/data/evidence"] == "evidence"
        env = services[name]["environment"]
        assert env["CLUEWATCH_DATA_DIR"] == "/data"
        assert "elasticsearch:9200" in env["CLUEWATCH_ES_URL"]
        assert env["CLUEWATCH_REDIS_URL"].startswith("redis://redis:")
    assert mounts["app"]["/data/keys"] == "keys"
    assert "/data/keys" not in mounts["scheduler"] and "/data/keys" not in mounts["crawler"]
    assert services["crawler"]["command"] == ["cluewatch", "worker"]
    assert services["scheduler"]["command"] == ["cluewatch", "schedule"]


def test_elasticsearch_image_adds_smartcn_matching_the_server_version(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["elasticsearch"]
    dockerfile = (REPO / service["build"]["context"] / "Dockerfile").read_text("utf-8")
    assert "elasticsearch-plugin install --batch analysis-smartcn" in dockerfile
    default = re.search(r"^ARG ES_VERSION=(\S+)$", dockerfile, re.MULTILINE)
    assert default and service["build"]["args"]["ES_VERSION"] == default.group(1)
    assert default.group(1).startswith("8.") and service["image"].endswith(default.group(1))


def test_app_image_installs_pinned_cpu_torch_and_chromium() -> None:
    dockerfile = (REPO / "Dockerfile").read_text("utf-8")
    pinned = re.search(r"pip install torch==(\S+) --index-url (\S+)", dockerfile)
    assert pinned and pinned.group(2) == "https://download.pytorch.org/whl/cpu"
    assert f'"torch=={pinned.group(1)}"' in (REPO / "pyproject.toml").read_text("utf-8")
    assert "chromium" in dockerfile and "HEALTHCHECK" in dockerfile


def test_every_required_variable_is_documented_in_the_readme() -> None:
    text = COMPOSE_FILE.read_text("utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert required == {"ELASTIC_PASSWORD", "CLUEWATCH_CRAWL_CONTACT"}
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme[readme.index("## Production deployment") :]
    for variable in required | {"CLUEWATCH_TSA_URL"}:
        assert variable in section, variable
