"""The smoke test of a built program, run here on this checkout's own `hotprevue`.

The built program is smoke-tested on release tags only; running the same steps on every
commit keeps the smoke test itself working (a DNG, a central from the same program).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import rawpy

from installers import smoke
from tests.support.images import BUNDLED_CORPUS

pytestmark = pytest.mark.process

PROGRAM = str(Path(sys.executable).with_name("hotprevue"))
SMOKE_PHOTOS = Path(smoke.__file__).with_name("smoke-photos")


def test_the_smoke_photos_hold_a_raw_that_libraw_decodes() -> None:
    (dng,) = SMOKE_PHOTOS.glob("*.dng")
    with rawpy.imread(str(dng)) as raw:
        assert raw.raw_image.shape == (320, 480)


def test_every_step_passes_on_the_source_program() -> None:
    photos = [BUNDLED_CORPUS / "heic", BUNDLED_CORPUS / "tiff", SMOKE_PHOTOS]
    report = smoke.smoke(PROGRAM, photos, tray=False)
    # Each folder added photos (the smoke test checks it), the DNG's folder among them.
    assert len(report.hothashes) >= len(photos)
    assert set(report.seconds) == {"first start to /health", "registration", "sync to central"}


def test_a_folder_that_registers_nothing_fails_the_smoke_test(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(SMOKE_PHOTOS / "README.md", empty)
    with pytest.raises(smoke.SmokeFailure, match="nothing registered from"):
        smoke.smoke(PROGRAM, [empty], tray=False)
