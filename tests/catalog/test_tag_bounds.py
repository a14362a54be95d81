"""A photo's tags stay within the bounds central takes them in (protocol.photos), however
they are added: a sync never carries a photo central would refuse."""

from __future__ import annotations

import asyncpg

from protocol.photos import MAX_TAG_LENGTH, MAX_TAGS
from tests.support.app import Client
from tests.support.factories import add_photos


async def test_adding_tags_beyond_the_bound_leaves_the_photo_as_it_is(
    client: Client, pool: asyncpg.Pool
) -> None:
    full = [f"old {i:03d}" for i in range(MAX_TAGS - 10)]
    crowded, roomy, filled = await add_photos(
        pool, [{"tags": full}, {"tags": []}, {"tags": full[:-1]}]
    )
    added = [f"new {i:02d}" for i in range(11)]
    response = await client.post(
        "/api/photos/batch/tags/add", json={"hothashes": [crowded, roomy], "tags": added}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "updated": [roomy],
        "failed": [{"hothash": crowded, "reason": f"a photo has at most {MAX_TAGS} tags"}],
    }
    # Tags it has already do not count twice; up to the bound itself, they go in.
    response = await client.post(
        "/api/photos/batch/tags/add", json={"hothashes": [filled], "tags": [full[0], *added]}
    )
    assert response.json()["updated"] == [filled]
    photos = {p["hothash"]: p["tags"] for p in (await client.get("/api/photos")).json()}
    assert photos[crowded] == full
    assert photos[roomy] == added
    assert len(photos[filled]) == MAX_TAGS


async def test_a_tag_or_tags_beyond_the_bounds_are_refused_everywhere(
    client: Client, pool: asyncpg.Pool
) -> None:
    (photo,) = await add_photos(pool, [{"tags": ["kept"]}])
    too_long = ["x" * (MAX_TAG_LENGTH + 1)]
    too_many = [f"t{i}" for i in range(MAX_TAGS + 1)]
    # Within the bound as typed, beyond it once lowercased: "İ" becomes "i" and a dot.
    dotted = ["İ" * (MAX_TAG_LENGTH // 2 + 1)]
    for tags in (too_long, too_many, dotted):
        for method, path, body in (
            ("POST", "/api/photos/batch/tags/add", {"hothashes": [photo], "tags": tags}),
            ("POST", "/api/photos/batch/tags/set", {"hothashes": [photo], "tags": tags}),
            ("PATCH", f"/api/photos/{photo}", {"tags": tags}),
        ):
            response = await client.request(method, path, json=body)
            assert response.status_code == 422, (path, response.text)
            assert "tags" in response.json()["detail"]
    assert (await client.get(f"/api/photos/{photo}")).json()["tags"] == ["kept"]
    # At the bound once lowercased, it is kept.
    response = await client.patch(f"/api/photos/{photo}", json={"tags": ["İ" * 50]})
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["i\u0307" * 50]
