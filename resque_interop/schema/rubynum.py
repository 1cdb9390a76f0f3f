"""Ruby's number formats: ``Float#to_s`` and the floats Oj writes, ActiveSupport's BigDecimal
text, and integers of any size (Python's int/str conversion stops at 4,300 digits).
Each is checked against live Ruby (tests/test_ruby_live.py) and recordings."""

from __future__ import annotations

import math
from decimal import Decimal

from ..errors import EncodeError

_LLONG_MIN = -(2**63)
_LLONG_LIMIT = 2**63
#: Python refuses int<->str conversions past this many digits (sys.get_int_max_str_digits);
#: bigger integers are converted in chunks below it.
DIGIT_CHUNK = 4000


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of a positive finite float and the decimal
    point position: ``value == 0.<digits> * 10**decpt``."""
    text = repr(value)
    exp = 0
    if "e" in text:
        text, exp_text = text.split("e")
        exp = int(exp_text)
    int_part, _, frac_part = text.partition(".")
    if int_part.strip("0"):
        digits = (int_part + frac_part).lstrip("0")
        decpt = len(int_part.lstrip("0")) + exp
    else:
        stripped = frac_part.lstrip("0")
        decpt = exp - (len(frac_part) - len(stripped))
        digits = stripped
    return digits.rstrip("0") or "0", decpt


def ruby_float(value: float) -> str:
    """``Float#to_s`` as Ruby (and the json gem) writes it."""
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if not math.isfinite(value):
        raise EncodeError(f"{value!r} is not allowed in JSON (Ruby raises GeneratorError too)")
    sign = "-" if value < 0 else ""
    digits, decpt = _shortest_digits(abs(value))
    ndigits = len(digits)
    if decpt > 0:
        if decpt < ndigits:  # a fractional part: ddd.ddd
            return f"{sign}{digits[:decpt]}.{digits[decpt:]}"
        if decpt <= 15:  # an integral value of at most DBL_DIG digits: ddd000.0
            return f"{sign}{digits}{'0' * (decpt - ndigits)}.0"
    elif decpt > -4:  # 0.000ddd
        return f"{sign}0.{'0' * -decpt}{digits}"
    exponent = decpt - 1
    return f"{sign}{digits[0]}.{digits[1:] or '0'}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"


def oj_float(value: float) -> str:
    """A float as Oj (compat mode, MultiJson's Oj adapter) writes it."""
    if value == 0.0:
        return "0.0"
    if math.isfinite(value) and value.is_integer() and _LLONG_MIN <= value < _LLONG_LIMIT:
        return f"{value:.1f}"
    return ruby_float(value)


def oj_rails_float(value: float) -> str:
    """A float as Oj's Rails mode (``Oj.optimize_rails``) writes it: C's ``%0.16g``, integral
    values in full, Ruby's own text when ``%.16g`` shows a rounding tail (``...0001``/``...9999``)."""
    if value == 0.0:
        return "0.0"
    if not math.isfinite(value):
        raise EncodeError(f"{value!r} is not allowed in JSON (Ruby raises GeneratorError too)")
    if value.is_integer() and _LLONG_MIN <= value < _LLONG_LIMIT:
        return f"{value:.1f}"
    text = f"{value:.16g}"
    if len(text) >= 17 and text[-4:] in ("0001", "9999"):
        return ruby_float(value)
    return text


def rails_float(value: float) -> str:
    """A float as ActiveSupport writes it through the json gem: ``Float#to_s``, NaN and Infinity as null."""
    return ruby_float(value) if math.isfinite(value) else "null"


def rails_oj_float(value: float) -> str:
    """A float as Oj writes it standing in for ActiveSupport: Rails mode, NaN and Infinity as null."""
    return oj_rails_float(value) if math.isfinite(value) else "null"


def rails_decimal(value: Decimal) -> str | None:
    """ActiveSupport's ``BigDecimal#as_json``: ``to_s`` in plain notation (``Decimal("1.10")``
    -> ``"1.1"``, ``1E+30`` -> ``"1000000000000000000000000000000.0"``); None (null) unless finite."""
    if not value.is_finite():
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0")
        return text + "0" if text.endswith(".") else text
    return text + ".0"


def int_text(value: int) -> str:
    """``str(value)`` for integers of any size (Python's limit of 4,300 digits worked around)."""
    if -(10**DIGIT_CHUNK) < value < 10**DIGIT_CHUNK:
        return str(value)
    if value < 0:
        return "-" + int_text(-value)
    half = int(value.bit_length() * 0.30103) // 2  # half its decimal digits, about
    high, low = divmod(value, 10**half)
    return int_text(high) + int_text(low).rjust(half, "0")


def text_int(digits: str) -> int:
    """``int(digits)`` for a decimal integer literal of any length."""
    if len(digits) <= DIGIT_CHUNK:
        return int(digits)
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    half = len(digits) // 2
    high, low = text_int(digits[:-half]), text_int(digits[-half:])
    return sign * (high * int(10**half) + low)
