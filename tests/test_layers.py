"""The code keeps to its layers (pyproject.toml's import contracts): handlers above
services above the store, the services and the watcher apart, protocol/ standing alone,
the tray a client of the daemon through protocol/ only, and no import cycles."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_every_import_contract_is_kept() -> None:
    # import-linter reads every import statement (inside functions and under
    # TYPE_CHECKING too) and follows indirect ones; it prints the chains that break.
    assert lint_imports(str(PYPROJECT), no_cache=True, no_logo=True) == 0
