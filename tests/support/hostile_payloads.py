"""Hostile queue contents for the fault tests: bytes no job encodes, and deep nesting."""

from __future__ import annotations


def nested(depth: int) -> object:
    """``1`` inside ``depth`` lists."""
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


#: (what it is, the bytes pushed onto a queue)
HOSTILE: list[tuple[str, bytes]] = [
    ("not JSON", b"not json{"),
    ("a list", b"[1,2]"),
    ("a string", b'"x"'),
    ("null", b"null"),
    ("an empty object", b"{}"),
    ("a number as class", b'{"class":5}'),
    ("invalid UTF-8", b'{"class":"Archive","args":["\xff\xfe"]}'),
    ("0 bytes", b""),
    ("nested 1,000 deep", b'{"class":"Archive","args":' + b"[" * 1000 + b"]" * 1000 + b"}"),
    ("nested 10,000 deep", b'{"class":"Archive","args":' + b"[" * 10000 + b"]" * 10000 + b"}"),
    ("nested 150 deep (past Ruby's 100)", b'{"class":"Archive","args":' + b"[" * 150 + b"]" * 150 + b"}"),
    ("20 MB", b'{"class":"Huge","args":["' + b"x" * (20 * 1024 * 1024) + b'"]}'),
]
