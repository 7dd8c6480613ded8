"""Data classes (SPEC §1): keys, synonyms, inheritance, config paths, default."""

from __future__ import annotations

import pytest

from sovlint.model import Resource, SourceSpan
from sovlint.resolve import DataClassSettings, data_class_of


def _resource(tags: dict[str, str], inherited: dict[str, str] | None = None,
              path: str = "infra/main.tf") -> Resource:
    return Resource(address="x", resource_type="aws_s3_bucket", source=SourceSpan(path, 1, 1),
                    input_format="terraform", tags=tags, inherited_tags=inherited or {})


@pytest.mark.parametrize("key", ["data_classification", "data-classification", "DataClassification",
                                 "Data_Classification", "classification", "sovlint:data-class",
                                 "sovlint.io/data-class"])
def test_key_variants(key: str) -> None:
    assert data_class_of(_resource({key: "health"}), DataClassSettings()) == "health"


@pytest.mark.parametrize("value, expected", [("confidential", "sensitive"), ("restricted", "sensitive"),
                                             ("diffusion-restreinte", "sensitive"), ("PHI", "health"),
                                             ("pii", "personal"), ("Public", "public")])
def test_synonyms(value: str, expected: str) -> None:
    assert data_class_of(_resource({"classification": value}), DataClassSettings()) == expected


def test_user_synonyms_extend_and_win() -> None:
    settings = DataClassSettings(synonyms={"c3": "sensitive", "pii": "sensitive"})
    assert data_class_of(_resource({"classification": "c3"}), settings) == "sensitive"
    assert data_class_of(_resource({"classification": "pii"}), settings) == "sensitive"


def test_precedence_own_then_inherited_then_path_then_default() -> None:
    settings = DataClassSettings(default="strategic", paths=(("envs/public/**", "public"),))
    assert data_class_of(_resource({"classification": "health"}, {"classification": "public"}),
                         settings) == "health"
    assert data_class_of(_resource({}, {"classification": "internal"}), settings) == "internal"
    assert data_class_of(_resource({}, path="envs/public/main.tf"), settings) == "public"
    assert data_class_of(_resource({}), settings) == "strategic"
    assert data_class_of(_resource({"classification": "not-a-class"}), settings) == "strategic"
