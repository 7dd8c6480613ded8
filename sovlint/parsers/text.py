"""Reading a source file as text: kind, size, encoding and binary content checked once."""

from __future__ import annotations

from pathlib import Path


def read_text(path: Path, display: str) -> str | tuple[str, int | None]:
    """The file's text, or ``(message, line)`` saying why it cannot be read (a special file, a
    file over the size limit, a link out of the scanned tree: :mod:`sovlint.files`)."""
    from sovlint.files import UnreadableFile, read_scanned

    try:
        data = read_scanned(path)
    except UnreadableFile as exc:
        return (exc.reason, None)
    return decode_text(data)


def read_input_text(path: Path) -> str | tuple[str, int | None]:
    """A configuration input's text (config, policy, profile, catalog, baseline file), or
    ``(message, line)``: a regular file of at most ``MAX_CONFIG_FILE_SIZE`` bytes, UTF-8."""
    from sovlint.files import MAX_CONFIG_FILE_SIZE, UnreadableFile, read_bytes

    try:
        data = read_bytes(path, MAX_CONFIG_FILE_SIZE)
    except UnreadableFile as exc:
        return (exc.reason, None)
    return decode_text(data)


def decode_text(data: bytes) -> str | tuple[str, int | None]:
    """Bytes as text, or ``(message, line)`` for binary or non-UTF-8 content."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return ("binary content (NUL byte); not a text file", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return (f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", line)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
