"""``sovlint catalog [PROVIDER [REGION]]``: the catalog as text."""

from __future__ import annotations

from sovlint.catalog import EEA_COUNTRIES, LocationSet, ProviderCatalog, normalise_name


def _describe_sets(catalog: ProviderCatalog, provider_id: str, sets: list[LocationSet]) -> str:
    """A location name that spans countries, in every scope that uses it."""
    lines = []
    for found in sets:
        inside = all(c in EEA_COUNTRIES for c in found.countries)
        lines += [f"{provider_id} {found.code}: {found.label} ({found.kind}; "
                  f"{', '.join(sorted(found.scopes))})",
                  f"  countries: {', '.join(found.countries)}",
                  f"  EU/EEA: {'yes' if inside else 'no'}"]
        if found.regions:
            lines.append(f"  regions: {', '.join(found.regions)}")
        keys = [found.source] if isinstance(found.source, str) else list(found.source or [])
        for key in keys:
            source = catalog.sources.get(key, {})
            where = str(source.get("where", "")) if isinstance(source, dict) else ""
            lines.append(f"  source: {key}" + (f" ({where})" if where else ""))
    return "\n".join(lines)


def describe_catalog(catalog: ProviderCatalog, provider_id: str | None,
                     region_name: str | None) -> tuple[str, bool]:
    """(text, found): the providers, one provider, or one region of one provider."""
    if provider_id is None:
        lines = [f"{'provider':<28} {'country':<8} {'exposures':<32} regions"]
        for p in sorted(catalog.providers.values(), key=lambda p: p.id):
            lines.append(f"{p.id:<28} {p.country or '?':<8} {', '.join(p.exposures) or 'none':<32} "
                         f"{len(p.regions)}")
        return "\n".join(lines), True
    provider = catalog.get(provider_id)
    if provider is None:
        return f"unknown provider {provider_id!r}; `sovlint catalog` lists them", False
    if region_name is None:
        lines = [
            f"{provider.id}: {provider.name}",
            f"  controlled from: {provider.country or 'unknown'}",
            f"  exposures: {', '.join(provider.exposures) or 'none'}",
            f"  HDS: {provider.hds_status}" + (" (EEA regions only)" if provider.hds_eea_only else ""),
            f"  SecNumCloud: {provider.secnumcloud_status}",
        ]
        for offer in provider.secnumcloud_offers:
            where = ", ".join(sorted(offer.regions)) or "no region code"
            lines.append(f"    qualified offer: {offer.offer} ({where})")
        lines.append(f"  regions ({len(provider.regions)}):")
        for r in provider.regions:
            extra = f" paired: {r.paired}" if r.paired else ""
            lines.append(f"    {r.code:<26} {r.country or '?':<3} {r.city or ''}{extra}")
        if provider.location_sets:
            lines.append(f"  location sets ({len(provider.location_sets)}):")
            for s in provider.location_sets:
                lines.append(f"    {s.code:<26} {', '.join(sorted(s.scopes)):<24} "
                             f"{', '.join(s.countries)}")
        return "\n".join(lines), True
    region = provider.find_region(region_name)
    if region is None:
        sets = [s for s in provider.location_sets
                if normalise_name(region_name) in {normalise_name(n) for n in (s.code, *s.aliases)}]
        if sets:
            return _describe_sets(catalog, provider.id, sets), True
        return f"{provider.id} has no region {region_name!r} in the catalog", False
    exposures = provider.exposures_in(region)
    hds = provider.is_hds_host(region)
    snc = provider.is_secnumcloud(region, "")
    lines = [
        f"{provider.id} {region.code}" + (f" (matched from {region_name!r})"
                                          if region.code != region_name else ""),
        f"  country: {region.country or 'unknown'}" + (f", {region.city}" if region.city else ""),
        f"  EU/EEA: {'yes' if region.country in EEA_COUNTRIES else 'no'}",
        f"  operator controlled from: {provider.country or 'unknown'}",
        f"  exposures: {', '.join(exposures) or 'none'}",
        f"  HDS host: {'yes' if hds else 'no'}",
        f"  SecNumCloud-qualified offer here: {'yes' if snc else 'no'}",
    ]
    if region.paired:
        lines.append(f"  paired region: {region.paired}")
    for key in (region.source,) if isinstance(region.source, str) else region.source or ():
        source = catalog.sources.get(key, {})
        where = str(source.get("where", "")) if isinstance(source, dict) else ""
        lines.append(f"  source: {key}" + (f" ({where})" if where else ""))
    return "\n".join(lines), True
