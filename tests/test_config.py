"""Settings resolve defaults, then environment, then flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.config import ConfigError, Mode, is_loopback, load_settings


def test_defaults_are_local_loopback_8000(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, env={})
    assert settings.mode is Mode.LOCAL
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.embedded_database
    assert settings.paths.pgdata == tmp_path / "pgdata"
    assert settings.coldpreview_dir == tmp_path / "coldpreviews"
    assert settings.url == "http://127.0.0.1:8000"


def test_platform_data_dir_when_nothing_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/xdg")
    settings = load_settings(env={})
    assert settings.data_dir == Path("/srv/xdg/hotprevue")


def test_environment_overrides_defaults(tmp_path: Path) -> None:
    env = {
        "HOTPREVUE_DATA_DIR": str(tmp_path / "d"),
        "DATABASE_URL": "postgresql://u@db/x",
        "COLDPREVIEW_DIR": str(tmp_path / "cold"),
        "HOTPREVUE_PORT": "9001",
    }
    settings = load_settings(env=env)
    assert settings.data_dir == tmp_path / "d"
    assert settings.database_url == "postgresql://u@db/x"
    assert not settings.embedded_database
    assert settings.coldpreview_dir == tmp_path / "cold"
    assert settings.port == 9001


def test_flags_win_over_environment(tmp_path: Path) -> None:
    env = {"HOTPREVUE_DATA_DIR": str(tmp_path / "env"), "HOTPREVUE_PORT": "9001"}
    settings = load_settings(data_dir=tmp_path / "flag", port=9002, env=env)
    assert settings.data_dir == tmp_path / "flag"
    assert settings.port == 9002


def test_central_mode_requires_database_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings(central=True, data_dir=tmp_path, env={})
    settings = load_settings(
        central=True, data_dir=tmp_path, env={"DATABASE_URL": "postgresql://x"}
    )
    assert settings.mode is Mode.CENTRAL
    assert settings.host == "0.0.0.0"
    assert settings.url == "http://127.0.0.1:8000"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_local_mode_refuses_non_loopback_binds(tmp_path: Path, host: str) -> None:
    with pytest.raises(ConfigError, match="--central"):
        load_settings(data_dir=tmp_path, host=host, env={})


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("evil.test", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_bad_numbers_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HOTPREVUE_PORT"):
        load_settings(data_dir=tmp_path, env={"HOTPREVUE_PORT": "eighty"})
    with pytest.raises(ConfigError, match="out of range"):
        load_settings(data_dir=tmp_path, port=70000, env={})
    for delay in ("soon", "-1"):
        with pytest.raises(ConfigError, match="HOTPREVUE_TEST_COMMIT_DELAY"):
            load_settings(data_dir=tmp_path, env={"HOTPREVUE_TEST_COMMIT_DELAY": delay})
    delayed = load_settings(data_dir=tmp_path, env={"HOTPREVUE_TEST_COMMIT_DELAY": "2"})
    assert delayed.test_commit_delay == 2.0


def test_an_api_key_from_the_environment_replaces_the_file(tmp_path: Path) -> None:
    key = "k" * 32
    settings = load_settings(data_dir=tmp_path, env={"HOTPREVUE_API_KEY": key})
    assert settings.api_key == key
    assert key not in repr(settings)
    # Blank, as a compose file passes an unset variable through: the file decides.
    assert load_settings(data_dir=tmp_path, env={"HOTPREVUE_API_KEY": ""}).api_key is None
    assert load_settings(data_dir=tmp_path, env={}).api_key is None


@pytest.mark.parametrize("key", ["k" * 31, "k" * 31 + " ", "k" * 31 + "\n", "k" * 31 + "æ"])
def test_a_weak_or_unsendable_api_key_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match="HOTPREVUE_API_KEY must be at least 32"):
        load_settings(data_dir=tmp_path, env={"HOTPREVUE_API_KEY": key})
