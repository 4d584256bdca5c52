"""The rural service's pure domain: when to protect a site."""

from services.rural.domain.model import Site, SiteModel, SiteRules

__all__ = ["Site", "SiteModel", "SiteRules"]
