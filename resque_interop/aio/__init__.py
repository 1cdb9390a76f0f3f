"""asyncio support: :class:`AsyncResque`, the producer and read API on redis.asyncio."""

from .client import AsyncResque
from .store import connect_async

__all__ = ["AsyncResque", "connect_async"]
