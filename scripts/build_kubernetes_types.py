"""Build policies/kubernetes-types.yaml: Kubernetes group/Kind -> the Terraform resource type.

Reads snapshots of the upstream repositories (bare git directories, e.g. those the
maintainers' tooling fetched under /work/.mirror, named ``owner+name/repo``) and the
judgements in scripts/kubernetes-types-judgements.yaml, then writes the data file.
Nothing is downloaded: bring the snapshots first, then run

    python scripts/build_kubernetes_types.py --mirror /work/.mirror

Families and where each mapping comes from:

- Crossplane Upjet providers (AWS, Google Cloud, Azure): each generated
  ``apis/<scope>/<group>/<version>/zz_<kind>_terraformed.go`` returns the Terraform type
  (GetTerraformResourceType), ``zz_groupversion_info.go`` names the API group.
- Config Connector: the service mappings (config/servicemappings and
  scripts/resource-autogen/generated/servicemappings) map Terraform types to kinds; the
  CRDs (config/crds/resources) list every kind and its location field defaults; kinds
  without a mapping are matched by name to the google provider's resources
  (website/docs/r of hashicorp/terraform-provider-google), else judged.
- AWS Controllers for Kubernetes and the older crossplane-contrib providers: the CRDs
  list the kinds; the mapping is the judgement table.
- Azure Service Operator: kinds and ARM types from the judgement table; the ARM type is
  joined to azurerm through the import IDs of hashicorp/terraform-provider-azurerm's
  website/docs/r pages.

The script fails when a judged kind no longer exists upstream, when an upstream kind has
no mapping, or when a mapped Terraform type is not a resource of its provider.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "scripts" / "kubernetes-types-judgements.yaml"
OUTPUT = ROOT / "policies" / "kubernetes-types.yaml"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

UPJET = {"aws": "crossplane-contrib/provider-upjet-aws", "gcp": "crossplane-contrib/provider-upjet-gcp",
         "azure": "crossplane-contrib/provider-upjet-azure"}
CONTRIB = {"aws": "crossplane-contrib/provider-aws", "gcp": "crossplane-contrib/provider-gcp",
           "azure": "crossplane-contrib/provider-azure"}
KCC = "GoogleCloudPlatform/k8s-config-connector"
GOOGLE_TF = "hashicorp/terraform-provider-google"
AZURERM_TF = "hashicorp/terraform-provider-azurerm"
ACK_ORG = "aws-controllers-k8s"
#: Crossplane objects that configure the provider itself, not cloud resources.
PROVIDER_CONFIG_KINDS = {"ProviderConfig", "ProviderConfigUsage", "Provider", "StoreConfig",
                         "ClusterProviderConfig"}


class BuildError(Exception):
    """The data cannot be built honestly (a kind without mapping, a type that does not exist)."""


@dataclass
class Snapshot:
    """A bare git directory of one upstream repository."""

    repository: str
    git_dir: Path
    commit: str = ""

    def __post_init__(self) -> None:
        self.commit = self._git("rev-parse", "HEAD").strip()

    def _git(self, *args: str, data: bytes | None = None) -> str:
        done = subprocess.run(["git", "--git-dir", str(self.git_dir), *args], input=data,
                              capture_output=True, check=True)
        return done.stdout.decode("utf-8", "replace")

    def files(self, folder: str, recursive: bool = False) -> list[str]:
        """Paths under ``folder`` at HEAD."""
        args = ["ls-tree", "--name-only", *(["-r"] if recursive else []), "HEAD", folder.rstrip("/") + "/"]
        return self._git(*args).split()

    def read(self, paths: Iterable[str]) -> dict[str, str]:
        """The text of several files at HEAD in one git call (absent files are left out)."""
        wanted = list(paths)
        if not wanted:
            return {}
        done = subprocess.run(["git", "--git-dir", str(self.git_dir), "cat-file", "--batch"],
                              input="".join(f"HEAD:{p}\n" for p in wanted).encode(),
                              capture_output=True, check=True)
        out = done.stdout
        texts: dict[str, str] = {}
        position = 0
        for path in wanted:
            end = out.index(b"\n", position)
            header = out[position:end].decode()
            position = end + 1
            if header.endswith("missing"):
                continue
            size = int(header.split()[2])
            texts[path] = out[position:position + size].decode("utf-8", "replace")
            position += size + 1
        return texts

    def source(self, read: str, groups: Iterable[str] = ()) -> dict[str, Any]:
        """The provenance record of this snapshot in the data file."""
        record: dict[str, Any] = {"repository": self.repository, "commit": self.commit, "read": read}
        if groups:
            record["groups"] = sorted(groups)
        return record


def snapshot(mirror: Path, repository: str) -> Snapshot:
    """The snapshot of ``owner/name`` under the mirror directory."""
    git_dir = mirror / repository.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise BuildError(f"no snapshot of {repository} at {git_dir}")
    return Snapshot(repository, git_dir)


def load_crd(text: str) -> tuple[str, str, dict[str, Any]]:
    """(group, kind, spec schema of the storage version) of a CustomResourceDefinition."""
    crd = yaml.load(text, Loader=LOADER)
    spec = crd["spec"]
    versions = spec.get("versions") or []
    version = next((v for v in versions if v.get("storage")), versions[-1] if versions else {})
    schema = (((version.get("schema") or {}).get("openAPIV3Schema") or {}).get("properties") or {}).get("spec") or {}
    return spec["group"], spec["names"]["kind"], schema


# --------------------------------------------------------------------------- provider universes


def google_types(snap: Snapshot) -> set[str]:
    """Resource types of the google provider (its documentation pages)."""
    names = set()
    for path in snap.files("website/docs/r"):
        stem = path.rsplit("/", 1)[1].split(".")[0]
        name = stem if stem.startswith("google_") else f"google_{stem}"
        names.add(name)
        if name.endswith("_iam"):  # one page documents the policy, binding, member (and audit config)
            names.update(f"{name}_{suffix}" for suffix in ("policy", "binding", "member", "audit_config"))
    return names


def azurerm_arm_types(snap: Snapshot) -> dict[str, str]:
    """azurerm resource type -> the ARM resource type of its import ID (lower case)."""
    pages = [p for p in snap.files("website/docs/r") if p.endswith(".markdown")]
    found: dict[str, str] = {}
    for path, text in snap.read(pages).items():
        name = "azurerm_" + path.rsplit("/", 1)[1].split(".")[0]
        section = text.split("## Import", 1)
        found.setdefault(name, "")
        if len(section) < 2:
            continue
        match = re.search(r'terraform import\s+\S+\s+"?(\S+?)"?\s*$', section[1], re.M)
        arm = arm_type(match.group(1).split("|")[0]) if match else None
        if arm:
            found[name] = arm
    return found


def arm_type(resource_id: str) -> str | None:
    """``Microsoft.X/a/b`` (lower case) of an ARM resource ID; the last provider segment wins."""
    rest = resource_id
    namespace = None
    while True:
        match = re.search(r"/providers/(Microsoft\.[A-Za-z.]+)/(.*)$", rest, re.I)
        if not match:
            break
        namespace, rest = match.group(1), match.group(2)
    if namespace is None:
        return None
    segments = [s for s in rest.split("/") if s][0::2]
    return (namespace + "/" + "/".join(segments)).lower() if segments else None


def aws_types(snap: Snapshot, upjet_types: Iterable[str]) -> set[str]:
    """aws provider resource types the Upjet provider knows (generated, configured, not tested)."""
    names = set(upjet_types)
    texts = snap.read(["config/externalname.go", "config/externalnamenottested.go", "config/generated.lst"])
    for text in texts.values():
        names.update(re.findall(r'"(aws_[a-z0-9_]+)"', text))
    return names


# --------------------------------------------------------------------------- families


@dataclass
class Family:
    """One controller family of the data file."""

    name: str
    controller: str
    provider: str
    method: str
    how: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, Any] = field(default_factory=dict)
    location_defaults: dict[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """The family as written in the data file."""
        data: dict[str, Any] = {"controller": self.controller, "provider": self.provider,
                                "method": self.method, "how": self.how, "sources": self.sources,
                                "kinds": dict(sorted(self.kinds.items()))}
        if self.location_defaults:
            data["location_defaults"] = dict(sorted(self.location_defaults.items()))
        return data


def upjet_family(mirror: Path, cloud: str) -> tuple[Family, set[str]]:
    """An Upjet provider: every generated kind with the Terraform type it returns."""
    snap = snapshot(mirror, UPJET[cloud])
    files = [f for f in snap.files("apis", recursive=True) if f.endswith("_terraformed.go")]
    infos = sorted({f.rsplit("/", 1)[0] + "/zz_groupversion_info.go" for f in files})
    texts = snap.read([*files, *infos])
    kinds: dict[str, str] = {}
    for path in files:
        info = texts.get(path.rsplit("/", 1)[0] + "/zz_groupversion_info.go", "")
        group = re.search(r'CRDGroup\s*=\s*"([^"]+)"', info)
        if group is None:
            raise BuildError(f"{snap.repository}: no CRDGroup next to {path}")
        for kind, tf_type in re.findall(
                r'func \(mg \*(\w+)\) GetTerraformResourceType\(\) string \{\s*return "([\w-]+)"', texts[path]):
            key = f"{group.group(1)}/{kind}"
            if kinds.get(key, tf_type) != tf_type:
                raise BuildError(f"{key}: two Terraform types ({kinds[key]}, {tf_type})")
            kinds[key] = tf_type
    provider = {"aws": "aws", "gcp": "google", "azure": "azurerm"}[cloud]
    family = Family(
        name=f"crossplane-upjet-{cloud}", controller=f"crossplane-{cloud}", provider=provider,
        method="generated",
        how=("Upjet generates one Crossplane kind per Terraform resource; each kind's "
             "GetTerraformResourceType() returns it. Cluster-scoped groups <service>.<cloud>.upbound.io "
             "and namespaced groups <service>.<cloud>.m.upbound.io (Crossplane v2); the same code is "
             "published as upbound/provider-<cloud>."),
        sources=[snap.source("apis/{cluster,namespaced}/<group>/<version>/zz_<kind>_terraformed.go "
                             "(GetTerraformResourceType) and zz_groupversion_info.go (CRDGroup)")],
        kinds=dict(kinds))
    return family, set(kinds.values())


def judged(entry: Any) -> tuple[str | None, dict[str, Any]]:
    """(Terraform type, the entry as written in the data file) of one judgement entry."""
    if isinstance(entry, str):
        return entry, {}
    data = {k: v for k, v in entry.items() if v is not None or k == "terraform"}
    return entry.get("terraform"), data


def entry_value(tf_type: str | None, extra: Mapping[str, Any]) -> Any:
    """A plain type when nothing else is said, else the mapping."""
    rest = {k: v for k, v in extra.items() if k != "terraform"}
    if not rest and tf_type is not None:
        return tf_type
    return {"terraform": tf_type, **rest}


def config_connector_family(mirror: Path, judgements: Mapping[str, Any],
                            google: set[str]) -> Family:
    """Config Connector: service mappings, then same-named google resources, then judgements."""
    snap = snapshot(mirror, KCC)
    mapping_files = [f for d in ("config/servicemappings", "scripts/resource-autogen/generated/servicemappings")
                     for f in snap.files(d) if f.endswith(".yaml")]
    crd_files = snap.files("config/crds/resources")
    texts = snap.read([*mapping_files, *crd_files])
    mapped: dict[str, str] = {}
    for path in mapping_files:
        document = yaml.load(texts[path], Loader=LOADER)
        group = document["metadata"]["name"]
        for resource in (document.get("spec") or {}).get("resources") or ():
            # a kind mapped to several types (global and regional variants) keeps the first
            mapped.setdefault(f"{group}/{resource['kind']}", resource["name"])
    by_name = {t[len("google_"):].replace("_", ""): t for t in google}
    manual = judgements.get("config-connector") or {}
    family = Family(
        name="config-connector", controller="google-config-connector", provider="google",
        method="generated and judgement",
        how=("A plain type comes from Config Connector's service mapping of the kind (its "
             "Terraform-based controller); `by: name` marks a kind of a direct or DCL controller "
             "whose name is the google provider resource's name without underscores; other "
             "mappings are judgements (why). location_defaults are the CRD schema defaults the API "
             "server applies when the field is absent."),
        sources=[snap.source("config/servicemappings/*.yaml, scripts/resource-autogen/generated/"
                             "servicemappings/*.yaml, config/crds/resources/*.yaml"),
                 snapshot(mirror, GOOGLE_TF).source("website/docs/r (resource names)")])
    unmapped = []
    for path in crd_files:
        group, kind, schema = load_crd(texts[path])
        key = f"{group}/{kind}"
        properties = schema.get("properties") or {}
        for name in ("location", "region", "zone"):
            default = (properties.get(name) or {}).get("default")
            if default is not None:
                family.location_defaults[key] = {"field": f"spec.{name}", "value": str(default)}
        if key in manual:
            tf_type, extra = judged(manual[key])
            family.kinds[key] = entry_value(tf_type, extra)
        elif key in mapped and mapped[key] in google:
            family.kinds[key] = mapped[key]
        elif kind.lower() in by_name:
            family.kinds[key] = {"terraform": by_name[kind.lower()], "by": "name"}
        else:
            unmapped.append(key)
    check_coverage("Config Connector", set(family.kinds) | set(unmapped), set(family.kinds) | set(manual))
    return family


def check_coverage(label: str, upstream: set[str], mapped: set[str]) -> None:
    """Every upstream kind is mapped, and every judged kind still exists upstream."""
    problems = [*(f"{label} kind without mapping: {k}" for k in sorted(upstream - mapped)),
                *(f"judged {label} kind no longer upstream: {k}" for k in sorted(mapped - upstream))]
    if problems:
        raise BuildError("\n".join(problems))


def crd_kinds(snap: Snapshot, folders: Iterable[str]) -> list[str]:
    """group/Kind of every CRD in the first of ``folders`` that has any."""
    for folder in folders:
        paths = [p for p in snap.files(folder) if p.endswith(".yaml")]
        if paths:
            kinds = []
            for text in snap.read(paths).values():
                group, kind, _ = load_crd(text)
                kinds.append(f"{group}/{kind}")
            return kinds
    return []


def ack_family(mirror: Path, judgements: Mapping[str, Any]) -> Family:
    """AWS Controllers for Kubernetes: the kinds of every controller's CRDs, mapped by judgement."""
    table = judgements.get("aws-controllers-k8s") or {}
    family = Family(
        name="aws-controllers-k8s", controller="aws-controllers-for-kubernetes", provider="aws",
        method="judgement",
        how=("Each ACK kind is named after the AWS API resource its controller creates; the "
             "Terraform type is the aws provider resource managing the same API resource "
             "(plain: the names match; why: where they differ; null: no aws provider resource). "
             "Kinds: the CRDs (config/crd/bases) of every <service>-controller repository."))
    seen: set[str] = set()
    for git_dir in sorted(mirror.glob(f"{ACK_ORG}+*-controller/repo")):
        snap = Snapshot(git_dir.parent.name.replace("+", "/", 1), git_dir)
        kinds = [k for k in crd_kinds(snap, ("config/crd/bases", "helm/crds"))
                 if not k.startswith("services.k8s.aws/")]
        if not kinds:
            continue
        family.sources.append(snap.source("config/crd/bases/*.yaml", {k.split("/")[0] for k in kinds}))
        seen.update(kinds)
    for repository, record in (judgements.get("aws-controllers-k8s-index-only") or {}).items():
        family.sources.append({"repository": repository, "commit": record["commit"],
                               "read": "file names of config/crd/bases (code index; no snapshot)",
                               "groups": sorted(record["groups"])})
        seen.update(k for k in table if k.split("/")[0] in record["groups"])
    check_coverage("ACK", seen, set(table))
    for key in sorted(seen):
        tf_type, extra = judged(table[key])
        family.kinds[key] = entry_value(tf_type, extra)
    family.sources.sort(key=lambda s: s["repository"])
    return family


def contrib_families(mirror: Path, judgements: Mapping[str, Any]) -> list[Family]:
    """The crossplane-contrib providers (no Terraform underneath), mapped by judgement."""
    table = judgements.get("crossplane-contrib") or {}
    families = []
    seen: set[str] = set()
    for cloud, repository in CONTRIB.items():
        snap = snapshot(mirror, repository)
        kinds = [k for k in crd_kinds(snap, ("package/crds",))
                 if k.split("/")[1] not in PROVIDER_CONFIG_KINDS]
        seen.update(kinds)
        provider = {"aws": "aws", "gcp": "google", "azure": "azurerm"}[cloud]
        family = Family(
            name=f"crossplane-contrib-{cloud}", controller=f"crossplane-{cloud}", provider=provider,
            method="judgement",
            how=(f"{repository} calls the cloud APIs directly (no Terraform): each kind is mapped to "
                 "the resource of the Terraform provider that manages the same cloud API resource "
                 "(plain: the names match; why: where they differ). Kinds: package/crds."),
            sources=[snap.source("package/crds/*.yaml")])
        for key in kinds:
            if key in table:
                tf_type, extra = judged(table[key])
                family.kinds[key] = entry_value(tf_type, extra)
        families.append(family)
    check_coverage("crossplane-contrib", seen, set(table))
    return families


def aso_family(mirror: Path, judgements: Mapping[str, Any], arm_of: Mapping[str, str]) -> Family:
    """Azure Service Operator: kind -> ARM type (judgement table) -> azurerm type (docs join)."""
    table = judgements.get("azure-service-operator") or {}
    categories = yaml.load((ROOT / "policies" / "categories.yaml").read_text(encoding="utf-8"), Loader=LOADER)
    arm_categories = {k.lower(): v for k, v in (categories.get("arm") or {}).items()}
    preferred = judgements.get("azure-arm-preferred") or {}
    source = judgements["azure-service-operator-source"]
    by_arm: dict[str, list[str]] = {}
    for azurerm_type, arm in arm_of.items():
        if arm:
            by_arm.setdefault(arm, []).append(azurerm_type)
    family = Family(
        name="azure-service-operator", controller="azure-service-operator", provider="azurerm",
        method="judgement and generated",
        how=("Each ASO kind names its ARM resource type (arm, derived from the kind by ASO's naming "
             "rule: the ARM URL's segments, the last one singular); the azurerm type is the resource "
             "whose documented import ID has that ARM type (azure-arm-preferred in the judgements "
             "picks one where several do: OS variants, sub-settings); why: judgements. terraform "
             "null: no azurerm resource; the category then comes from the ARM type."),
        sources=[{"repository": source["repository"], "commit": source["commit"],
                  "read": f"{source['path']} getResourceExtensions() (code index; the snapshot is over "
                          "the size limit), and later kinds listed in v2/api/<group>/customizations"},
                 snapshot(mirror, AZURERM_TF).source("website/docs/r/*.markdown import IDs")])
    problems = []
    for key, entry in table.items():
        arm = entry["arm"]
        tf_type: str | None
        if "terraform" in entry:
            tf_type, extra = judged(entry)
        else:
            candidates = sorted(by_arm.get(arm, []))
            if len(candidates) > 1:
                if arm not in preferred:
                    problems.append(f"{key}: several azurerm types import {arm}: {candidates}")
                    continue
                candidates = [preferred[arm]]
            tf_type = candidates[0] if candidates else None
            extra = dict(entry)
        if tf_type is None:
            extra.setdefault("category", arm_categories.get(arm, "other"))
            extra.setdefault("why", f"no azurerm resource's documented import ID has the ARM type {arm}")
        family.kinds[key] = entry_value(tf_type, {**extra, "arm": arm})
    if problems:
        raise BuildError("\n".join(problems))
    return family


def check_types(families: Iterable[Family], universes: Mapping[str, set[str]]) -> None:
    """Every mapped Terraform type is a resource of its provider."""
    unknown = []
    for family in families:
        known = universes[family.provider]
        for key, value in family.kinds.items():
            tf_type = value if isinstance(value, str) else value.get("terraform")
            if tf_type is not None and tf_type not in known:
                unknown.append(f"{family.name} {key}: {tf_type} is not a {family.provider} resource")
    if unknown:
        raise BuildError("\n".join(unknown))


HEADER = """\
# Kubernetes-declared cloud resources: API group/Kind -> the Terraform resource type it stands for.
# GENERATED by scripts/build_kubernetes_types.py from the upstream repositories (sources, with
# commits) and scripts/kubernetes-types-judgements.yaml; edit the judgements and regenerate.
# Schema: sovlint/kubernetes_types_schema.json. Read by sovlint/normalise/kubernetes_signals.py:
# a cloud object's category (and later its location semantics) come from the Terraform type's
# entries in categories.yaml, like Terraform's own resources.
#
# families.<name>:
#   controller  the infrastructure_controllers entry of kubernetes-signals.yaml (region fields)
#   provider    the Terraform provider of the mapped types
#   method      generated (read from upstream code) and/or judgement (scripts/kubernetes-types-judgements.yaml)
#   sources     repository + commit each mapping was read from
#   kinds       group/Kind: terraform_type, or {terraform, arm, category, by, why, since}
#               (terraform null: no resource of the provider; category then says what it holds)
"""


def build(mirror: Path) -> dict[str, Any]:
    """The data file's content, from the snapshots under ``mirror``."""
    judgements = yaml.load(JUDGEMENTS.read_text(encoding="utf-8"), Loader=LOADER)
    families: list[Family] = []
    upjet_types: dict[str, set[str]] = {}
    for cloud in UPJET:
        family, types = upjet_family(mirror, cloud)
        families.append(family)
        upjet_types[family.provider] = types
    google = google_types(snapshot(mirror, GOOGLE_TF)) | upjet_types["google"]
    arm_of = azurerm_arm_types(snapshot(mirror, AZURERM_TF))
    families.append(config_connector_family(mirror, judgements, google))
    families.extend(contrib_families(mirror, judgements))
    families.append(ack_family(mirror, judgements))
    families.append(aso_family(mirror, judgements, arm_of))
    confirmed = set(judgements.get("aws-types-outside-upjet") or {})
    universes = {"aws": aws_types(snapshot(mirror, UPJET["aws"]), upjet_types["aws"]) | confirmed,
                 "google": google, "azurerm": set(arm_of) | upjet_types["azurerm"]}
    check_types(families, universes)
    return {"families": {f.name: f.as_data() for f in families}}


def main(argv: list[str] | None = None) -> int:
    """Build the data file; print the number of mappings per family."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"),
                        help="directory of the snapshots (owner+name/repo bare git directories)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        data = build(args.mirror)
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"build_kubernetes_types: {exc}", file=sys.stderr)
        return 1
    text = yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                     width=1000, allow_unicode=True, default_flow_style=False)
    args.output.write_text(HEADER + text, encoding="utf-8")
    for name, family in data["families"].items():
        print(f"{name}: {len(family['kinds'])}")
    print(json.dumps({"total": sum(len(f["kinds"]) for f in data["families"].values())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
