"""Corrections: a new coldpreview from the original; the hotpreview never changes."""

from __future__ import annotations

import io

from PIL import Image, ImageStat

from daemon.config import Settings
from tests.support.app import Client
from tests.support.factories import listing, register
from tests.support.images import CORPUS


async def shown(client: Client, h: str) -> tuple[Image.Image, str]:
    response = await client.get(f"/api/photos/{h}/coldpreview")
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image, response.headers["etag"]


async def test_correct_show_and_undo(client: Client, settings: Settings) -> None:
    await register(client, CORPUS / "jpg" / "gps")
    (h, *_) = await listing(client)
    before = (await client.get(f"/api/photos/{h}")).json()
    original, original_tag = await shown(client, h)
    assert original.size == (640, 480)

    rotated = await client.put(f"/api/photos/{h}/correction", json={"rotation": 90})
    assert rotated.status_code == 200, rotated.text
    image, tag = await shown(client, h)
    assert image.size == (480, 640)
    assert tag != original_tag

    await client.put(
        f"/api/photos/{h}/correction",
        json={
            "crop_left": 0.25,
            "crop_right": 0.75,
            "crop_top": 0.0,
            "crop_bottom": 0.5,
            "exposure_ev": 1.0,
        },
    )
    cropped, _ = await shown(client, h)
    assert cropped.size == (320, 240)
    assert (
        ImageStat.Stat(cropped).mean[0]
        > ImageStat.Stat(original.crop((160, 0, 480, 240))).mean[0] + 10
    )
    level = await client.put(f"/api/photos/{h}/correction", json={"horizon_angle": 10})
    assert level.json()["horizon_angle"] == 10
    leveled, _ = await shown(client, h)
    assert abs(leveled.width / leveled.height - 640 / 480) < 0.02
    assert leveled.width < 640

    got = (await client.get(f"/api/photos/{h}/correction")).json()
    assert (got["horizon_angle"], got["rotation"], got["crop_right"]) == (10, 0, 1)
    after = (await client.get(f"/api/photos/{h}")).json()
    assert (after["hothash"], after["hotpreview_b64"]) == (
        before["hothash"],
        before["hotpreview_b64"],
    )
    assert (settings.coldpreview_dir / before["coldpreview_path"]).is_file()

    assert (await client.delete(f"/api/photos/{h}/correction")).status_code == 204
    back, back_tag = await shown(client, h)
    assert (back.size, back_tag) == (original.size, original_tag)
    assert not list((settings.coldpreview_dir / "corrected").rglob("*.jpg"))
    assert (await client.get(f"/api/photos/{h}/correction")).status_code == 404
    assert (await client.delete(f"/api/photos/{h}/correction")).status_code == 404


async def test_invalid_corrections(client: Client) -> None:
    await register(client, CORPUS / "jpg" / "gps")
    (h, *_) = await listing(client)
    for body, field in (
        ({"rotation": 45}, "rotation"),
        ({"horizon_angle": 20}, "horizon_angle"),
        ({"crop_left": 0.6, "crop_right": 0.5}, "crop"),
        ({"exposure_ev": 9}, "exposure_ev"),
        ({"crop_top": -0.1}, "crop_top"),
    ):
        response = await client.put(f"/api/photos/{h}/correction", json=body)
        assert response.status_code == 422, body
        assert field in response.json()["detail"]
    missing = await client.put(f"/api/photos/{'a' * 64}/correction", json={})
    assert missing.status_code == 404


async def test_a_crop_thinner_than_a_pixel_keeps_one(client: Client) -> None:
    await register(client, CORPUS / "jpg" / "gps")
    (h, *_) = await listing(client)
    for body, size in (
        ({"crop_bottom": 1e-05}, (640, 1)),
        ({"crop_left": 0.99999}, (1, 480)),
        ({"crop_left": 0.5, "crop_right": 0.500001, "crop_top": 0.999, "crop_bottom": 1}, (1, 1)),
    ):
        response = await client.put(f"/api/photos/{h}/correction", json=body)
        assert response.status_code == 200, (body, response.text)
        image, _ = await shown(client, h)
        assert image.size == size, body
