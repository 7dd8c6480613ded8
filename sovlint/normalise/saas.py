"""SaaS endpoints in configuration values -> the vendors data is sent to (SOV007).

The endpoints are data (``policies/saas-endpoints.yaml``). Any string may hold
URLs or bare host names (an env value, a ConfigMap entry, a Terraform
attribute); each host is matched against the endpoint globs. A URL that a
script only downloads from (``curl -o``, ``wget``, ``Invoke-WebRequest
-OutFile``... without a request body) is not a destination of data. The result is the
same attribute shape whatever the input format: ``saas_endpoints`` (every
endpoint found) and ``foreign_saas`` (those of a vendor under non-EU law).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable

from sovlint.catalog import EEA_COUNTRIES
from sovlint.parse_cache import load_shipped_yaml


@dataclass(frozen=True, slots=True)
class SaasEndpoint:
    """One endpoint entry of the data file."""

    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    vendor: str
    vendor_country: str
    exposures: tuple[str, ...]
    foreign: bool
    source: str | None


@functools.lru_cache(maxsize=1)
def saas_endpoints() -> tuple[SaasEndpoint, ...]:
    """The shipped endpoint table, loaded once."""
    data = load_shipped_yaml("saas-endpoints.yaml") or {}
    entries = []
    for raw in data.get("endpoints") or ():
        country = str(raw.get("vendor_country", ""))
        foreign = raw.get("foreign")
        entries.append(SaasEndpoint(
            hosts=tuple(str(h).lower() for h in raw.get("hosts") or ()),
            paths=tuple(str(p) for p in raw.get("paths") or ()),
            vendor=str(raw.get("vendor", "")),
            vendor_country=country,
            exposures=tuple(str(e) for e in raw.get("exposures") or ()),
            foreign=bool(foreign) if foreign is not None else country not in EEA_COUNTRIES,
            source=raw.get("source"),
        ))
    return tuple(entries)


# a URL (scheme://[user@]host[:port][/path]) or a bare dotted host name
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://(?:[^/@\s\"']*@)?(?P<host>[a-z0-9.-]+)(?::\d+)?(?P<path>/[^\s\"']*)?")
_HOST = re.compile(r"(?i)(?<![\w.@/-])(?P<host>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?P<path>/[^\s\"']*)?")


def hosts_in(text: str) -> list[tuple[str, str]]:
    """The ``(host, path)`` pairs a string mentions, URLs first, in order, without repeats.

    URLs a script only downloads from (:func:`download_spans`) are not counted.
    """
    found: list[tuple[str, str]] = []
    if len(text) > 100_000:
        text = text[:100_000]
    fetched = download_spans(text) if _FETCH_COMMAND.search(text) else []
    spans = []
    for match in _URL.finditer(text):
        spans.append(match.span())
        if any(start <= match.start() < end for start, end in fetched):
            continue
        found.append((match.group("host").lower().rstrip("."), match.group("path") or ""))
    for match in _HOST.finditer(text):
        if any(start <= match.start() < end for start, end in [*spans, *fetched]):
            continue
        found.append((match.group("host").lower(), match.group("path") or ""))
    unique: list[tuple[str, str]] = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique


# Commands that fetch a URL (shell and PowerShell), and the options with which they send a
# body instead (curl(1) -d/--data*/-F/--form/-T/--upload-file/--json/-X POST;
# wget(1) --post-data/--post-file/--body-data/--body-file/--method; PowerShell
# Invoke-WebRequest/Invoke-RestMethod -Body/-InFile/-Form/-Method Post|Put|Patch).
_FETCH_COMMAND = re.compile(
    r"(?i)(?<![\w.-])(?:(?P<unix>curl(?:\.exe)?|wget(?:\.exe)?)|(?P<powershell>invoke-webrequest|iwr"
    r"|invoke-restmethod|irm)|start-bitstransfer|git\s+clone|\.download(?:file|string|data)(?:async)?)"
    r"(?![\w-])")
_CURL_WGET_SENDS = re.compile(
    r"(?:^|\s)(?:-[a-zA-Z]*[dFT](?=[\s@'\"]|$)|--data\S*|--form\S*|--upload-file|--json"
    r"|-X\s*(?:POST|PUT|PATCH)|--request[=\s]+(?:POST|PUT|PATCH)|--post-data|--post-file"
    r"|--body-data|--body-file|--method[=\s]+(?:POST|PUT|PATCH))")
_POWERSHELL_SENDS = re.compile(r"(?i)(?:^|\s)-(?:body|infile|form|method\s+['\"]?(?:post|put|patch))\b")
#: Where one command of a script ends: a new line (not a continued one), ``;``, ``&&``, ``||``, ``|``.
_COMMAND_END = re.compile(r"(?<![\\`])\r?\n|;|&&|\|\||\|")


def download_spans(text: str) -> list[tuple[int, int]]:
    """The parts of a script whose URLs are only fetched: a command that downloads (curl,
    wget, Invoke-WebRequest, WebClient.DownloadFile, git clone...) without sending a body.
    Downloading a binary or a script sends no data to the host it comes from."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end_match in [*_COMMAND_END.finditer(text), None]:
        end = end_match.start() if end_match is not None else len(text)
        command = text[start:end]
        fetch = _FETCH_COMMAND.search(command)
        if fetch is not None:
            arguments = command[fetch.end():]
            sends = (fetch.group("unix") and _CURL_WGET_SENDS.search(arguments)) or \
                (fetch.group("powershell") and _POWERSHELL_SENDS.search(arguments))
            if not sends:
                spans.append((start, end))
        start = end_match.end() if end_match is not None else len(text)
    return spans


def endpoint_for(host: str, path: str = "") -> SaasEndpoint | None:
    """The endpoint entry that a host (and URL path) designates, if any."""
    for entry in _entries_at(host):
        if entry.paths and not any(path.startswith(p) for p in entry.paths):
            continue
        return entry
    return None


@functools.lru_cache(maxsize=1024)
def _entries_at(host: str) -> tuple[SaasEndpoint, ...]:
    """The endpoint entries whose host patterns match ``host``, in the data's order."""
    return tuple(entry for entry in saas_endpoints()
                 if any(fnmatch.fnmatchcase(host, pattern) for pattern in entry.hosts))


def endpoints_in(values: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """SaaS endpoints named in ``(where, text)`` values, as ``saas_endpoints`` entries."""
    result: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for where, text in values:
        if not isinstance(text, str) or "." not in text:
            continue
        for host, path in hosts_in(text):
            entry = endpoint_for(host, path)
            if entry is None or (host, where) in seen:
                continue
            seen.add((host, where))
            result.append({"host": host, "vendor": entry.vendor, "country": entry.vendor_country,
                           "exposure": list(entry.exposures), "foreign": entry.foreign,
                           "via": where})
    return result


def saas_attributes(endpoints: list[dict[str, Any]]) -> dict[str, Any]:
    """The attributes SOV007 reads: ``saas_endpoints``, ``foreign_saas`` and a printable list."""
    foreign = [e for e in endpoints if e["foreign"]]
    return {
        "saas_endpoints": endpoints,
        "foreign_saas": foreign,
        "foreign_saas_hosts": sorted({f"{e['host']} ({e['vendor']}, {e['country']}; {e['via']})"
                                      for e in foreign}),
    }
