"""`hotprevue sync` arguments: every form, with --data-dir wherever a user puts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.cli import sync
from daemon.cli.__main__ import build_parser


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sync"], {"action": None, "target": None, "full": False, "data_dir": None}),
        (
            ["sync", "--target", "nas", "--full", "--data-dir", "d"],
            {"action": None, "target": "nas", "full": True, "data_dir": Path("d")},
        ),
        (["sync", "targets"], {"action": "targets", "data_dir": None}),
        (["sync", "--data-dir", "d", "targets"], {"action": "targets", "data_dir": Path("d")}),
        (["sync", "targets", "--data-dir", "d"], {"action": "targets", "data_dir": Path("d")}),
        (
            ["sync", "add-target", "https://c.example", "--token", "hpm_x", "--data-dir", "d"],
            {
                "action": "add-target",
                "url": "https://c.example",
                "token": "hpm_x",
                "name": None,
                "label": None,
                "ca_file": None,
                "data_dir": Path("d"),
            },
        ),
        (
            [
                "sync",
                "--data-dir",
                "d",
                "add-target",
                "https://c.example",
                "--token",
                "-",
                "--name",
                "laptop",
                "--label",
                "home",
                "--ca-file",
                "ca.pem",
            ],
            {
                "action": "add-target",
                "token": "-",
                "name": "laptop",
                "label": "home",
                "ca_file": Path("ca.pem"),
                "data_dir": Path("d"),
            },
        ),
        (
            ["sync", "remove-target", "home", "--data-dir", "d"],
            {"action": "remove-target", "target_ref": "home", "data_dir": Path("d")},
        ),
    ],
)
def test_sync_arguments(argv: list[str], expected: dict[str, object]) -> None:
    args = vars(build_parser().parse_args(argv))
    assert args["handler"] is sync.run
    assert {key: args[key] for key in expected} == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["sync", "add-target", "https://c.example"],  # no token
        ["sync", "remove-target"],
        ["sync", "push"],
    ],
)
def test_sync_refuses_incomplete_forms(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
