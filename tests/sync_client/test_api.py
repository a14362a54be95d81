"""`/api/sync` targets, runs and status through the real app (local mode)."""

from __future__ import annotations

import uuid
from pathlib import Path

import msgspec

from daemon.store.sync import Target
from protocol.sync_targets import SyncTarget, SyncTargetStatus
from tests.support.app import Client

# What the status adds to a target's row: what it lacks, and its push.
LIVE = {
    "pending_rows",
    "pending_photos",
    "pending_coldpreviews",
    "running",
    "retry_at",
    "unsynced_since",
}


def _names(struct: type[msgspec.Struct]) -> set[str]:
    return {field.name for field in msgspec.structs.fields(struct)}


def test_a_targets_row_holds_every_field_the_api_shows_of_it() -> None:
    # The API converts the row by field name: a field the row lacks would be left at
    # its default (None) without a word.
    shown = _names(Target) - {"token"} | {"encrypted"}
    assert _names(SyncTarget) <= shown
    assert _names(SyncTargetStatus) <= shown | LIVE


async def test_targets_crud_never_shows_the_token(client: Client, tmp_path: Path) -> None:
    empty = await client.get("/api/sync/targets")
    assert (empty.status_code, empty.json()) == (200, [])
    added = await client.post(
        "/api/sync/targets",
        json={"url": "https://photos.example.com:8443/", "token": "hpm_secret"},
    )
    assert added.status_code == 201, added.text
    target = added.json()
    assert "hpm_secret" not in added.text
    assert (target["name"], target["url"], target["encrypted"]) == (
        "photos.example.com:8443",
        "https://photos.example.com:8443",
        True,
    )
    assert target["machine_name"]
    plain = await client.post(
        "/api/sync/targets",
        json={
            "url": "http://127.0.0.1:9000",
            "token": "hpm_b",
            "name": "nas",
            "machine_name": "laptop",
        },
    )
    assert plain.status_code == 201, plain.text
    assert (plain.json()["name"], plain.json()["encrypted"], plain.json()["machine_name"]) == (
        "nas",
        False,
        "laptop",
    )

    listed = await client.get("/api/sync/targets")
    assert [t["name"] for t in listed.json()] == ["nas", "photos.example.com:8443"]
    assert "hpm_" not in listed.text
    one = await client.get(f"/api/sync/targets/{target['id']}")
    assert (one.status_code, one.json()["id"]) == (200, target["id"])
    assert "hpm_" not in one.text

    status = await client.get("/api/sync/status")
    assert status.status_code == 200, status.text
    assert "hpm_" not in status.text
    assert {t["name"]: t["running"] for t in status.json()["targets"]} == {
        "nas": None,
        "photos.example.com:8443": None,
    }

    again = await client.post(
        "/api/sync/targets", json={"url": "https://photos.example.com:8443", "token": "hpm_c"}
    )
    assert again.status_code == 409
    assert "already exists" in again.json()["detail"]

    removed = await client.delete(f"/api/sync/targets/{target['id']}")
    assert removed.status_code == 204
    gone = await client.get(f"/api/sync/targets/{target['id']}")
    assert gone.status_code == 404
    assert (await client.delete(f"/api/sync/targets/{target['id']}")).status_code == 404


async def test_targets_refuse_bad_input(client: Client, tmp_path: Path) -> None:
    bad_ca = tmp_path / "ca.pem"
    bad_ca.write_text("nonsense")
    for body, words in (
        ({"url": "http://8.8.8.8", "token": "hpm_a"}, "plain http to a public address"),
        ({"url": "https://a.example", "token": "hpm a"}, "token"),
        ({"url": "https://a.example", "token": "hpm_a", "ca_file": str(bad_ca)}, "CA"),
        ({"url": "https://a.example", "token": "hpm_a", "ca_file": "ca.pem"}, "absolute"),
        (
            {"url": "https://a.example", "token": "hpm_a", "ca_file": str(tmp_path / "x")},
            "no such file",
        ),
        ({"url": "https://a.example", "token": "hpm_a", "name": " "}, "blank"),
    ):
        answer = await client.post("/api/sync/targets", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert words in answer.json()["detail"], answer.text


async def test_runs_need_a_target(client: Client) -> None:
    none = await client.post("/api/sync/runs", json={})
    assert none.status_code == 422
    assert "no sync target: add one with" in none.json()["detail"]
    unknown = await client.post("/api/sync/runs", json={"target": "nowhere"})
    assert unknown.status_code == 422
    for name in ("a", "b"):
        added = await client.post(
            "/api/sync/targets",
            json={"url": f"https://{name}.example", "token": "hpm_x", "name": name},
        )
        assert added.status_code == 201
    several = await client.post("/api/sync/runs", json={})
    assert several.status_code == 422
    assert "several sync targets (a, b)" in several.json()["detail"]
    missing = uuid.uuid4()
    assert (await client.get(f"/api/sync/runs/{missing}")).status_code == 404
    assert (await client.post(f"/api/sync/runs/{missing}/cancel")).status_code == 404
