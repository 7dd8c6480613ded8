"""The resource model every rule sees, whatever the input format.

Normalisers build ``Resource`` objects with what the source *says* (provider,
region as written, tags, replica declarations). The catalog then resolves them
(country, exposures, certifications, category, data class) into the same frozen
dataclass, and policies evaluate the resolved ones.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping

from sovlint.records import Record


class Severity(enum.IntEnum):
    """Finding severities, ordered so that ``--fail-on`` can compare them."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        """Return the severity named ``name`` (case-insensitive)."""
        return cls[name.upper()]

    @property
    def label(self) -> str:
        """The lowercase name used in outputs and policy files."""
        return self.name.lower()


#: The category of something whose contents were not evaluated (a module call whose source
#: was not fetched): it may hold any data, so it counts as data-bearing and at rest (fail closed).
UNKNOWN_CATEGORY = "unknown"
#: Categories that hold data (SPEC §1): every category but ``other`` and ``key-management``.
DATA_BEARING = frozenset(
    {"storage", "database", "backup", "compute", "analytics", "messaging", "logging", "ai",
     UNKNOWN_CATEGORY}
)
#: Categories of data at rest, the ones SOV004 looks at (SPEC §2).
AT_REST = frozenset({"storage", "database", "backup", "analytics", "messaging", "logging",
                     UNKNOWN_CATEGORY})
#: The attribute of a rendered Kubernetes resource naming the plain manifest object it comes from.
RENDERED_ORIGIN = "rendered_origin"
PROTECTED_CLASSES = frozenset({"strategic", "sensitive", "health"})
DATA_CLASSES = ("public", "internal", "personal", "sensitive", "health", "strategic")


@dataclass(frozen=True, slots=True)
class SourceSpan(Record):
    """Where something is written: a path (relative to the working directory) and lines."""

    path: str
    line: int | None = None
    end_line: int | None = None


@dataclass(frozen=True, slots=True)
class Replica(Record):
    """Another place a resource's data is copied to.

    ``region`` is what the source says (``None`` when it cannot be known, with
    ``unresolved`` naming the expression); ``provider`` defaults to the source
    resource's provider. ``country`` is filled by the catalog.
    """

    via: str
    region: str | None
    unresolved: str | None = None
    provider: str | None = None
    declared_at: SourceSpan | None = None
    region_set: tuple[str, ...] = ()  # several names, every one holding the copy (region is None)
    scope: str | None = None  # the catalog scope of location-set names (multi-regions)
    any_region: bool = False  # the service puts the copy in a region it chooses
    relative: str | None = None  # paired-region | other-region | nearest:<scope>: of the primary's
    # --- resolved by the catalog ---
    country: str | None = None  # set only when the copy is in exactly one country
    countries: tuple[str, ...] = ()  # every country the copy may be in
    label: str | None = None  # how messages name the copy's location ("EU multi-region")


@dataclass(frozen=True, slots=True)
class Suppression(Record):
    """An inline ``sovlint:ignore`` (or annotation/metadata) attached to a resource."""

    rules: tuple[str, ...]
    reason: str | None
    expires: str | None  # ISO date, as written
    span: SourceSpan | None = None


@dataclass(frozen=True, slots=True)
class Resource(Record):
    """One resource, as normalised from any input format.

    The first block of fields comes from the normaliser; the second is filled
    when the catalog resolves the resource (``sovlint.resolve``).
    """

    address: str
    resource_type: str
    source: SourceSpan
    input_format: str  # terraform | terraform-plan | terraform-state | kubernetes | cloudformation | arm | aws | azure | gcp
    provider: str | None = None  # catalog provider id (aws, azurerm, ovh, ...)
    region: str | None = None  # the region/location/zone (or location-set name) as written, evaluated
    unresolved: tuple[str, ...] = ()  # expressions that could not be evaluated
    region_set: tuple[str, ...] = ()  # several names, every one holding data (region is None then)
    location_scope: str | None = None  # the catalog scope of location-set names (multi-regions)
    any_region: bool = False  # the service stores the data in a region it chooses
    location_origin: str | None = None  # how the location was decided when not written on it
    tags: Mapping[str, str] = field(default_factory=dict)  # the resource's own tags/labels
    inherited_tags: Mapping[str, str] = field(default_factory=dict)  # default_tags, pod template
    replicas: tuple[Replica, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)  # facts rules may read
    suppressions: tuple[Suppression, ...] = ()
    module: str | None = None  # module address for Terraform resources in a module call
    instances: tuple[str, ...] = ()  # count/for_each keys sharing this address and location
    account: str | None = None  # live AWS account id
    region_source: str | None = None  # where a region the code does not set came from (--deploy-env)
    root: str | None = None  # the root module (or Terragrunt unit) a resource was evaluated through
    # --- resolved by the catalog ---
    category: str = "other"
    data_class: str | None = None
    country: str | None = None  # set only when ``countries`` has exactly one member
    countries: tuple[str, ...] = ()  # every country the location may hold the data in
    canonical_region: str | None = None  # the catalog's region or location-set code
    location_label: str | None = None  # how messages name the location ("EU multi-region")
    exposures: tuple[str, ...] = ()
    exposures_known: bool = False
    hds: bool | None = None
    secnumcloud: bool | None = None

    @property
    def is_data_bearing(self) -> bool:
        """Whether the category holds data (SPEC §1)."""
        return self.category in DATA_BEARING


@dataclass(frozen=True, slots=True)
class Alternative(Record):
    """A sovereign offer proposed as the way out of a finding (``sovlint.remediation``)."""

    offer_id: str
    provider: str  # catalog provider id
    provider_name: str
    offer: str
    resource_types: tuple[str, ...]
    regions: tuple[str, ...]  # the offer's regions that satisfy the finding's rule
    certifications: tuple[str, ...] = ()  # HDS / SecNumCloud, as the catalog confirms them there
    settings: tuple[tuple[str, str], ...] = ()  # attribute hints, e.g. (("engine", "postgresql"),)


@dataclass(frozen=True, slots=True)
class Finding(Record):
    """A rule that a resource breaks. One fixed shape for every rule and format."""

    rule: str
    name: str
    severity: Severity
    message: str
    source: SourceSpan
    address: str | None = None
    resource_type: str | None = None
    provider: str | None = None
    region: str | None = None
    country: str | None = None
    countries: tuple[str, ...] = ()
    data_class: str | None = None
    discriminator: str = ""  # separates findings of one rule on one address (instances, copy)
    root: str | None = None  # the root module (or unit) the resource was evaluated through
    location_key: str = ""  # provider and countries the finding asserts (the copy's for SOV003)
    suppressed: bool = False
    suppression_reason: str | None = None
    remediation: str | None = None
    alternatives: tuple[Alternative, ...] = ()  # concrete ways out (SOV001/002/005/006)
    region_source: str | None = None  # where the region came from, when the code does not set it

    @property
    def fingerprint(self) -> str:
        """A stable id, never line numbers: rule + address + path + the root it was evaluated
        through + where the data is (provider and countries: a region change inside one
        country keeps it, a change of country or provider does not) + the discriminator."""
        import hashlib

        key = "\x1f".join((self.rule, self.address or "", self.source.path, self.root or "",
                           self.location_key, self.discriminator))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ScanError(Record):
    """A problem that is not one file's content (unreadable directory, crashed rule...)."""

    path: str
    message: str
    line: int | None = None
