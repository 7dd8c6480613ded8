"""``sovlint catalog [PROVIDER [REGION]]``: the catalog as text."""

from __future__ import annotations

from sovlint.catalog import EEA_COUNTRIES, ProviderCatalog


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
        return "\n".join(lines), True
    region = provider.find_region(region_name)
    if region is None:
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
