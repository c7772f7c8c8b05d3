"""Annotation formats: queries with labelled character spans, to and from annotation tools.

A :class:`Task` is one query to annotate: its text, its labelled character spans (pre-filled
with a model's predictions on export, the annotator's labels on import) and notes (``meta``:
why it was selected, scores, KG links). Two file formats, both read back losslessly:

* **span JSONL** (spaCy / Prodigy style), one task per line:
  ``{"text": "lg 55 inch tv", "spans": [{"start": 0, "end": 2, "label": "creator"}], "meta": {}}``.
  ``"source": "prediction"`` marks the model's unreviewed spans (the lines of
  ``kgqp learn select``), ``"source": "annotation"`` a person's; a line with neither is of
  unknown origin (``Task.source == "file"``). Prodigy's ``"answer": "accept"`` makes a line an
  annotation; a line with ``"answer": "reject"`` or ``"ignore"`` is skipped on import (its
  text is still "shown": :func:`read_task_texts`). doccano's JSONL is read too: its spans
  ``"label": [[start, end, "LABEL"], ...]`` (or ``"entities": [{"start_offset",
  "end_offset", "label"}]``, or spaCy's ``"entities": [[start, end, "LABEL"]]``) are an
  annotator's. A span key holding anything else is refused, and so is a line with none of
  the span keys (a misspelt ``"span"`` is no "no entity"; that is ``"spans": []``).
* **Label Studio tasks JSON**: a JSON array of tasks ``{"id", "data": {"text", "meta"},
  "predictions": [{"model_version", "result": [...]}]}`` (written for a model's pre-filled
  tasks; any other task, e.g. CoNLL gold, is written as an annotation); an exported project
  adds ``"annotations"``. On import the last annotation that was not cancelled wins, else (with
  ``source="auto"``) the first prediction; :func:`label_studio_config` writes the matching
  labelling interface. A task read from an annotation is written back as an annotation.

Every reader validates before it returns: offsets inside the text, ``start < end``, spans on
word boundaries (whitespace around a span is trimmed: annotation tools often select it), no
overlaps, a span's ``text`` (when given) equal to the text it covers, labels among ``labels``
(when given). A bad task raises :class:`~parser.errors.DataFormatError` naming the file and the
line (JSONL) or the task index (Label Studio), and nothing is imported.

Example:
    >>> t = Task("lg 55 inch tv", [Span(0, 2, "creator"), Span(3, 10, "UoM")])
    >>> t.to_sentence().tags
    ['B-creator', 'B-UoM', 'I-UoM', 'O']
    >>> Task.from_sentence(t.to_sentence()) == t
    True
    >>> t.source = "prediction"  # a model's pre-filled labels (else an annotation)
    >>> to_label_studio([t])[0]["predictions"][0]["result"][0]["value"]["labels"]
    ['creator']
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kg.io import atomic_write_json, atomic_write_text
from parser.errors import DataFormatError
from parser.tagger.data import (
    Scheme,
    Sentence,
    Span,
    _check_file,
    read_conll,
    spans_to_tags,
)
from parser.tagger.text import WordMode, split_words, word_mode

__all__ = [
    "LABEL_STUDIO_FROM",
    "LabelSource",
    "Task",
    "check_text",
    "label_studio_config",
    "read_data",
    "read_jsonl",
    "read_label_studio",
    "read_span_jsonl",
    "read_task_texts",
    "read_tasks",
    "text_lines",
    "to_label_studio",
    "write_jsonl",
    "write_label_studio",
    "write_span_jsonl",
    "write_tasks",
]

logger = logging.getLogger(__name__)

LabelSource = Literal["auto", "annotations", "predictions"]

#: ``from_name`` / ``to_name`` of the Label Studio labelling interface (:func:`label_studio_config`)
LABEL_STUDIO_FROM = "label"
LABEL_STUDIO_TO = "text"


@dataclass
class Task:
    """One query to annotate: ``text``, labelled character ``spans`` (``[start, end)``,
    sorted, non-overlapping) and ``meta`` notes (kept through both file formats).

    ``source`` says where the spans of an imported task came from: ``"annotation"`` (a
    person's labels), ``"prediction"`` (the model's pre-filled labels, not reviewed) or
    ``"file"`` (a span file, where the two cannot be told apart).

    >>> Task("acme kettle", [Span(0, 4, "creator")]).span_texts()
    [('acme', 'creator')]
    """

    text: str
    spans: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    id: int | str | None = None
    source: str = "file"

    def __eq__(self, other: object) -> bool:  # the labels, not where they were read from
        return isinstance(other, Task) and (self.text, self.spans, self.meta) == \
            (other.text, other.spans, other.meta)

    def span_texts(self) -> list[tuple[str, str]]:
        """``(covered text, label)`` of each span."""
        return [(self.text[s.start:s.end], s.label) for s in self.spans]

    def to_sentence(self, *, mode: WordMode = "auto", scheme: Scheme = "bio") -> Sentence:
        """The task as words with one tag each (spans must cover whole words; ``mode``: how
        the text is cut into words, :data:`~parser.tagger.text.WordMode`)."""
        mode = word_mode(self.text, mode)
        words = split_words(self.text, mode=mode)
        starts = {a: i for i, (a, _) in enumerate(words)}
        ends = {b: i for i, (_, b) in enumerate(words)}
        wspans = []
        for sp in self.spans:
            if sp.start not in starts or sp.end not in ends:
                raise DataFormatError(f"span {sp.start}-{sp.end} {self.text[sp.start:sp.end]!r} "
                                      f"does not cover whole words of {self.text!r}: align it "
                                      "to whitespace-separated words")
            wspans.append(Span(starts[sp.start], ends[sp.end] + 1, sp.label))
        toks = [self.text[a:b] for a, b in words]
        return Sentence(toks, spans_to_tags(wspans, len(toks), scheme),
                        joiner="" if mode == "char" else " ", meta=dict(self.meta))

    @classmethod
    def from_sentence(cls, sentence: Sentence, *, meta: dict[str, Any] | None = None) -> Task:
        """The task of a word-tagged sentence (its text and character spans)."""
        return cls(sentence.text(), sentence.spans(),
                   dict(sentence.meta if meta is None else meta))


# ---------------------------------------------------------------------------------------------
# validation shared by the readers


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _json_line(line: str) -> dict[str, Any]:
    """A JSON Lines line as its object (ValueError, also for JSON that is no object)."""
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("a line must be a JSON object")
    return obj


def check_text(text: Any, what: str = "'text'") -> str:
    """``text`` if it is a non-empty string that encodes to UTF-8, else ValueError."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{what} must be a non-empty string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} holds a lone surrogate (invalid Unicode): fix the "
                         "escape sequence") from None
    return text


def _check_spans(text: str, raw: Iterable[tuple[Any, Any, Any, Any]],
                 labels: Collection[str] | None, mode: WordMode) -> list[Span]:
    """Validated spans of ``text`` from ``(start, end, label, covered text or None)``; raises
    ValueError with what is wrong (the caller adds file and line)."""
    words = split_words(text, mode=mode)
    starts = {a for a, _ in words}
    ends = {b for _, b in words}
    out: list[Span] = []
    for start, end, label, covered in raw:
        if not (_is_int(start) and _is_int(end)):
            raise ValueError(f"span offsets must be integers, got start={start!r} end={end!r}")
        if not isinstance(label, str) or not label:
            raise ValueError(f"span {start}-{end}: label must be a non-empty string, "
                             f"got {label!r}")
        if not 0 <= start < end <= len(text):
            raise ValueError(f"span {start}-{end} ({label}) is outside the text of "
                             f"{len(text)} characters or empty: 0 <= start < end <= len(text)")
        if covered is not None and covered != text[start:end]:
            raise ValueError(f"span {start}-{end} ({label}) says it covers {covered!r} but the "
                             f"text there is {text[start:end]!r}: the offsets are shifted")
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            raise ValueError(f"span ({label}) covers only whitespace")
        if start not in starts or end not in ends:
            raise ValueError(f"span {start}-{end} {text[start:end]!r} ({label}) cuts a word of "
                             f"{text!r}: align it to whitespace-separated words")
        if labels is not None and label not in labels:
            raise ValueError(f"label {label!r} is not one of the labels "
                             f"({', '.join(sorted(labels))}): fix the label, or train a new "
                             "tagger for new labels")
        out.append(Span(start, end, label))
    out.sort(key=lambda s: (s.start, s.end))
    for a, b in itertools.pairwise(out):
        if b.start < a.end:
            raise ValueError(f"spans {a.start}-{a.end} ({a.label}) and {b.start}-{b.end} "
                             f"({b.label}) overlap: keep one")
    return out


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a UTF-8 text file (a BOM dropped); a line that is not valid
    UTF-8 raises :class:`DataFormatError` naming the file and line."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataFormatError(f"{path}:{lineno}: not valid UTF-8 ({err.reason} at byte "
                                      f"{err.start}): re-encode the file as UTF-8") from None
            yield lineno, line.lstrip("\ufeff") if lineno == 1 else line


# ---------------------------------------------------------------------------------------------
# span JSONL


#: ``Task.source`` values a span JSONL line records (``"file"``: none, the origin is unknown)
_MARKED_SOURCES = ("prediction", "annotation")


def write_span_jsonl(path: str | os.PathLike[str], tasks: Iterable[Task]) -> Path:
    """Write ``tasks`` as span JSONL (atomically). A task whose spans are the model's
    unreviewed predictions, or a person's annotation, says so in ``"source"``."""
    lines = []
    for t in tasks:
        obj: dict[str, Any] = {"text": t.text, "spans": [
            {"start": s.start, "end": s.end, "label": s.label} for s in t.spans]}
        if t.meta:
            obj["meta"] = t.meta
        if t.source in _MARKED_SOURCES:
            obj["source"] = t.source
        lines.append(json.dumps(obj, ensure_ascii=False))
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return Path(path)


def _jsonl_spans(obj: dict) -> tuple[list[tuple[Any, Any, Any, Any]], str | None]:
    """The raw spans of a span JSONL line and the key they were under: ``"spans"``
    (``[{"start", "end", "label"}]``), doccano's ``"label"`` (``[[start, end, "LABEL"]]``) or
    ``"entities"`` (``[{"start_offset", "end_offset", "label"}]``); ``([], None)`` when the
    line has none of them (ValueError from :func:`read_span_jsonl`: a misspelt key, e.g.
    ``"span"``, would read as a query with no entity). A span key holding something else
    raises ValueError."""
    label = obj.get("label")
    if isinstance(label, list):  # doccano's export (wins: a "spans" beside it is a leftover)
        if not all(isinstance(x, list | tuple) and len(x) == 3 for x in label):
            raise ValueError("doccano's 'label' must be a list of [start, end, \"LABEL\"] "
                             f"triples, got {json.dumps(label)[:80]}")
        return [(a, b, lab, None) for a, b, lab in label], "label"
    if "entities" in obj and "spans" not in obj:
        ents = obj["entities"]
        if isinstance(ents, list) and all(isinstance(x, list) and len(x) == 3 for x in ents):
            return [(a, b, lab, None) for a, b, lab in ents], "entities"  # spaCy's triples
        if not isinstance(ents, list) or not all(
                isinstance(d, dict) and {"start_offset", "end_offset", "label"} <= d.keys()
                for d in ents):
            raise ValueError("'entities' must be a list of {start_offset, end_offset, label} "
                             "objects (doccano) or of [start, end, \"LABEL\"] triples, got "
                             f"{json.dumps(ents)[:80]}")
        return [(d["start_offset"], d["end_offset"], d["label"], None) for d in ents], \
            "entities"
    if "spans" in obj:
        raw = obj["spans"]
        if raw is None:
            raw = []
        if not isinstance(raw, list) or not all(isinstance(d, dict) for d in raw):
            raise ValueError("'spans' must be a list of {start, end, label} objects")
        return [(d.get("start"), d.get("end"), d.get("label"), d.get("text")) for d in raw], \
            "spans"
    if label is not None and not isinstance(label, str):
        raise ValueError("'label' must be a list of [start, end, \"LABEL\"] triples "
                         f"(doccano's spans), got {json.dumps(label)[:80]}")
    return [], None  # (a string "label" is a text category, e.g. Prodigy's textcat: no spans)


def _line_text(obj: dict, key: str | None) -> Any:
    """The text of a span JSONL line: ``"text"`` (some doccano versions export it as
    ``"data"``)."""
    if "text" not in obj and key in ("label", "entities", None) and \
            isinstance(obj.get("data"), str):
        return obj["data"]
    return obj.get("text")


def _line_source(obj: dict, key: str | None) -> str:
    """``Task.source`` of a span JSONL line: Prodigy's ``"answer": "accept"`` and doccano's
    spans are a person's; else its ``"source"`` mark; else ``"file"`` (unknown)."""
    if obj.get("answer") == "accept" or key in ("label", "entities"):
        return "annotation"
    mark = obj.get("source")
    return mark if mark in _MARKED_SOURCES else "file"


def _wanted(origin: str, source: LabelSource) -> bool:
    """Whether a task of ``origin`` (``Task.source``) is read with ``source``."""
    if source == "annotations":
        return origin != "prediction"
    if source == "predictions":
        return origin == "prediction"
    return True


def _count(counts: dict[str, int] | None, key: str) -> None:
    if counts is not None:
        counts[key] = counts.get(key, 0) + 1


def read_span_jsonl(path: str | os.PathLike[str], *, labels: Collection[str] | None = None,
                    mode: WordMode = "auto", source: LabelSource = "auto",
                    counts: dict[str, int] | None = None) -> list[Task]:
    """Read span JSONL (see the module docstring); every line is validated first.

    ``source``: ``"auto"`` reads every line; ``"annotations"`` skips the lines marked
    ``"source": "prediction"`` (the model's, unreviewed); ``"predictions"`` reads only those.
    ``counts``, when given, is filled with the number of tasks read per ``Task.source``
    (``"annotation"``, ``"prediction"``, ``"file"``) and of lines ``"skipped"`` (rejected,
    ignored, or not of ``source``)."""
    if source not in ("auto", "annotations", "predictions"):
        raise DataFormatError(f"source={source!r}: use 'auto', 'annotations' or 'predictions'")
    p = _check_file(path)
    out: list[Task] = []
    skipped = rejected = 0
    for lineno, line in text_lines(p):
        if not line.strip():
            continue
        try:
            obj = _json_line(line)
            if obj.get("answer") in ("reject", "ignore"):
                rejected += 1
                _count(counts, "skipped")
                continue
            raw, key = _jsonl_spans(obj)
            text = check_text(_line_text(obj, key))
            if key is None:  # a misspelt key ("span") is no "no entity": say so, by line
                others = sorted(k for k in obj if k not in ("text", "meta", "source", "answer",
                                                             "id", "data"))
                raise ValueError(
                    "the line has no spans: none of \"spans\", doccano's \"label\" or "
                    "\"entities\"" + (f" (its keys: {', '.join(others)})" if others else "")
                    + "; a query with no entity has \"spans\": []")
            origin = _line_source(obj, key)
            if not _wanted(origin, source):
                skipped += 1
                _count(counts, "skipped")
                continue
            meta = obj.get("meta") or {}
            if not isinstance(meta, dict):
                raise ValueError("'meta' must be an object")
            spans = _check_spans(text, raw, labels, mode)
        except ValueError as err:  # json.JSONDecodeError is a ValueError
            raise DataFormatError(f"{p}:{lineno}: {err}; expected {{\"text\": str, "
                                  "\"spans\": [{\"start\", \"end\", \"label\"}]} (or doccano's "
                                  "\"label\": [[start, end, \"LABEL\"]]): fix the line (nothing "
                                  "was imported)") from None
        out.append(Task(text, spans, meta, source=origin))
        _count(counts, origin)
    if rejected:
        logger.info("%s: skipped %d rejected or ignored tasks", p, rejected)
    if skipped:
        logger.info("%s: skipped %d tasks whose spans are not %s", p, skipped, source)
    return out


def read_task_texts(path: str | os.PathLike[str]) -> list[str]:
    """The text of every task of an annotation file, whatever became of it: rejected or
    ignored (Prodigy), cancelled, unannotated (Label Studio), only predicted: the queries
    already shown to an annotator (``kgqp learn select --exclude``). CoNLL: its sentences.
    Only the texts are checked, not the spans."""
    p = _check_file(path)
    if _is_label_studio(p):
        try:
            raw = json.loads(p.read_text(encoding="utf-8-sig"))
        except ValueError as err:  # also UnicodeDecodeError
            raise DataFormatError(f"{p}: not valid JSON ({err}): export the tasks again") \
                from None
        if not isinstance(raw, list):
            raise DataFormatError(f"{p}: Label Studio tasks JSON must be an array of tasks")
        texts = []
        for i, task in enumerate(raw):
            try:
                if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
                    raise ValueError("a task must be an object with a 'data' object")
                texts.append(check_text(task["data"].get("text"), "data.text"))
            except ValueError as err:
                raise DataFormatError(f"{p}: task {i}: {err}: fix the task") from None
        return texts
    if p.suffix in (".jsonl", ".json"):
        texts = []
        for lineno, line in text_lines(p):
            if not line.strip():
                continue
            try:
                texts.append(check_text(_line_text(_json_line(line), None)))
            except ValueError as err:
                raise DataFormatError(f"{p}:{lineno}: {err}: fix the line") from None
        return texts
    return [s.text() for s in read_conll(p)]


# ---------------------------------------------------------------------------------------------
# Label Studio


def label_studio_config(labels: Iterable[str]) -> str:
    """The Label Studio labelling interface (XML) for ``labels`` over the task text.

    >>> print(label_studio_config(["creator"]))
    <View>
      <Labels name="label" toName="text">
        <Label value="creator"/>
      </Labels>
      <Text name="text" value="$text"/>
    </View>
    """
    from xml.sax.saxutils import quoteattr

    items = "".join(f"    <Label value={quoteattr(lab)}/>\n" for lab in labels)
    return (f'<View>\n  <Labels name="{LABEL_STUDIO_FROM}" toName="{LABEL_STUDIO_TO}">\n'
            f'{items}  </Labels>\n  <Text name="{LABEL_STUDIO_TO}" value="$text"/>\n</View>')


def to_label_studio(tasks: Sequence[Task], *, model_version: str = "kgqp") -> list[dict]:
    """Label Studio tasks with the spans of ``tasks``: a model's pre-filled labels
    (``Task.source == "prediction"``, as ``kgqp learn select`` writes them) as predictions,
    any other task (a person's annotation, or labels read from a file: CoNLL, unmarked span
    JSONL, which training reads as labels) as an annotation."""
    out = []
    for i, t in enumerate(tasks):
        result = [{
            "id": f"t{i}s{k}", "from_name": LABEL_STUDIO_FROM, "to_name": LABEL_STUDIO_TO,
            "type": "labels",
            "value": {"start": s.start, "end": s.end, "text": t.text[s.start:s.end],
                      "labels": [s.label]},
        } for k, s in enumerate(t.spans)]
        task: dict[str, Any] = {"id": t.id if t.id is not None else i + 1,
                                "data": {"text": t.text, "meta": t.meta}}
        if t.source != "prediction":  # labels stay labels through a round trip
            task["annotations"] = [{"result": result}]
        else:
            task["predictions"] = [{"model_version": model_version, "result": result}]
            if "score" in t.meta:
                task["predictions"][0]["score"] = t.meta["score"]
        out.append(task)
    return out


def write_label_studio(path: str | os.PathLike[str], tasks: Sequence[Task], *,
                       model_version: str = "kgqp") -> Path:
    """Write Label Studio tasks JSON (atomically)."""
    atomic_write_json(path, to_label_studio(tasks, model_version=model_version))
    return Path(path)


def _ls_result(task: dict, source: LabelSource) -> tuple[list, str] | None:
    annotations = [a for a in task.get("annotations") or []
                   if isinstance(a, dict) and not a.get("was_cancelled")]
    if not isinstance(task.get("annotations", []), list):
        raise ValueError("'annotations' must be a list")
    if annotations and source in ("auto", "annotations"):
        return annotations[-1].get("result") or [], "annotation"
    preds = task.get("predictions") or []
    if not isinstance(preds, list):
        raise ValueError("'predictions' must be a list")
    if preds and source in ("auto", "predictions"):
        if not isinstance(preds[0], dict):
            raise ValueError("a prediction must be an object with a 'result' list")
        return preds[0].get("result") or [], "prediction"
    return None


def read_label_studio(path: str | os.PathLike[str], *, labels: Collection[str] | None = None,
                      source: LabelSource = "auto", mode: WordMode = "auto",
                      counts: dict[str, int] | None = None) -> list[Task]:
    """Read Label Studio tasks JSON (an exported project or the file of
    :func:`write_label_studio`). ``source``: ``"auto"`` takes a task's last annotation that
    was not cancelled, else its prediction; ``"annotations"`` skips tasks nobody annotated
    (or whose annotations were all cancelled: the annotator pressed Skip);
    ``"predictions"`` reads the pre-filled predictions only. ``counts``, when given, is
    filled with the number of tasks read per ``Task.source`` and of tasks ``"skipped"``."""
    if source not in ("auto", "annotations", "predictions"):
        raise DataFormatError(f"source={source!r}: use 'auto', 'annotations' or 'predictions'")
    p = _check_file(path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8-sig"))
    except ValueError as err:  # also UnicodeDecodeError
        raise DataFormatError(f"{p}: not valid JSON ({err}): export the tasks again") from None
    if not isinstance(raw, list):
        raise DataFormatError(f"{p}: Label Studio tasks JSON must be an array of tasks")
    out: list[Task] = []
    for i, task in enumerate(raw):
        where = f"{p}: task {i}" + (f" (id {task.get('id')})" if isinstance(task, dict)
                                    and "id" in task else "")
        try:
            if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
                raise ValueError("a task must be an object with a 'data' object")
            text = check_text(task["data"].get("text"), "data.text")
            meta = task["data"].get("meta") or {}
            if not isinstance(meta, dict):
                raise ValueError("data.meta must be an object")
            picked = _ls_result(task, source)
            if picked is None:
                _count(counts, "skipped")
                continue
            result, origin = picked
            if not isinstance(result, list):
                raise ValueError("a result must be a list of regions")
            regions = []
            for r in result:
                if not isinstance(r, dict) or not isinstance(r.get("value"), dict):
                    raise ValueError("a result region must be an object with a 'value' object")
                if r.get("type", "labels") != "labels":  # choices, relations ...: not spans
                    continue
                v = r["value"]
                labs = v.get("labels")
                if not isinstance(labs, list) or len(labs) != 1:
                    raise ValueError(f"region {v.get('start')}-{v.get('end')} must have exactly "
                                     f"one label, has {labs!r}")
                regions.append((v.get("start"), v.get("end"), labs[0], v.get("text")))
            spans = _check_spans(text, regions, labels, mode)
        except ValueError as err:
            raise DataFormatError(f"{where}: {err}: fix the task (nothing was imported)") from None
        out.append(Task(text, spans, meta, id=task.get("id"), source=origin))
        _count(counts, origin)
    return out


# ---------------------------------------------------------------------------------------------
# dispatch by file type


def _is_label_studio(p: Path) -> bool:
    if p.suffix != ".json":
        return False
    with open(p, encoding="utf-8", errors="replace") as fh:  # a sniff: the reader validates
        head = fh.read(256).lstrip("\ufeff \t\r\n")
    return head.startswith("[")


def read_tasks(path: str | os.PathLike[str], *, labels: Collection[str] | None = None,
               source: LabelSource = "auto", mode: WordMode = "auto",
               counts: dict[str, int] | None = None) -> list[Task]:
    """Read annotation tasks: Label Studio JSON (a ``.json`` array), span JSONL (``.jsonl``,
    or a ``.json`` file of JSON lines), or CoNLL (anything else). ``source`` and ``counts``:
    as in :func:`read_label_studio` and :func:`read_span_jsonl` (CoNLL tasks are ``"file"``
    ones)."""
    p = _check_file(path)
    if _is_label_studio(p):
        return read_label_studio(p, labels=labels, source=source, mode=mode, counts=counts)
    if p.suffix in (".jsonl", ".json"):
        return read_span_jsonl(p, labels=labels, mode=mode, source=source, counts=counts)
    tasks = [Task.from_sentence(s) for s in read_conll(p, labels=labels)]
    if counts is not None:
        counts["file"] = counts.get("file", 0) + len(tasks)
    return tasks


def write_tasks(path: str | os.PathLike[str], tasks: Sequence[Task], *,
                model_version: str = "kgqp") -> Path:
    """Write ``tasks`` by file type: ``.json`` Label Studio tasks, ``.jsonl`` span JSONL."""
    p = Path(path)
    if p.suffix == ".json":
        return write_label_studio(p, tasks, model_version=model_version)
    if p.suffix == ".jsonl":
        return write_span_jsonl(p, tasks)
    raise DataFormatError(f"{p}: write tasks to a .json (Label Studio) or .jsonl (spans) file")


def read_jsonl(path: str | os.PathLike[str], *, scheme: Scheme = "bio",
               chars: bool = False) -> list[Sentence]:
    """Read span JSONL into word-tagged sentences (``chars=True``: every non-space character
    is a word, for Chinese)."""
    mode: WordMode = "char" if chars else "auto"
    return [t.to_sentence(mode=mode, scheme=scheme)
            for t in read_span_jsonl(path, mode=mode)]


def write_jsonl(path: str | os.PathLike[str], sentences: Iterable[Sentence]) -> None:
    """Write sentences as span JSONL over :meth:`Sentence.text` (atomically)."""
    write_span_jsonl(path, [Task.from_sentence(s, meta={}) for s in sentences])


def read_data(path: str | os.PathLike[str], *, scheme: Scheme | None = None,
              labels: Collection[str] | None = None,
              source: LabelSource = "auto",
              counts: dict[str, int] | None = None) -> list[Sentence]:
    """Read training or evaluation data as word-tagged sentences: CoNLL, span JSONL or Label
    Studio tasks JSON (by file type, see :func:`read_tasks`). ``labels`` restricts the entity
    labels allowed in the annotation formats; ``source`` and ``counts`` as in
    :func:`read_tasks`."""
    p = _check_file(path)
    if p.suffix in (".jsonl", ".json"):
        return [t.to_sentence(scheme=scheme or "bio")
                for t in read_tasks(p, labels=labels, source=source, counts=counts)]
    sents = read_conll(p, scheme=scheme, labels=labels)  # a label not allowed: named by line
    if counts is not None:
        counts["file"] = counts.get("file", 0) + len(sents)
    return sents
