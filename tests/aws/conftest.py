"""Fixtures of the live-review tests: a moto server (server mode), AWS test credentials, catalog."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def moto_server_command() -> str | None:
    """``moto_server`` next to this Python (a venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / "moto_server"
    if beside.exists():
        return str(beside)
    return shutil.which("moto_server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port, for the whole session; its URL."""
    command = moto_server_command()
    if command is None:
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    port = _free_port()
    env = {**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    process = subprocess.Popen([command, "-H", "127.0.0.1", "-p", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Test credentials only: no user config or credentials file is read."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture()
def moto(moto_server: str, aws_env: None) -> str:
    """The moto server's URL, with its state reset for this test."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    return moto_server


@pytest.fixture()
def live_catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory whose .sovlint.yaml adds the test AWS catalog; the live types mapped.

    Returns the config file. The category map is the shipped one (when this
    branch has it) completed by ``fixtures/categories.yaml``.
    """
    import yaml

    from sovlint import resolve

    try:
        shipped = resolve.category_map()
    except FileNotFoundError:
        shipped = {}
    extra = yaml.safe_load((FIXTURES / "categories.yaml").read_text(encoding="utf-8"))
    merged: dict[str, Any] = {k: dict(v) for k, v in shipped.items()}
    merged["cloudformation"] = {**extra["cloudformation"], **merged.get("cloudformation", {})}
    monkeypatch.setattr(resolve, "category_map", lambda: merged)
    config = tmp_path / ".sovlint.yaml"
    config.write_text(f"catalog: [{FIXTURES / 'aws-catalog.yaml'}]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return config
