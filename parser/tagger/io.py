"""Saving and loading tagger folders and backbones: safetensors and JSON only, never pickle.

A tagger folder::

    config.json          encoder config + id2label/label2id (Hugging Face compatible)
    kgqp.json            TaggerConfig + metadata + sha256 of model.safetensors
    model.safetensors    weights
    tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.txt
    model.onnx, model.int8.onnx   (after export)

Every file is written atomically (:mod:`kg.io`); ``kgqp.json`` is written last and records the
weights' checksum, so a folder left half-rewritten by a crash is detected at load.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from kg.io import (
    atomic_dir,
    atomic_path,
    atomic_write_json,
    atomic_write_text,
    sha256_file,
)
from parser.errors import ModelLoadError, ModelNotFoundError, UnsafeModelError
from parser.tagger.config import TaggerConfig

__all__ = ["check_no_pickle", "load_backbone", "load_onnx", "load_torch", "read_config",
           "save_tagger"]

logger = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
WEIGHTS = "model.safetensors"
KGQP = "kgqp.json"


def check_no_pickle(path: Path) -> Path:
    """Return the safetensors weights file of ``path``; refuse folders with only pickles."""
    if not path.exists():
        raise ModelNotFoundError(f"{path} does not exist: pass the folder of a saved model")
    if not path.is_dir():
        raise ModelLoadError(f"{path} is not a directory: pass the folder of a saved model")
    weights = path / WEIGHTS
    if weights.is_file():
        return weights
    pickles = sorted(p.name for p in path.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise UnsafeModelError(
            f"{path} holds pickle weights ({', '.join(pickles)}) and no {WEIGHTS}; kgqp does not "
            "load pickles (they can run code). Convert them to safetensors in a trusted "
            "environment and save as model.safetensors."
        )
    raise ModelLoadError(f"{path} has no {WEIGHTS}: pass a folder written by Tagger.save or "
                         "`kgqp tagger train`")


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise ModelLoadError(f"{path.name} missing in {path.parent}: the folder is incomplete; "
                             "save or train the model again")
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelLoadError(f"{path} is not valid JSON ({err}): the file is corrupt; "
                             "save or train the model again") from None
    if not isinstance(obj, dict):
        raise ModelLoadError(f"{path} must hold a JSON object")
    return obj


def _load_safetensors(path: Path, framework: str = "pt") -> dict[str, Any]:
    from safetensors import safe_open

    try:
        out = {}
        with safe_open(str(path), framework=framework) as f:
            for k in f.keys():  # noqa: SIM118 - safe_open has no __iter__
                out[k] = f.get_tensor(k)
        return out
    except Exception as err:  # safetensors raises its own SafetensorError / OSError
        raise ModelLoadError(f"cannot read {path} ({err}): the file is truncated or corrupt; "
                             "save or train the model again") from None


def _load_tokenizer(path: Path) -> Any:
    from tokenizers import Tokenizer

    tj = path / "tokenizer.json"
    if tj.is_file():
        try:
            return Tokenizer.from_file(str(tj))
        except Exception as err:
            raise ModelLoadError(f"cannot read {tj} ({err}): the file is corrupt") from None
    if (path / "vocab.txt").is_file():  # a backbone without a fast tokenizer file
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(path)).backend_tokenizer
    raise ModelLoadError(f"{path} has no tokenizer.json or vocab.txt: copy the tokenizer files "
                         "of the backbone into it")


def _encoder_config(path: Path) -> Any:
    from transformers import AutoConfig

    d = _read_json(path / "config.json")
    model_type = d.get("model_type")
    if not model_type:
        raise ModelLoadError(f"{path / 'config.json'} has no model_type: pass a Hugging Face "
                             "model folder")
    try:
        return AutoConfig.for_model(**d)
    except (ValueError, KeyError, TypeError) as err:
        raise ModelLoadError(f"{path / 'config.json'}: unsupported config ({err})") from None


def load_backbone(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any], Any]:
    """``(encoder_config, weights, tokenizer)`` of a local Hugging Face model folder."""
    p = Path(path)
    weights = _load_safetensors(check_no_pickle(p))
    return _encoder_config(p), weights, _load_tokenizer(p)


#: the files of a tagger folder (the adapter's too: a full tagger trained with --force over an
#: adapter folder must not leave the adapter, which loading prefers; names as in
#: parser.tagger.adapters)
MODEL_FILES = frozenset({WEIGHTS, "config.json", "tokenizer.json", "vocab.txt",
                         "tokenizer_config.json", "special_tokens_map.json", KGQP,
                         "adapter.json", "adapter.safetensors"})
#: what a training run writes beside the model, describing it (a stale distill_args.json made
#: a new model look distilled)
RUN_NOTES = frozenset({"distill_args.json", "training_args.json", "training_history.json",
                       "dev_scores.json"})


def save_tagger(model: Any, tokenizer: Any, path: Path, *,
                backbone_dir: Path | None = None) -> Path:
    """Write ``model`` (a TaggerModel) and ``tokenizer`` to the folder ``path``."""
    import torch
    from safetensors.torch import save_file
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES,
    )

    import parser as parser_pkg

    cfg: TaggerConfig = model.config
    enc = model.encoder_config
    enc_dict = enc.to_dict()
    enc_dict.pop("_attn_implementation_autoset", None)
    enc_dict["vocab_size"] = model.encoder.get_input_embeddings().weight.shape[0]
    enc_dict["id2label"] = {str(i): lab for i, lab in enumerate(cfg.labels)}
    enc_dict["label2id"] = cfg.label2id
    arch = MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES.get(enc.model_type)
    if arch:
        enc_dict["architectures"] = [arch]
    sd = {k: v.detach().contiguous().to(torch.float32 if v.is_floating_point() else v.dtype)
          for k, v in model.state_dict().items() if not k.endswith("position_ids")}
    # the folder is replaced whole: a crash or a full disk leaves the old model or the new one;
    # training state and notes beside the model (checkpoint/, *.json of the run) are kept,
    # ONNX exports of the old weights are not
    with atomic_dir(path, keep=lambda name: name not in MODEL_FILES
                    and not name.endswith(".onnx")) as out:
        with atomic_path(out / WEIGHTS) as tmp:
            save_file(sd, str(tmp), metadata={"format": "pt", "producer": "kgqp"})
        atomic_write_json(out / "config.json", enc_dict)
        atomic_write_text(out / "tokenizer.json", tokenizer.to_str(pretty=True))
        vocab = tokenizer.get_vocab()
        ordered = sorted(vocab.items(), key=lambda kv: kv[1])
        atomic_write_text(out / "vocab.txt", "".join(t + "\n" for t, _ in ordered))
        tok_cfg: dict[str, Any] = {}
        if backbone_dir is not None and (backbone_dir / "tokenizer_config.json").is_file():
            tok_cfg = json.loads((backbone_dir / "tokenizer_config.json").read_text("utf-8"))
        elif (path / "tokenizer_config.json").is_file():
            tok_cfg = json.loads((path / "tokenizer_config.json").read_text("utf-8"))
        tok_cfg.setdefault("tokenizer_class", "BertTokenizer")
        tok_cfg.update({"model_max_length": cfg.max_length, "do_lower_case":
                        tok_cfg.get("do_lower_case", True)})
        tok_cfg.pop("name_or_path", None)
        atomic_write_json(out / "tokenizer_config.json", tok_cfg)
        specials = {k: v for k, v in tok_cfg.items()
                    if k.endswith("_token") and isinstance(v, str)}
        atomic_write_json(out / "special_tokens_map.json", specials)
        meta = {
            "kgqp_version": getattr(parser_pkg, "__version__", "0.1.0"),
            "weights_sha256": sha256_file(out / WEIGHTS),
            "tagger": cfg.to_dict(),
        }
        atomic_write_json(out / KGQP, meta)  # last: marks the folder complete
    logger.info("saved tagger to %s", path)
    return path


def _read_kgqp(path: Path, weights: Path, *, verify: bool = True) -> TaggerConfig:
    meta = _read_json(path / KGQP) if (path / KGQP).is_file() else None
    if meta is None:
        raise ModelLoadError(f"{path} has no {KGQP}: it is not a kgqp tagger folder; train one "
                             "with `kgqp tagger train` (a plain backbone goes in --backbone)")
    try:
        cfg = TaggerConfig.from_dict(meta["tagger"])
    except (KeyError, TypeError, ValueError) as err:
        raise ModelLoadError(f"{path / KGQP} is invalid ({err}): save the model again") from None
    want = meta.get("weights_sha256")
    if verify and want and sha256_file(weights) != want:
        raise ModelLoadError(f"{weights} does not match the checksum in {KGQP}: the folder was "
                             "modified or a save was interrupted; save the model again")
    return cfg


def read_config(path: str | os.PathLike[str]) -> TaggerConfig:
    """The :class:`TaggerConfig` of a saved tagger folder, without loading its weights."""
    p = Path(path)
    return _read_kgqp(p, check_no_pickle(p), verify=False)


def load_torch(cls: type, path: Path, *, lexicon: Any = None,
               num_threads: int | None = None) -> Any:
    """Load a Tagger with the PyTorch backend."""
    import torch

    from parser.tagger.model import TaggerModel

    if num_threads:
        torch.set_num_threads(num_threads)
    weights = check_no_pickle(path)
    cfg = _read_kgqp(path, weights)
    enc_cfg = _encoder_config(path)
    tok = _load_tokenizer(path)
    sd = _load_safetensors(weights)
    model = TaggerModel(enc_cfg, cfg)
    own = model.state_dict()
    missing = [k for k in own if k not in sd and not k.endswith("position_ids")]
    unexpected = [k for k in sd if k not in own]
    bad = [k for k in sd if k in own and sd[k].shape != own[k].shape]
    if missing or unexpected or bad:
        raise ModelLoadError(
            f"{weights} does not fit config.json/kgqp.json (missing {missing[:3]}, unexpected "
            f"{unexpected[:3]}, wrong shape {bad[:3]}): the files come from different models"
        )
    model.load_state_dict(sd, strict=False)
    model.eval()
    return cls(config=cfg, tokenizer=tok, model=model, lexicon=lexicon, encoder_config=enc_cfg,
               path=path)


def onnx_path(path: Path, int8: bool) -> Path:
    return path / ("model.int8.onnx" if int8 else "model.onnx")


def has_onnx_export(path: Path) -> bool:
    """Whether the tagger folder ``path`` has an ONNX export (fp32 or INT8)."""
    return onnx_path(path, False).is_file() or onnx_path(path, True).is_file()


def load_onnx(cls: type, path: Path, *, lexicon: Any = None, int8: bool | None = None,
              num_threads: int | None = None, spin: bool = True) -> Any:
    """Load a Tagger with the ONNX Runtime backend (numpy only; no torch at call time)."""
    try:
        import onnxruntime as ort
    except ImportError as err:  # pragma: no cover - extras
        raise ModelLoadError("backend='onnx' needs onnxruntime: pip install 'kgqp[onnx]'") from err
    if (path / "adapter.json").is_file():  # (parser.tagger.adapters.is_adapter)
        raise ModelLoadError(f"{path} is a LoRA adapter: the ONNX backend serves full taggers; "
                             "an adapter is served by torch (backend='torch'; on the command "
                             "line --backend torch, or `kgqp parse --market`)")
    weights = check_no_pickle(path)
    cfg = _read_kgqp(path, weights, verify=False)
    if int8 is None:
        int8 = onnx_path(path, True).is_file()
    onnx_file = onnx_path(path, int8)
    if not onnx_file.is_file():
        raise ModelLoadError(f"{onnx_file} missing: run `kgqp tagger export-onnx {path}"
                             f"{' --int8' if int8 else ''}` first")
    crf = None
    if cfg.crf:
        sd = _load_safetensors(weights, framework="numpy")
        crf = {"start": sd["crf.start_transitions"].tolist(),
               "end": sd["crf.end_transitions"].tolist(),
               "transitions": sd["crf.transitions"].tolist()}
    opts = ort_session_options(num_threads=num_threads, spin=spin)
    try:
        session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
    except Exception as err:
        raise ModelLoadError(f"cannot load {onnx_file} ({err}): export it again") from None
    return cls(config=cfg, tokenizer=_load_tokenizer(path), session=session, crf=crf,
               lexicon=lexicon, path=path, onnx_file=onnx_file)


def ort_session_options(*, num_threads: int | None = None, spin: bool = True) -> Any:
    """The ONNX Runtime settings of the tagger's session: ``num_threads`` intra-op threads
    (default 1), full graph optimisation, and spin-waiting only inside a run.

    One thread by default: a query is a dozen tokens, too little work to share, and a second
    thread must be scheduled for every operator. In ``bench/ort_threads.py`` one and two
    threads are within noise, idle and with one core busy (docs/benchmarks.md); under another
    job's multi-threaded load two threads were once much slower (5.5-6.4 against 2.3-2.7 ms).
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = num_threads or 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # idle ORT threads spin-wait for the next op. Beside another ORT session in the same process
    # they steal the CPU the running one needs (full parse 23 -> 14 ms without spinning); with
    # one session the settings differ by less than run-to-run noise (bench/ort_threads.py).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    if spin:  # spin inside a run only: no CPU burnt between requests
        opts.add_session_config_entry("session.force_spinning_stop", "1")
    return opts
