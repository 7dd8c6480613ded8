"""The methods ``@dataclass`` writes are compiled once, kept in the cache directory, and make the
same classes when read back; a damaged file is ignored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import dataclasses, json, sys
from sovlint import dataclass_code
from sovlint.model import Resource, SourceSpan

@dataclasses.dataclass(frozen=True)
class Probe:
    name: str
    items: tuple = dataclasses.field(default_factory=tuple)
    count: int = 3

first, second = Probe("a"), Probe("a")
try:
    first.name = "b"
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
resource = Resource(address="a.b", resource_type="aws_s3_bucket", source=SourceSpan("main.tf", 1),
                    input_format="terraform", provider="aws", region="eu-west-3")
print(json.dumps({
    "compiled": len(dataclass_code._compiled),
    "held": len(dataclass_code._codes),
    "behaviour": [repr(first), first == second, hash(first) == hash(second), frozen,
                  first.items == (), Probe("x", (1,), 4).count,
                  repr(resource) == repr(dataclasses.replace(resource)), resource.region],
    "init_code": [Probe.__init__.__code__.co_code.hex(), repr(Probe.__init__.__code__.co_consts)],
}))
"""


def _probe(cache: Path) -> dict[str, object]:
    env = {**os.environ, "SOVLINT_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def _code_file(cache: Path) -> Path:
    found = sorted(cache.glob("dataclass-code-*.marshal"))
    assert len(found) == 1
    return found[0]


def test_methods_compiled_once_then_read_back_alike(tmp_path: Path) -> None:
    first = _probe(tmp_path)
    assert first["compiled"] and first["compiled"] == first["held"]
    assert _code_file(tmp_path).stat().st_mode & 0o777 == 0o600
    second = _probe(tmp_path)
    assert second["compiled"] == 0 and second["held"] == first["held"]
    assert second["behaviour"] == first["behaviour"] == [
        "Probe(name='a', items=(), count=3)", True, True, True, True, 4, True, "eu-west-3"]
    assert second["init_code"] == first["init_code"]


def test_a_damaged_file_is_ignored_and_written_again(tmp_path: Path) -> None:
    fresh = _probe(tmp_path)
    code_file = _code_file(tmp_path)
    code_file.write_bytes(b"\x00not marshal data")
    damaged = _probe(tmp_path)
    assert damaged["compiled"] == fresh["compiled"] and damaged["behaviour"] == fresh["behaviour"]
    assert _probe(tmp_path)["compiled"] == 0
