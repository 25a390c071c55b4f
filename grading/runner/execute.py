"""Runs INSIDE the grading sandbox: execute one notebook with a fresh kernel, print the result.

Run as a script (``python execute.py``), it imports nothing from the site. The request
comes on stdin as JSON ``{"nonce", "notebook" (ipynb text), "cell_timeout", "max_cell_output"}`` and is
read completely before any student code runs; the kernel gets no stdin and its stdout and
stderr go to /dev/null, and this process is made non-dumpable, so code in the kernel cannot
read the request (hidden tests of later cells), nor write into our stdout (the result),
nor attach to us. The result goes to stdout between ``<nonce>:BEGIN`` and ``<nonce>:END``:
``{"status": "ok"|"timed_out"|"kernel_died"|"error", "cells": [{"outputs", "reply"}], "log"}``.
The trusted process scores it; nothing here decides a grade.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import traceback
from typing import Any

PR_SET_DUMPABLE = 4


def _nondumpable() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except OSError:  # pragma: no cover - not Linux
        pass


def _bounded_client_class() -> Any:
    from nbclient import NotebookClient

    class BoundedClient(NotebookClient):  # type: ignore[misc]
        """Caps what one cell may print; errors and results are always kept (they decide scores)."""

        max_cell_output = 256 * 1024
        max_total_output = 2 * 1024 * 1024

        def output(self, outs: list[Any], msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
            used_map: dict[int, int] = self.__dict__.setdefault("_used_bytes", {})
            used = used_map.get(cell_index, 0)
            total = sum(used_map.values())
            msg_type = msg["msg_type"]
            content = msg.get("content", {})
            size = len(json.dumps(content, default=str))
            if msg_type in ("error", "execute_result"):
                if size > self.max_cell_output:
                    content = dict(content)
                    if "traceback" in content:
                        content["traceback"] = [line[:2000] for line in content["traceback"][-20:]]
                    if "evalue" in content:
                        content["evalue"] = str(content["evalue"])[:2000]
                    if "data" in content:
                        content["data"] = {"text/plain": str(content["data"].get("text/plain", ""))[:2000]}
                    msg = {**msg, "content": content}
                return super().output(outs, msg, display_id, cell_index)
            if used + size > self.max_cell_output or total + size > self.max_total_output:
                name = content.get("name", "stdout") if msg_type == "stream" else "stdout"
                if not any(
                    o.get("output_type") == "stream" and o.get("name") == name and o.get("_truncated") for o in outs
                ):
                    marker = {
                        "output_type": "stream",
                        "name": name,
                        "text": "\n[output truncated]\n",
                        "_truncated": True,
                    }
                    from nbformat import from_dict

                    outs.append(from_dict(marker))
                return None
            used_map[cell_index] = used + size
            return super().output(outs, msg, display_id, cell_index)

    return BoundedClient


READY = "LIANGZHI-READY"


def main() -> int:
    _nondumpable()
    preload = sys.argv[sys.argv.index("--preload") + 1] if "--preload" in sys.argv else ""
    log: list[str] = []
    status = "ok"
    replies: dict[int, str] = {}
    nb: Any = None
    nonce = ""
    try:
        import nbformat

        client_class = _bounded_client_class()
        client = client_class(
            nbformat.v4.new_notebook(),
            timeout=30,
            startup_timeout=60,
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=False,
            record_timing=False,
            iopub_timeout=10,
            extra_arguments=["--HistoryManager.enabled=False", "--InteractiveShell.colors=NoColor"],
            resources={"metadata": {"path": os.getcwd()}},
        )

        def _record(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
            replies[cell_index] = str(execute_reply.get("content", {}).get("status", "unknown"))

        with client.setup_kernel(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            if preload:
                # Warm path: the kernel is up and the stack imported before the job exists.
                names = [n.strip() for n in preload.split(",") if n.strip().isidentifier() or "." in n]
                code = "\n".join(f"try:\n    import {n}\nexcept Exception:\n    pass" for n in names)
                client.nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
                client.execute_cell(client.nb.cells[0], 0, store_history=False)
                replies.clear()
            sys.stdout.write(READY + "\n")
            sys.stdout.flush()
            request = json.loads(sys.stdin.buffer.read())
            sys.stdin.close()
            nonce = str(request["nonce"])
            nb = nbformat.reads(request["notebook"], as_version=4)
            client.nb = nb
            client.timeout = float(request.get("cell_timeout", 30))
            client.max_cell_output = int(request.get("max_cell_output", 256 * 1024))
            client.max_total_output = int(request.get("max_total_output", 2 * 1024 * 1024))
            client.on_cell_executed = _record
            client.reset_execution_trackers()
            try:
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            except Exception as exc:
                from nbclient.exceptions import CellTimeoutError, DeadKernelError

                if isinstance(exc, CellTimeoutError):
                    status = "timed_out"
                    log.append(f"cell timeout: {str(exc).splitlines()[0][:300]}")
                elif isinstance(exc, DeadKernelError):
                    status = "kernel_died"
                    log.append("the kernel died")
                else:
                    status = "error"
                    log.append("".join(traceback.format_exception_only(type(exc), exc))[-2000:])
    except Exception:
        status = "error"
        log.append(traceback.format_exc()[-4000:])
    cells = []
    if nb is not None:
        for index, cell in enumerate(nb.cells):
            outputs = [dict(o) for o in cell.get("outputs", [])] if cell.cell_type == "code" else []
            for o in outputs:
                o.pop("_truncated", None)
            cells.append({"outputs": outputs, "reply": replies.get(index)})
    body = json.dumps({"status": status, "cells": cells, "log": "\n".join(log)}, default=str)
    sys.stdout.write(f"\n{nonce}:BEGIN\n{body}\n{nonce}:END\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
