"""Status and the OpenAPI schema."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.config import Settings
from tests.support.app import Client


async def test_status_reports_the_catalog(client: Client, settings: Settings) -> None:
    body = (await client.get("/api/status")).json()
    assert body["mode"] == "local"
    assert body["pid"] == os.getpid()
    assert body["data_dir"] == str(settings.data_dir)
    assert body["database_size_bytes"] > 1_000_000
    assert body["photo_count"] == 0


async def test_openapi_documents_the_api(client: Client) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/health",
        "/api/settings",
        "/api/photographers",
        "/api/photographers/{photographer_id}",
        "/api/categories",
        "/api/categories/{category_id}",
        "/api/status",
    ):
        assert path in paths, path
    assert "Photographer" in str(schema["components"]["schemas"])


# Builds the app in a fresh interpreter and prints the document it serves: only a new
# process gets a new hash seed.
_SERVE_DOCUMENT = """
import sys, tempfile
from pathlib import Path
from litestar.testing import TestClient
from daemon.app import OPENAPI_PATH, create_app
from daemon.config import Mode, Settings
from daemon.security import API_KEY_HEADER
data = Path(tempfile.mkdtemp())
key = "k" * 40
settings = Settings(mode=Mode(sys.argv[1]), data_dir=data, host="127.0.0.1", port=8000,
    database_url=None, coldpreview_dir=data / "coldpreviews", api_key=key)
client = TestClient(create_app(settings), base_url="http://127.0.0.1:8000")
answer = client.get(OPENAPI_PATH + "/openapi.json", headers={API_KEY_HEADER: key})
answer.raise_for_status()
sys.stdout.buffer.write(answer.content)
"""


@pytest.mark.process
@pytest.mark.parametrize("mode", ["local", "central"])
def test_every_start_serves_the_same_openapi_document(mode: str, tmp_path: Path) -> None:
    # Without ordering, seeds 1, 3 and 6 give three different local documents (the two
    # health paths and the export's headers swap places).
    documents = {
        subprocess.run(
            [sys.executable, "-c", _SERVE_DOCUMENT, mode],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=tmp_path,
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
        for seed in ("1", "3", "6")
    }
    assert len(documents) == 1
    assert b'"/api/health"' in documents.pop()
