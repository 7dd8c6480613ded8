"""A progress bar on standard error, drawn only when it is a terminal."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """Tasks done out of tasks known (the total grows as accounts, bucket lists or pages are read)."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None,
                 label: str = "sovlint aws"):
        self._label = label
        self._stream = stream if stream is not None else sys.stderr
        isatty = getattr(self._stream, "isatty", lambda: False)
        self._enabled = bool(isatty()) if enabled is None else enabled
        self._done = 0
        self._total = 0
        self._drawn = False

    def grow(self, count: int) -> None:
        """``count`` more tasks are known."""
        self._total += count
        self._draw("")

    def advance(self, label: str) -> None:
        """One task is done; ``label`` says which (account service region, scope page...)."""
        self._done += 1
        self._draw(label)

    def close(self) -> None:
        """Clear the bar's line."""
        if self._enabled and self._drawn:
            self._stream.write("\r\033[K")
            self._stream.flush()

    def _draw(self, label: str) -> None:
        if not self._enabled or self._total == 0:
            return
        filled = self.WIDTH * self._done // self._total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self._stream.write(f"\r\033[K{self._label} [{bar}] {self._done}/{self._total} {label[:40]}")
        self._stream.flush()
        self._drawn = True
