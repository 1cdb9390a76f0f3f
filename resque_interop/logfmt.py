"""How job arguments read in log lines: as the JSON Resque users see in Redis
and resque-web (``[62,"slow"]``), not as Python reprs (``[62, 'slow']``)."""

from __future__ import annotations

import json
from typing import Any


def format_args(args: Any) -> str:
    """``args`` as compact JSON; a value JSON cannot carry (only possible for jobs
    built in Python) shows as its ``str`` rather than failing the log line."""
    return json.dumps(args, ensure_ascii=False, separators=(",", ":"), default=str)
