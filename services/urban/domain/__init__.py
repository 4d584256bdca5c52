"""The urban service's pure domain: when to protect a site."""

from services.urban.domain.model import Site, SiteModel, SiteRules

__all__ = ["Site", "SiteModel", "SiteRules"]
