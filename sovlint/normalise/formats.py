"""The manifest formats' normalisers, chosen from a dict by discover format name.

``NORMALISERS[format](unit, config) -> UnitResult``. Each normaliser module is
imported only when a file of its format is scanned (a pre-commit run on a
Terraform repository never imports the CloudFormation code).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

if TYPE_CHECKING:
    from sovlint.config import Config
    from sovlint.units import UnitResult, WorkUnit


def _lazy(module: str, function: str) -> Callable[["WorkUnit", "Config"], "UnitResult"]:
    def run(unit: "WorkUnit", config: "Config") -> "UnitResult":
        return getattr(importlib.import_module(module), function)(unit, config)

    run.__name__ = function
    run.__doc__ = f"{module}.{function}, imported on first use."
    return run


NORMALISERS: Mapping[str, Callable[[Any, Any], Any]] = {
    "kubernetes": _lazy("sovlint.normalise.kubernetes", "normalise_kubernetes"),
    "helm-chart": _lazy("sovlint.normalise.renderers", "normalise_helm_chart"),
    "kustomization": _lazy("sovlint.normalise.renderers", "normalise_kustomization"),
    "cloudformation": _lazy("sovlint.normalise.cloudformation", "normalise_cloudformation"),
    "arm": _lazy("sovlint.normalise.arm", "normalise_arm"),
    "arm-parameters": _lazy("sovlint.normalise.arm", "normalise_arm_parameters"),
    "bicep": _lazy("sovlint.normalise.arm", "normalise_bicep"),
    "terraform-plan": _lazy("sovlint.normalise.terraform_plan", "normalise_terraform_plan"),
    "terraform-state": _lazy("sovlint.normalise.terraform_state", "normalise_terraform_state"),
}

#: The data tables a format's normaliser reads, loaded by ``load_tables`` (module, function).
TABLES: Mapping[str, tuple[str, str]] = {
    "kubernetes": ("sovlint.normalise.kubernetes_signals", "load_tables"),
}


def load_tables(formats: Iterable[str]) -> None:
    """Load the data tables of these formats' normalisers in this process: before worker
    processes are forked, so that each does not load them again."""
    for fmt in sorted(set(formats) & set(TABLES)):
        module, function = TABLES[fmt]
        getattr(importlib.import_module(module), function)()
