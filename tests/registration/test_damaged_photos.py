"""Damaged but readable originals are catalogued, flagged and counted; files that cannot
become a photo are errors with a sentence for photographers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from daemon.imaging import damage
from daemon.registration import messages
from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import CORPUS, restart_jpeg, with_data_lost

MISSING = re.compile(r"^The picture data is damaged \(\d+ blocks missing\)")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A damaged JPEG, a whole one, one cut short, and a text file named like a photo."""
    made = tmp_path / "card"
    made.mkdir()
    data = restart_jpeg()
    (made / "damaged.jpg").write_bytes(with_data_lost(data))
    shutil.copy(CORPUS / "jpg" / "Canon_40D.jpg", made / "whole.jpg")
    (made / "cut.jpg").write_bytes(data[: len(data) * 9 // 10])
    (made / "notes.jpg").write_text("not a picture\n")
    return made


async def get_json(client: Client, url: str, **params: Any) -> Any:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_damaged_photo_is_registered_flagged_and_counted(
    client: Client, folder: Path
) -> None:
    session = await register(client, folder)
    assert session["status"] == "completed"
    assert (session["photo_count"], session["damaged_count"], session["error_count"]) == (2, 1, 2)
    photos = await get_json(client, f"/api/input-sessions/{session['id']}/photos")
    marked = {Path(p["master_path"]).name: (p["damaged"], p["damage"]) for p in photos}
    assert marked["whole.jpg"] == (False, None)
    assert marked["damaged.jpg"][0] is True
    assert MISSING.match(marked["damaged.jpg"][1])
    damaged = next(p for p in photos if p["damaged"])
    detail = await get_json(client, f"/api/photos/{damaged['hothash']}")
    assert detail["damaged"] is True
    assert detail["damage"] == marked["damaged.jpg"][1]
    assert detail["damage"].endswith("the bottom of the photo may be grey.")
    assert detail["coldpreview_path"] is not None


async def test_the_damaged_filter(client: Client, folder: Path) -> None:
    await register(client, folder)
    everything = await get_json(client, "/api/photos")
    flagged = await get_json(client, "/api/photos", damaged="true")
    whole = await get_json(client, "/api/photos", damaged="false")
    assert len(everything) == 2
    assert [p["damaged"] for p in flagged] == [True]
    assert [p["damaged"] for p in whole] == [False]
    buckets = await get_json(client, "/api/photos/buckets", damaged="true")
    assert buckets["total"] == 1
    hothashes = await get_json(client, "/api/photos/hothashes", damaged="true")
    assert hothashes == [flagged[0]["hothash"]]
    assert (await client.get("/api/photos", params={"damaged": "maybe"})).status_code == 422


async def test_errors_say_in_plain_words_what_went_wrong(client: Client, folder: Path) -> None:
    session = await register(client, folder)
    errors = await get_json(client, f"/api/input-sessions/{session['id']}/errors")
    by_name = {Path(e["file_path"]).name: e for e in errors}
    assert set(by_name) == {"cut.jpg", "notes.jpg"}
    cut, notes = by_name["cut.jpg"], by_name["notes.jpg"]
    assert cut["message"] == messages.STILL_WRITING
    assert cut["detail"] == cut["error"]
    assert cut["error"].startswith(damage.TRUNCATED)
    assert notes["message"] == "This file is not a photo Hotprevue can read."
    assert notes["detail"] == notes["error"]
    assert notes["error"].startswith("not an image Hotprevue can read")


async def test_registering_the_damaged_file_again_finds_the_same_photo(
    client: Client, folder: Path, pool: asyncpg.Pool
) -> None:
    """What decodes is the same every time: a copy of the damaged file is a duplicate."""
    await register(client, folder)
    other = folder.parent / "copy"
    other.mkdir()
    shutil.copy(folder / "damaged.jpg", other / "damaged.jpg")
    session = await register(client, other)
    assert (session["photo_count"], session["duplicate_count"], session["damaged_count"]) == (
        0,
        1,
        0,
    )
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos WHERE damaged") == 1


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        ("empty file (0 bytes)", "The file is empty (0 bytes)."),
        (f"RAW {damage.TRUNCATED}", messages.STILL_WRITING),
        ("a HEIF file that cannot be read: it is truncated or damaged", messages.UNREADABLE),
        ("cannot decode image: broken data stream", messages.UNREADABLE),
        ("permission denied", "Hotprevue is not allowed to read this file."),
        ("file vanished before it could be read", "The file was moved or deleted before it "
         "could be read."),
        ("decoding took longer than 120 s; gave up", "Reading this file took too long; it was "
         "skipped."),
        ("the decoder crashed on this file (exit code -11)", "Reading this file crashed the "
         "decoder: it may be damaged."),
        ("something nobody foresaw", messages.FALLBACK),
    ],
)  # fmt: skip
def test_technical_texts_map_to_sentences(error: str, sentence: str) -> None:
    assert messages.for_photographers(error) == sentence
