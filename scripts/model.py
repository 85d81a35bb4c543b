"""Train the Rasa model only when its inputs changed.

The model file is named after a hash of everything that shapes it (config, domain, training data,
the custom NLU component in bot/nlu/, the Rasa version), so `make run` and `make test` train once and
reuse it afterwards. A trained model is also kept in a cache outside the checkout
(`$INISSIAQ_CACHE_DIR`, default `~/.cache/inissiaq`), under the same hash, so a fresh clone of the
same inputs on the same machine (CI) reuses it instead of training again for several minutes.

    python scripts/model.py path    # print the model path for the current inputs
    python scripts/model.py train   # train if that file does not exist yet; print the path
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
INPUTS = ["config.yml", "domain.yml", "data", "bot/nlu"]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def inputs_hash() -> str:
    digest = hashlib.sha256()
    files: list[Path] = []
    for name in INPUTS:
        path = ROOT / name
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    digest.update((ROOT / "requirements" / "rasa.lock").read_bytes())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return MODELS / f"inissiaq-{inputs_hash()}.tar.gz"


def cache_dir() -> Path:
    """The cache shared by every checkout on this machine (models and NLU evaluation results)."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "inissiaq"
    return Path(os.environ.get("INISSIAQ_CACHE_DIR") or default)


def copy_atomically(source: Path, target: Path) -> None:
    """Copy through a temporary name, so a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.copyfile(source, partial)
    partial.replace(target)


def train() -> Path:
    target = model_path()
    if target.exists():
        print(f"model up to date: {target.relative_to(ROOT)}", file=sys.stderr)
        return target
    cached = cache_dir() / "models" / target.name
    if cached.exists():
        copy_atomically(cached, target)
        print(f"model for these inputs taken from the cache: {cached}", file=sys.stderr)
        return target
    MODELS.mkdir(exist_ok=True)
    print("training the model (inputs changed)...", file=sys.stderr)
    subprocess.run(
        [
            str(RASA),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(MODELS),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # config.yml names a component in bot/
        check=True,
    )
    for old in MODELS.glob("inissiaq-*.tar.gz"):
        if old != target:
            old.unlink()
    copy_atomically(target, cached)
    by_age = sorted(cached.parent.glob("inissiaq-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in by_age[:-3]:  # keep the cache small: the three newest models
        old.unlink(missing_ok=True)
    return target


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "path"
    path = train() if command == "train" else model_path()
    print(path)


if __name__ == "__main__":
    main()
