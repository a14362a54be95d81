"""The central server's image and compose file start the daemon the way it expects."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from daemon.cli import lifecycle
from daemon.cli.__main__ import build_parser
from daemon.config import Mode, load_settings
from daemon.security import PUBLIC_PATHS

REPO = Path(__file__).resolve().parents[2]
CENTRAL = REPO / "installers" / "central"
PASSWORD = "0a1b2c3d4e5f6a7b8c9d"
API_KEY = "f" * 64
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Substitute variables as Docker Compose does; a missing required one is an error."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        given = variables.get(name)
        unusable = given is None or (given == "" and op is not None and op.startswith(":"))
        if op is not None and op.endswith("?") and unusable:
            raise KeyError(f"{name}: {arg}")
        if op is not None and op.endswith("-") and unusable:
            return arg
        return given or ""

    return _VARIABLE.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CENTRAL / "docker-compose.yml").read_text())
    return data


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"][name]
    return found


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined: (INSTRUCTION, arguments)."""
    text = (CENTRAL / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    lines = (line.strip() for line in joined.splitlines())
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line)
        if not word.startswith("#")
    ]


def instruction(name: str) -> str:
    found = [args for word, args in dockerfile() if word == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def image_command() -> list[str]:
    """What the central container runs: its ENTRYPOINT then the CMD (or compose's command)."""
    entrypoint: list[str] = json.loads(instruction("ENTRYPOINT"))
    command: list[str] = json.loads(instruction("CMD"))
    central = service("central")
    assert "entrypoint" not in central
    return [*entrypoint, *central.get("command", command)]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, args in dockerfile():
        if word == "ENV":
            for pair in shlex.split(args):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def container_env(variables: Mapping[str, str]) -> dict[str, str]:
    """The central container's environment: the image's, then compose's, substituted."""
    given = service("central")["environment"]
    assert isinstance(given, dict), "environment as a mapping"
    return {**image_env(), **{k: interpolate(str(v), variables) for k, v in given.items()}}


def run_args() -> Any:
    command = image_command()
    script = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert script[command[0]] == "daemon.cli:main"
    return build_parser().parse_args(command[1:])


def mounts(name: str) -> dict[PurePosixPath, str]:
    """A service's volumes: container path -> named volume (declared at the top level)."""
    declared = compose()["volumes"]
    found: dict[PurePosixPath, str] = {}
    for entry in service(name)["volumes"]:
        source, target = str(entry).split(":")[:2]
        assert source in declared, f"{source} is a named volume, not a host folder"
        found[PurePosixPath(target)] = source
    return found


def test_the_image_runs_the_central_daemon() -> None:
    args = run_args()
    assert args.handler is lifecycle.run
    assert args.central is True
    assert (args.host, args.port) == ("0.0.0.0", 8000)
    assert args.data_dir == Path("/data")
    assert instruction("EXPOSE") == str(args.port)


def test_the_daemon_accepts_the_container_environment() -> None:
    env = container_env({"HOTPREVUE_DB_PASSWORD": PASSWORD})
    config = (REPO / "daemon" / "config.py").read_text()
    # Python's and pip's own settings aside, every name is one the daemon reads.
    for name in env:
        if not name.startswith(("PYTHON", "PIP_")):
            assert f'"{name}"' in config, f"the daemon never reads {name}"
    args = run_args()
    settings = load_settings(
        central=args.central, data_dir=args.data_dir, host=args.host, port=args.port, env=env
    )
    assert settings.mode is Mode.CENTRAL
    assert settings.api_key is None, "an empty HOTPREVUE_API_KEY leaves the key to its file"
    volumes = mounts("central")
    assert PurePosixPath(settings.data_dir) in volumes
    assert settings.coldpreview_dir == settings.data_dir / "coldpreviews"
    # The key the operator chose reaches the daemon.
    env = container_env({"HOTPREVUE_DB_PASSWORD": PASSWORD, "HOTPREVUE_API_KEY": API_KEY})
    assert load_settings(central=True, data_dir=args.data_dir, env=env).api_key == API_KEY


def test_the_image_alone_keeps_everything_in_its_data_volume() -> None:
    """`docker run` without compose, and `docker compose exec central hotprevue …`."""
    args = run_args()
    image = image_env()
    assert PurePosixPath(instruction("VOLUME").strip('[]" ')) == PurePosixPath(args.data_dir)
    settings = load_settings(
        central=True, data_dir=args.data_dir, env={**image, "DATABASE_URL": "postgresql://db/x"}
    )
    assert settings.coldpreview_dir == settings.data_dir / "coldpreviews"
    # A command run in the container without --data-dir finds the daemon's data dir.
    assert load_settings(env=image).data_dir == settings.data_dir


def test_central_logs_in_as_the_database_service_made_it() -> None:
    db = {
        k: interpolate(str(v), {"HOTPREVUE_DB_PASSWORD": PASSWORD})
        for k, v in service("db")["environment"].items()
    }
    url = urlsplit(container_env({"HOTPREVUE_DB_PASSWORD": PASSWORD})["DATABASE_URL"])
    assert (url.username, url.password) == (db["POSTGRES_USER"], db["POSTGRES_PASSWORD"])
    assert (url.hostname, url.port, url.path) == ("db", 5432, "/" + db["POSTGRES_DB"])
    assert db["POSTGRES_PASSWORD"] == PASSWORD
    with pytest.raises(KeyError, match="HOTPREVUE_DB_PASSWORD"):
        interpolate(service("db")["environment"]["POSTGRES_PASSWORD"], {})
    assert PurePosixPath("/var/lib/postgresql/data") in mounts("db")


def test_central_waits_for_a_healthy_database() -> None:
    assert "pg_isready" in " ".join(service("db")["healthcheck"]["test"])
    assert service("central")["depends_on"]["db"]["condition"] == "service_healthy"


def test_health_checks_ask_the_daemon_for_health() -> None:
    port = run_args().port
    checks = [instruction("HEALTHCHECK"), " ".join(service("central")["healthcheck"]["test"])]
    for check in checks:
        urls = re.findall(r"https?://[^'\"\s]+", check)
        assert len(urls) == 1, check
        url = urlsplit(urls[0])
        assert (url.hostname, url.port, url.path) == ("127.0.0.1", port, "/health")
        # The check carries no API key: the path must be one that needs none.
        assert url.path in PUBLIC_PATHS


def test_ports_are_published_on_loopback_only() -> None:
    port = run_args().port
    for name, each in compose()["services"].items():
        for entry in each.get("ports", []):
            host, _, rest = str(entry).partition(":")
            assert host == "127.0.0.1", f"{name} publishes {entry} beyond this host"
            assert rest.split(":")[-1] == str(port)
    assert service("central")["ports"], "the proxy in front needs a port to reach"


def test_the_image_is_built_from_the_repository() -> None:
    build = service("central")["build"]
    context = (CENTRAL / build["context"]).resolve()
    assert context == REPO
    assert (context / build["dockerfile"]).resolve() == CENTRAL / "Dockerfile"
    kept = (CENTRAL / "Dockerfile.dockerignore").read_text().splitlines()
    for word, args in dockerfile():
        if word == "COPY":
            for source in args.split()[:-1]:
                assert (context / source).exists(), source
                assert f"!{source}" in kept or f"!{source}/" in kept, f"{source} left out"


def test_the_example_environment_names_every_variable() -> None:
    text = (CENTRAL / "docker-compose.yml").read_text()
    used = {match["name"] for match in _VARIABLE.finditer(text)}
    example = (CENTRAL / ".env.example").read_text().splitlines()
    named = {line.partition("=")[0] for line in example if line and not line.startswith("#")}
    assert used == named
    assert ".env" in (CENTRAL / ".gitignore").read_text().splitlines()
