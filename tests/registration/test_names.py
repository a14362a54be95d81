"""Odd file names never stop a session; the same folder, however spelled, registers once."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import psutil
import pytest
from PIL import Image

from daemon.imaging.grouping import FileGroup, FileRef
from daemon.imaging.hothash import Previews
from daemon.imaging.previews import make_previews
from daemon.registration import storing
from daemon.store import input_sessions as sessions_store
from daemon.store import photographers as photographers_store
from daemon.store import registration as registration_store
from daemon.store.base import Conn
from tests.support.app import Client
from tests.support.daemon_process import DaemonProcess, clean_env, cli
from tests.support.factories import register
from tests.support.images import photo_like, write_jpeg

GOOD_PHOTOS = 150  # more than two of the job's chunks of 64, as in the report
# Valid Unicode, so registered as they are: every byte of each name kept.
HOSTILE_NAMES = [
    "new\nline.jpg",
    "tab\there.jpg",
    "cr\rreturn.jpg",
    "esc\x1b[31mred\x1b]0;title\x07.jpg",
    "del\x7f.jpg",
    "c1 csi\u009b31m.jpg",
    "rlo \u202egpj.jpg",
    "zero\u200bwidth and \ufeffbom.jpg",
    "quotes ' and \" and `.jpg",
    "back\\slash\\.jpg",
    "100% %s %n %2F%00 %%.jpg",
    "$(touch pwned); rm -rf ~.jpg",
    "[bold]markup[/bold] <b>&amp;</b>.jpg",
    "star * question ? pipe |.jpg",
    " leading and trailing spaces .jpg",
    "-dash-first.jpg",
    "camera 📷 sunrise 🌄.jpg",
    "family 👨\u200d👩\u200d👧.jpg",
    "a" * 251 + ".jpg",  # 255 bytes, the longest name most filesystems allow
    "é" * 125 + ".jpg",  # 254 bytes in 129 characters
    "📷" * 62 + ".jpg",  # 252 bytes
    "日本語の写真.jpg",
]
# Not valid UTF-8: each is reported as its own error, shown with \x escapes.
UNDECODABLE_NAMES = [
    b"P02075x\xff.jpg",
    b"caf\xe9 latin-1.jpg",
    b"bad sequence \xc3\x28.heic",
    b"encoded surrogate \xed\xa0\x80.png",
    b"overlong slash \xc0\xaf.jpg",
]


def bytes_path(folder: Path, name: bytes) -> Path:
    """A path whose last part is exactly these bytes (Python carries them as surrogates)."""
    return folder / os.fsdecode(name)


def shown(folder: Path, name: bytes) -> str:
    """How the catalog shows an undecodable name: each bad byte as \\xNN."""
    text = "".join(chr(b) if b < 0x80 else f"\\x{b:02x}" for b in name)
    return f"{folder}/{text}"


def write_overflowing_exif(path: Path) -> None:
    """A JPEG whose EXIF holds numbers no column can hold (DOUBLE tags are allowed)."""
    exif = Image.Exif()
    exif[0x010F] = "Make\x00with a NUL"
    sub = exif.get_ifd(0x8769)
    sub[0x829D] = 1e300  # FNumber
    sub[0x920A] = 3e39  # FocalLength, beyond a float4
    photo_like(96, 64, 9_999).save(path, "JPEG", exif=exif.tobytes())


async def rows(pool: asyncpg.Pool, sql: str, *args: Any) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(await conn.fetch(sql, *args))


async def errors_of(client: Client, session: dict[str, Any]) -> dict[str, str]:
    response = await client.get(f"/api/input-sessions/{session['id']}/errors?limit=100")
    assert response.status_code == 200, response.text
    return {e["file_path"]: e["error"] for e in response.json()}


async def test_odd_names_are_registered_or_reported_and_never_stop_a_session(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    folder = tmp_path / "card"
    for i in range(GOOD_PHOTOS):
        write_jpeg(folder / f"P{i:05}.jpg", 96, 64, seed=i)
    for i, name in enumerate(HOSTILE_NAMES):
        write_jpeg(folder / name, 96, 64, seed=1_000 + i)
    # The same word in both Unicode forms: two names, kept as written (never normalised).
    nfc, nfd = unicodedata.normalize("NFC", "café.jpg"), unicodedata.normalize("NFD", "café.jpg")
    write_jpeg(folder / "nfc" / nfc, 96, 64, seed=2_000)
    write_jpeg(folder / "nfd" / nfd, 96, 64, seed=2_001)
    write_overflowing_exif(folder / "exif overflow.jpg")
    for i, raw in enumerate(UNDECODABLE_NAMES):
        write_jpeg(bytes_path(folder, raw), 96, 64, seed=3_000 + i)
    bytes_path(folder, b"notes\xff.txt").write_text("not a photo: ignored, no error")
    write_jpeg(bytes_path(folder, b"roll\xfe") / "inside.jpg", 96, 64, seed=4_000)

    expected = {str(folder / f"P{i:05}.jpg") for i in range(GOOD_PHOTOS)}
    expected |= {str(folder / name) for name in HOSTILE_NAMES}
    expected |= {str(folder / "nfc" / nfc), str(folder / "nfd" / nfd)}
    expected.add(str(folder / "exif overflow.jpg"))
    listed = {entry.name for entry in os.scandir(folder / "nfd")}
    assert listed == {nfd}, "the filesystem keeps the form it was given"

    session = await register(client, folder)
    assert session["status"] == "completed", session["failure"]
    assert session["failure"] is None
    assert session["photo_count"] == len(expected)
    assert session["duplicate_count"] == 0
    assert session["files_ignored"] == 1
    assert session["groups_done"] == session["groups_total"] == len(expected)
    stored = {r["file_path"] for r in await rows(pool, "SELECT file_path FROM image_files")}
    assert stored == expected
    for path in stored:  # every stored path still opens its file, byte for byte the name
        assert Path(path).is_file(), path

    errors = await errors_of(client, session)
    undecodable = {shown(folder, raw) for raw in UNDECODABLE_NAMES}
    assert set(errors) == undecodable | {shown(folder, b"roll\xfe")}
    assert f"{folder}/P02075x\\xff.jpg" in errors
    assert all("not valid Unicode" in error for error in errors.values())
    assert session["error_count"] == len(errors)

    # Corrupt EXIF numbers are dropped, never a reason to lose the photo.
    (overflow,) = await rows(
        pool,
        "SELECT p.aperture, p.focal_length, p.camera_make FROM photos p "
        "JOIN image_files f ON f.photo_id = p.id WHERE f.file_path = $1",
        str(folder / "exif overflow.jpg"),
    )
    assert (overflow["aperture"], overflow["focal_length"]) == (None, None)
    assert overflow["camera_make"] == "Makewith a NUL"

    again = await register(client, folder)
    assert again["status"] == "completed", again["failure"]
    assert (again["photo_count"], again["duplicate_count"]) == (0, 0)
    assert again["already_registered_count"] == len(expected)
    assert set(await errors_of(client, again)) == set(errors)


def _good_previews(tmp_path: Path, seed: int) -> Previews:
    path = write_jpeg(tmp_path / f"source-{seed}.jpg", 96, 64, seed=seed)
    return make_previews(path, coldpreview_max_px=200, quality=80)


async def _session_defaults(conn: Conn) -> storing.PhotoDefaults:
    await photographers_store.ensure_special(conn)  # what the daemon does at start-up
    photographer = (await photographers_store.get_default(conn)).id
    session = await sessions_store.insert(
        conn,
        name="direct",
        source_path="/photos",
        recursive=True,
        photographer_id=photographer,
        event_id=None,
    )
    return storing.PhotoDefaults(session_id=session.id, photographer_id=photographer, event_id=None)


async def test_a_value_postgres_refuses_fails_that_file_alone(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    good = [_good_previews(tmp_path, seed) for seed in (1, 2)]
    base = [_good_previews(tmp_path, seed) for seed in (3, 4, 5, 6)]
    refused = [
        msgspec.structs.replace(
            base[0], fields=msgspec.structs.replace(base[0].fields, aperture=1e300)
        ),
        msgspec.structs.replace(
            base[1], fields=msgspec.structs.replace(base[1].fields, camera_make="a\x00b")
        ),
        msgspec.structs.replace(base[2], exif_data={"image": {"Artist": "lone \udcff"}}),
        msgspec.structs.replace(base[3], exif_data={"image": {"Artist": "nul \x00"}}),
    ]
    order = [good[0], *refused, good[1]]
    async with pool.acquire() as conn:
        defaults = await _session_defaults(conn)
        outcomes = storing.Outcomes(groups=len(order))
        async with conn.transaction():
            results = [
                await storing.store_group(
                    conn,
                    defaults,
                    FileGroup(FileRef(f"/photos/{i}.jpg", "JPEG")),
                    previews,
                    outcomes,
                )
                for i, previews in enumerate(order)
            ]
            # An error whose own text cannot be stored is kept, escaped.
            outcomes.errors.append(("/photos/odd\udcff.jpg", "says \x00 and \udcfe"))
            await storing.add_outcomes(conn, defaults.session_id, outcomes)
        assert results == [True, False, False, False, False, True]
        assert outcomes.registered == 2
        failed = {path for path, _ in outcomes.errors}
        assert failed == {f"/photos/{i}.jpg" for i in (1, 2, 3, 4)} | {"/photos/odd\udcff.jpg"}
        assert all("cannot be stored" in error for _, error in outcomes.errors[:4])
        known = await registration_store.known_paths(
            conn, [f"/photos/{i}.jpg" for i in range(len(order))]
        )
        assert set(known) == {"/photos/0.jpg", "/photos/5.jpg"}
        stored = await conn.fetch(
            "SELECT file_path, error FROM session_errors WHERE session_id = $1",
            defaults.session_id,
        )
        assert ("/photos/odd\\xff.jpg", "says \\x00 and \\xfe") in {tuple(r) for r in stored}
        assert len(stored) == 5


async def test_one_folder_however_spelled_registers_once(
    client: Client, pool: asyncpg.Pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "library" / "2024"
    for i in range(4):
        write_jpeg(real / f"IMG_{i}.jpg", 96, 64, seed=i)
    write_jpeg(real / "june" / "deep.jpg", 96, 64, seed=10)
    real = real.resolve()
    (tmp_path / "link").symlink_to(real)
    (tmp_path / "link-to-link").symlink_to(tmp_path / "link")
    (tmp_path / "relative-link").symlink_to(Path("library") / "2024")
    (tmp_path / "parent-link").symlink_to(tmp_path / "library")
    monkeypatch.setenv("HOME", str(tmp_path))

    # The first registration goes through a symlinked parent and a trailing slash.
    first = await register(client, real, source_path=f"{tmp_path}/parent-link/2024/")
    assert (first["status"], first["photo_count"]) == ("completed", 5)
    assert first["source_path"] == str(real)
    paths = {r["file_path"] for r in await rows(pool, "SELECT file_path FROM image_files")}
    assert all(path.startswith(f"{real}/") for path in paths)

    spellings = [
        str(real),
        f"{real}/",
        f"{real}//",
        f"{real}/.",
        f"{real}/./",
        f"{real}/../2024",
        f"{real}/june/..",
        f"/{real}",
        f"//{real}",
        f"///{real}",
        f"{tmp_path}//library///2024",
        f"{tmp_path}/link",
        f"{tmp_path}/link/",
        f"{tmp_path}/link-to-link",
        f"{tmp_path}/relative-link",
        f"{tmp_path}/parent-link/2024",
        f"{tmp_path}/parent-link/../library/2024",
        "~/library/2024",
        "~/link/",
    ]
    for spelling in spellings:
        again = await register(client, real, source_path=spelling)
        assert again["status"] == "completed", (spelling, again["failure"])
        assert again["source_path"] == str(real), spelling
        counts = (again["photo_count"], again["duplicate_count"], again["already_registered_count"])
        assert counts == (0, 0, 5), spelling
    assert len(await rows(pool, "SELECT 1 FROM image_files")) == 5
    assert await rows(pool, "SELECT file_path FROM duplicate_files") == []


async def test_symlinked_folders_are_not_followed_and_outside_ones_are_reported(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    write_jpeg(root / "top.jpg", 96, 64, seed=1)
    write_jpeg(root / "inside" / "a.jpg", 96, 64, seed=2)
    write_jpeg(tmp_path / "elsewhere" / "b.jpg", 96, 64, seed=3)
    (root / "inside-link").symlink_to(root / "inside")
    (root / "loop").symlink_to(root)
    (root / "inside" / "up").symlink_to(tmp_path)
    (root / "outside-link").symlink_to(tmp_path / "elsewhere")
    (root / "proc").symlink_to("/proc")
    root = root.resolve()

    session = await register(client, root)
    assert session["status"] == "completed"
    assert session["photo_count"] == 2
    stored = {r["file_path"] for r in await rows(pool, "SELECT file_path FROM image_files")}
    assert stored == {str(root / "top.jpg"), str(root / "inside" / "a.jpg")}
    errors = await errors_of(client, session)
    assert set(errors) == {
        str(root / "outside-link"),
        str(root / "proc"),
        str(root / "inside" / "up"),
    }
    assert all("symlinked folder not followed" in e for e in errors.values())
    assert str((tmp_path / "elsewhere").resolve()) in errors[str(root / "outside-link")]


def _pseudo_mount_points() -> list[str]:
    kinds = {"proc", "sysfs", "devtmpfs", "devfs", "devpts", "cgroup", "cgroup2", "mqueue"}
    return sorted({p.mountpoint for p in psutil.disk_partitions(all=True) if p.fstype in kinds})


async def test_pseudo_filesystems_are_refused(client: Client, tmp_path: Path) -> None:
    mounts = _pseudo_mount_points()
    assert mounts, "every supported system mounts at least one pseudo-filesystem"
    (tmp_path / "innocent").symlink_to(mounts[0])
    sources = [*mounts, f"{mounts[0]}/", f"//{mounts[0]}", str(tmp_path / "innocent")]
    if Path("/proc/self/root/proc").is_dir():
        sources += ["/proc/self/root/proc", "/proc/1"]
    for source in sources:
        response = await client.post(
            "/api/input-sessions", json={"name": "x", "source_path": source}
        )
        assert response.status_code == 422, (source, response.text)
        assert "pseudo-filesystem" in response.json()["detail"], source
    assert (await client.get("/api/input-sessions")).json() == []


async def test_unusable_spellings_are_422(client: Client, tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    (tmp_path / "file.txt").write_text("x")
    bytes_path(tmp_path, b"roll\xff").mkdir()
    (tmp_path / "fine-name").symlink_to(bytes_path(tmp_path, b"roll\xff"))
    cases = {
        str(tmp_path / "loop"): "cannot be read",
        str(tmp_path / "dangling"): "not found",
        str(tmp_path / "file.txt" / "below"): "not found",
        f"{tmp_path}/file.txt/": "not a folder",
        str(tmp_path / "file.txt"): "not a folder",
        str(tmp_path / "fine-name"): "roll\\xff",
        "~nosuchuser/photos": "no home folder",
        "photos/../..": "absolute",
    }
    for source, message in cases.items():
        response = await client.post(
            "/api/input-sessions", json={"name": "x", "source_path": source}
        )
        assert response.status_code == 422, (source, response.text)
        assert message in response.json()["detail"], (source, response.json())
    assert (await client.get("/api/input-sessions")).json() == []


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    started = DaemonProcess(tmp_path / "data")
    try:
        yield started
    finally:
        started.kill_all()


@pytest.mark.process
def test_register_command_prints_every_name_escaped(tmp_path: Path, daemon: DaemonProcess) -> None:
    title = "\x1b]0;pwned\x07"  # would retitle the terminal if printed raw
    folder = tmp_path / f"{title} [red]roll\u009b2J"
    write_jpeg(folder / "good.jpg", 96, 64, seed=1)
    (folder / f"{title}.jpg").write_text("not a photo")
    (folder / "c1 \u009b31m \u202egpj.jpg").write_text("not a photo either")
    write_jpeg(bytes_path(folder, b"P02075x\xff.jpg"), 96, 64, seed=2)
    daemon.start().wait_healthy()
    # Nothing may make rich colour a captured stream: then any ESC seen is a leak.
    env = {k: v for k, v in clean_env().items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env["COLUMNS"] = "1000"  # rich wraps a refusal at the terminal width

    result = cli("register", "--data-dir", str(daemon.data_dir), str(folder), env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\udcff"):
        assert raw not in output, repr(raw)
    assert "errors              3" in result.stdout
    shown_folder = "\\x1b]0;pwned\\x07 [red]roll\\x9b2J"
    assert f"Session '{shown_folder}'" in result.stdout
    assert shown_folder in result.stderr  # the progress bar: no markup taken from a name
    assert "\\x1b]0;pwned\\x07.jpg: " in result.stdout
    assert "c1 \\x9b31m \\u202egpj.jpg: " in result.stdout
    # Each error in words for photographers (the technical text is the API's detail).
    assert "P02075x\\xff.jpg: The name cannot be stored in the catalog" in result.stdout

    # The same name in a refusal goes to stderr through rich: escaped there too.
    missing = cli("register", "--data-dir", str(daemon.data_dir), f"{folder}-gone", env=env)
    assert missing.returncode == 1
    for raw in ("\x1b", "\x07", "\x9b"):
        assert raw not in missing.stderr, repr(raw)
    assert f"{shown_folder}-gone" in missing.stderr
