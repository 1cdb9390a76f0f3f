"""JSON responses of the read-only API: keys in the order Redis stored them
(Flask's ``jsonify`` sorts them, which reorders the hashes inside job args)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response


def api_json(value: Any, status: int = 200) -> Response:
    """``value`` as a JSON response, dict keys in their own order, UTF-8 raw."""
    return Response(json.dumps(value, ensure_ascii=False, separators=(",", ":")), status,
                    mimetype="application/json")
