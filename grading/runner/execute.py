"""Runs INSIDE the student's grading sandbox: execute one notebook with a fresh kernel, streaming what ran.

Run as a script (``python execute.py``), it imports nothing from the site. The job comes on
stdin as one JSON line ``{"nonce", "notebook" (ipynb text), "cell_timeout", "max_cell_output"}``; the
kernel gets no stdin and its stdout and stderr go to /dev/null, and this process is made
non-dumpable, so code in the kernel can neither read our stdin nor write into our stdout (the
frames) nor attach to us. Trusted test cells never come here: the notebook holds a *checkpoint*
cell in their place (metadata ``liangzhi_checkpoint``).

Frames go to stdout as ``<nonce>:<json>`` lines, each as soon as it is known (a job killed later
still says what ran): ``{"t": "cell", "i", "outputs", "reply"}`` per executed cell,
``{"t": "checkpoint", "i"}`` at a checkpoint, then ``{"t": "end", "status": "ok"|"timed_out"|
"kernel_died"|"error", "log"}``. At a checkpoint the trusted side asks for values through further
stdin lines: ``{"t": "req", "id", "data"}`` is served in the kernel by ``liangzhi_wire.serve`` and
answered ``{"t": "resp", "id", "data", "outputs"}``; a test's own function called by student code
asks back with ``{"t": "cb", "data"}`` and gets ``{"t": "cbresp", "data"}``; ``{"t": "continue"}``
resumes the notebook. A request that outlives the cell timeout interrupts the kernel and is
answered with a TimeoutError. The trusted process scores; nothing here decides a grade.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
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
HERE = os.path.dirname(os.path.abspath(__file__))
CB_PREFIX = "\x00liangzhi-cb:"
INSTALL = (
    "import sys as _lz_sys\n"
    f"_lz_sys.path.insert(0, {HERE!r})\n"
    "import liangzhi_wire as _lz_wire\n"
    f"_lz_sys.path.remove({HERE!r})\n"
    "del _lz_sys, _lz_wire\n"
)


class Hung(Exception):
    """The kernel did not come back from an interrupt."""


class Channel:
    """Stdin lines in, nonce-framed stdout lines out."""

    def __init__(self) -> None:
        self.nonce = ""
        self.stdin = sys.stdin.buffer

    def send(self, frame: dict[str, Any]) -> None:
        sys.stdout.write(f"{self.nonce}:{json.dumps(frame, default=str)}\n")
        sys.stdout.flush()

    def receive(self) -> dict[str, Any] | None:
        line = self.stdin.readline()
        if not line:
            return None
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            return {}
        return msg if isinstance(msg, dict) else {}


async def _request(client: Any, channel: Channel, data: str, timeout: float, cap: int) -> tuple[str, list[Any]]:
    """Serve one request in the kernel: (reply JSON text, stream outputs the student's code printed)."""
    import ast
    import queue

    kc = client.kc
    msg_id = kc.execute(
        f"__import__('liangzhi_wire').serve({data!r})",
        silent=True,
        store_history=False,
        allow_stdin=True,
        user_expressions={"r": "__import__('liangzhi_wire').take()"},
    )
    outputs: list[dict[str, Any]] = []
    used = 0
    deadline = time.monotonic() + timeout
    interrupted = False
    reply = None
    while reply is None:
        if time.monotonic() > deadline:
            if interrupted:
                raise Hung()
            interrupted = True
            await client.km.interrupt_kernel()
            deadline = time.monotonic() + 5
        try:
            msg = await kc.get_stdin_msg(timeout=0)
            if msg["msg_type"] == "input_request":
                prompt = str(msg["content"].get("prompt", ""))
                answer = ""
                if prompt.startswith(CB_PREFIX) and not interrupted:
                    channel.send({"t": "cb", "data": prompt[len(CB_PREFIX) :]})
                    while True:
                        got = channel.receive()
                        if got is None:
                            answer = json.dumps({"error": "the grader stopped"})
                            break
                        if got.get("t") == "cbresp":
                            answer = str(got.get("data", ""))
                            break
                kc.input(answer)
        except queue.Empty:
            pass
        while True:
            try:
                msg = await kc.get_iopub_msg(timeout=0)
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                text = str(msg["content"].get("text", ""))
                if used + len(text) <= cap:
                    outputs.append({"output_type": "stream", "name": msg["content"].get("name"), "text": text})
                used += len(text)
        try:
            msg = await kc.get_shell_msg(timeout=0.005)
            if msg["parent_header"].get("msg_id") == msg_id:
                reply = msg
        except queue.Empty:
            pass
    content = reply["content"]
    if interrupted:
        return json.dumps(
            {"error": {"ename": "TimeoutError", "evalue": f"the call did not return within {timeout:g} s"}}
        ), outputs
    if content.get("status") != "ok":
        return json.dumps(
            {"error": {"ename": str(content.get("ename")), "evalue": str(content.get("evalue"))}}
        ), outputs
    text = content.get("user_expressions", {}).get("r", {}).get("data", {}).get("text/plain", "''")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError):
        value = ""
    if not isinstance(value, str) or not value:
        value = json.dumps({"error": {"ename": "RuntimeError", "evalue": "the notebook's kernel gave no answer"}})
    return value, outputs


def _serve_checkpoint(client: Any, channel: Channel, timeout: float, cap: int, state: dict[str, Any]) -> bool:
    """Answer requests until ``continue``; False when the grader went away."""
    from jupyter_core.utils import run_sync

    while True:
        msg = channel.receive()
        if msg is None:
            return False
        kind = msg.get("t")
        if kind == "continue":
            return True
        if kind != "req":
            continue
        outputs: list[Any] = []
        if state["hung"]:
            data = json.dumps({"error": {"ename": "TimeoutError", "evalue": "the kernel is not responding"}})
        else:
            try:
                data, outputs = run_sync(_request)(client, channel, str(msg.get("data", "")), timeout, cap)
            except Hung:
                state["hung"] = True
                state["dead"] = not run_sync(client.km.is_alive)()
                data = json.dumps(
                    {"error": {"ename": "TimeoutError", "evalue": f"the call did not return within {timeout:g} s"}}
                )
        channel.send({"t": "resp", "id": msg.get("id"), "data": data, "outputs": outputs})


def _cell_frame(index: int, cell: Any, reply: str | None) -> dict[str, Any]:
    outputs = [dict(o) for o in cell.get("outputs", [])] if cell.cell_type == "code" else []
    for o in outputs:
        o.pop("_truncated", None)
    return {"t": "cell", "i": index, "outputs": outputs, "reply": reply}


def main() -> int:
    _nondumpable()
    preload = sys.argv[sys.argv.index("--preload") + 1] if "--preload" in sys.argv else ""
    log: list[str] = []
    status = "ok"
    replies: dict[int, str] = {}
    channel = Channel()
    ended = False

    def end() -> None:
        """The last frame; sent before the kernel's graceful shutdown (which the grader does not
        wait for: it kills the sandbox as soon as this arrives)."""
        nonlocal ended
        if channel.nonce and not ended:
            ended = True
            channel.send({"t": "end", "status": status, "log": "\n".join(log)})

    try:
        # jsonschema checks "iri" formats with rfc3987_syntax when it is installed, and importing it
        # builds a grammar (about 1 s of CPU per job); nbformat's schema has no such format.
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
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
            # Warm path: the kernel is up and the stack imported before the job exists.
            names = [n.strip() for n in preload.split(",") if n.strip().isidentifier() or "." in n]
            code = INSTALL + "\n".join(f"try:\n    import {n}\nexcept Exception:\n    pass" for n in names)
            client.nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
            client.execute_cell(client.nb.cells[0], 0, store_history=False)
            replies.clear()
            sys.stdout.write(READY + "\n")
            sys.stdout.flush()
            request = channel.receive() or {}
            channel.nonce = str(request["nonce"])
            nb = nbformat.reads(request["notebook"], as_version=4)
            client.nb = nb
            cell_timeout = float(request.get("cell_timeout", 30))
            client.timeout = cell_timeout
            client.max_cell_output = int(request.get("max_cell_output", 256 * 1024))
            client.max_total_output = int(request.get("max_total_output", 2 * 1024 * 1024))
            client.on_cell_executed = _record
            client.reset_execution_trackers()
            state: dict[str, bool] = {"hung": False, "dead": False}
            try:
                for index, cell in enumerate(nb.cells):
                    if "liangzhi_checkpoint" in cell.get("metadata", {}):
                        channel.send({"t": "checkpoint", "i": index})
                        if not _serve_checkpoint(client, channel, cell_timeout, client.max_cell_output, state):
                            status = "error"
                            log.append("the grader went away")
                            break
                        if state["hung"]:
                            status = "kernel_died" if state.get("dead") else "timed_out"
                            log.append(
                                "the kernel died"
                                if state.get("dead")
                                else "the kernel did not come back from an interrupt"
                            )
                            break
                        continue
                    try:
                        client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                    finally:
                        channel.send(_cell_frame(index, cell, replies.get(index)))
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
            end()
    except Exception:
        status = "error"
        log.append(traceback.format_exc()[-4000:])
    end()
    return 0


if __name__ == "__main__":
    sys.exit(main())
