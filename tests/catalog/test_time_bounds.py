"""Times stay within the years 1 to 9999 (as wall time and in UTC), offsets within ±18 h,
on every way in, and the database refuses the rest."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from daemon.app import create_app
from daemon.config import load_settings
from daemon.errors import Invalid
from daemon.migrate import CREATE_TABLE, RECORD, available, migrate
from daemon.security import API_KEY_HEADER
from tests.support.app import LOCAL_BASE_URL, Client
from tests.support.factories import add_photos, hothash
from tests.support.images import photo_like

# (time as sent, accepted?, stored offset): the edges of the range with and without zones.
EDGES: list[tuple[str, bool, timedelta | None]] = [
    ("0001-01-01T00:00:00", True, None),
    ("0001-01-01T00:00:00-01:00", True, timedelta(hours=-1)),  # 01:00 UTC
    ("0001-01-01T00:59:59+01:00", False, None),  # year 0 in UTC
    ("0001-01-01T00:00:00Z", True, timedelta(0)),
    ("9999-12-31T23:59:59.999999", True, None),
    ("9999-12-31T23:59:59+01:00", True, timedelta(hours=1)),
    ("9999-12-31T23:00:00-01:00", False, None),  # year 10000 in UTC
    ("9999-12-31T23:59:59Z", True, timedelta(0)),
    ("2020-06-01T12:00:00+18:00", True, timedelta(hours=18)),
    ("2020-06-01T12:00:00-18:00", True, timedelta(hours=-18)),
    ("2020-06-01T12:00:00+18:01", False, None),
    ("2020-06-01T12:00:00-23:59", False, None),
    ("2020-06-01T12:00:00+24:00", False, None),
    ("2020-06-01T12:00:00-24:00", False, None),
    ("10000-01-01T00:00:00", False, None),
    ("0000-12-31T23:59:59", False, None),
]
BEFORE = "2001-02-03T04:05:06"


def _stored_offset(detail: dict[str, Any]) -> timedelta | None:
    raw = detail["taken_at_offset"]
    return None if raw is None else msgspec.json.decode(json.dumps(raw), type=timedelta)


async def _detail(client: Client, photo: str) -> dict[str, Any]:
    response = await client.get(f"/api/photos/{photo}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _gallery_reads(client: Client, photo: str) -> None:
    for url in ("/api/photos", f"/api/photos/{photo}", "/api/photos?sort=taken_at_asc"):
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text)


@pytest.mark.parametrize(("sent", "accepted", "offset"), EDGES)
async def test_patch_takes_times_within_the_bounds_only(
    client: Client, pool: asyncpg.Pool, sent: str, accepted: bool, offset: timedelta | None
) -> None:
    (photo,) = await add_photos(pool, [{"taken_at": datetime.fromisoformat(BEFORE)}])
    response = await client.patch(f"/api/photos/{photo}", json={"taken_at": sent})
    detail = await _detail(client, photo)
    if accepted:
        assert response.status_code == 200, response.text
        assert detail["taken_at"] == datetime.fromisoformat(sent).replace(tzinfo=None).isoformat()
        assert _stored_offset(detail) == offset
        assert detail["taken_at_source"] == 2
    else:
        assert response.status_code == 422, response.text
        assert "taken_at" in response.json()["detail"]
        assert (detail["taken_at"], detail["taken_at_offset"]) == (BEFORE, None)
    await _gallery_reads(client, photo)


@pytest.mark.parametrize(("sent", "accepted", "offset"), EDGES)
async def test_batch_taken_at_takes_times_within_the_bounds_only(
    client: Client, pool: asyncpg.Pool, sent: str, accepted: bool, offset: timedelta | None
) -> None:
    photos = await add_photos(pool, [{"taken_at": datetime.fromisoformat(BEFORE)}] * 2)
    response = await client.post(
        "/api/photos/batch/taken-at", json={"hothashes": photos, "taken_at": sent}
    )
    if accepted:
        assert response.status_code == 200, response.text
        assert response.json() == {"updated": photos, "failed": []}
    else:
        assert response.status_code == 422, response.text
        assert "taken_at" in response.json()["detail"]
    for photo in photos:
        detail = await _detail(client, photo)
        assert _stored_offset(detail) == offset
        if not accepted:
            assert detail["taken_at"] == BEFORE
    await _gallery_reads(client, photos[0])


async def _shift(client: Client, photos: list[str], **shift: int) -> httpx.Response:
    return await client.post(
        "/api/photos/batch/taken-at-offset", json={"hothashes": photos, **shift}
    )


async def test_the_issue_sequence_fails_cleanly_and_the_gallery_stays(
    client: Client, pool: asyncpg.Pool
) -> None:
    photos = await add_photos(pool, [{}, {}])
    set_late = await client.post(
        "/api/photos/batch/taken-at",
        json={"hothashes": photos, "taken_at": "9999-12-31T23:59:59"},
    )
    assert set_late.json()["updated"] == photos
    shifted = await _shift(client, photos, hours=1)
    assert shifted.status_code == 200, shifted.text
    body = shifted.json()
    assert body["updated"] == []
    assert [f["hothash"] for f in body["failed"]] == photos
    assert all("years 1 to 9999" in f["reason"] for f in body["failed"])
    for photo in photos:
        assert (await _detail(client, photo))["taken_at"] == "9999-12-31T23:59:59"
        cold = await client.get(f"/api/photos/{photo}/coldpreview")
        assert cold.status_code == 404  # seeded rows have none; never a 500
    await _gallery_reads(client, photos[0])


# (time before, offset, shift, time after or None when the shift must be refused)
SHIFTS: list[tuple[str, timedelta | None, dict[str, int], str | None]] = [
    ("0001-01-01T00:30:00", None, {"minutes": -30}, "0001-01-01T00:00:00"),
    ("0001-01-01T00:30:00", None, {"minutes": -31}, None),
    ("0001-01-01T00:30:00", None, {"seconds": -1_000_000}, None),
    ("0001-01-01T05:00:00", timedelta(hours=5), {"hours": -1}, None),  # UTC leaves first
    ("0001-01-01T05:00:00", timedelta(hours=-5), {"hours": -5}, "0001-01-01T00:00:00"),
    ("9999-12-31T23:00:00", None, {"minutes": 59, "seconds": 59}, "9999-12-31T23:59:59"),
    ("9999-12-31T23:00:00", None, {"hours": 1}, None),
    ("9999-12-31T22:00:00", timedelta(hours=-1), {"hours": 1}, None),  # UTC leaves first
    ("9999-12-31T22:00:00", timedelta(hours=1), {"hours": 1}, "9999-12-31T23:00:00"),
    (
        "2020-01-01T00:00:00",
        None,
        {"hours": 100_000, "minutes": 100_000, "seconds": 1_000_000},
        "2031-08-18T16:26:40",
    ),
    ("9990-01-01T00:00:00", None, {"hours": 100_000, "minutes": 100_000}, None),
    ("0005-01-01T00:00:00", None, {"hours": -100_000, "seconds": -1_000_000}, None),
]


@pytest.mark.parametrize(("before", "offset", "shift", "after"), SHIFTS)
async def test_shifts_that_leave_the_years_fail_per_photo(
    client: Client,
    pool: asyncpg.Pool,
    before: str,
    offset: timedelta | None,
    shift: dict[str, int],
    after: str | None,
) -> None:
    (photo,) = await add_photos(
        pool, [{"taken_at": datetime.fromisoformat(before), "taken_at_offset": offset}]
    )
    response = await _shift(client, [photo], **shift)
    assert response.status_code == 200, response.text
    detail = await _detail(client, photo)
    if after is None:
        (failure,) = response.json()["failed"]
        assert failure["hothash"] == photo
        assert "years 1 to 9999" in failure["reason"]
        assert (detail["taken_at"], detail["taken_at_source"]) == (before, 0)
    else:
        assert response.json() == {"updated": [photo], "failed": []}
        assert (detail["taken_at"], detail["taken_at_source"]) == (after, 1)
    assert _stored_offset(detail) == offset
    await _gallery_reads(client, photo)


async def test_a_batch_shift_reports_each_photo_its_own_reason(
    client: Client, pool: asyncpg.Pool
) -> None:
    fine, late, timeless = await add_photos(
        pool,
        [
            {"taken_at": datetime(2020, 1, 1)},
            {"taken_at": datetime(9999, 12, 31, 12)},
            {},
        ],
    )
    missing = hothash(99)
    response = await _shift(client, [fine, late, timeless, missing], hours=13)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["updated"] == [fine]
    reasons = {f["hothash"]: f["reason"] for f in body["failed"]}
    assert reasons[timeless] == "the photo has no time to shift"
    assert reasons[missing] == "photo not found"
    assert "years 1 to 9999" in reasons[late]


@pytest.mark.parametrize(
    "shift", [{"hours": 100_001}, {"minutes": -100_001}, {"seconds": 1_000_001}, {"hours": 1e9}]
)
async def test_shifts_beyond_their_bounds_are_422(
    client: Client, pool: asyncpg.Pool, shift: dict[str, int]
) -> None:
    (photo,) = await add_photos(pool, [{"taken_at": datetime(2020, 1, 1)}])
    response = await _shift(client, [photo], **shift)
    assert response.status_code == 422, response.text
    assert (await _detail(client, photo))["taken_at"] == "2020-01-01T00:00:00"


async def _upload(
    client: Client, tmp_path: Path, overrides: dict[str, Any], seed: int, exif: bytes = b""
) -> httpx.Response:
    session = await client.post(
        "/api/input-sessions",
        json={"name": "Laptop", "source_path": "/remote", "upload": True},
    )
    assert session.status_code == 201, session.text
    jpeg = tmp_path / f"{seed}.jpg"
    photo_like(320, 240, seed).save(jpeg, "JPEG", quality=85, exif=exif)
    return await client.post(
        f"/api/input-sessions/{session.json()['id']}/groups",
        files={"file": (jpeg.name, jpeg.read_bytes(), "application/octet-stream")},
        data={
            "metadata": json.dumps(
                {"path": f"/remote/{jpeg.name}", "type": "JPEG", "overrides": overrides}
            )
        },
    )


@pytest.mark.parametrize(("sent", "accepted", "offset"), EDGES)
async def test_upload_overrides_take_times_within_the_bounds_only(
    client: Client, tmp_path: Path, sent: str, accepted: bool, offset: timedelta | None
) -> None:
    response = await _upload(client, tmp_path, {"taken_at": sent}, seed=1)
    if accepted:
        assert response.status_code == 201, response.text
        detail = await _detail(client, response.json()["hothash"])
        assert detail["taken_at"] == datetime.fromisoformat(sent).replace(tzinfo=None).isoformat()
        assert _stored_offset(detail) == offset
    else:
        assert response.status_code == 422, response.text
        assert "taken_at" in response.json()["detail"]
        assert (await client.get("/api/photos")).json() == []


async def test_an_exif_offset_that_leaves_the_years_is_dropped(
    client: Client, tmp_path: Path
) -> None:
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "0001:01:01 00:10:00"  # DateTimeOriginal
    sub[0x9011] = "+01:00"  # OffsetTimeOriginal: 23:10 the day before year 1, in UTC
    response = await _upload(client, tmp_path, {}, seed=1, exif=exif.tobytes())
    assert response.status_code == 201, response.text
    photo = response.json()["hothash"]
    detail = await _detail(client, photo)
    assert (detail["taken_at"], detail["taken_at_offset"]) == ("0001-01-01T00:10:00", None)
    assert detail["taken_at_source"] == 0
    # A reset to the EXIF time follows the same rule.
    await client.patch(f"/api/photos/{photo}", json={"taken_at": BEFORE})
    reset = await client.post(f"/api/photos/{photo}/reset-time")
    assert reset.status_code == 200, reset.text
    assert (reset.json()["taken_at"], reset.json()["taken_at_offset"]) == (
        "0001-01-01T00:10:00",
        None,
    )


async def test_the_database_refuses_times_out_of_range(client: Client, pool: asyncpg.Pool) -> None:
    (photo,) = await add_photos(pool, [{"taken_at": datetime(2020, 1, 1)}])
    for change in (
        "taken_at = '10000-01-01'",
        "taken_at = timestamp '0001-01-01 00:00:00' - interval '1 second'",
        "taken_at = 'infinity'",
        "taken_at_offset = interval '18 hours 1 second'",
        "taken_at_offset = interval '-19 hours'",
        "taken_at = '0001-01-01 00:30', taken_at_offset = interval '1 hour'",
        "taken_at = '9999-12-31 23:30', taken_at_offset = interval '-1 hour'",
        "taken_at = taken_at + interval '8000 years'",
    ):
        async with pool.acquire() as conn:
            with pytest.raises(Invalid, match="must lie") as refused:
                await conn.execute(f"UPDATE photos SET {change} WHERE hothash = $1", photo)
        assert "taken_at" in str(refused.value), change
    async with pool.acquire() as conn:
        with pytest.raises(Invalid, match="date must lie"):
            await conn.execute("INSERT INTO events (name, date) VALUES ('x', '10000-01-01')")
    await _gallery_reads(client, photo)


async def test_the_migration_repairs_rows_out_of_range(
    empty_database_url: str, tmp_path: Path
) -> None:
    """A catalog that stored year 10000 before the bounds opens and lists again."""
    first, *later = available()
    assert later, "the bounds come in a later migration"
    conn = await asyncpg.connect(empty_database_url)
    try:
        await conn.execute(CREATE_TABLE)
        await conn.execute(first.sql)
        await conn.execute(RECORD, first.version, first.name, first.checksum)
        photographer = await conn.fetchval(
            "INSERT INTO photographers (name, is_default) VALUES ('Me', true) RETURNING id"
        )
        rows = {
            hothash(1): ("10000-01-01 00:30:00", "1 hour"),
            hothash(2): ("0001-01-01 00:00:00 BC", None),
            hothash(3): ("2020-01-01 00:00:00", "20 hours"),
            hothash(4): ("0001-01-01 00:10:00", "1 hour"),
            hothash(5): ("2020-01-01 00:00:00", "-3 hours"),
        }
        for key, (taken, offset) in rows.items():
            await conn.execute(
                "INSERT INTO photos (hothash, hotpreview_b64, photographer_id, taken_at, "
                "taken_at_offset) VALUES ($1, 'AA==', $2, $3::text::timestamp, $4::text::interval)",
                key,
                photographer,
                taken,
                offset,
            )
        session = await conn.fetchval(
            "INSERT INTO input_sessions (name, source_path, default_photographer_id) "
            "VALUES ('Card', '/card', $1) RETURNING id",
            photographer,
        )
        await conn.execute("UPDATE photos SET input_session_id = $1", session)
        await conn.execute("INSERT INTO events (name, date) VALUES ('Far', '10000-06-01')")
        assert await migrate(conn) == [m.version for m in later]
        repaired = {
            r["hothash"]: (r["taken_at"], r["taken_at_offset"])
            for r in await conn.fetch("SELECT hothash, taken_at, taken_at_offset FROM photos")
        }
        assert await conn.fetchval("SELECT date FROM events") is None
    finally:
        await conn.close()
    assert repaired == {
        hothash(1): (datetime(9999, 12, 31, 23, 59, 59, 999_999), timedelta(hours=1)),
        hothash(2): (datetime(1, 1, 1), None),
        hothash(3): (datetime(2020, 1, 1), None),
        hothash(4): (datetime(1, 1, 1, 0, 10), None),
        hothash(5): (datetime(2020, 1, 1), timedelta(hours=-3)),
    }
    # The daemon's own start on that catalog: listing, details and the timeline work.
    settings = load_settings(data_dir=tmp_path / "data", env={"DATABASE_URL": empty_database_url})
    async with AsyncTestClient(app=create_app(settings), base_url=LOCAL_BASE_URL) as client:
        client.headers[API_KEY_HEADER] = settings.paths.api_key.read_text(encoding="utf-8").strip()
        listed = await client.get("/api/photos")
        assert listed.status_code == 200, listed.text
        assert len(listed.json()) == len(rows)
        for key in rows:
            await _gallery_reads(client, key)
        session_photos = await client.get(f"/api/input-sessions/{session}/photos")
        assert session_photos.status_code == 200, session_photos.text
        assert len(session_photos.json()) == len(rows)


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31"])
async def test_event_dates_at_the_edges_are_kept_exactly(client: Client, day: str) -> None:
    # asyncpg's own date codec sends the first and last day as -infinity and infinity.
    created = await client.post("/api/events", json={"name": "edge", "date": day})
    assert created.status_code == 201, created.text
    shown = await client.get(f"/api/events/{created.json()['id']}")
    assert shown.json()["date"] == day
