"""The health service's pure domain: when to protect a site."""

from services.health.domain.model import Site, SiteModel, SiteRules

__all__ = ["Site", "SiteModel", "SiteRules"]
