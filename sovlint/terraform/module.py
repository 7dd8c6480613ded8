"""A Terraform module directory: its files together, and the blocks that matter.

``load_module`` gathers the parsed ``.tf``/``.tf.json`` files of one directory
into a ``ModuleConfig`` (variables, locals, providers, resources, module
calls, required providers). Evaluation happens in ``sovlint.terraform.instance``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sovlint.hcl.syntax import Attribute, Block, HclFile


@dataclass(frozen=True, slots=True)
class Located:
    """A block or attribute with the file it comes from."""

    node: Block | Attribute
    file: HclFile


@dataclass
class ModuleConfig:
    """The configuration of one module directory."""

    directory: Path
    files: list[HclFile]
    variables: dict[str, Located] = field(default_factory=dict)
    locals: dict[str, Located] = field(default_factory=dict)
    providers: list[Located] = field(default_factory=list)
    resources: list[Located] = field(default_factory=list)
    data_sources: list[Located] = field(default_factory=list)
    module_calls: dict[str, Located] = field(default_factory=dict)
    required_providers: dict[str, str] = field(default_factory=dict)  # local name -> source
    problems: list[tuple[HclFile, int, str]] = field(default_factory=list)


def _literal_string(attr: Attribute | None) -> str | None:
    from sovlint.hcl.syntax import Literal

    if attr is not None and isinstance(attr.expr, Literal) and isinstance(attr.expr.value, str):
        return attr.expr.value
    return None


def load_module(directory: Path, files: list[HclFile]) -> ModuleConfig:
    """Index the top-level blocks of every file of a module directory."""
    from sovlint.hcl.syntax import Literal, ObjectExpr

    config = ModuleConfig(directory=directory, files=files)
    for hcl_file in files:
        for block in hcl_file.body.blocks:
            kind = block.type
            if kind == "variable" and len(block.labels) == 1:
                config.variables[block.labels[0]] = Located(block, hcl_file)
            elif kind == "locals":
                for attr in block.body.attributes:
                    if attr.name in config.locals:
                        config.problems.append(
                            (hcl_file, attr.line, f"duplicate local value {attr.name!r}"))
                    config.locals[attr.name] = Located(attr, hcl_file)
            elif kind == "provider" and len(block.labels) == 1:
                config.providers.append(Located(block, hcl_file))
            elif kind == "resource" and len(block.labels) == 2:
                config.resources.append(Located(block, hcl_file))
            elif kind == "data" and len(block.labels) == 2:
                config.data_sources.append(Located(block, hcl_file))
            elif kind == "module" and len(block.labels) == 1:
                config.module_calls[block.labels[0]] = Located(block, hcl_file)
            elif kind == "terraform":
                for required in block.body.blocks_of("required_providers"):
                    for attr in required.body.attributes:
                        source = None
                        if isinstance(attr.expr, ObjectExpr):
                            for key, value in attr.expr.items:
                                if (isinstance(key, Literal) and key.value == "source"
                                        and isinstance(value, Literal)):
                                    source = str(value.value)
                        elif isinstance(attr.expr, Literal):  # legacy version-only form
                            source = None
                        if source:
                            config.required_providers[attr.name] = source
    return config


def provider_key(block: Block) -> str:
    """``aws`` or ``aws.alias`` for a provider block."""
    alias = _literal_string(block.body.attribute("alias"))
    return f"{block.labels[0]}.{alias}" if alias else block.labels[0]
