"""The production shape (docker-compose.yml) is accepted by Compose itself, not only by a YAML parser.

Uses `docker compose` when the Compose plugin is installed, else a `docker-compose` named by COMPOSE_BIN or
found on PATH (`.ci/run` installs Compose 1.29.2 in a virtualenv of its own: this machine has the docker
client without the plugin). Neither needs a Docker engine for `config`."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    found = os.environ.get("COMPOSE_BIN") or shutil.which("docker-compose")
    return [found] if found and Path(found).exists() else None


COMPOSE = _compose()
pytestmark = pytest.mark.skipif(COMPOSE is None, reason="no Compose: neither the docker compose plugin nor "
                                                        "docker-compose (set COMPOSE_BIN) is installed")


@pytest.fixture
def project(tmp_path):
    """The files as an operator has them: the compose file, the Dockerfile, and .env from .env.example."""
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    return tmp_path


def _config(project: Path, *args: str, name: str = "docker-compose.yml") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "POSTGRES_PASSWORD"}}
    return subprocess.run([*COMPOSE, "-f", name, "config", *args], cwd=project, capture_output=True, text=True,
                          env=env, timeout=120)


def test_compose_accepts_the_production_file(project):
    result = _config(project, "-q")
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(_config(project).stdout)
    services = config["services"]
    assert set(services) == {"proxy", "web", "worker", "beat", "postgres", "redis"}
    # Issue 15.4: only the TLS proxy is published; gunicorn is reachable from the other services alone.
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert "443" in str(services["proxy"]["ports"]) and "8000" in str(services["web"]["expose"])
    assert any("deploy/Caddyfile" in str(v) for v in services["proxy"]["volumes"])
    for name in ("web", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "gunicorn" in str(services["web"]["command"])
    for name in ("web", "worker", "beat"):
        # "media:/app/media:rw" (Compose 1) or {"source": "media", "target": "/app/media", …} (Compose 2)
        assert any("media" in str(v) and "/app/media" in str(v) for v in services[name]["volumes"]), name
        assert services[name]["environment"]["DJANGO_ENV"] == "production"
    assert {"media", "pgdata", "redisdata"} <= set(config["volumes"])


def test_compose_refuses_a_broken_file_and_a_missing_password(project):
    """The check has teeth: a misspelt key, and a .env without the database password, are both refused."""
    text = (project / "docker-compose.yml").read_text()
    (project / "broken.yml").write_text(text.replace("healthcheck:", "healthchek:", 1))
    assert _config(project, "-q", name="broken.yml").returncode != 0
    env_file = project / ".env"
    env_file.write_text("\n".join(line for line in env_file.read_text().splitlines()
                                  if not line.startswith("POSTGRES_PASSWORD")))
    result = _config(project, "-q")
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stdout + result.stderr
