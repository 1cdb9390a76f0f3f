"""The narrow client shape for the layers between the store and the client.

Failure backends read and write Redis through the client's data store and codec, and the
scheduler builds on the same shape (:mod:`resque_interop.scheduler.protocols`); they type against
it instead of :class:`resque_interop.Resque`, so nothing below the client imports the client
(``Resque`` satisfies it structurally).
"""

from __future__ import annotations

from typing import Protocol

from ..schema.codec import Codec
from .datastore import DataStore


class StoreClient(Protocol):
    """What a failure backend uses of the client: its data store and codec."""

    @property
    def store(self) -> DataStore: ...

    @property
    def codec(self) -> Codec: ...
