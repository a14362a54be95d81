"""A local daemon pushes to a central daemon on another PostgreSQL, over real HTTP."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from tests.support.daemon_process import DaemonProcess, cli
from tests.support.images import CORPUS, corpus_images, jpeg_bytes, photo_like, write_jpeg
from tests.support.sync import LinkedLocal, MachineToken, MakeLocal
from tests.sync.flows import (
    add_target,
    assert_mirrored,
    catalog_dsn,
    execute,
    fetch,
    installation_id,
    new_photos,
    register,
    snapshot,
    start_sync,
    sync_now,
    wait_run,
)

pytestmark = pytest.mark.process


def _corpus_copy(folder: Path) -> Path:
    shutil.copytree(CORPUS, folder)
    return folder


def test_first_sync_mirrors_everything_and_the_second_sends_nothing(
    tmp_path: Path,
    central: DaemonProcess,
    central_database_url: str,
    linked_local: LinkedLocal,
) -> None:
    local = linked_local(_corpus_copy(tmp_path / "photos"))

    first = sync_now(local)
    photos = len(corpus_images())
    assert first["photos_sent"] >= photos
    assert first["coldpreviews_sent"] == first["coldpreviews_wanted"] > 0
    assert_mirrored(local, central, central_database_url)
    machines = fetch(central_database_url, "SELECT * FROM registered_machines")
    assert [(str(m["installation_id"]), m["machine_name"]) for m in machines] == [
        (installation_id(local), "laptop")
    ]

    second = sync_now(local)
    assert (second["rows_sent"], second["coldpreviews_sent"]) == (0, 0)
    # One round trip with an empty batch: a few hundred bytes at most.
    assert second["bytes_sent"] < 1000, second
    _, status = local.request("GET", "/api/sync/status")
    assert [t["pending_rows"] for t in status["targets"]] == [0]
    assert status["targets"][0]["last_error"] is None


def test_edits_trash_and_deletions_follow(
    tmp_path: Path,
    central: DaemonProcess,
    central_database_url: str,
    linked_local: LinkedLocal,
) -> None:
    local = linked_local(new_photos(tmp_path / "photos", 6))
    _, page = local.request("GET", "/api/photos?limit=100")
    hashes = [item["hothash"] for item in page]
    _, event = local.request("POST", "/api/events", {"name": "Summer"})
    _, child = local.request("POST", "/api/events", {"name": "Beach", "parent_id": event["id"]})
    _, collection = local.request("POST", "/api/collections", {"name": "Best"})
    for hothash in hashes[:4]:
        status, _ = local.request(
            "POST", f"/api/collections/{collection['id']}/items", {"hothash": hothash}
        )
        assert status == 201
    status, _ = local.request("PATCH", f"/api/photos/{hashes[0]}", {"event_id": child["id"]})
    assert status == 200
    # Rows the photos point at, a text card, a correction, and an event whose cover is
    # a photo of that event (the two point at each other).
    _, category = local.request("POST", "/api/categories", {"name": "Nature"})
    patch = {"category_id": category["id"]}
    assert local.request("PATCH", f"/api/photos/{hashes[5]}", patch)[0] == 200
    card = {"title": "Day one", "body": "We drove north."}
    assert local.request("POST", f"/api/collections/{collection['id']}/items", card)[0] == 201
    correction = {"rotation": 90, "exposure_ev": 0.5}
    assert local.request("PUT", f"/api/photos/{hashes[5]}/correction", correction)[0] == 200
    cover = {"cover_hothash": hashes[0]}
    assert local.request("PATCH", f"/api/events/{child['id']}", cover)[0] == 200
    sync_now(local)
    assert_mirrored(local, central, central_database_url)

    # An edit, a tag, a trash, an emptied trash, an event deletion and a reorder.
    assert local.request("PATCH", f"/api/photos/{hashes[1]}", {"rating": 5})[0] == 200
    assert local.request("PATCH", f"/api/photos/{hashes[2]}", {"tags": ["sea", "sun"]})[0] == 200
    assert local.request("POST", f"/api/photos/{hashes[3]}/delete")[0] == 200
    assert local.request("POST", f"/api/photos/{hashes[4]}/delete")[0] == 200
    assert local.request("POST", "/api/photos/empty-trash")[0] == 200
    assert local.request("DELETE", f"/api/events/{child['id']}")[0] == 204
    _, items = local.request("GET", f"/api/collections/{collection['id']}/items")
    order = [item["id"] for item in reversed(items)]
    status, _ = local.request(
        "PUT", f"/api/collections/{collection['id']}/items", {"item_ids": order}
    )
    assert status == 200
    run = sync_now(local)
    assert 0 < run["rows_sent"] < 40, run
    assert_mirrored(local, central, central_database_url)
    central_photos = snapshot(central_database_url)["photos"]
    assert central_photos[hashes[1]][1] == 5
    assert central_photos[hashes[2]][2] == ["sea", "sun"]
    assert hashes[3] not in central_photos
    assert hashes[4] not in central_photos


def test_two_machines_share_a_photo_and_each_group_keeps_its_latest_edit(
    tmp_path: Path,
    central: DaemonProcess,
    central_database_url: str,
    linked_local: LinkedLocal,
) -> None:
    shared_file = write_jpeg(tmp_path / "shared.jpg", 500, 400, seed=99)
    machines = {}
    for name, seeds in (("laptop", (1, 2)), ("desktop", (3,))):
        folder = tmp_path / f"{name}-photos"
        folder.mkdir()
        for seed in seeds:
            write_jpeg(folder / f"own_{seed}.jpg", 500, 400, seed=seed)
        shutil.copy(shared_file, folder / "shared.jpg")  # the same photo on both
        machines[name] = linked_local(folder, name)
    laptop, desktop = machines["laptop"], machines["desktop"]
    shared = next(
        row["hothash"]
        for row in fetch(catalog_dsn(laptop), "SELECT hothash FROM photos")
        if row["hothash"]
        in {r["hothash"] for r in fetch(catalog_dsn(desktop), "SELECT hothash FROM photos")}
    )

    assert laptop.request("PATCH", f"/api/photos/{shared}", {"rating": 3})[0] == 200
    assert desktop.request("PATCH", f"/api/photos/{shared}", {"tags": ["desk"]})[0] == 200
    sync_now(laptop)
    sync_now(desktop)
    rows = fetch(central_database_url, "SELECT hothash, rating, tags FROM photos")
    assert len(rows) == 4  # two of the laptop's own, one of the desktop's, one shared
    by_hash = {row["hothash"]: (row["rating"], row["tags"]) for row in rows}
    assert by_hash[shared] == (3, ["desk"])
    files = fetch(
        central_database_url,
        "SELECT f.origin FROM image_files f JOIN photos p ON p.id = f.photo_id "
        "WHERE p.hothash = $1",
        shared,
    )
    assert sorted(str(f["origin"]) for f in files) == sorted(
        installation_id(m) for m in (laptop, desktop)
    )

    # The desktop rates later than the laptop did: its rating wins, and a later push of
    # the laptop (whose rating edit is older) does not take it back.
    assert desktop.request("PATCH", f"/api/photos/{shared}", {"rating": 1})[0] == 200
    sync_now(desktop)
    assert laptop.request("PATCH", f"/api/photos/{shared}", {"tags": ["lap"]})[0] == 200
    sync_now(laptop)
    row = fetch(central_database_url, "SELECT rating, tags FROM photos WHERE hothash = $1", shared)
    assert (row[0]["rating"], row[0]["tags"]) == (1, ["lap"])

    # The laptop empties the photo from its trash: central keeps it for the desktop.
    assert laptop.request("POST", f"/api/photos/{shared}/delete")[0] == 200
    assert laptop.request("POST", "/api/photos/empty-trash")[0] == 200
    sync_now(laptop)
    files = fetch(
        central_database_url,
        "SELECT f.origin FROM image_files f JOIN photos p ON p.id = f.photo_id "
        "WHERE p.hothash = $1",
        shared,
    )
    assert [str(f["origin"]) for f in files] == [installation_id(desktop)]


def test_a_coldpreview_central_refuses_does_not_stop_the_push(
    tmp_path: Path,
    central: DaemonProcess,
    central_database_url: str,
    linked_local: LinkedLocal,
) -> None:
    local = linked_local(new_photos(tmp_path / "photos", 3))
    damaged, path = fetch(catalog_dsn(local), "SELECT hothash, coldpreview_path FROM photos")[0]
    (local.paths.coldpreviews / path).write_bytes(b"not a JPEG at all")

    run = sync_now(local)
    assert [(r["hothash"], r["reason"].split(":")[0]) for r in run["refused"]] == [
        (damaged, "coldpreview refused")
    ]
    assert run["coldpreviews_sent"] == 2
    assert run["error_kind"] == "refused_photos"
    assert "did not take 1 photo;" in run["error_message"]
    rows = fetch(central_database_url, "SELECT hothash, coldpreview_path FROM photos")
    assert {row["hothash"]: row["coldpreview_path"] is None for row in rows} == {
        row["hothash"]: row["hothash"] == damaged for row in rows
    }
    assert len(rows) == 3


def test_a_photo_whose_hotpreview_was_tampered_with_is_refused_alone(
    tmp_path: Path,
    central: DaemonProcess,
    central_database_url: str,
    linked_local: LinkedLocal,
) -> None:
    local = linked_local(new_photos(tmp_path / "photos", 3))
    tampered = fetch(catalog_dsn(local), "SELECT hothash FROM photos")[0]["hothash"]
    other = base64.b64encode(jpeg_bytes(photo_like(150, 150, seed=5))).decode()
    execute(
        catalog_dsn(local),
        "UPDATE photos SET hotpreview_b64 = $2 WHERE hothash = $1",
        tampered,
        other,
    )

    run = sync_now(local)
    assert [r["hothash"] for r in run["refused"]] == [tampered]
    on_central = {r["hothash"] for r in fetch(central_database_url, "SELECT hothash FROM photos")}
    assert len(on_central) == 2
    assert tampered not in on_central


def test_a_wrong_or_borrowed_token_fails_the_push_with_its_reason(
    tmp_path: Path,
    central: DaemonProcess,
    make_local: MakeLocal,
    machine_token: MachineToken,
) -> None:
    laptop, desktop = make_local("laptop"), make_local("desktop")
    token = machine_token(central, "laptop")
    add_target(laptop, central, token)
    sync_now(laptop)  # the token is the laptop's from now on
    add_target(desktop, central, token)
    borrowed = wait_run(desktop, start_sync(desktop)["id"])
    assert borrowed["state"] == "failed"
    assert "(403)" in borrowed["error"]

    status, targets = desktop.request("GET", "/api/sync/targets")
    assert status == 200
    assert desktop.request("DELETE", f"/api/sync/targets/{targets[0]['id']}")[0] == 204
    add_target(desktop, central, "hpm_" + "x" * 43)
    unknown = wait_run(desktop, start_sync(desktop)["id"])
    assert unknown["state"] == "failed"
    assert "(401)" in unknown["error"]
    _, status_body = desktop.request("GET", "/api/sync/status")
    assert "(401)" in status_body["targets"][0]["last_error"]


def test_the_commands_end_to_end(
    tmp_path: Path, central: DaemonProcess, make_local: MakeLocal
) -> None:
    local = make_local("laptop")
    register(local, new_photos(tmp_path / "photos", 2))
    on_central = ("--data-dir", str(central.data_dir))
    on_laptop = ("--data-dir", str(local.data_dir))

    made = cli("machines", "add", "Kjell's laptop", *on_central)
    assert made.returncode == 0, made.stderr
    token = next(word for word in made.stdout.split() if word.startswith("hpm_"))
    added = cli(
        "sync",
        "add-target",
        central.url,
        "--token",
        token,
        "--name",
        "Kjell's laptop",
        "--label",
        "home",
        *on_laptop,
    )
    assert added.returncode == 0, added.stderr
    assert "unencrypted" in added.stdout

    pushed = cli("sync", *on_laptop)
    assert pushed.returncode == 0, pushed.stderr
    assert "succeeded" in pushed.stdout
    assert "previews      2 of 2" in pushed.stdout
    assert "photos        2 of 2 photos" in pushed.stdout
    targets = cli("sync", "targets", *on_laptop)
    assert targets.returncode == 0, targets.stderr
    assert targets.stdout.splitlines()[1].split()[:3] == ["home", central.url, "unencrypted"]
    listed = cli("machines", "list", *on_central)
    assert "Kjell's laptop  active  Kjell's laptop" in listed.stdout

    assert cli("machines", "revoke", "Kjell's laptop", *on_central).returncode == 0
    refused = cli("sync", "--target", "home", *on_laptop)
    assert refused.returncode == 1
    assert "(401)" in refused.stdout + refused.stderr
    public = cli("sync", "add-target", "http://8.8.8.8:8000", "--token", token, *on_laptop)
    assert public.returncode == 1
    assert "plain http to a public address" in public.stderr
