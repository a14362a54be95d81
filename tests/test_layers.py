"""The code keeps to its layers (pyproject.toml's import contracts): handlers above
services above the store, the services and the watcher apart, protocol/ standing alone,
the tray a client of the daemon through protocol/ only, and no import cycles."""

from __future__ import annotations

from pathlib import Path

from importlinter import configuration
from importlinter.application import use_cases

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_every_import_contract_is_kept() -> None:
    # import-linter reads every import statement (inside functions and under
    # TYPE_CHECKING too) and follows indirect ones; it prints the chains that break. Its
    # command line would also configure logging, disabling every logger the suite made.
    configuration.configure()
    assert use_cases.lint_imports(str(PYPROJECT), cache_dir=None, no_logo=True)
