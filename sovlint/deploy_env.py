"""The region a provider takes from the deploy environment when the code sets none (opt-in).

With ``--deploy-env`` (config ``terraform.deploy_env: true``) sovlint reads
what the provider itself would read: environment variables, the AWS shared
config profile, the Scaleway configuration file, the provider's documented
default (``policies/deploy-environment.yaml`` lists them, with sources).
Config ``terraform.provider_regions`` sets a provider's region explicitly,
for pipelines. Without either, nothing of the environment is read: a
pre-commit run on a laptop does not depend on the laptop's shell.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

#: Files read for a profile are at most this large (a profile file is a few lines).
MAX_PROFILE_FILE = 1024 * 1024
#: Variables that choose a profile file or a profile (besides those the data names).
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "HOME",
                     "SCW_CONFIG_PATH", "SCW_PROFILE", "XDG_CONFIG_HOME")


class RegionFrom(str):
    """A region name that also says where it came from (``origin``)."""

    origin: str

    def __new__(cls, value: str, origin: str) -> RegionFrom:
        made = super().__new__(cls, value)
        made.origin = origin
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return RegionFrom, (str(self), self.origin)


#: A provider block's evaluated argument (``profile``, ``shared_config_files``), or None.
ProviderSetting = Callable[[str], Any]


@dataclass(frozen=True)
class DeployEnvironment:
    """What a scan may read of the deploy environment: explicit regions, and the environment."""

    read_environment: bool = False  # --deploy-env
    environ: Mapping[str, str] = field(default_factory=dict)  # a snapshot, empty without the flag
    explicit: Mapping[str, str] = field(default_factory=dict)  # terraform.provider_regions
    explicit_origin: str = "terraform.provider_regions in the configuration"

    @classmethod
    def from_config(cls, config: Any, environ: Mapping[str, str] | None = None) -> DeployEnvironment:
        """The deploy environment of a run: ``config.deploy_env`` decides whether it is read."""
        where = f"terraform.provider_regions in {os.path.relpath(config.config_file)}" \
            if getattr(config, "config_file", None) else "terraform.provider_regions"
        read = bool(getattr(config, "deploy_env", False))
        return cls(read_environment=read,
                   environ=dict(os.environ if environ is None else environ) if read else {},
                   explicit=dict(getattr(config, "provider_regions", {}) or {}),
                   explicit_origin=where)

    @property
    def active(self) -> bool:
        """Whether anything can be read at all."""
        return self.read_environment or bool(self.explicit)

    def variable(self, name: str) -> str | None:
        """An environment variable of the deploy environment (``None`` without ``--deploy-env``)."""
        value = self.environ.get(name)
        return value if value else None

    def cache_key(self) -> tuple[object, ...]:
        """What a cached result evaluated with this environment depends on (besides files)."""
        if not self.active:
            return ()
        names = set(PROFILE_VARIABLES)
        for entry in _table().values():
            for steps in entry.values():
                if isinstance(steps, list):
                    names.update(s["env"] for s in steps if isinstance(s, dict) and "env" in s)
        return (tuple(sorted(self.explicit.items())), self.read_environment,
                tuple(sorted((n, self.environ[n]) for n in names if n in self.environ)))

    def profile_files(self) -> list[str]:
        """The profile files a provider may read here (dependencies of a cached result)."""
        if not self.read_environment:
            return []
        return [str(p) for p in (_aws_config_file(self, None), _scaleway_config_file(self)) if p]

    def region_for(self, provider_id: str | None, attributes: Sequence[str],
                   setting: ProviderSetting) -> RegionFrom | None:
        """The region (or zone) the provider takes when its block sets none, with its origin.

        ``attributes`` are the provider's region arguments in order of
        preference (``region``, ``zone``); ``setting`` reads the provider
        block's other arguments (``profile``). ``None``: nothing known.
        """
        if provider_id is None or not self.active:
            return None
        if provider_id in self.explicit:
            return RegionFrom(str(self.explicit[provider_id]), self.explicit_origin)
        if not self.read_environment:
            return None
        entry = _table().get(provider_id) or {}
        for attribute in attributes:
            for step in entry.get(attribute) or []:
                found = self._step(step, setting)
                if found is not None:
                    return found
        return None

    def _step(self, step: Mapping[str, Any], setting: ProviderSetting) -> RegionFrom | None:
        if "env" in step:
            value = self.variable(step["env"])
            return RegionFrom(value, f"{step['env']} in the environment") if value else None
        if "default" in step:
            return RegionFrom(str(step["default"]), "the provider's own default")
        reader = _PROFILE_READERS.get(step.get("profile", ""))
        return reader(self, setting, step) if reader is not None else None


def _table() -> Mapping[str, Mapping[str, Any]]:
    """``policies/deploy-environment.yaml``: provider id -> {attribute: [steps]}."""
    from sovlint.parse_cache import load_shipped_yaml

    data = load_shipped_yaml("deploy-environment.yaml")
    return data.get("providers", {}) if isinstance(data, dict) else {}


def _home(env: DeployEnvironment) -> Path | None:
    home = env.variable("HOME")
    return Path(home) if home else None


def _aws_config_file(env: DeployEnvironment, setting: ProviderSetting | None) -> Path | None:
    files = setting("shared_config_files") if setting is not None else None
    if isinstance(files, list) and files and isinstance(files[0], str):
        return Path(os.path.expanduser(files[0]))
    explicit = env.variable("AWS_CONFIG_FILE")
    if explicit:
        return Path(explicit)
    home = _home(env)
    return home / ".aws" / "config" if home else None


def _read_text(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_PROFILE_FILE:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _aws_profile_region(env: DeployEnvironment, setting: ProviderSetting,
                        step: Mapping[str, Any]) -> RegionFrom | None:
    """``region`` of the profile in the AWS shared config file (INI; ``[profile NAME]``)."""
    import configparser

    profile = setting("profile")
    if not isinstance(profile, str) or not profile:
        profile = env.variable("AWS_PROFILE") or env.variable("AWS_DEFAULT_PROFILE") or "default"
    path = _aws_config_file(env, setting)
    text = _read_text(path) if path is not None else None
    if text is None or path is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    section = "default" if profile == "default" else f"profile {profile}"
    region = parser.get(section, "region", fallback=None) if parser.has_section(section) else None
    if not region:
        return None
    return RegionFrom(region.strip(), f"profile {profile} of {path}")


def _scaleway_config_file(env: DeployEnvironment) -> Path | None:
    explicit = env.variable("SCW_CONFIG_PATH")
    if explicit:
        return Path(explicit)
    xdg = env.variable("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "scw" / "config.yaml"
    home = _home(env)
    return home / ".config" / "scw" / "config.yaml" if home else None


def _scaleway_profile_value(env: DeployEnvironment, setting: ProviderSetting,
                            step: Mapping[str, Any]) -> RegionFrom | None:
    """``default_region``/``default_zone`` of the provider's profile, else of the active one."""
    path = _scaleway_config_file(env)
    text = _read_text(path) if path is not None else None
    if text is None or path is None:
        return None
    from sovlint.parsers.yaml_marks import YamlError, load_documents

    try:
        documents = [d for d in load_documents(text) if d is not None]
    except YamlError:
        return None
    data: dict[str, Any] = documents[0] if documents and isinstance(documents[0], dict) else {}
    found = data.get("profiles")
    profiles: dict[str, Any] = found if isinstance(found, dict) else {}
    key = str(step.get("key", "default_region"))
    chosen = setting("profile")
    candidates: list[tuple[str, Any]] = []
    if isinstance(chosen, str) and chosen:  # the provider block's profile first
        candidates.append((chosen, profiles.get(chosen)))
    active = env.variable("SCW_PROFILE") or data.get("active_profile")
    if isinstance(active, str) and active:
        candidates.append((active, profiles.get(active)))
    else:
        candidates.append(("default", data))
    for name, profile in candidates:
        value = profile.get(key) if isinstance(profile, dict) else None
        if isinstance(value, str) and value:
            return RegionFrom(value, f"{key} of profile {name} in {path}")
    return None


_PROFILE_READERS: dict[str, Callable[[DeployEnvironment, ProviderSetting, Mapping[str, Any]],
                                     RegionFrom | None]] = {
    "aws-config": _aws_profile_region,
    "scaleway-config": _scaleway_profile_value,
}
