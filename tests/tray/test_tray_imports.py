"""The tray depends on `protocol/` only: it is a client of the daemon, never a part of it."""

from __future__ import annotations

import grimp


def test_the_tray_imports_nothing_of_the_daemon() -> None:
    # grimp reads every import statement, those inside functions and under TYPE_CHECKING
    # too, and follows them through `protocol/`: an indirect dependency counts as well.
    graph = grimp.build_graph("tray", "protocol", "daemon", cache_dir=None)
    chains = graph.find_shortest_chains(importer="tray", imported="daemon", as_packages=True)
    assert not chains, "the tray imports the daemon: " + "; ".join(
        " -> ".join(chain) for chain in sorted(chains)
    )
