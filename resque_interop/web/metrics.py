"""``/metrics``: the keyspace in Prometheus' text format (see :mod:`resque_interop.metrics`),
behind the dashboard's own auth (it is a route of the same blueprint)."""

from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from ..client import Resque
from ..metrics import ResqueCollector


def add_metrics_route(bp: Blueprint, client: Resque) -> None:
    """Serve ``GET /metrics`` from ``bp``: one registry per dashboard, read afresh per scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ResqueCollector(client))

    @bp.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
