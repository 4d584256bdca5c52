"""The load runner's settings (``DEXSIM_LOAD_*``): how ``loadtests.run`` configures Locust."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LoadSettings(BaseSettings):
    """Where the services are, their keys, the shape and the SLO file of one Locust run."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_LOAD_", frozen=True, extra="ignore")

    urls: dict[str, str] = Field(
        default_factory=dict, description="JSON {service: URL}; empty: the manifests' ports"
    )
    api_keys: dict[str, str] = Field(
        default_factory=dict, description="JSON {'<provider>:<sector>': key}; empty: local keys"
    )
    shape: Literal["", "steady", "step", "storm"] = ""
    users: int = Field(default=20, ge=1, le=200, description="Peak users of the shape")
    seconds: float = Field(default=60.0, gt=0, le=1800, description="Run time of the shape")
    slo: Path | None = None
    verdict: Path | None = None
