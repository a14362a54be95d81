"""`GET /api/photos/buckets` and `GET /api/photos?bucket=`: a grid's days, months, ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, get_args

import asyncpg
import pytest

from daemon.services import photos as service
from daemon.store import photos as store
from protocol.settings import PhotoSort
from tests.support.app import Client
from tests.support.factories import add_photo, add_photos, hothash, listing


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Bucket edges on both sides, both ends of time, photos without a time or a rating.
ROWS: list[dict[str, Any]] = [
    {"taken_at": datetime(2024, 7, 14), "rating": 5, "registered_at": _utc(2024, 1, 31, 23, 59)},
    {
        "taken_at": datetime(2024, 7, 14, 23, 59, 59, 999999),
        "rating": None,
        "registered_at": _utc(2024, 2, 1),
    },
    {
        "taken_at": datetime(2024, 7, 15),
        "rating": 3,
        # 23:30 on January 31st in UTC: the bucket is the UTC date, not this zone's.
        "registered_at": datetime(2024, 2, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
    },
    {"taken_at": datetime(2024, 8, 1), "rating": 5, "registered_at": _utc(2024, 3, 1)},
    {"taken_at": None, "rating": 1, "registered_at": _utc(2024, 3, 1, 12)},
    {"taken_at": None, "rating": None, "registered_at": _utc(2024, 3, 2)},
    {"taken_at": datetime(1, 1, 1), "rating": 2, "registered_at": _utc(2024, 3, 2, 1)},
    {
        "taken_at": datetime(9999, 12, 31, 23, 59, 59, 999999),
        "rating": 3,
        "registered_at": _utc(2024, 3, 2, 2),
    },
    {
        "taken_at": datetime(2024, 7, 31, 23, 59, 59),
        "rating": 5,
        "registered_at": _utc(2024, 3, 2, 3),
    },
    # In the trash: counted nowhere (but in the trash's own buckets).
    {
        "taken_at": datetime(2024, 7, 14, 12),
        "rating": 5,
        "registered_at": _utc(2024, 3, 2, 4),
        "deleted_at": _utc(2024, 4, 1),
    },
]
TAKEN_DAYS = ["0001-01-01", "2024-07-14", "2024-07-15", "2024-07-31", "2024-08-01", "9999-12-31"]
TAKEN_MONTHS = ["0001-01", "2024-07", "2024-08", "9999-12"]
REGISTERED_DAYS = ["2024-01-31", "2024-02-01", "2024-03-01", "2024-03-02"]
REGISTERED_MONTHS = ["2024-01", "2024-02", "2024-03"]
EXPECTED_KEYS = {
    ("taken_at_desc", "day"): [*reversed(TAKEN_DAYS), "undated"],
    ("taken_at_asc", "day"): [*TAKEN_DAYS, "undated"],
    ("taken_at_desc", "month"): [*reversed(TAKEN_MONTHS), "undated"],
    ("taken_at_asc", "month"): [*TAKEN_MONTHS, "undated"],
    ("registered_at_desc", "day"): list(reversed(REGISTERED_DAYS)),
    ("registered_at_asc", "day"): REGISTERED_DAYS,
    ("registered_at_desc", "month"): list(reversed(REGISTERED_MONTHS)),
    ("registered_at_asc", "month"): REGISTERED_MONTHS,
    ("rating_desc", "day"): ["5", "3", "2", "1", "unrated"],
    ("rating_desc", "month"): ["5", "3", "2", "1", "unrated"],
    ("rating_asc", "day"): ["1", "2", "3", "5", "unrated"],
    ("rating_asc", "month"): ["1", "2", "3", "5", "unrated"],
}


async def paged(client: Client, query: str, limit: int = 2) -> list[str]:
    """Every hothash of a listing, fetched page by page as a grid would."""
    found: list[str] = []
    while True:
        page = await listing(client, f"{query}&limit={limit}&offset={len(found)}")
        found += page
        if len(page) < limit:
            return found


async def hothashes(client: Client, query: str) -> list[str]:
    """The answer of `GET /api/photos/hothashes{query}`."""
    response = await client.get(f"/api/photos/hothashes{query}")
    assert response.status_code == 200, response.text
    found: list[str] = response.json()
    return found


async def buckets(client: Client, query: str) -> dict[str, Any]:
    """The answer of `GET /api/photos/buckets{query}`."""
    response = await client.get(f"/api/photos/buckets{query}")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("granularity", ["day", "month"])
@pytest.mark.parametrize("sort", get_args(PhotoSort))
async def test_buckets_partition_the_list_exactly(
    client: Client, pool: asyncpg.Pool, sort: str, granularity: str
) -> None:
    await add_photos(pool, ROWS)
    answer = await buckets(client, f"?sort={sort}&granularity={granularity}")
    assert [b["key"] for b in answer["buckets"]] == EXPECTED_KEYS[sort, granularity]

    whole = await listing(client, f"?sort={sort}&limit=1000")
    assert answer["total"] == len(whole) == len(ROWS) - 1
    pieces: list[str] = []
    for bucket in answer["buckets"]:
        query = f"?sort={sort}&granularity={granularity}&bucket={bucket['key']}"
        in_bucket = await paged(client, query)
        assert len(in_bucket) == bucket["count"], bucket
        assert await hothashes(client, query) == in_bucket
        pieces += in_bucket
    # Bucket after bucket, page after page: the whole list, in its order.
    assert pieces == whole


async def test_buckets_take_the_lists_filters(client: Client, pool: asyncpg.Pool) -> None:
    await add_photos(pool, ROWS)
    rated = await buckets(client, "?rated=true&granularity=month")
    assert rated == {
        "total": 7,
        "buckets": [
            {"key": "9999-12", "count": 1},
            {"key": "2024-08", "count": 1},
            {"key": "2024-07", "count": 3},
            {"key": "0001-01", "count": 1},
            {"key": "undated", "count": 1},
        ],
    }
    trash = await buckets(client, "?deleted=true")
    assert trash == {"total": 1, "buckets": [{"key": "2024-07-14", "count": 1}]}
    assert await buckets(client, "?rating_min=4&sort=rating_asc") == {
        "total": 3,
        "buckets": [{"key": "5", "count": 3}],
    }
    assert await buckets(client, f"?hothash={hothash(99)}") == {"total": 0, "buckets": []}


async def test_registered_buckets_are_utc_dates_whatever_the_sessions_zone(
    client: Client, pool: asyncpg.Pool
) -> None:
    await add_photos(pool, ROWS)
    async with pool.acquire() as conn:
        await conn.execute("SET TIME ZONE 'Pacific/Kiritimati'")  # UTC+14
        counted = await store.buckets(conn, store.PhotoFilter(), "registered_at_asc", "day")
        assert [service.bucket_key("registered_at", "day", day) for day, _ in counted] == (
            REGISTERED_DAYS
        )
        for day, count in counted:
            key = service.bucket_key("registered_at", "day", day)
            only = store.PhotoFilter(
                key_range=service.bucket_range("registered_at_asc", service.Bucket(key))
            )
            assert len(await store.list_page(conn, only, "registered_at_asc", 100, 0)) == count


async def test_a_buckets_offsets_ignore_arrivals_in_other_buckets(
    client: Client, pool: asyncpg.Pool
) -> None:
    await add_photos(pool, [{"taken_at": datetime(2024, 7, 14, hour)} for hour in range(6)])
    query = "?bucket=2024-07-14&limit=2&offset=2"
    before = await listing(client, query)
    plain = await listing(client, "?limit=2&offset=2")
    async with pool.acquire() as conn:
        # Later days come first in taken_at_desc: before every photo of July 14th.
        for n in (100, 101):
            await add_photo(conn, hothash(n), taken_at=datetime(2024, 7, 15, 9, n - 100))
    assert await listing(client, query) == before
    assert await listing(client, "?limit=2&offset=2") != plain


BAD_BUCKETS = [
    ("bucket=2024-13-01", "YYYY-MM-DD"),
    ("bucket=2024-02-30", "YYYY-MM-DD"),
    ("bucket=0000-01-01", "YYYY-MM-DD"),
    ("bucket=2024-07", "YYYY-MM-DD"),
    ("bucket=20240714", "YYYY-MM-DD"),
    ("bucket=%EF%BC%92024-07-14", "YYYY-MM-DD"),  # a full-width digit
    ("bucket=2024-07-14&granularity=month", "YYYY-MM"),
    ("bucket=2024-00&granularity=month", "YYYY-MM"),
    ("bucket=undated&sort=registered_at_desc", "YYYY-MM-DD"),
    ("bucket=6&sort=rating_desc", "unrated"),
    ("bucket=undated&sort=rating_asc", "unrated"),
    ("bucket=2024-07-14&sort=rating_asc", "unrated"),
    ("bucket=", "bucket"),
]


async def test_a_bucket_the_sort_has_not_is_422_naming_it(client: Client) -> None:
    for endpoint in ("", "/hothashes"):
        for query, message in BAD_BUCKETS:
            response = await client.get(f"/api/photos{endpoint}?{query}")
            assert response.status_code == 422, (endpoint, query, response.text)
            detail = response.json()["detail"]
            assert detail.startswith("bucket"), (query, detail)
            assert message in detail, (query, detail)
        week = await client.get(f"/api/photos{endpoint}?bucket=2024-07-14&granularity=week")
        assert week.status_code == 422
        assert week.json()["detail"].startswith("granularity")


async def test_the_last_day_and_month_have_no_end(client: Client, pool: asyncpg.Pool) -> None:
    (last,) = await add_photos(pool, [{"taken_at": datetime(9999, 12, 31, 23, 59, 59, 999999)}])
    assert await listing(client, "?bucket=9999-12-31") == [last]
    assert await listing(client, "?bucket=9999-12&granularity=month") == [last]
    assert await listing(client, "?bucket=9999-12-30") == []


async def test_buckets_are_counted_from_an_index_and_pages_walk_a_range_of_one(
    client: Client, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        photographer = await conn.fetchval("SELECT id FROM photographers WHERE is_default")
        await conn.execute(
            "INSERT INTO photos (hothash, hotpreview_b64, photographer_id, taken_at, rating, "
            "stack_id, is_stack_cover) "
            "SELECT encode(sha256(i::text::bytea), 'hex'), 'AA==', $1, "
            "timestamp '2020-01-01' + i * interval '1 hour', nullif(i % 6, 0), "
            "CASE WHEN i % 10 < 3 THEN md5((i / 10)::text)::uuid END, i % 10 = 0 "
            "FROM generate_series(1, 5000) i",
            photographer,
        )
        await conn.execute("VACUUM ANALYZE photos")
        async with conn.transaction():
            # Whether an index can answer alone, not which plan wins on 5,000 rows.
            await conn.execute("SET LOCAL enable_seqscan = off")
            await conn.execute("SET LOCAL enable_bitmapscan = off")
            for sort in get_args(PhotoSort):
                for collapsed in (False, True):
                    filters = store.PhotoFilter(collapsed=collapsed)
                    for granularity in ("day", "month"):
                        sql, args = store.buckets_query(filters, sort, granularity)
                        plan = await _plan(conn, sql, args)
                        # Any sort index holds taken_at or rating; only one holds what
                        # collapsing stacks reads too.
                        scan = "Index Only Scan using " + (
                            "photos_registered_at" if collapsed else ""
                        )
                        assert scan in plan, plan
            day = service.bucket_range("taken_at_desc", service.Bucket("2020-03-01"))
            sql, args = store.page_query(store.PhotoFilter(key_range=day), "taken_at_desc", 100, 0)
            plan = await _plan(conn, sql, args)
            assert "Index Only Scan using photos_taken_at_desc" in plan, plan
            assert "Index Cond: ((taken_at >= '2020-03-01 00:00:00'" in plan, plan


async def _plan(conn: Any, sql: str, args: list[Any]) -> str:
    return "\n".join(row[0] for row in await conn.fetch(f"EXPLAIN {sql}", *args))
