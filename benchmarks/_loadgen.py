"""Run a command on a busy machine: a load generator beside it, the load average printed before and after.

    python benchmarks/_loadgen.py --procs 8 -- python -m pytest tests/grading/test_pool.py

A school server at the start of a lesson runs at a load average of 7–20 on 2 cores (issue 14).
This starts ``--procs`` processes beside the command, each spinning the CPU in short bursts with a
small write + fsync now and then (the disk of a busy server is busy too), at normal priority, so
the command competes for the CPU as it would there. The command starts after ``--ramp`` seconds
(default 30, so that the 1-minute load average shows the generator). The generator stops when the
command ends (or is interrupted); the exit status is the command's. Nothing is timed against a
limit: it prints the load averages so that whatever ran beside it can say what it ran under.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _spin(stop: Any, scratch: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    path = Path(scratch) / f"load-{os.getpid()}"
    rounds = 0
    while not stop.is_set():
        until = time.perf_counter() + 0.05
        x = 0
        while time.perf_counter() < until:
            x += 1
        rounds += 1
        if rounds % 20 == 0:  # about once a second: a small durable write
            with open(path, "wb") as fh:
                fh.write(os.urandom(64 * 1024))
                fh.flush()
                os.fsync(fh.fileno())
    path.unlink(missing_ok=True)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run(procs: int, command: list[str], ramp: float = 0.0) -> int:
    stop = multiprocessing.Event()
    with tempfile.TemporaryDirectory(prefix="loadgen-") as scratch:
        workers = [multiprocessing.Process(target=_spin, args=(stop, scratch), daemon=True) for _ in range(procs)]
        print(
            f"loadgen: {procs} busy processes beside `{' '.join(command)}`; load average at start {load()}", flush=True
        )
        for w in workers:
            w.start()
        time.sleep(ramp)  # the 1-minute load average needs a while to show the generator
        print(f"loadgen: load average as the command starts {load()}", flush=True)
        try:
            code = subprocess.call(command)
        except KeyboardInterrupt:
            code = 130
        finally:
            print(f"loadgen: load average at end {load()}", flush=True)
            stop.set()
            for w in workers:
                w.join(timeout=10)
                if w.is_alive():
                    w.kill()
    return code


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--procs", type=int, default=4 * (os.cpu_count() or 1), help="busy processes (default: 4 per core)"
    )
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds of load before the command starts")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (put it after --)")
    return run(max(0, args.procs), command, max(0.0, args.ramp))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
