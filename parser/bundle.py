"""Model bundles: one directory with everything :class:`parser.QueryParser` needs.

Layout::

    bundle/
      kgqp-bundle.json   manifest: format, versions, parser config, KG location, checksums
      tagger/            the tagger folder (config.json, model.safetensors, tokenizer, ONNX)
      fusion/            the fusion model folder (optional), trained on this tagger's
                         embeddings and this parser's links (``kgqp fusion train --tagger``)
      kg/                a snapshot of the KG (kg.mode == "snapshot"), or the manifest names
                         the KG directory to use (kg.mode == "location")
      rules.txt          query rewrite rules (optional; edited by users, reloaded on change)
      markets/<name>/    LoRA adapters of other markets (optional; ``kgqp tagger train
                         --adapter``), loaded on ONE copy of their base: ``parser(q, market=...)``

Checksums (SHA-256) cover the tagger and fusion files: a changed or truncated weight file is
reported at load time, before anything is parsed. The KG is not checksummed: it is meant to be
updated (``kgqp kg load``, ``POST /kg/update``).

Example:
    >>> BundleManifest(tagger="tagger").format_version
    1
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kg.io import atomic_write_json, fsync_dir, replace_dir, sha256_file
from kg.store import redact_url
from parser.config import ParserConfig
from parser.errors import ConfigError, ModelLoadError, ModelNotFoundError
from parser.tagger.embed import TAGGER_ENCODER_PREFIX, tagger_fingerprint

if TYPE_CHECKING:
    from kg import ProductGraph

_P = TypeVar("_P")

logger = logging.getLogger(__name__)

__all__ = ["MANIFEST", "BundleManifest", "build_bundle", "load_bundle"]

MANIFEST = "kgqp-bundle.json"
_FORMAT_VERSION = 1


@dataclass(slots=True)
class BundleManifest:
    """The bundle's ``kgqp-bundle.json``."""

    tagger: str
    fusion: str | None = None
    kg_mode: str = "snapshot"  # "snapshot" (bundle/kg) or "location" (kg_path)
    kg_path: str = "kg"
    rules: str | None = None
    # fields of bundles built before fusion was trained on its tagger's spans and links, kept so
    # their manifests still parse: a separate text encoder is refused at load, a fused head
    # file is no longer read (rebuild such bundles: their fusion models saw other inputs)
    text_encoder: str | None = None
    text_encoder_int8: bool = False
    fusion_head: str | None = None
    linker: dict[str, Any] = field(default_factory=dict)  # kg.link.LinkerConfig settings
    # fusion.expand.Thresholds (calibrated by `kgqp fusion evaluate --cv`) and
    # fusion.expand.ExpansionConfig settings; empty: the defaults
    thresholds: dict[str, Any] = field(default_factory=dict)
    expansion: dict[str, Any] = field(default_factory=dict)
    parser: dict[str, Any] = field(default_factory=dict)
    markets: dict[str, str] = field(default_factory=dict)  # market -> adapter folder
    checksums: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    created: str = ""
    format_version: int = _FORMAT_VERSION

    def kg_at(self, bundle: Path) -> str | Path:
        """Where the KG of the bundle at ``bundle`` is: its own ``kg/`` folder (a snapshot),
        else ``kg_path``: a KG server's URL (:func:`kg.store.location`), an absolute folder,
        or a folder relative to the bundle (``"../kg"``: what :func:`build_bundle` records
        for a KG beside the bundle, as in the quickstart home, so that a copy of the home
        reads its own KG, not the original's).

        >>> m = BundleManifest(tagger="tagger", kg_mode="location", kg_path="../kg")
        >>> m.kg_at(Path("/copy/of/home/bundle")).as_posix()
        '/copy/of/home/kg'
        >>> m.kg_path = "/srv/kg"; m.kg_at(Path("/copy/of/home/bundle")).as_posix()
        '/srv/kg'
        """
        if self.kg_mode == "snapshot":
            return Path(bundle) / self.kg_path
        from kg.store import location

        server = location(self.kg_path)
        if isinstance(server, str):
            return server
        path = Path(self.kg_path)
        # (relative: to the bundle, ".." read as the OS reads it, after the bundle's symlinks)
        return path if path.is_absolute() else (Path(bundle) / path).resolve()

    @classmethod
    def read(cls, bundle: Path) -> BundleManifest:
        path = bundle / MANIFEST
        if not bundle.exists():
            raise ModelNotFoundError(f"bundle directory {bundle} does not exist")
        if not path.is_file():
            raise ModelLoadError(
                f"{bundle} is not a kgqp bundle: {MANIFEST} is missing (build one with "
                "`kgqp bundle build` or `kgqp quickstart`)"
            )
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**raw)
        except (ValueError, TypeError) as exc:
            raise ModelLoadError(f"{path} is not a valid bundle manifest: {exc}") from exc
        if manifest.format_version != _FORMAT_VERSION:
            raise ModelLoadError(
                f"{path} has bundle format {manifest.format_version}; this kgqp reads format "
                f"{_FORMAT_VERSION}: rebuild the bundle with this version"
            )
        return manifest


def _checksums(root: Path, parts: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts:
        base = root / part
        for p in sorted(base.rglob("*")):
            if p.is_file() and "checkpoint" not in p.relative_to(base).parts:
                out[p.relative_to(root).as_posix()] = sha256_file(p)
    return out


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("kgqp", "torch", "transformers", "pyoxigraph", "torch-geometric", "onnxruntime"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def build_bundle(out: str | Path, *, tagger: str | Path, kg: str | Path,
                 fusion: str | Path | None = None, rules: str | Path | None = None,
                 kg_mode: str = "snapshot", parser_config: dict[str, Any] | None = None,
                 linker_config: dict[str, Any] | None = None,
                 thresholds: dict[str, Any] | None = None,
                 expansion: dict[str, Any] | None = None,
                 markets: dict[str, str | Path] | None = None, force: bool = False) -> Path:
    """Assemble a bundle from trained parts; returns the bundle path.

    The bundle is written to a temporary directory beside ``out`` and renamed into place, so an
    interrupted build leaves no half bundle. ``kg_mode="snapshot"`` copies the KG directory
    (it must not be open for writing elsewhere); ``"location"`` records its path: relative to
    the bundle (``"../kg"``) when the KG lies in the bundle's parent folder (the quickstart
    home: a copy of the folder then reads the copy's KG), else absolute.
    ``linker_config`` (:class:`kg.link.LinkerConfig` settings, e.g. a ``label_kinds`` map for
    your own tagger labels) is recorded in the manifest and used by the parser's linker.
    ``thresholds`` (:class:`fusion.expand.Thresholds`; default: the fusion model's
    ``thresholds.json``, written by ``kgqp fusion evaluate --cv --save-thresholds``) and
    ``expansion`` (:class:`fusion.expand.ExpansionConfig` settings) go to the manifest too.
    ``markets`` maps market names to LoRA adapter folders (``kgqp tagger train --adapter``),
    copied under ``markets/``; a parse picks one with ``parser(query, market=...)``.
    """

    out = Path(out)
    if out.exists() and not force:
        raise ConfigError(f"{out} exists: pass force=True (--force) to replace it")
    if kg_mode not in ("snapshot", "location"):
        raise ConfigError(f"kg_mode must be 'snapshot' or 'location', got {kg_mode!r}")
    from kg.store import location

    server = location(kg)
    if isinstance(server, str) and kg_mode != "location":
        raise ConfigError(f"a KG on a SPARQL server ({redact_url(server)}) can only be "
                          "recorded as a "
                          "location: pass kg_mode='location' (--kg-mode location)")
    tagger, kg = Path(tagger), Path(kg)
    for what, p in (("tagger", tagger), ("KG", kg)):
        if what == "KG" and isinstance(server, str):
            continue
        if not p.is_dir():
            raise ConfigError(f"the {what} directory {p} does not exist")
    if not (tagger / "config.json").is_file() or not (tagger / "model.safetensors").is_file():
        # (an ONNX export alone is not enough: every loader reads model.safetensors too)
        raise ConfigError(f"{tagger} is not a tagger folder (no config.json and "
                          "model.safetensors): give one written by `kgqp tagger train`")
    if kg_mode == "location" and not isinstance(server, str) and out.exists() \
            and kg.resolve().is_relative_to(out.resolve()):
        # the bundle folder is replaced whole: a KG recorded by location inside it would go
        raise ConfigError(f"the KG {kg} lies inside the bundle {out} being replaced: build "
                          "with --kg-mode snapshot, or move the KG out of the bundle first")
    if (tagger / "model.safetensors").is_file():
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(str(tagger / "model.safetensors"), "np") as weights:
                weights.keys()
        except (SafetensorError, OSError) as exc:
            raise ConfigError(f"{tagger / 'model.safetensors'} is truncated or corrupt "
                              f"({exc}): train or copy the tagger again") from None
    if not isinstance(server, str) and not (kg / "store").is_dir():
        raise ConfigError(f"{kg} is not a KG directory (no store/): give one written by "
                          "`kgqp kg build-default` or `kgqp kg load`")
    if rules is not None:
        rules = Path(rules)
        if not rules.is_file():
            raise ConfigError(f"--rules {rules}: " + ("a directory; give the rules file"
                                                      if rules.is_dir() else "no such file"))
        from fusion.errors import RuleSyntaxError
        from fusion.rules import RuleSet

        try:
            RuleSet.parse(rules.read_text(encoding="utf-8"), path=rules.name)
        except (RuleSyntaxError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--rules {rules}: {exc}") from None
    if fusion is not None and not Path(fusion).is_dir():
        raise ConfigError(f"the fusion directory {fusion} does not exist")
    from parser.tagger.adapters import AdapterConfig, _read_adapter, is_adapter

    bases: dict[tuple[Any, Any], list[str]] = {}
    for market, folder in (markets or {}).items():
        AdapterConfig(market=market)  # a valid name (it becomes a folder name)
        if not is_adapter(folder):
            raise ConfigError(f"market {market}: {folder} is not an adapter folder: train one "
                              "with `kgqp tagger train --adapter MARKET`")
        try:
            base = _read_adapter(Path(folder))[1]
        except ModelLoadError as exc:
            raise ConfigError(f"market {market}: {exc}") from None
        bases.setdefault((base.get("weights_sha256"), base.get("num_layers")), []).append(market)
    if len(bases) > 1:  # they load on one copy of their base, or not at all
        raise ConfigError("the market adapters were trained on different bases (weights or "
                          "layers kept): " + "; ".join(
                              f"{', '.join(ms)} on one" for ms in bases.values())
                          + ": train them on one base, or build one bundle per base")
    config = ParserConfig.from_dict(parser_config or {})
    if linker_config:
        from kg.link import LinkerConfig

        try:
            LinkerConfig.from_json(linker_config)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid linker settings: {exc}") from None
    if fusion is not None:
        _check_fusion_tagger(_fusion_encoder_name(Path(fusion)), Path(fusion), tagger)
        if thresholds is None and (Path(fusion) / "thresholds.json").is_file():
            thresholds = json.loads((Path(fusion) / "thresholds.json").read_text("utf-8"))
    _expansion_settings(thresholds or {}, expansion or {})  # refuse bad settings now
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_builds(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (tmp / _BUILD_MARK).write_text(f"{socket.gethostname()} {os.getpid()}",
                                       encoding="utf-8")
        shutil.copytree(tagger, tmp / "tagger", ignore=shutil.ignore_patterns("checkpoint"))
        if fusion is not None:
            shutil.copytree(fusion, tmp / "fusion")
        if kg_mode == "snapshot":  # (a consistent copy, as a writer may hold the KG)
            from kg import ProductGraph

            ProductGraph.copy(kg, tmp / "kg")
            kg_path = "kg"
        else:
            kg_path = _server_location(server) if isinstance(server, str) \
                else _location_path(kg, out)
        if rules is not None:
            shutil.copy2(rules, tmp / "rules.txt")
        for market, folder in (markets or {}).items():
            shutil.copytree(folder, tmp / "markets" / market,
                            ignore=shutil.ignore_patterns("checkpoint"))
        manifest = BundleManifest(
            tagger="tagger", fusion="fusion" if fusion is not None else None, kg_mode=kg_mode,
            kg_path=kg_path, rules="rules.txt" if rules is not None else None,
            parser=config.to_dict(), linker=dict(linker_config or {}),
            markets={m: f"markets/{m}" for m in (markets or {})},
            thresholds=dict(thresholds or {}), expansion=dict(expansion or {}),
            checksums=_checksums(tmp, ["tagger"] + (["fusion"] if fusion is not None else [])
                                 + [f"markets/{m}" for m in (markets or {})]),
            versions=_versions(), created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        atomic_write_json(tmp / MANIFEST, asdict(manifest))
        (tmp / _BUILD_MARK).unlink()
        fsync_dir(tmp)
        replace_dir(tmp, out)
    except shutil.Error as exc:  # copytree's list of (source, target, reason) tuples
        shutil.rmtree(tmp, ignore_errors=True)
        failures = exc.args[0] if exc.args and isinstance(exc.args[0], list) else []
        if failures and isinstance(failures[0], tuple) and len(failures[0]) == 3:
            src, _dst, why = failures[0]
            more = f" (and {len(failures) - 1} more files)" if len(failures) > 1 else ""
            raise OSError(f"cannot build the bundle {out}: copying {src} failed: {why}{more}; "
                          "nothing was written") from None
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info("bundle written to %s", out)
    return out


def _location_path(kg: Path, out: Path) -> str:
    """The ``kg_path`` a location bundle at ``out`` records for the KG folder ``kg``: relative
    to the bundle (``"../kg"``) when the KG lies in the bundle's parent folder, beside the
    bundle (the two are copied or moved together, as the quickstart home is), else the
    absolute path (resolved: symlinks followed). A KG deeper under the bundle's parent
    (``home/data/kgs/kg``) or anywhere under a bundle at the root (``/bundle``, ``/srv/kg``)
    is not one copied with it: recorded absolutely."""
    target = kg.resolve()
    bundle = out.resolve()
    if target.parent == bundle.parent and target != bundle:
        return Path(os.path.relpath(target, bundle)).as_posix()
    return str(target)


#: marks a bundle being built (its folder ``.<name>.<random>`` beside the bundle) with the
#: builder's host name and process id, so that a later build on the same host can remove the
#: folder of a killed one
_BUILD_MARK = ".kgqp-building"


def _remove_dead_builds(out: Path) -> None:
    """Remove the temporary folders that builds of ``out`` killed before they finished left
    beside it (``kill -9`` skips every cleanup): only folders carrying the build mark of a
    process of this host that no longer runs (a folder shared with other hosts or containers
    keeps theirs: their process ids mean nothing here)."""
    for tmp in out.parent.glob(f".{out.name}.*"):
        mark = tmp / _BUILD_MARK
        try:
            host, pid_text = mark.read_text(encoding="utf-8").split()
            pid = int(pid_text)
        except (OSError, ValueError):
            continue  # not a build folder of ours, or finished: never removed
        if host != socket.gethostname():
            continue
        try:
            os.kill(pid, 0)
            continue  # still building
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # another user's process
        logger.info("removing %s, left by a bundle build that was killed (process %d)", tmp,
                    pid)
        shutil.rmtree(tmp, ignore_errors=True)


def _expansion_settings(thresholds: dict[str, Any], expansion: dict[str, Any],
                        memory_weight: float = 0.0) -> tuple[Any, Any]:
    """The manifest's ``thresholds`` and ``expansion`` as fusion objects (ConfigError if
    invalid); a setting the manifest leaves out is the default for a fusion model with that
    ``memory_weight`` (:meth:`fusion.expand.Thresholds.defaults_for`,
    :meth:`fusion.expand.ExpansionConfig.defaults_for`)."""
    from fusion.errors import FusionConfigError
    from fusion.expand import ExpansionConfig, Thresholds

    try:
        th = Thresholds.from_dict({**Thresholds.defaults_for(memory_weight).to_dict(),
                                   **thresholds})
        return th, ExpansionConfig.from_dict(
            {**ExpansionConfig.defaults_for(memory_weight).to_dict(), **expansion})
    except (FusionConfigError, TypeError, ValueError) as exc:
        raise ConfigError(f"invalid thresholds/expansion settings: {exc}") from None


def _fusion_encoder_name(fusion_dir: Path) -> str:
    """The text encoder recorded in a fusion model's ``config.json`` (``"minilm"`` when none)."""
    try:
        config = json.loads((fusion_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{fusion_dir} is not a fusion model folder ({exc})") from None
    return str(config.get("text_encoder") or "minilm")


def _check_fusion_tagger(name: str, fusion_dir: Path, tagger_dir: Path) -> None:
    """A fusion model is trained on a tagger's embeddings and links and ships with that
    tagger."""
    if not name.startswith(TAGGER_ENCODER_PREFIX):
        raise ConfigError(
            f"the fusion model in {fusion_dir} was trained on the text encoder {name!r}, not on "
            f"a tagger's embeddings and links: retrain it with `kgqp fusion train --tagger "
            f"{tagger_dir}`"
        )
    if name != TAGGER_ENCODER_PREFIX + tagger_fingerprint(tagger_dir):
        raise ConfigError(
            f"the fusion model in {fusion_dir} was trained on the embeddings of tagger {name!r}, "
            f"not on {tagger_dir}: pass that tagger, or retrain with `kgqp fusion train --tagger "
            f"{tagger_dir}`"
        )


def _inside(bundle: Path, rel: str, what: str) -> Path:
    """``bundle / rel``, refused unless it resolves (symlinks followed) inside the bundle."""
    path = bundle / rel
    if not path.resolve().is_relative_to(bundle.resolve()):
        raise ModelLoadError(
            f"bundle {bundle}: the manifest's {what} path {rel!r} points outside the bundle "
            f"({path.resolve()}); manifest paths must stay inside the bundle: rebuild it with "
            "`kgqp bundle build`"
        )
    return path


def _verify(bundle: Path, manifest: BundleManifest) -> None:
    for rel, digest in manifest.checksums.items():
        p = _inside(bundle, rel, "checksummed file")
        if not p.is_file():
            raise ModelLoadError(f"bundle file {p} is missing; rebuild the bundle")
        if sha256_file(p) != digest:
            raise ModelLoadError(
                f"bundle file {p} does not match its checksum (corrupt or changed); rebuild "
                "the bundle or restore the file"
            )
    # the checksums must cover every file that is loaded, not only the files they list
    loaded = [p for p in (manifest.tagger, manifest.fusion, manifest.text_encoder,
                          *manifest.markets.values()) if p]
    files = [f for part in loaded if (bundle / part).is_dir()
             for f in sorted((bundle / part).rglob("*"))
             if f.is_file() and "checkpoint" not in f.relative_to(bundle / part).parts]
    files += [bundle / manifest.fusion_head] if manifest.fusion_head else []
    for f in files:
        if f.relative_to(bundle).as_posix() not in manifest.checksums:
            raise ModelLoadError(
                f"bundle file {f} is loaded but has no checksum in {MANIFEST} (added or renamed "
                "after the build?); rebuild the bundle with `kgqp bundle build`"
            )


def _server_location(url: str) -> str:
    """A KG server URL as a bundle records it: without credentials (a bundle is copied and
    shown, ``kgqp bundle info``); where the bundle is loaded they come from the environment
    (``KGQP_KG_USER``/``KGQP_KG_PASSWORD`` or ``~/.netrc``: :mod:`kg.sparql`)."""
    from kg.sparql import PASSWORD_ENV, USER_ENV
    from kg.store import without_credentials

    plain = without_credentials(url)
    if plain != url:
        logger.warning(
            "The bundle records the KG server as %s, without the credentials of the URL given: "
            "where the bundle is loaded, give them in $%s and $%s (or a ~/.netrc entry for "
            "the host)", plain, USER_ENV, PASSWORD_ENV)
    return plain


def load_bundle(cls: Callable[..., _P], bundle: Path, *, backend: str | None = None,
                kg: ProductGraph | None = None, verify: bool = True,
                read_only: bool = False) -> _P:
    """Load a bundle into ``cls`` (:class:`parser.QueryParser`); see its ``from_pretrained``."""
    from parser.tagger import Tagger

    bundle = Path(bundle)

    if bundle.exists() and not bundle.is_dir():
        raise ModelLoadError(f"{bundle} is a file, not a bundle directory")
    manifest = BundleManifest.read(bundle)  # a missing bundle: ModelNotFoundError
    for what in ("tagger", "fusion", "rules", "text_encoder", "fusion_head"):
        if getattr(manifest, what):
            _inside(bundle, getattr(manifest, what), what)
    for market, rel in manifest.markets.items():
        _inside(bundle, rel, f"market {market}")
    if manifest.kg_mode == "snapshot":
        _inside(bundle, manifest.kg_path, "kg_path")
    if verify:
        _verify(bundle, manifest)
    try:
        config = ParserConfig.from_dict(manifest.parser)
    except ConfigError as exc:
        raise ModelLoadError(f"{bundle / MANIFEST}: its parser settings: {exc}") from None
    opened = kg is None
    if kg is None:
        from kg import ProductGraph

        kg_dir = manifest.kg_at(bundle)
        if isinstance(kg_dir, str):  # a KG server
            kg = ProductGraph.open(kg_dir, read_only=read_only)
        elif not kg_dir.is_dir():
            raise ModelLoadError(f"the bundle's KG directory {kg_dir} does not exist")
        else:
            kg = ProductGraph.open(kg_dir, read_only=read_only)
    tagger_dir = bundle / manifest.tagger
    if backend is None:
        from parser.tagger.io import has_onnx_export

        backend = "onnx" if has_onnx_export(tagger_dir) else "torch"
    tagger = Tagger.from_pretrained(tagger_dir, backend=backend, lexicon=kg)
    fusion_model = expander = None
    if manifest.fusion is not None:
        from fusion import FusionModel
        from fusion.errors import FusionError

        try:
            fusion_model = FusionModel.from_pretrained(bundle / manifest.fusion, kg=kg)
        except FusionError as exc:
            raise ModelLoadError(f"bundle {bundle}: its fusion model: {exc}") from exc
        except (KeyError, ValueError, RuntimeError) as exc:  # (PyG/torch, on a KG it cannot
            # embed: "did not find any occurrences of 'edge_index'")
            raise ModelLoadError(
                f"bundle {bundle}: its fusion model cannot use the KG "
                f"{redact_url(str(manifest.kg_path))} "
                f"({type(exc).__name__}: {exc}); give the bundle the KG the model was trained "
                "on, or train the fusion model on this one") from exc
        try:  # the fusion model reads the tagger's embeddings: one encoder pass per parse
            _check_fusion_tagger(fusion_model.text_encoder_name, bundle / manifest.fusion,
                                 tagger_dir)
        except ConfigError as exc:
            raise ModelLoadError(f"bundle {bundle}: {exc}; then rebuild the bundle") from None
    if config.expand:
        from fusion.errors import RuleSyntaxError
        from fusion.expand import QueryExpander
        from fusion.rules import RulesFile

        rules = None
        if manifest.rules:  # named relative to the bundle; a broken edit keeps the last good
            try:
                rules = RulesFile(bundle / manifest.rules, name=manifest.rules,
                                  keep_last_good=True, root=bundle)
            except RuleSyntaxError as exc:
                raise ModelLoadError(f"bundle {bundle}: {exc}") from None
        try:
            th, exp_cfg = _expansion_settings(
                manifest.thresholds, manifest.expansion,
                0.0 if fusion_model is None else fusion_model.memory_weight)
        except ConfigError as exc:
            raise ModelLoadError(f"bundle {bundle}: {exc}; fix the manifest or rebuild the "
                                 "bundle") from None
        expander = QueryExpander(kg, rules=rules, thresholds=th,  # type: ignore[arg-type]
                                 config=exp_cfg)
    linker = None
    if manifest.linker:  # the bundle's own linker settings (e.g. its labels' KG kinds)
        from kg.link import EntityLinker, LinkerConfig

        try:
            linker = EntityLinker(kg, LinkerConfig.from_json(manifest.linker))
        except (TypeError, ValueError) as exc:
            raise ModelLoadError(f"bundle {bundle}: invalid linker settings: {exc}") from None
    markets = None
    if manifest.markets:  # LoRA adapters: one copy of their base for all of them
        markets = Tagger.markets({m: bundle / rel for m, rel in manifest.markets.items()},
                                 lexicon=kg)
    parser = cls(tagger=tagger, kg=kg, fusion=fusion_model, expander=expander, config=config,
                 path=bundle, version=manifest.versions.get("kgqp", "0"), linker=linker,
                 markets=markets)
    parser._owns_kg = opened  # (QueryParser.close() closes a KG it opened)
    return parser
