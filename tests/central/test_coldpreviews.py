"""`POST /api/sync/coldpreview/{hothash}`: a real JPEG, from a machine that holds the photo."""

from __future__ import annotations

import asyncio
import io

import asyncpg
import msgspec
from PIL import Image

from daemon.config import Settings
from daemon.imaging import coldpreviews
from protocol.sync import SyncBatch
from tests.support.app import Client
from tests.support.central import (
    image_file,
    new_machine,
    photo,
    photographer,
    push,
    upload,
)
from tests.support.images import jpeg_bytes, photo_like


async def test_coldpreview_upload(
    central: Client, central_settings: Settings, pool: asyncpg.Pool
) -> None:
    laptop, other = await new_machine(central, "laptop"), await new_machine(central, "other")
    kari = photographer()
    shot = photo(1, kari.id)
    receipt = await push(
        central,
        laptop,
        SyncBatch(
            after=0,
            upto=0,
            machine_name="laptop",
            photographers=[kari],
            photos=[shot],
            image_files=[image_file(shot.hothash, "/p.jpg")],
        ),
    )
    assert receipt["coldpreviews_wanted"] == [shot.hothash]
    await push(central, other, SyncBatch(after=0, upto=0, machine_name="other"))
    good = jpeg_bytes(photo_like(640, 480, 1))

    assert (await upload(central, laptop, shot.hothash, good, sha="0" * 64))[0] == 422
    status, body = await upload(central, laptop, shot.hothash, b"not a jpeg at all")
    assert status == 422
    assert "JPEG" in str(body["detail"])
    png = io.BytesIO()
    photo_like(64, 48, 2).save(png, "PNG")
    status, body = await upload(central, laptop, shot.hothash, png.getvalue())
    assert status == 422
    assert "PNG" in str(body["detail"])
    assert (await upload(central, laptop, shot.hothash, good[: len(good) // 2]))[0] == 422
    huge = io.BytesIO()
    Image.new("L", (8001, 8), 0).save(huge, "JPEG")
    status, body = await upload(central, laptop, shot.hothash, huge.getvalue())
    assert status == 422
    assert "8000" in str(body["detail"])
    assert (await upload(central, laptop, "a" * 64, good))[0] == 404
    assert (await upload(central, laptop, "NOT-A-HASH", good))[0] == 422
    assert (await upload(central, other, shot.hothash, good))[0] == 403

    status, body = await upload(central, laptop, shot.hothash, good)
    assert (status, body) == (200, {"hothash": shot.hothash, "stored": True})
    async with pool.acquire() as conn:
        relative = await conn.fetchval(
            "SELECT coldpreview_path FROM photos WHERE hothash = $1", shot.hothash
        )
    assert (central_settings.coldpreview_dir / relative).read_bytes() == good
    served = await central.get(f"/api/photos/{shot.hothash}/coldpreview")
    assert (served.status_code, served.content) == (200, good)
    status, body = await upload(central, laptop, shot.hothash, jpeg_bytes(photo_like(64, 48, 3)))
    assert (status, body["stored"]) == (200, False)
    assert (central_settings.coldpreview_dir / relative).read_bytes() == good
    again = await push(
        central,
        laptop,
        SyncBatch(after=0, upto=0, machine_name="laptop", photographers=[kari], photos=[shot]),
    )
    assert again["coldpreviews_wanted"] == []


async def test_two_machines_uploading_one_coldpreview_at_once_leave_one_whole_file(
    central: Client, central_settings: Settings
) -> None:
    shot = photo(3, photographer().id)
    machines = []
    for name in ("laptop", "desktop"):
        machine = await new_machine(central, name)
        kari = photographer()
        mine = msgspec.structs.replace(shot, photographer_id=kari.id)
        batch = SyncBatch(
            after=0,
            upto=1,
            machine_name=name,
            photographers=[kari],
            photos=[mine],
            image_files=[image_file(shot.hothash, f"/{name}.jpg")],
        )
        await push(central, machine, batch)
        machines.append(machine)
    versions = [jpeg_bytes(photo_like(1200, 800, seed)) for seed in (10, 11)]
    answers = await asyncio.gather(
        *(
            upload(central, machine, shot.hothash, data)
            for machine, data in zip(machines, versions, strict=True)
            for _ in range(3)
        )
    )
    assert all(status == 200 for status, _ in answers), answers
    stored = central_settings.coldpreview_dir / coldpreviews.relative_path(shot.hothash)
    assert stored.read_bytes() in versions
    assert not any((central_settings.coldpreview_dir / coldpreviews.INCOMING).iterdir())
