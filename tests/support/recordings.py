"""What the Ruby enqueue recordings (tests/ruby_fixtures/enqueue_payloads*.json) were made with:
the arguments, the dialect that writes each recording's bytes, and the job classes."""

from __future__ import annotations

import decimal

from resque_interop import Registry

RUBY_ARGS = [
    44, -5, 1180591620717411303424, 0, 1.0, 0.1, 1.0e20, 1.5e-07, 100.0, -0.0, 123456789.125,
    "masterbrew", "é😀中", "/<script>&'\"", "\u2028\u2029", "\u0001\t\n\\", "", None, True, False,
    [], {}, {"a": {"b": [1, "x"]}}, {"sym": 1, "str": "symval"}, -1180591620717411303424,
]


#: What a Rails app adds (tests/ruby/record_rails.rb RAILS_ARGS), as Python values: NaN for Float::NAN,
#: Decimal for BigDecimal.
RAILS_ARGS = [
    "<b>&</b>", "a\u2028b\u2029c", {"<k>&": ">"}, "\u007f\u00ad\ufeff\u0000", 0.30000000000000004, 1e15, 1e16, 9.2e18,
    9.3e18, 2.0**63, -(2.0**63), 1234567890123456.8, 9.5e-05, 5e-324, 1.7976931348623157e308, 1e22, 1.0 / 3, 1e-05,
    12345678901234567.0, float("nan"), float("inf"), float("-inf"),
    decimal.Decimal("1.10"), decimal.Decimal("-0"), decimal.Decimal("1e30"), decimal.Decimal("0.1e-20"),
    decimal.Decimal("NaN"),
]
#: The recordings made with ActiveSupport loaded, and the dialect that writes each one's bytes
#: (rails: the json gem; oj_as: MultiJson on Oj, which ActiveSupport leaves alone; oj_rails: Oj.optimize_rails;
#: rails_oj: Oj.optimize_rails with MultiJson forced onto the json gem).
ACTIVESUPPORT_RECORDINGS = [("rails", "rails"), ("oj_as", "oj"), ("oj_rails", "oj_rails"), ("rails_oj", "rails_oj")]
RECORDINGS = [("enqueue_payloads.json", "json"), ("enqueue_payloads_oj.json", "oj")] + [
    (f"enqueue_payloads_{mode}.json", dialect) for mode, dialect in ACTIVESUPPORT_RECORDINGS]


class Archive:
    """The recordings' Archive job (queue file_serve)."""

    queue = "file_serve"


def recording_registry() -> Registry:
    """The classes the enqueue recordings use, registered as the Ruby app had them."""
    registry = Registry()
    registry.register("Archive", Archive)
    registry.register("Noop", lambda: None, queue="low")
    registry.register("Foo::Bar", lambda *a: None, queue="high")
    return registry
