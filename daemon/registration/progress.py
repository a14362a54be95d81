"""A running registration's live figures: what it found and did, its rate and ETA."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class Progress:
    """Live figures, newer than the database's by at most one batch."""

    started: float = field(default_factory=time.monotonic)
    files_found: int = 0
    groups_found: int = 0
    groups_total: int | None = None
    groups_done: int = 0
    registered: int = 0
    duplicates: int = 0
    already_registered: int = 0
    errors: int = 0

    @property
    def rate(self) -> float:
        """Groups finished per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.groups_done / elapsed if elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the current rate; None until the folder is counted."""
        if self.groups_total is None or self.rate <= 0:
            return None
        return max(self.groups_total - self.groups_done, 0) / self.rate
