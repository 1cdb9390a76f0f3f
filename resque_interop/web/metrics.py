"""``/metrics``: the keyspace in Prometheus' text format (see :mod:`resque_interop.metrics`),
behind the dashboard's own auth (it is a route of the same blueprint)."""

from __future__ import annotations

from flask import Blueprint, Response, request
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from ..client.resque import Resque
from ..metrics.collector import ResqueCollector


def add_metrics_route(bp: Blueprint, client: Resque) -> None:
    """Serve ``GET /metrics`` from ``bp``: one registry per dashboard, read afresh per scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ResqueCollector(client))

    @bp.get("/metrics")
    def metrics() -> Response:
        # the format the scraper asks for (Prometheus' text format, or OpenMetrics)
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return Response(encode(registry), headers={"Content-Type": content_type})
