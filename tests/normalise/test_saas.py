"""SaaS endpoints in configuration values (SOV007): a URL a script only downloads from is not one."""

from __future__ import annotations

import pytest

from sovlint.normalise.saas import endpoints_in, hosts_in


@pytest.mark.parametrize("script", [
    # Azure Custom Script Extension installing an agent
    'powershell -ExecutionPolicy Bypass -Command "Invoke-WebRequest -Uri '
    'https://tools.blob.core.windows.net/agents/agent.msi -OutFile C:\\agent.msi; '
    "Start-Process msiexec -ArgumentList '/i C:\\agent.msi /quiet' -Wait\"",
    "iwr https://tools.blob.core.windows.net/agents/setup.ps1 -UseBasicParsing | iex",
    '(New-Object Net.WebClient).DownloadFile("https://storage.googleapis.com/releases/tool.exe", "tool.exe")',
    "Start-BitsTransfer -Source https://tools.blob.core.windows.net/agents/agent.msi -Destination C:\\a.msi",
    # cloud-init / user_data, container commands
    "curl -fsSL https://raw.githubusercontent.com/org/tool/v1.2.0/install.sh | bash",
    "curl -fsSL \\\n  -o /usr/local/bin/tool https://s3.amazonaws.com/releases/tool",
    "wget -qO- https://s3.amazonaws.com/releases/tool.tar.gz | tar xz -C /opt",
    "git clone --depth 1 https://github.com/org/repo /src && make -C /src",
])
def test_a_download_sends_no_data(script: str) -> None:
    assert [e for e in endpoints_in([("user_data", script)]) if e["foreign"]] == []


@pytest.mark.parametrize("script, host", [
    ("curl -fsS -X POST -d @/reports/week.json https://hooks.slack.com/services/T0/B0/X", "hooks.slack.com"),
    ("curl -s https://hooks.slack.com/services/T0/B0/X --data-binary @report.json", "hooks.slack.com"),
    ("curl -F file=@dump.sql https://slack.com/api/files.upload", "slack.com"),
    ("curl -T backup.tar https://backups.s3.amazonaws.com/nightly/", "backups.s3.amazonaws.com"),
    ("wget --post-file=/var/log/app.log https://http-intake.logs.datadoghq.com/v1/input",
     "http-intake.logs.datadoghq.com"),
    ("Invoke-RestMethod -Method Post -Uri https://api.openai.com/v1/chat/completions -Body $payload",
     "api.openai.com"),
    ("Invoke-WebRequest -Uri https://hooks.slack.com/services/T0/B0/X -Method POST -Body $json",
     "hooks.slack.com"),
    # a download, then the data sent elsewhere in the same script
    ("curl -fsSLo agent.sh https://get.example.com/agent.sh && export SENTRY_DSN=https://k@o1.ingest.sentry.io/1",
     "o1.ingest.sentry.io"),
])
def test_sending_is_still_an_endpoint(script: str, host: str) -> None:
    assert host in {e["host"] for e in endpoints_in([("user_data", script)])}


def test_curl_options_that_only_look_like_sending() -> None:
    # -f (fail), -s, -S, -L, -o are not -d/-F/-T; PowerShell's -Command ends with a "d"
    assert hosts_in("curl -fsSLo /tmp/x https://raw.githubusercontent.com/o/r/main/x") == []
    assert hosts_in('powershell -Command "Invoke-WebRequest https://x.blob.core.windows.net/a -OutFile a"') == []
