"""Faults during model and bundle saves: SIGKILL at random points, a full disk, pickles planted
where weights belong, corrupt files and manifests pointing at missing files.

What must hold (docs/reliability.md): each saved model or bundle is the old or the new one,
a failed save leaves the previous artefact intact and no temp files, nothing is unpickled.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parser.bundle import MANIFEST, BundleManifest, build_bundle
from parser.errors import ModelLoadError, UnsafeModelError

REPO = Path(__file__).resolve().parents[2]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Two saved tiny taggers with different weights (A and B), and an on-disk KG."""
    import torch

    from kg import ProductGraph
    from kg.schema import Node, NodeKind
    from parser.tagger.testing import tiny_tagger

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("saves")
    tagger = tiny_tagger()
    tagger.save(root / "A")
    with torch.no_grad():
        for p in tagger.model.parameters():
            p.add_(0.5)
    tagger.save(root / "B")
    with ProductGraph.open(root / "kg") as g:
        g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
    return {"root": root, "A": root / "A", "B": root / "B", "kg": root / "kg", "tagger": tagger}


def _temp_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp")
                  or (p.name.startswith(".") and p.name != ".lock"))


# -- SIGKILL ----------------------------------------------------------------------------------

_BUILD_LOOP = """
import sys
from parser.bundle import build_bundle
out, a, b, kg = sys.argv[1:5]
i = 0
while True:
    build_bundle(out, tagger=(a, b)[i % 2], kg=kg, force=True)
    print(i, flush=True)
    i += 1
"""


def test_sigkill_while_rebuilding_a_bundle_leaves_old_or_new(tiny, tmp_path):
    out = tmp_path / "bundle"
    want = {}
    for name in ("A", "B"):
        want[name] = BundleManifest.read(build_bundle(tmp_path / name, tagger=tiny[name],
                                                      kg=tiny["kg"])).checksums
    rng = random.Random(0)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", _BUILD_LOOP, str(out), str(tiny["A"]),
                                 str(tiny["B"]), str(tiny["kg"])], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = proc.stdout.readline()
            assert first, proc.stderr.read()[-3000:]
            time.sleep(rng.uniform(0, 0.15))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=30)
        assert out.is_dir(), "no bundle at all after the kill"
        manifest = BundleManifest.read(out)
        assert manifest.checksums in (want["A"], want["B"])
        for rel, digest in manifest.checksums.items():
            assert _sha(out / rel) == digest, rel


_SAVE_LOOP = """
import sys, torch
torch.set_num_threads(1)
from parser.tagger import Tagger
out, a, b = sys.argv[1:4]
taggers = [Tagger.from_pretrained(a), Tagger.from_pretrained(b)]
i = 0
while True:
    taggers[i % 2].save(out)
    print(i, flush=True)
    i += 1
"""


@pytest.mark.slow  # a subprocess importing torch: ~15-25 s on this machine
def test_sigkill_while_saving_a_tagger_never_loads_a_mix(tiny, tmp_path):
    """After a kill the folder loads as A or as B, or is refused as incomplete with a clear
    error (the weights checksum in kgqp.json). A silently mixed model must never load."""
    from parser.tagger import Tagger

    out = tmp_path / "tagger"
    shutil.copytree(tiny["A"], out)
    proc = subprocess.Popen([sys.executable, "-c", _SAVE_LOOP, str(out), str(tiny["A"]),
                             str(tiny["B"])], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline(), proc.stderr.read()[-3000:]
        time.sleep(random.Random(1).uniform(0, 0.2))
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    try:
        Tagger.from_pretrained(out)
    except ModelLoadError as err:
        assert "save" in str(err)  # says what to do
    else:
        # the same tensors as A or as B (a re-save may order the file's header differently,
        # so the bytes are not compared)
        assert any(_same_tensors(out / "model.safetensors", src / "model.safetensors")
                   for src in (tiny["A"], tiny["B"]))


def _same_tensors(a: Path, b: Path) -> bool:
    import torch
    from safetensors.torch import load_file

    x, y = load_file(str(a)), load_file(str(b))
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


def test_crash_after_the_weights_keeps_the_old_tagger(tiny, tmp_path, monkeypatch):
    """The on-disk state of a crash right after the weights were replaced, made deterministic
    by failing the next file write (save_tagger has no cleanup, so it equals a SIGKILL there)."""
    import parser.tagger.io as tio
    from parser.tagger import Tagger

    out = tmp_path / "tagger"
    shutil.copytree(tiny["A"], out)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("simulated crash")

    monkeypatch.setattr(tio, "atomic_write_json", crash)
    with pytest.raises(KeyboardInterrupt):
        Tagger.from_pretrained(tiny["B"]).save(out)
    monkeypatch.undo()
    Tagger.from_pretrained(out)  # old or new, loadable
    assert _sha(out / "model.safetensors") == _sha(tiny["A"] / "model.safetensors")


# -- disk full -------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmpfs):
    """A 3 MiB tmpfs (tests/conftest.py; skipped where it cannot be mounted)."""
    return tmpfs("3m")


def test_disk_full_during_tagger_save_keeps_the_old_one(tiny, small_disk, fill_disk):
    from parser.tagger import Tagger

    out = small_disk / "tagger"
    shutil.copytree(tiny["A"], out)
    before = {p.name: _sha(p) for p in out.iterdir()}
    filler = fill_disk(small_disk, leave=8 * 1024)
    with pytest.raises(Exception, match="No space left") as info:
        Tagger.from_pretrained(tiny["B"]).save(out)
    assert isinstance(info.value, OSError) or "SafetensorError" in type(info.value).__name__
    filler.unlink()
    assert {p.name: _sha(p) for p in out.iterdir()} == before
    assert _temp_leftovers(small_disk) == []
    Tagger.from_pretrained(out)


def test_disk_full_during_bundle_build_keeps_the_old_one(tiny, small_disk, fill_disk):
    out = small_disk / "bundle"
    build_bundle(out, tagger=tiny["A"], kg=tiny["kg"])
    before = BundleManifest.read(out).checksums
    filler = fill_disk(small_disk, leave=64 * 1024)
    with pytest.raises(OSError, match="No space left"):  # shutil.Error wraps the ENOSPC
        build_bundle(out, tagger=tiny["B"], kg=tiny["kg"], force=True)
    filler.unlink()
    assert BundleManifest.read(out).checksums == before
    assert _temp_leftovers(small_disk) == []


def test_disk_full_late_in_tagger_save_keeps_the_old_one(tiny, tmp_path, monkeypatch):
    import kg.io
    import parser.tagger.io as tio
    from parser.tagger import Tagger

    out = tmp_path / "tagger"
    shutil.copytree(tiny["A"], out)
    real = kg.io.atomic_write_text

    def full(target, text):
        if Path(target).name == "kgqp.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(target, text)

    monkeypatch.setattr(kg.io, "atomic_write_text", full)
    monkeypatch.setattr(tio, "atomic_write_text", full)
    with pytest.raises(OSError):
        Tagger.from_pretrained(tiny["B"]).save(out)
    monkeypatch.undo()
    Tagger.from_pretrained(out)
    assert _sha(out / "model.safetensors") == _sha(tiny["A"] / "model.safetensors")


# -- pickles, corrupt files, missing files ---------------------------------------------------

class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_planted_pickles_are_refused_and_never_run(tiny, tmp_path):
    from parser.pipeline import QueryParser
    from parser.tagger import Tagger

    marker = tmp_path / "PWNED"
    payload = pickle.dumps(_Evil(marker))
    d = tmp_path / "pickled"
    shutil.copytree(tiny["A"], d)
    (d / "model.safetensors").unlink()
    (d / "pytorch_model.bin").write_bytes(payload)
    with pytest.raises(UnsafeModelError, match="pickle"):
        Tagger.from_pretrained(d)
    (d / "pytorch_model.bin").unlink()
    (d / "model.safetensors").write_bytes(payload)  # a pickle under the safetensors name
    with pytest.raises(ModelLoadError, match=r"corrupt|checksum"):
        Tagger.from_pretrained(d)
    meta = json.loads((d / "kgqp.json").read_text())
    meta["weights_sha256"] = _sha(d / "model.safetensors")  # even with a matching checksum
    (d / "kgqp.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="truncated or corrupt"):
        Tagger.from_pretrained(d)
    bundle = build_bundle(tmp_path / "bundle", tagger=tiny["A"], kg=tiny["kg"])
    (bundle / "tagger" / "model.safetensors").write_bytes(payload)
    with pytest.raises(ModelLoadError, match="checksum"):
        QueryParser.from_pretrained(bundle)
    with pytest.raises(ModelLoadError):
        QueryParser.from_pretrained(bundle, verify=False)
    assert not marker.exists()


def test_corrupt_safetensors_header_is_a_clear_error(tiny, tmp_path):
    from parser.tagger import Tagger

    d = tmp_path / "corrupt"
    shutil.copytree(tiny["A"], d)
    data = bytearray((d / "model.safetensors").read_bytes())
    data[8:40] = b"{" * 32  # break the JSON header, keep the length
    (d / "model.safetensors").write_bytes(bytes(data))
    meta = json.loads((d / "kgqp.json").read_text())
    meta["weights_sha256"] = _sha(d / "model.safetensors")
    (d / "kgqp.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="truncated or corrupt"):
        Tagger.from_pretrained(d)
    (d / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelLoadError):
        Tagger.from_pretrained(d)


@pytest.mark.parametrize("change", [
    {"tagger": "nope"}, {"kg_path": "nope"}, {"kg_mode": "location", "kg_path": "/nonexistent"},
    {"checksums": {"tagger/gone.bin": "0" * 64}}, {"format_version": 99}, {"surprise": 1},
])
def test_bundle_manifest_pointing_at_missing_files(tiny, tmp_path, change):
    from parser.pipeline import QueryParser

    bundle = build_bundle(tmp_path / "bundle", tagger=tiny["A"], kg=tiny["kg"])
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest.update(change)
    (bundle / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError) as info:
        QueryParser.from_pretrained(bundle)
    assert str(bundle) in str(info.value) or "bundle" in str(info.value)


def test_tagger_config_pointing_at_missing_files(tiny, tmp_path):
    from parser.tagger import Tagger

    for missing in ("config.json", "kgqp.json", "tokenizer.json"):
        d = tmp_path / missing
        shutil.copytree(tiny["A"], d)
        (d / missing).unlink()
        if missing == "tokenizer.json":
            (d / "vocab.txt").unlink()
        with pytest.raises(ModelLoadError, match=missing.split(".")[0]):
            Tagger.from_pretrained(d)
