"""Run the benchmarks: `make bench` runs every group, `make bench BENCH=<group>` one.

A group is a module ``benchmarks/<group>.py`` with a ``main()`` that prints its figures and
ends with one line per figure: ``BENCH <name> ours=<v> baseline=<v> ratio=<v> unit=<u>``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _load() -> str:
    """The 1/5/15-minute load averages: figures taken on a busy machine say so beside them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def groups() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "__init__"} and not p.stem.startswith("_"))


def main(argv: list[str]) -> int:
    for path in (str(ROOT), str(ROOT / "platform"), str(HERE)):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    wanted = [a for a in argv if a] or groups()
    unknown = sorted(set(wanted) - set(groups()))
    if unknown:
        print(f"unknown benchmark group(s): {', '.join(unknown)}; known: {', '.join(groups())}", file=sys.stderr)
        return 2
    failed = 0
    for name in wanted:
        print(f"== benchmark group {name} == load average at start: {_load()}", flush=True)
        started = time.perf_counter()
        try:
            # Loaded by file path: a group may share its name with an app (benchmarks/dashboard.py
            # vs platform/dashboard), and the app must stay importable for Django.
            spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", HERE / f"{name}.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module.main()
        except Exception as exc:  # one broken group must not hide the others' figures
            failed += 1
            print(f"!! group {name} failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"== {name} took {time.perf_counter() - started:.1f} s == load average at end: {_load()}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
