"""Path and query parameters several controllers share."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from protocol.photos import HOTHASH_PATTERN

# Checked before a handler runs: a hothash never reaches a file path unvalidated.
HothashParam = Annotated[str, PathParameter(pattern=HOTHASH_PATTERN)]
HothashQuery = Annotated[str | None, QueryParameter(pattern=HOTHASH_PATTERN)]
Limit = Annotated[int, QueryParameter(ge=1, le=1000)]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000)]
# `covers=false` leaves the covers out of a list: their hotpreviews are most of what it
# weighs (500 events: 4 MB with them).
Covers = Annotated[bool, QueryParameter()]
