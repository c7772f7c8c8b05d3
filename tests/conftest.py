"""Fixtures shared by all test folders: a small real tmpfs for the disk-full tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _fill_disk(mnt: Path, leave: int) -> Path:
    st = os.statvfs(mnt)
    filler = mnt / "filler"
    filler.write_bytes(b"\0" * max(st.f_bavail * st.f_frsize - leave, 0))
    return filler


@pytest.fixture
def fill_disk() -> Callable[[Path, int], Path]:
    """``fill_disk(mnt, leave)`` fills the file system of ``mnt`` up to ``leave`` free bytes and
    returns the filler file (delete it to free the space)."""
    return _fill_disk


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``tmpfs("3m")`` mounts a tmpfs of that size under ``tmp_path`` and returns it; unmounted
    at teardown. Needs root and mount rights: the test is skipped elsewhere."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        mnt = tmp_path / f"disk{len(mounted)}"
        mnt.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                           capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        mounted.append(mnt)
        return mnt

    try:
        yield mount
    finally:
        for mnt in mounted:
            subprocess.run(["umount", "-l", str(mnt)], check=False)
