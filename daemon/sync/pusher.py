"""One push of the catalog to a central server: bounded batches, acknowledged one by one.

A push fixes its horizon first (every change numbered up to it is committed), then
sends what lies between the target's acknowledged number and the horizon, a batch at
a time. After central has taken a batch and every coldpreview it asked for, the
target's number moves to the batch's end in the same transaction that logs the rows
(`sync_log`). A push killed at any moment therefore resumes at the last acknowledged
batch; central takes a batch sent twice as the same rows again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path

import aiohttp
import asyncpg
import msgspec

from daemon.store import sync as sync_store
from daemon.sync import failures, transport
from protocol.sync import (
    CONTENT_SHA256_HEADER,
    INSTALLATION_HEADER,
    INSTALLATION_SECRET_HEADER,
    MAX_BATCH_BYTES,
    MAX_BATCH_ROWS,
    SYNC_PROTOCOL_VERSION,
    SYNC_VERSION_HEADER,
    ColdpreviewReceipt,
    RefusedPhoto,
    SyncBatch,
    SyncReceipt,
)
from protocol.sync_targets import FailureKind

log = logging.getLogger(__name__)

# Coldpreview uploads in flight at once: enough to hide each request's round trip.
UPLOADS_IN_FLIGHT = 6


class SyncFailed(Exception):
    """A push that cannot go on; the message is the run's technical error, `kind` says
    which sentence the user is shown."""

    def __init__(self, message: str, kind: FailureKind = "other") -> None:
        super().__init__(message)
        self.kind: FailureKind = kind


class SyncCancelled(Exception):
    """The push was asked to stop; what was acknowledged so far stays."""


@dataclass(slots=True)
class Progress:
    """Live figures of a push (read by `GET /api/sync/runs/{id}`)."""

    rows_total: int = 0
    rows_sent: int = 0
    photos_total: int = 0
    photos_sent: int = 0
    coldpreviews_wanted: int = 0
    coldpreviews_sent: int = 0
    bytes_sent: int = 0
    retries: int = 0
    refused: list[RefusedPhoto] = field(default_factory=list)
    # While a request waits to be tried again: when it goes.
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PushSpec:
    """What a push needs to know besides the database."""

    target_id: uuid.UUID
    installation_id: uuid.UUID
    coldpreview_root: Path
    batch_rows: int = MAX_BATCH_ROWS
    full: bool = False


class Push:
    """Pushes one target's pending changes; `run` returns when all are acknowledged."""

    def __init__(
        self, spec: PushSpec, pool: asyncpg.Pool, progress: Progress, stop: asyncio.Event
    ) -> None:
        self._spec = spec
        self._pool = pool
        self.progress = progress
        self._stop = stop
        self._secret = ""

    async def run(self) -> None:
        """Push until the horizon; SyncFailed or SyncCancelled when it cannot finish."""
        target = await self._target()
        self._secret = await transport.installation_secret(self._pool)
        if self._spec.full:
            async with self._pool.acquire() as conn:
                await sync_store.reset_cursor(conn, target.id)
            target = await self._target()
        address = await asyncio.to_thread(transport.check_url, target.url)
        horizon = await sync_store.horizon(self._pool)
        horizon_at = datetime.now(UTC)
        async with self._pool.acquire() as conn:
            rows, photos, _ = await sync_store.pending(conn, target)
        self.progress.rows_total, self.progress.photos_total = rows, photos
        async with transport.open_session(address, ca_file=target.ca_file) as session:
            central_id = await self._push_batches(session, target, horizon, horizon_at)
        async with self._pool.acquire() as conn, conn.transaction():
            await sync_store.prune_tombstones(conn)
            await sync_store.record_success(conn, target.id, central_id, datetime.now(UTC))

    async def _target(self) -> sync_store.Target:
        async with self._pool.acquire() as conn:
            target = await sync_store.get_target(conn, self._spec.target_id)
        if target is None:
            raise SyncFailed("the sync target was removed")
        return target

    async def _push_batches(
        self,
        session: aiohttp.ClientSession,
        target: sync_store.Target,
        horizon: int,
        horizon_at: datetime,
    ) -> uuid.UUID:
        after = target.acked_seq
        central_id = target.central_id
        # Even with nothing to send, one (empty) batch goes: it checks the token, the
        # protocol and the central, and records this machine's visit there.
        while True:
            self._check_stop()
            upto, body, batch = await self._next_batch(target, after, horizon)
            receipt = await self._send_batch(session, target, body)
            await self._note_clock(target, receipt)
            if receipt.central_id != central_id:
                await self._note_central(target, central_id, receipt.central_id)
                central_id = receipt.central_id
            if receipt.acked_seq < after:
                after = await self._rewind(target, receipt.acked_seq)
                continue
            self.progress.refused.extend(receipt.refused)
            await self._upload_coldpreviews(session, target, receipt.coldpreviews_wanted)
            async with self._pool.acquire() as conn, conn.transaction():
                moved = await sync_store.acknowledge(
                    conn, target.id, after=after, upto=upto, acked_at=horizon_at
                )
            if not moved:
                raise SyncFailed("another push moved this target's position meanwhile")
            self.progress.rows_sent += batch.row_count()
            self.progress.photos_sent += len(batch.photos)
            after = upto
            if after >= horizon:
                return central_id

    async def _note_central(
        self, target: sync_store.Target, known: uuid.UUID | None, answered: uuid.UUID
    ) -> None:
        """Remember which central answers at the target's URL."""
        if known is not None:
            log.warning(
                "sync target %s is another central than before (%s, was %s)",
                target.name,
                answered,
                known,
            )
        async with self._pool.acquire() as conn:
            await sync_store.set_central(conn, target.id, answered)

    async def _note_clock(self, target: sync_store.Target, receipt: SyncReceipt) -> None:
        """Keep central's clock: this machine's later edits then win over every edit central
        holds, even when this machine's clock runs behind (an older central sends none)."""
        if receipt.clock is None:
            return
        async with self._pool.acquire() as conn:
            await sync_store.note_central_clock(conn, target.id, receipt.clock)

    async def _rewind(self, target: sync_store.Target, acked_seq: int) -> int:
        """Central has this machine's changes up to `acked_seq` only (a new central at
        the URL, or one restored from a backup) and took nothing: send from there."""
        log.warning(
            "sync target %s has this machine's changes up to number %d only: "
            "sending it everything after that",
            target.name,
            acked_seq,
        )
        async with self._pool.acquire() as conn:
            await sync_store.rewind_cursor(conn, target.id, acked_seq)
            fresh = await sync_store.get_target(conn, target.id)
            rows, photos, _ = await sync_store.pending(conn, fresh or target)
        self.progress.rows_total = self.progress.rows_sent + rows
        self.progress.photos_total = self.progress.photos_sent + photos
        return acked_seq

    async def _next_batch(
        self, target: sync_store.Target, after: int, horizon: int
    ) -> tuple[int, bytes, SyncBatch]:
        """The next batch after `after`, as large as the row and byte bounds allow."""
        limit = self._spec.batch_rows
        # One snapshot for the batch's bounds, rows and closure: a row deleted meanwhile
        # cannot leave a row of the batch pointing at nothing.
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            while True:
                upto = await sync_store.batch_end(conn, after, horizon, limit)
                batch = await sync_store.read_changes(
                    conn, after=after, upto=upto, machine_name=target.machine_name
                )
                body = msgspec.json.encode(batch)
                if len(body) <= MAX_BATCH_BYTES:
                    return upto, body, batch
                if limit == 1:
                    raise SyncFailed(
                        f"one change (number {upto}) makes a batch of {len(body):,} bytes, "
                        f"more than the {MAX_BATCH_BYTES:,} a batch may have"
                    )
                limit = max(1, limit // 2)

    def _headers(self, target: sync_store.Target) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {target.token}",
            SYNC_VERSION_HEADER: str(SYNC_PROTOCOL_VERSION),
            INSTALLATION_HEADER: str(self._spec.installation_id),
            INSTALLATION_SECRET_HEADER: self._secret,
        }

    async def _send_batch(
        self, session: aiohttp.ClientSession, target: sync_store.Target, body: bytes
    ) -> SyncReceipt:
        headers = {**self._headers(target), "Content-Type": "application/json"}
        try:
            answer = await self._post(session, f"{target.url}/api/sync/receive", body, headers)
        except transport.CentralRefused as exc:
            raise SyncFailed(f"the central server refused: {exc}", failures.kind_of(exc)) from None
        try:
            return msgspec.json.decode(answer, type=SyncReceipt)
        except msgspec.DecodeError as exc:
            # Another program at the URL, or a central speaking another receipt.
            raise SyncFailed(
                f"{target.url} answered something that is not a receipt: {exc}",
                "server_version",
            ) from None

    async def _upload_coldpreviews(
        self, session: aiohttp.ClientSession, target: sync_store.Target, wanted: list[str]
    ) -> None:
        if not wanted:
            return
        self.progress.coldpreviews_wanted += len(wanted)
        async with self._pool.acquire() as conn:
            paths = await sync_store.coldpreview_paths(conn, wanted)
        queue: asyncio.Queue[str] = asyncio.Queue()
        for hothash in wanted:
            queue.put_nowait(hothash)

        async def uploader() -> None:
            while not queue.empty():
                hothash = queue.get_nowait()
                relative = paths.get(hothash)
                if relative is None:
                    continue  # deleted meanwhile: its tombstone follows in a later batch
                await self._upload_one(session, target, hothash, relative)

        workers = [asyncio.create_task(uploader()) for _ in range(UPLOADS_IN_FLIGHT)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _upload_one(
        self,
        session: aiohttp.ClientSession,
        target: sync_store.Target,
        hothash: str,
        relative: str,
    ) -> None:
        self._check_stop()
        path = self._spec.coldpreview_root / relative
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            # The photo stays on central without it; the next registration of the file
            # writes it again, and the next change of the photo offers it again.
            log.warning("coldpreview of %s is missing at %s; not uploaded", hothash, path)
            return
        headers = {
            **self._headers(target),
            "Content-Type": "image/jpeg",
            CONTENT_SHA256_HEADER: hashlib.sha256(data).hexdigest(),
        }
        try:
            answer = await self._post(
                session, f"{target.url}/api/sync/coldpreview/{hothash}", data, headers
            )
        except transport.CentralRefused as exc:
            if exc.status == HTTPStatus.UNAUTHORIZED:
                raise SyncFailed(f"the central server refused: {exc}", "token_refused") from None
            # This photo's coldpreview only (damaged on disk, too large): the photo stays
            # on central without it, and the push goes on.
            log.warning("central refused the coldpreview of %s: %s", hothash, exc.detail)
            self.progress.refused.append(
                RefusedPhoto(hothash=hothash, reason=f"coldpreview refused: {exc.detail}")
            )
            return
        try:
            msgspec.json.decode(answer, type=ColdpreviewReceipt)
        except msgspec.DecodeError as exc:
            raise SyncFailed(
                f"{target.url} answered a coldpreview upload oddly: {exc}", "server_version"
            ) from None
        self.progress.coldpreviews_sent += 1

    async def _post(
        self, session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
    ) -> bytes:
        async def once() -> bytes:
            async with session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                answer = await response.read()
                transport.check_answer(response.status, answer)
                return answer

        try:
            answer = await transport.with_retries(
                once, on_retry=self._retried, on_wait=self._waiting, stop=self._stop
            )
        except transport.Stopped:
            raise SyncCancelled from None
        except (aiohttp.ClientError, TimeoutError, transport.Retryable) as exc:
            raise SyncFailed(
                f"cannot reach {url}: {exc or type(exc).__name__}", failures.kind_of(exc)
            ) from None
        finally:
            # Uploads run side by side: another one's wait may still be ahead.
            if self.progress.retry_at is not None and self.progress.retry_at <= datetime.now(UTC):
                self.progress.retry_at = None
        self.progress.bytes_sent += len(body)
        return answer

    def _retried(self, attempt: int, error: BaseException) -> None:
        self.progress.retries += 1
        log.info("sync: attempt %d failed (%s); retrying", attempt, error)

    def _waiting(self, seconds: float) -> None:
        self.progress.retry_at = datetime.now(UTC) + timedelta(seconds=seconds)

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise SyncCancelled
