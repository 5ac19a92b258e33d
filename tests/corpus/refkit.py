"""Reference figures for the corpus, computed with the standard library only (never Momento's code).

Each folder's reference.py names its export (``FILE``) and parses it the way a careful analyst reads
it (``reference(path)``), with these helpers on plain Python values; the definitions are the ones
`report --json` documents. ``python tests/corpus/refkit.py [FOLDER ...]`` rewrites the folders'
REFERENCE.json from the exports; where an export is looked for is :func:`export_path` (docs/corpus.md).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import re
import statistics
import sys
from pathlib import Path
from types import ModuleType

CORPUS = Path(__file__).resolve().parent
#: The environment variable naming a folder that holds the exports elsewhere on the machine.
CORPUS_DIR_VARIABLE = "MOMENTO_CORPUS_DIR"


def folders() -> list[Path]:
    """Every corpus folder (one export each)."""
    return sorted(p.parent for p in CORPUS.glob("*/SOURCE"))


def export_path(folder: Path, file: str) -> Path | None:
    """The export of ``folder`` (named ``file``): in the folder itself or in ``$MOMENTO_CORPUS_DIR/<folder>/``;
    None when it is in neither."""
    env = os.environ.get(CORPUS_DIR_VARIABLE)
    candidates = [folder, *([Path(env) / folder.name] if env else [])]
    return next((d / file for d in candidates if (d / file).is_file()), None)


def source_sha256(folder: Path) -> str:
    """The SHA-256 that the folder's SOURCE records for the export used here."""
    found = re.search(r"^sha256 of the file used here: ([0-9a-f]{64})$", (folder / "SOURCE").read_text(), re.M)
    if found is None:
        raise ValueError(f"{folder / 'SOURCE'} records no 'sha256 of the file used here'")
    return found.group(1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(folder: Path) -> ModuleType:
    """The folder's reference.py as a module (FILE, reference)."""
    spec = importlib.util.spec_from_file_location(f"corpus_{folder.name}", folder / "reference.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(CORPUS))  # reference.py imports refkit
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(CORPUS))
    return module


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The records of a UTF-8 CSV as dicts (quoted line breaks stay inside their value)."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def top2_pct(scores: list[float | None]) -> float | None:
    """CSAT: 100 × answers of 4 or 5 / answers on the 1–5 scale."""
    answers = [s for s in scores if s is not None]
    return 100 * sum(1 for s in answers if s >= 4) / len(answers) if answers else None


def nps(scores: list[float | None]) -> float | None:
    """NPS: 100 × (promoters 9–10 − detractors 0–6) / answers."""
    answers = [s for s in scores if s is not None]
    if not answers:
        return None
    return 100 * (sum(1 for s in answers if s >= 9) - sum(1 for s in answers if s <= 6)) / len(answers)


def mean_over_served(values: list[float | None], abandoned: list[bool | None]) -> float | None:
    """ASA / AHT: mean of the values of contacts not abandoned (unknown counts as not abandoned)."""
    kept = [v for v, a in zip(values, abandoned, strict=True) if v is not None and a is not True]
    return statistics.fmean(kept) if kept else None


def yes_pct(flags: list[bool | None]) -> float | None:
    """Resolution rate and the like: 100 × yes / known."""
    known = [f for f in flags if f is not None]
    return 100 * sum(known) / len(known) if known else None


def answer_abandon(answered: list[bool | None], waits: list[float | None]) -> tuple[float, float]:
    """Answer rate and abandonment: short abandons (wait < 5 s) leave the denominator."""
    known = [(a, w) for a, w in zip(answered, waits, strict=True) if a is not None]
    short = sum(1 for a, w in known if not a and w is not None and w < 5)
    denominator = len(known) - short
    answered_n = sum(1 for a, _ in known if a)
    abandoned_n = sum(1 for a, w in known if not a and (w is None or w >= 5))
    return 100 * answered_n / denominator, 100 * abandoned_n / denominator


def write(folder: Path, reference: dict) -> None:
    kpis = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in reference["kpis"].items() if v is not None}
    reference = {**reference, "kpis": kpis}
    (folder / "REFERENCE.json").write_text(json.dumps(reference, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")


def main(names: list[str]) -> int:
    """Rewrite REFERENCE.json of the named folders (all by default) from their exports, checked against SOURCE."""
    sys.dont_write_bytecode = True  # no __pycache__ beside the corpus
    status = 0
    for folder in [CORPUS / n for n in names] or folders():
        module = load(folder)
        path = export_path(folder, module.FILE)
        if path is None or sha256(path) != source_sha256(folder):
            print(f"{folder.name}: {module.FILE} {'not found' if path is None else 'differs from SOURCE'}; "
                  "see docs/corpus.md", file=sys.stderr)
            status = 1
            continue
        write(folder, module.reference(path))
        print(f"{folder.name}: REFERENCE.json written from {path}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
