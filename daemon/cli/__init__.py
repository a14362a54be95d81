"""The `hotprevue` command: `__main__` builds it from one module per command group, each
with its parser (`add_parser`) and what runs it; `common` holds what they share."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script (`hotprevue = "daemon.cli:main"`)."""
    # Imported here: decoding workers re-run the console script, which imports this
    # package, and none of them needs the parser or the commands.
    from daemon.cli.__main__ import main as run_command

    return run_command(argv)
