"""The release workflow, the Windows installer script and the macOS packaging agree.

They run only on GitHub's runners, on a tag; these checks run on every commit, so a
renamed path or a dropped step shows here, not on the day of a release.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path, PureWindowsPath
from typing import Any

import pytest
import yaml

from installers import build

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
ISS = REPO / "installers" / "windows" / "hotprevue.iss"
PACKAGE_SH = REPO / "installers" / "macos" / "package.sh"
DIST = "build/nuitka/hotprevue.dist"
BUILD_JOBS = {"linux": "ubuntu-", "windows": "windows-", "macos": "macos-"}
# Hardened-runtime exceptions a bundled Python and PostgreSQL could need; anything else
# wants a reason first.
# `Name: value; Name: "value"` in an Inno Setup entry ("" is a quote inside quotes).
_PARAM = re.compile(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)')


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def _iss_lines() -> list[str]:
    """The script's lines, continuations (` \\` at the end) joined, comments dropped."""
    text = ISS.read_text(encoding="utf-8").replace(" \\\n", " ")
    return [line.strip() for line in text.splitlines() if not line.strip().startswith(";")]


def _section(name: str) -> list[dict[str, str]]:
    entries, inside = [], False
    for line in _iss_lines():
        if line.startswith("["):
            inside = line == f"[{name}]"
        elif inside and line:
            params = {key: value.strip() for key, value in _PARAM.findall(line)}
            entries.append(
                {
                    k: v[1:-1].replace('""', '"') if v.startswith('"') else v
                    for k, v in params.items()
                }
            )
    return entries


def _setup() -> dict[str, str]:
    directives = {}
    for line in _iss_lines():
        if line.startswith("[") and line != "[Setup]":
            break
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            directives[key.strip()] = value.strip()
    return directives


def _iscc_call(workflow: dict[Any, Any]) -> str:
    calls = [run for run in _runs(workflow["jobs"]["windows"]) if "hotprevue.iss" in run]
    assert len(calls) == 1, "one step compiles the installer"
    return calls[0]


def test_the_workflow_runs_on_version_tags(workflow: dict[Any, Any]) -> None:
    # YAML 1.1 reads the bare key `on` as True.
    triggers = workflow[True]
    assert triggers["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in triggers


def test_each_platform_builds_on_its_own_runner(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    for name, runner in BUILD_JOBS.items():
        assert jobs[name]["runs-on"].startswith(runner), name
        assert any("python -m installers.build" in run for run in _runs(jobs[name])), name
        assert any("pip install" in run and '".[build]"' in run for run in _runs(jobs[name])), name


def test_the_linux_job_smoke_tests_the_build_and_the_installed_package(
    workflow: dict[Any, Any],
) -> None:
    runs = "\n".join(_runs(workflow["jobs"]["linux"]))
    photos = "tests/corpus installers/smoke-photos"
    on_dist = runs.index(f"python -m installers.smoke {DIST}/hotprevue {photos} --tray")
    on_package = runs.index("-m installers.smoke build/nuitka/hotprevue_*_amd64.deb")
    packaged = runs.index(f"python -m installers.package --dist {DIST}")
    assert "--expect-hothashes-of" in runs[on_dist:on_package]
    # --deb installs the package with apt, tests it and removes it: as root.
    (command,) = [line for line in runs.splitlines() if "hotprevue_*_amd64.deb" in line]
    assert command.startswith("sudo ")
    assert command.endswith(f"{photos} --deb --tray")
    assert packaged < on_dist < on_package


def test_the_release_waits_for_every_build_and_runs_only_on_tags(
    workflow: dict[Any, Any],
) -> None:
    release = workflow["jobs"]["release"]
    assert set(release["needs"]) == set(BUILD_JOBS)
    assert "refs/tags/v" in release["if"]
    assert release["permissions"] == {"contents": "write"}
    assert any("gh release create" in run for run in _runs(release))
    # The rest of the workflow reads the repository only.
    assert workflow["permissions"] == {"contents": "read"}


def test_actions_are_pinned_to_a_major_version(workflow: dict[Any, Any]) -> None:
    uses = [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]
    assert uses
    for action in uses:
        assert re.fullmatch(r"actions/[a-z-]+@v\d+", action), action


def test_the_installer_is_per_user() -> None:
    setup = _setup()
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"].startswith("{autopf}\\")
    assert "PrivilegesRequiredOverridesAllowed" not in setup


def test_uninstall_stops_the_daemon_then_removes_start_at_login() -> None:
    entries = _section("UninstallRun")
    ours = [e for e in entries if e["Filename"] == "{app}\\{#Exe}"]
    assert [e["Parameters"] for e in ours] == ["stop", "autostart disable"]
    assert all(e.get("RunOnceId") for e in entries), "each runs once however often installed"
    assert len({e["RunOnceId"] for e in entries}) == len(entries)
    assert "waituntilterminated" in ours[0]["Flags"]
    # Our program writes the Run value: the script must not, or uninstall would race it.
    assert not _section("Registry")
    assert "RegDeleteValue(HKEY_CURRENT_USER, RunKey, RunValue)" in ISS.read_text()


def test_every_define_the_script_uses_has_a_value(workflow: dict[Any, Any]) -> None:
    text = ISS.read_text(encoding="utf-8")
    used = set(re.findall(r"\{#(\w+)", text))
    defined = set(re.findall(r"^\s*#define\s+(\w+)", text, re.MULTILINE))
    required = set(re.findall(r"^\s*#ifndef\s+(\w+)\s*\n\s*#error", text, re.MULTILINE))
    given = set(re.findall(r"/D(\w+)=", _iscc_call(workflow)))
    assert {"Version", "Dist"} <= used
    assert used <= defined | given, used - defined - given
    assert required <= given, required - given


def test_the_installer_packages_the_dist_the_build_makes(workflow: dict[Any, Any]) -> None:
    # The default, for a local compile: relative to the script's folder.
    default = re.search(r'#define Dist AddBackslash\(SourcePath\) \+ "([^"]+)"', ISS.read_text())
    assert default, "Dist has a default"
    local = (ISS.parent / PureWindowsPath(default[1]).as_posix()).resolve()
    assert local == REPO / DIST
    given = re.search(r'"/DDist=\$PWD\\([^"]+)"', _iscc_call(workflow))
    assert given, "the workflow gives Dist as an absolute path"
    assert PureWindowsPath(given[1]).as_posix() == DIST
    if sys.platform != "darwin":
        assert Path(DIST).name == build.DIST, "the folder the build leaves"
    files = _section("Files")
    assert [f["Source"] for f in files] == ["{#Dist}\\*"]
    assert "recursesubdirs" in files[0]["Flags"]
    icon = ISS.parent / PureWindowsPath(_setup()["SetupIconFile"]).as_posix()
    assert icon.resolve() == REPO / "installers" / "icons" / "hotprevue.ico"


def test_the_start_menu_and_the_finished_page_start_the_tray() -> None:
    icons = _section("Icons")
    assert [(i["Filename"], i["Parameters"]) for i in icons] == [("{app}\\{#Exe}", "tray")]
    runs = {e["Parameters"]: e for e in _section("Run")}
    assert runs["autostart enable"]["Tasks"] == "autostart"
    assert "postinstall" in runs["tray"]["Flags"]
    assert "nowait" in runs["tray"]["Flags"]


def test_the_macos_script_is_valid_bash(workflow: dict[Any, Any]) -> None:
    subprocess.run(["bash", "-n", str(PACKAGE_SH)], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", str(PACKAGE_SH)], check=True)
    # The workflow runs it directly.
    assert PACKAGE_SH.stat().st_mode & 0o111
    runs = "\n".join(_runs(workflow["jobs"]["macos"]))
    assert "installers/macos/package.sh build/nuitka/Hotprevue.app " in runs


def test_everything_is_signed_for_the_hardened_runtime_without_exceptions() -> None:
    script = PACKAGE_SH.read_text()
    assert "--options runtime" in script
    assert "--timestamp" in script
    # Library validation stays on: postgres's extensions are signed by the same Team ID.
    assert "entitlements" not in script.replace("No entitlements", "")


def test_every_build_is_run_before_it_is_released(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    mac = "\n".join(_runs(jobs["macos"]))
    assert "python -m installers.smoke build/nuitka/Hotprevue.app/Contents/MacOS/hotprevue" in mac
    # A tagged release is signed and notarised, or fails: every secret is checked first.
    check = mac.index("a tagged release needs the secret")
    assert check < mac.index("package.sh")
    for secret in ("MACOS_CERTIFICATE", "MACOS_SIGN_IDENTITY", "APPLE_ID", "APPLE_TEAM_ID"):
        assert secret in mac[:check]
    assert "APPLE_APP_PASSWORD" in mac[:check]
    windows = "\n".join(_runs(jobs["windows"]))
    for step in ("--version", '"run", "--data-dir"', "register tests\\corpus", "stop --data-dir"):
        assert step in windows, step
    assert windows.index("stop --data-dir") < windows.index("ISCC.exe")


def test_a_tag_must_name_the_version_the_program_reports(workflow: dict[Any, Any]) -> None:
    for job in BUILD_JOBS:
        (version,) = [s["run"] for s in workflow["jobs"][job]["steps"] if s.get("id") == "version"]
        assert '"$GITHUB_REF_NAME" != "v$version"' in version
        assert "exit 1" in version


def test_releases_are_built_with_a_python_whose_exception_groups_take_compiled_code(
    workflow: dict[Any, Any],
) -> None:
    # ExceptionGroup.split() accepts any callable from 3.13 on; before, Nuitka's compiled
    # lambdas (anyio's cancel scopes use one) raise TypeError.
    major, minor = (int(part) for part in workflow["env"]["PYTHON_VERSION"].split("."))
    assert (major, minor) >= (3, 13)
    for job in BUILD_JOBS:
        steps = workflow["jobs"][job]["steps"]
        (setup,) = [s for s in steps if "setup-python" in s.get("uses", "")]
        assert setup["with"]["python-version"] == "${{ env.PYTHON_VERSION }}"
