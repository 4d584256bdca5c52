"""The tourism service's pure domain: when to protect a site."""

from services.tourism.domain.model import Site, SiteModel, SiteRules

__all__ = ["Site", "SiteModel", "SiteRules"]
