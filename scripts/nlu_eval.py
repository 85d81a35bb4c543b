"""Per-language NLU evaluation on a held-out split (run with the Rasa environment's Python).

For each language under data/nlu/<lang>/, 20 % of the examples of every intent (fixed seed) are held
out; one NLU model is trained on the union of the remaining examples of all three languages (plus
data/nlu/shared), exactly as the product trains one model; then each language's held-out part is
parsed and scored: intent accuracy, intent macro-F1 and entity F1.

    .venv-rasa/bin/python scripts/nlu_eval.py             # evaluate, print the table
    .venv-rasa/bin/python scripts/nlu_eval.py --cached    # reuse the result for unchanged inputs
    .venv-rasa/bin/python scripts/nlu_eval.py --write-docs
    .venv-rasa/bin/python scripts/nlu_eval.py --cached --mistakes   # which held-out examples it got wrong

Exits 1 when a language's intent macro-F1 is below --min-f1 (default 0.75: a guard against regressions, below the measured figures in docs/nlu-evaluation.md).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # config.yml names a component in bot/
NLU = ROOT / "data" / "nlu"
LANGUAGES = ("kl", "da", "sv")
sys.path.insert(0, str(ROOT / "scripts"))
from model import cache_dir  # noqa: E402  (the same machine-wide cache as the trained models)

CACHE = cache_dir() / "nlu-eval"
SEED = 42
HELD_OUT = 0.2


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in NLU.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    extras = [ROOT / "config.yml", ROOT / "requirements" / "rasa.lock", Path(__file__)]
    extras += sorted((ROOT / "bot" / "nlu").glob("*.py"))
    for extra in extras:
        digest.update(extra.read_bytes())
    return digest.hexdigest()[:16]


def split(language: str) -> tuple[Any, Any]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(NLU / language))
    return data.train_test_split(train_frac=1 - HELD_OUT, random_seed=SEED)


def train(train_parts: list[Any], workdir: Path) -> Path:
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    data_dir = workdir / "data"
    data_dir.mkdir()
    for index, part in enumerate(train_parts):
        (data_dir / f"train-{index}.yml").write_text(RasaYAMLWriter().dumps(part))
    shared = NLU / "shared"
    if shared.is_dir():
        for path in shared.glob("*.yml"):
            (data_dir / f"shared-{path.name}").write_text(path.read_text())
    model = train_nlu(
        config=str(ROOT / "config.yml"),
        nlu_data=str(data_dir),
        output=str(workdir / "models"),
        fixed_model_name="nlu-eval",
    )
    if model is None:
        raise RuntimeError("NLU training failed")
    return Path(model)


def score(model: Path, held_out: dict[str, Any]) -> dict[str, dict[str, float]]:
    from rasa.core.agent import Agent
    from sklearn.metrics import accuracy_score, f1_score

    agent = Agent.load(str(model))
    results: dict[str, dict[str, float]] = {}
    for language, data in held_out.items():
        gold: list[str] = []
        predicted: list[str] = []
        entity_tp = entity_fp = entity_fn = 0
        mistakes: list[list[str]] = []
        for example in data.intent_examples:
            parsed = asyncio.run(agent.parse_message(example.get("text")))
            gold.append(example.get("intent"))
            predicted.append(parsed["intent"]["name"])
            if gold[-1] != predicted[-1]:
                mistakes.append([gold[-1], predicted[-1], example.get("text")])
            expected = {(e["entity"], str(e.get("value"))) for e in example.get("entities") or []}
            found = {(e["entity"], str(e.get("value"))) for e in parsed.get("entities") or []}
            entity_tp += len(expected & found)
            entity_fp += len(found - expected)
            entity_fn += len(expected - found)
        precision = entity_tp / (entity_tp + entity_fp) if entity_tp + entity_fp else 1.0
        recall = entity_tp / (entity_tp + entity_fn) if entity_tp + entity_fn else 1.0
        results[language] = {
            "examples": len(gold),
            "intent_accuracy": accuracy_score(gold, predicted),
            "intent_macro_f1": f1_score(gold, predicted, average="macro", zero_division=0),
            "entity_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "mistakes": sorted(mistakes),
        }
    return results


def table(results: dict[str, dict[str, float]], key: str) -> str:
    lines = [
        f"Held-out split: {int(HELD_OUT * 100)} % of each intent per language, seed {SEED}; one model trained on "
        f"the rest of all three languages (inputs {key}).",
        "",
        "| language | held-out examples | intent accuracy | intent macro-F1 | entity F1 |",
        "|---|---|---|---|---|",
    ]
    for language, row in results.items():
        lines.append(
            f"| {language} | {row['examples']} | {row['intent_accuracy']:.3f} | {row['intent_macro_f1']:.3f} "
            f"| {row['entity_f1']:.3f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cached", action="store_true", help="reuse the result for unchanged inputs")
    parser.add_argument("--write-docs", action="store_true", help="write docs/nlu-evaluation.md")
    parser.add_argument("--min-f1", type=float, default=0.75)
    parser.add_argument("--mistakes", action="store_true", help="list the held-out examples it got wrong")
    args = parser.parse_args()

    key = inputs_hash()
    cached = CACHE / f"{key}.json"
    if args.cached and cached.exists():
        results = json.loads(cached.read_text())
        print(f"NLU evaluation (cached for inputs {key}):")
    else:
        parts = {language: split(language) for language in LANGUAGES}
        with tempfile.TemporaryDirectory() as workdir:
            model = train([train_part for train_part, _ in parts.values()], Path(workdir))
            results = score(model, {language: test_part for language, (_, test_part) in parts.items()})
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(results, indent=2))
        partial.replace(cached)
    report = table(results, key)
    print(report)
    if args.mistakes:
        for language, row in results.items():
            for gold, predicted, text in row.get("mistakes", []):
                print(f"{language}  {gold:>24} -> {predicted:<24} {text}")
    if args.write_docs:
        docs = ROOT / "docs" / "nlu-evaluation.md"
        docs.write_text(
            "# NLU evaluation per language\n\n"
            "Produced by `.venv-rasa/bin/python scripts/nlu_eval.py --write-docs` (also run, cached by input hash,\n"
            "by `make test`, which fails when a language's intent macro-F1 drops below 0.75).\n\n"
            + report
            + "\n"
        )
    failing = [lang for lang, row in results.items() if row["intent_macro_f1"] < args.min_f1]
    if failing:
        print(f"intent macro-F1 below {args.min_f1} for: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
