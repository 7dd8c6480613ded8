"""``--endpoint`` of the live reviews: https, or a loopback test server; nothing else."""

from __future__ import annotations

import pytest

from sovlint.live.review import endpoint_refusal


@pytest.mark.parametrize("endpoint", ["https://management.azure.com", "https://10.0.0.1:8443",
                                      "http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:80"])
def test_accepted(endpoint: str) -> None:
    assert endpoint_refusal(endpoint) is None


@pytest.mark.parametrize("endpoint", ["http://example.org", "http://10.0.0.1", "ftp://127.0.0.2.example",
                                      "http://localhost.example.org"])
def test_refused(endpoint: str) -> None:
    assert endpoint_refusal(endpoint) == f"--endpoint {endpoint}: only https (or a loopback test server)"
