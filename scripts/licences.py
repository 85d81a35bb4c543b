"""List the licence of every installed distribution: `python scripts/licences.py` in each venv."""

from __future__ import annotations

import importlib.metadata as metadata


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [
        c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License")
    ]
    return "; ".join(classifiers) or (meta.get("License") or "unknown")[:60]


def main() -> None:
    for dist in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
        print(f"{dist.metadata['Name']}\t{licence_of(dist)}")


if __name__ == "__main__":
    main()
