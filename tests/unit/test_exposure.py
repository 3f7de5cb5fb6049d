"""Operations routes answer only where the operator says: /metrics to listed networks, the API
documents unless closed."""

from __future__ import annotations

import httpx
import pytest

from services.runtime.http import ServiceRuntime, create_service_app
from services.runtime.settings import ServiceSettings


def client(settings: ServiceSettings, address: str) -> httpx.AsyncClient:
    app = create_service_app(ServiceRuntime("probe", settings, messaging=False))
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://probe")


class TestMetricsNetworks:
    """Per-union figures are for the operator's Prometheus, not for the internet."""

    @pytest.mark.parametrize("address", ["127.0.0.1", "10.4.0.12", "172.18.0.3", "::1"])
    async def test_loopback_and_private_networks_may_scrape_by_default(self, address: str) -> None:
        async with client(ServiceSettings(), address) as http:
            response = await http.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")

    async def test_a_public_address_gets_nothing(self) -> None:
        async with client(ServiceSettings(), "203.0.113.9") as http:
            response = await http.get("/metrics")
        assert response.status_code == 404

    async def test_the_operator_names_the_networks(self) -> None:
        settings = ServiceSettings(metrics_networks=["198.51.100.0/24"])
        async with client(settings, "198.51.100.7") as inside:
            assert (await inside.get("/metrics")).status_code == 200
        async with client(settings, "10.4.0.12") as outside:
            assert (await outside.get("/metrics")).status_code == 404


class TestApiDocuments:
    """Frontend developers read /docs and /openapi.json; an operator may close them."""

    async def test_open_by_default(self) -> None:
        async with client(ServiceSettings(), "203.0.113.9") as http:
            assert (await http.get("/openapi.json")).status_code == 200
            assert (await http.get("/docs")).status_code == 200

    async def test_closed_when_the_operator_says(self) -> None:
        async with client(ServiceSettings(open_api_docs=False), "203.0.113.9") as http:
            assert (await http.get("/openapi.json")).status_code == 404
            assert (await http.get("/docs")).status_code == 404
            assert (await http.get("/redoc")).status_code == 404
