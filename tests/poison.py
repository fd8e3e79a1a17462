"""Records that have stopped consumers elsewhere, or could: every consumer must dead-letter each one
with its reason and go on (value, headers)."""

from __future__ import annotations

POISON: list[tuple[bytes, list[tuple[str, bytes]]]] = [
    (b"[" * 10_000 + b"]" * 10_000, []),  # 20 KB of nested arrays: past any parser's depth limit
    (b'{"n":' * 10_000 + b"1" + b"}" * 10_000, []),  # nested objects
    (b"\xff\xfe\x00{\"n\": 1}", []),  # not UTF-8
    (b"", []),  # empty value
    (b'{"n": 1, "pad": "' + b"x" * 900_000 + b'"}', []),  # large (the broker's limit is about 1 MB)
    (b"not json", [("content-type", b"application/json")]),  # claims to be JSON
    (b'{"n": 1', [("correlation_id", b"\xff\xfe")]),  # truncated, with a header that is not UTF-8
    (b'{"n": "one"}', []),  # wrong type
    (b'{"n": 1, "extra": true}', []),  # breaks the contract (unknown field)
    (b"null", []),
    (b'"\\ud800"', []),  # a lone surrogate
]
