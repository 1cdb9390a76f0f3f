"""Typed jobs for worker processes in tests/test_typed.py (``-A tests.typed_jobs``): each
records the Python types and values it received in ``typed:results``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec
import redis

from resque_interop import job


def _record(value: Any) -> None:
    client = redis.Redis.from_url(os.environ["RESQUE_TEST_REDIS_URL"])
    client.rpush("typed:results", json.dumps(value, default=repr))


@dataclass
class Meta:
    """What Ruby sends as a hash: ``{"tags": [...], "published": "2026-..."}``."""

    tags: list[str]
    published: datetime | None = None
    extra: dict[str, int] = field(default_factory=dict)


class Brand(msgspec.Struct):
    """A msgspec Struct argument."""

    name: str
    launched: date


def _types(*values: Any) -> list[str]:
    return [type(v).__name__ for v in values]


@job("TypedArchive", queue="typed", typed=True)
def typed_archive(episode_id: int, brand: str, meta: Meta) -> None:
    _record({"types": _types(episode_id, brand, meta, meta.published), "episode_id": episode_id,
             "tags": meta.tags, "published": meta.published.isoformat() if meta.published else None})


@job("TypedBrand", queue="typed", typed=True)
def typed_brand(brand: Brand, price: Decimal, *sizes: int) -> None:
    _record({"types": _types(brand, brand.launched, price, *sizes), "price": str(price), "sizes": list(sizes)})


@job("LaxCount", queue="typed", typed="lax")
def lax_count(count: int, enabled: bool, ratio: float = 0.5) -> None:
    _record({"types": _types(count, enabled, ratio), "values": [count, enabled, ratio]})


@job("TypedAJ", queue="typed", typed=True)
def typed_aj(episode_id: int, brand: str, *, flag: bool = False, **options: int) -> None:
    """An ActiveJob job with keyword arguments (Rails' ``perform(id, brand, flag: false, **options)``)."""
    _record({"types": _types(episode_id, brand, flag, *options.values()), "flag": flag, "options": options})
