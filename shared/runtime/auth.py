"""API-key protection for ingestion endpoints: each key is scoped to one provider and one sector.

No key or an unknown key -> 401; a key for another sector -> 403. Keys come from settings
(``DEXSIM_<SERVICE>_API_KEYS``, a JSON object ``{"<provider>:<sector>": "<key>"}``), never code.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Header, HTTPException, Request, status

from shared import metrics

if TYPE_CHECKING:
    from shared.runtime.service import ServiceRuntime


def require_sector_key(sector: str) -> Callable[..., Awaitable[str]]:
    """A FastAPI dependency that checks ``X-API-Key`` and returns the provider it belongs to."""

    async def dependency(
        request: Request,
        x_api_key: Annotated[str | None, Header(description="Ingestion API key")] = None,
    ) -> str:
        runtime: ServiceRuntime[Any] = request.app.state.runtime
        if not x_api_key:
            metrics.HTTP_REJECTED.labels(runtime.name, "401").inc()
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="missing X-API-Key header: ingestion needs a key issued for this sector",
                headers={"WWW-Authenticate": "ApiKey"},
            )
        candidate = x_api_key.encode()
        for scope, secret in runtime.settings.api_keys.items():
            if hmac.compare_digest(candidate, secret.get_secret_value().encode()):
                provider, _, key_sector = scope.partition(":")
                if key_sector != sector:
                    metrics.HTTP_REJECTED.labels(runtime.name, "403").inc()
                    raise HTTPException(
                        status.HTTP_403_FORBIDDEN,
                        detail=f"this key is scoped to sector {key_sector!r}, not {sector!r}",
                    )
                return provider
        metrics.HTTP_REJECTED.labels(runtime.name, "401").inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="unknown API key",
            headers={"WWW-Authenticate": "ApiKey"},
        )

    return dependency
