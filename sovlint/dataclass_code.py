"""The methods ``@dataclass`` writes for sovlint's classes, compiled once instead of on every start.

``dataclasses`` writes each class's ``__init__``, ``__repr__``, ``__eq__``,
``__hash__`` and frozen ``__setattr__``/``__delattr__`` as source text and
runs it with ``exec``: compiling that text was half of sovlint's import time
(64 classes, 40-60 ms of every command on a 2-core machine). Here the module's
``exec`` compiles each text once and keeps its code object in a file of the
cache directory (``marshal``, one file per Python build and sovlint version),
read back on the next start. The text is the key, so a code object only ever
stands for the very text it was compiled from, and the functions made from it
are the ones ``exec`` would have made. A missing, unreadable or foreign file is
ignored (the text is compiled as usual). Like the compiled built-in data, the
file depends on sovlint's own code only and is kept under ``--no-cache`` too.
"""

from __future__ import annotations

import atexit
import dataclasses
import marshal
import os
import sys
import zlib
from types import CodeType
from typing import Any

#: Compiled texts of this process (read from the file, then added to).
_codes: dict[str, CodeType] = {}
#: Texts compiled by this process (not found in the file): the file is rewritten at exit.
_compiled: list[str] = []
#: Texts the file holds at most (a file grown past it is started again).
MAX_ENTRIES = 4096


def _file() -> str:
    """The file of this Python build (a code object is read back by the build that wrote it)
    and sovlint version."""
    from sovlint import __version__
    from sovlint.cache_home import cache_home

    build = f"{sys.implementation.cache_tag}-{zlib.crc32(sys.version.encode()):08x}"
    return os.path.join(cache_home(), f"dataclass-code-{build}-{__version__}.marshal")


def _exec(source: Any, globals: Any = None, locals: Any = None) -> None:
    """``exec`` for ``dataclasses``: a text compiled before is not compiled again."""
    if isinstance(source, str):
        code = _codes.get(source)
        if code is None:
            # the flags ``exec`` would compile the text with: none inherited (dataclasses has
            # no ``__future__`` import; this module has)
            code = _codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            _compiled.append(source)
        source = code
    exec(source, globals, locals)


def install() -> None:
    """Make ``dataclasses`` compile through :func:`_exec` (once per process)."""
    if getattr(dataclasses, "exec", None) is _exec:
        return
    path = _file()
    try:
        with open(path, "rb") as handle:
            loaded = marshal.load(handle)
        if isinstance(loaded, dict) and len(loaded) <= MAX_ENTRIES:
            _codes.update((text, code) for text, code in loaded.items()
                          if isinstance(text, str) and isinstance(code, CodeType))
    except (OSError, EOFError, ValueError, TypeError):
        pass
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # found before the builtin
    atexit.register(_save, path, os.getpid())


def _save(path: str, pid: int) -> None:
    """Write the file again when this process compiled texts it did not hold (not from a
    forked worker: the process that started keeps it)."""
    if not _compiled or os.getpid() != pid:
        return
    codes = _codes if len(_codes) <= MAX_ENTRIES else {text: _codes[text] for text in _compiled}
    import tempfile

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            marshal.dump(codes, handle)
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass
