"""The app's shell and assets: which paths are pages, caching, and the security headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from daemon import ui_assets
from daemon.config import Settings
from daemon.security import API_KEY_HEADER, CONTENT_SECURITY_POLICY
from tests.support.app import Client

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def asset_base(shell: str) -> str:
    """The assets' folder the shell names."""
    match = re.search(r'src="(/ui/[0-9a-f]{12})/app\.js"', shell)
    assert match, shell
    return match[1]


@pytest.mark.parametrize("path", ["/", "/login", "/photo/" + "b" * 64, "/photo/nonsense", "/x/y"])
async def test_every_app_route_is_the_shell(anon_client: Client, path: str) -> None:
    response = await anon_client.get(path, headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert '<html lang="en" data-mode="local"' in response.text
    assert "%ASSETS%" not in response.text
    assert "%MODE%" not in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text  # no inline script: CSP would refuse it


@pytest.mark.parametrize(
    ("path", "accept"),
    [("/", "application/json"), ("/login", "*/*"), ("/api/nothing", HTML["Accept"])],
)
async def test_what_is_no_page_is_not_found(anon_client: Client, path: str, accept: str) -> None:
    response = await anon_client.get(path, headers={"Accept": accept})
    assert response.status_code in (401, 404), response.text
    assert "<html" not in response.text


async def test_assets_are_immutable_under_the_trees_hash(anon_client: Client) -> None:
    shell = (await anon_client.get("/", headers=HTML)).text
    base = asset_base(shell)
    app = await anon_client.get(f"{base}/app.js")
    assert app.status_code == 200
    assert app.headers["content-type"].startswith("text/javascript")
    assert app.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert app.content == (Path(ui_assets.__file__).parent / "ui" / "app.js").read_bytes()
    for wrong in (
        "/ui/000000000000/app.js",
        f"{base}/nothing.js",
        f"{base}/../../../daemon/app.py",
        f"{base}/%2e%2e/%2e%2e/pyproject.toml",
        f"{base}//etc/passwd",
        "/ui/app.js",
    ):
        response = await anon_client.get(wrong)
        assert response.status_code == 404, wrong


async def test_api_answers_carry_the_security_headers_even_when_refused(
    anon_client: Client, settings: Settings
) -> None:
    refused = await anon_client.get("/api/photos")
    assert refused.status_code == 401
    allowed = await anon_client.get(
        "/api/photos", headers={API_KEY_HEADER: settings.client_api_key()}
    )
    assert allowed.status_code == 200
    for response in (refused, allowed):
        assert response.headers["cross-origin-resource-policy"] == "same-origin"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "access-control-allow-origin" not in response.headers


def test_the_hash_follows_the_contents(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "index.html").write_bytes(b'<html data-mode="%MODE%"><script src="%ASSETS%/a.js">')
    (tmp_path / "vendor" / "a.js").write_bytes(b"export const a = 1;")
    (tmp_path / ".hidden.js").write_bytes(b"secret")
    (tmp_path / "notes.py").write_bytes(b"print()")
    first = ui_assets.load(tmp_path)
    assert set(first.files) == {"index.html", "vendor/a.js"}
    assert first.shell("central") == (
        f'<html data-mode="central"><script src="/ui/{first.version}/a.js">'.encode()
    )
    assert ui_assets.load(tmp_path).version == first.version
    (tmp_path / "vendor" / "a.js").write_bytes(b"export const a = 2;")
    assert ui_assets.load(tmp_path).version != first.version


def test_a_tree_without_its_shell_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("")
    with pytest.raises(FileNotFoundError, match=r"index\.html"):
        ui_assets.load(tmp_path)
