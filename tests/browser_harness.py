"""Run JupyterLab on loopback and drive it with Debian's Chromium through Playwright.

Used by ``tests/test_browser.py`` and the Binder replay in ``tests/test_binder.py``.

* :class:`JupyterLab` starts ``python -m jupyter lab`` on a free loopback port with a
  random token, in a temporary root folder, with temporary config, data, runtime,
  settings and home folders: nothing of the developer's own settings leaks in, while
  the extensions installed in the Python's prefix (nbgrader's lab extension among
  them) still load. It always stops the server, even when a test fails.
* :func:`browser` launches ``/usr/bin/chromium`` headless with the flags this closed
  network needs and a fresh profile, and always closes it.
* :func:`missing` says why browser tests cannot run here (no Chromium, no Playwright),
  or returns None.

Playwright's own browser download (``playwright install``) is never used.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
#: Flags Chromium needs on a closed network; Playwright adds --headless and a profile.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: How long JupyterLab may take to answer after it was started, in seconds.
SERVER_START_TIMEOUT = 90
#: The notebook tracker's settings in the temporary JupyterLab settings folder: every
#: cell stays in the page (no virtual scrolling), so every output can be inspected.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # no "what's new" or news pop-ups over the notebook
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def missing() -> str | None:
    """Why browser tests cannot run on this machine, or None when they can."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install --no-install-recommends chromium; .ci/run does)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[test]'"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on a free loopback port, serving ``root``.

    Use as a context manager; ``url(path)`` gives a tokenised address in the server.
    """

    def __init__(
        self,
        root: Path,
        *,
        python: str | Path = sys.executable,
        state: Path,
        env: Mapping[str, str] | None = None,
    ):
        self.root = Path(root)
        self.python = str(python)
        self.state = Path(state)
        self.extra_env = dict(env or {})
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = self.state / "jupyterlab.log"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTERLAB_DIR", "PYTHONPATH"):
            env.pop(name, None)
        home = self.state / "home"
        folders = {
            "HOME": home,
            "JUPYTER_CONFIG_DIR": home / ".jupyter",
            "JUPYTER_DATA_DIR": home / ".local" / "share" / "jupyter",
            "JUPYTER_RUNTIME_DIR": self.state / "runtime",
            "JUPYTERLAB_SETTINGS_DIR": self.state / "lab-settings",
            "JUPYTERLAB_WORKSPACES_DIR": self.state / "lab-workspaces",
            "IPYTHONDIR": home / ".ipython",
            "MPLCONFIGDIR": home / ".matplotlib",
        }
        for name, folder in folders.items():
            folder.mkdir(parents=True, exist_ok=True)
            env[name] = str(folder)
        env.update(self.extra_env)
        return env

    def _write_settings(self, settings_dir: Path) -> None:
        for name, values in LAB_SETTINGS.items():
            plugin, file_name = name.rsplit("/", 1)
            path = settings_dir / plugin / file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))

    def __enter__(self) -> JupyterLab:
        env = self.environment()
        self._write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
        command = [
            self.python, "-m", "jupyter", "lab", "--no-browser",
            f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--ServerApp.allow_root=True")  # CI containers run as root
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its kernels belong to its process group: stopped with it
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def api(self, path: str):
        request = urllib.request.Request(
            f"{self.base}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start:\n{self.log()}")
            try:
                self.api("/api/status")
                urllib.request.urlopen(f"{self.base}/lab?token={self.token}", timeout=10).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise TimeoutError(f"JupyterLab did not answer in {SERVER_START_TIMEOUT} s:\n{self.log()}")

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}?token={self.token}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def kernels_idle(self) -> bool:
        kernels = self.api("/api/kernels")
        return all(kernel["execution_state"] == "idle" for kernel in kernels)

    def shutdown_kernels(self) -> None:
        """Shut down every kernel of the server (the pages that started them are closed)."""
        for kernel in self.api("/api/kernels"):
            request = urllib.request.Request(
                f"{self.base}/api/kernels/{kernel['id']}",
                method="DELETE",
                headers={"Authorization": f"token {self.token}"},
            )
            with contextlib.suppress(urllib.error.URLError):
                urllib.request.urlopen(request, timeout=30).close()

    def stop(self) -> None:
        """Stop the server and its kernels (SIGTERM to its process group, then SIGKILL)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        # kernels left in the group after the server exited
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()
        self.process = None


@contextlib.contextmanager
def browser(playwright, *, timeout_ms: int = 30_000) -> Iterator:
    """A headless Chromium browser context with a fresh profile; always closed."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1000},
            timeout=60_000,
        )
        try:
            context.set_default_timeout(timeout_ms)
            yield context
        finally:
            context.close()


def wait_for(condition, *, timeout: float, interval: float = 0.25, message: str = "") -> None:
    """Poll ``condition()`` until it is true; raise TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(message or f"condition not met in {timeout} s")
