"""An OpenIGTLink server (`vesselscope serve`, or a test's fake) in a child process.

A separate process, not a thread, so that killing it is a real server crash (the OS resets the
connection) and its work does not share our interpreter's lock.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
from collections import deque
from pathlib import Path

from vesselscope.self_command import vesselscope_command

_LISTENING = re.compile(r" on (\S+):(\d+) at ")
STARTUP_TIMEOUT_S = 20.0


class ServerProcess:
    """Runs `COMMAND --port PORT` and learns the port from a line saying "on HOST:PORT at".

    port=0 lets the server pick a free port; restart() reuses the port it got.
    """

    def __init__(self, command: list[str], port: int = 0) -> None:
        self.command = command
        self.port = port
        self.lines: deque[str] = deque(maxlen=200)  # the server's latest output
        self._process: subprocess.Popen[str] | None = None
        self.start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_repo_root(), env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [*self.command, "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        # A thread keeps reading the server's output, so a chatty server never blocks on a
        # full pipe; it reports the port from the line that names it.
        assert self._process is not None
        found: queue.Queue[int | None] = queue.Queue()
        threading.Thread(target=self._drain, args=(self._process, found), daemon=True).start()
        try:
            port = found.get(timeout=STARTUP_TIMEOUT_S)
        except queue.Empty:
            port = None
        if port is None:  # the server exited, or never said where it listens
            self.stop()
            raise RuntimeError(f"{self.command} did not start:\n" + "\n".join(self.lines))
        return port

    def _drain(self, process: subprocess.Popen[str], found: queue.Queue[int | None]) -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                self.lines.append(line.rstrip())
                if match := _LISTENING.search(line):
                    found.put(int(match.group(2)))
        found.put(None)

    def kill(self) -> None:
        """Crash it (SIGKILL): no goodbye to the clients."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)

    def stop(self) -> None:
        """End it politely (SIGTERM), killing it if it does not go within a few seconds."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_process(source: str, *args: str, port: int = 0) -> ServerProcess:
    """`python -m vesselscope serve SOURCE ARGS...` in a child process."""
    return ServerProcess([*vesselscope_command(), "serve", source, *args], port)


def _repo_root() -> str:
    return str(Path(__file__).resolve().parents[2])
