"""Pipe hostile input lines through `ask --json`, plain `ask` and the terminal chat (`run`
with no token) and check that every line gets its reply and the output stays well formed.

Run: .venv/bin/python scripts/fuzz_input.py [--lines N] [--seed S]
Prints how many lines of each kind were tried and any broken invariant; exits 1 on one.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The known question after each hostile line, and a phrase only its reply contains.
GOOD = "大渡口有多少个市区级重点项目"
GOOD_REPLY = "「对80个市区级重点项目"
UNSAFE = (b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
LONE_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")
CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) != "\n"]


def _text(rng: random.Random) -> str:
    return rng.choice(
        ["小面营收目标", "重庆小面明年營收目標是多少", "What are the five industries?"]
    )


def _insert(rng: random.Random, text: str, extra: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + extra + text[at:]


# Each kind makes one line's bytes (without the final b"\n").
KINDS: dict[str, Callable[[random.Random], bytes]] = {
    "random bytes": lambda r: bytes(r.randrange(256) for _ in range(r.randrange(1, 40))).replace(
        b"\n", b""
    ),
    "truncated UTF-8": lambda r: _text(r).encode()[: -r.randrange(1, 3)],
    "overlong UTF-8": lambda r: b"\xc0\xaf" + _text(r).encode(),
    "WTF-8 lone surrogate": lambda r: (
        _text(r).encode() + bytes([0xED, r.randrange(0xA0, 0xC0), 0x80])
    ),
    "CESU-8 pair": lambda r: b"\xed\xa0\xbd\xed\xb8\x80" + _text(r).encode(),
    "GBK, Big5, UTF-16 bytes": lambda r: (
        _text(r).encode(r.choice(["gbk", "big5", "utf-16-le"]), "replace").replace(b"\n", b"")
    ),
    "CRLF": lambda r: _text(r).encode() + b"\r",
    "control characters": lambda r: _insert(
        r, _text(r), "".join(r.choices(CONTROLS, k=3))
    ).encode(),
    "NUL": lambda r: _insert(r, _text(r), "\x00").encode(),
    "U+2028 / U+2029 / U+0085": lambda r: _insert(
        r, _text(r), r.choice("\u2028\u2029\x85")
    ).encode(),
    "BOM, bidi, zero-width": lambda r: _insert(
        r, _text(r), r.choice("\ufeff\u202e\u200b\u2066")
    ).encode(),
    "combining marks, emoji": lambda r: _insert(
        r, _text(r), r.choice(["\u0301\u0345", "😀", "👩🏽‍💻"])
    ).encode(),
    "empty or blank": lambda r: r.choice([b"", b" ", b"\t", "\u3000".encode()]),
    "very long (5,000 characters)": lambda r: (_text(r) * 1000)[:5000].encode(),
}


def _run(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "bot", *args]
    return subprocess.run(
        command, input=stdin, capture_output=True, env=env, timeout=600, cwd=REPO
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20230815)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    kinds = [rng.choice(list(KINDS)) for _ in range(options.lines)]
    lines = [KINDS[kind](rng) for kind in kinds]
    # A known question after every line: each must still be answered.
    stdin = b"".join(line + b"\n" + GOOD.encode() + b"\n" for line in lines)
    problems: list[str] = []

    result = _run(["ask", "--json"], stdin)
    rows = result.stdout.split(b"\n")[:-1]
    if result.returncode != 0 or len(rows) != 2 * len(lines):
        problems.append(f"ask --json: exit {result.returncode}, {len(rows)} rows")
    if any(raw in result.stdout for raw in UNSAFE) or LONE_SURROGATE.search(result.stdout):
        problems.append("ask --json: a raw line separator or surrogate in the output")
    parsed = [json.loads(row) for row in result.stdout.decode("utf-8").splitlines()]
    errors = sum(row["status"] == "error" for row in parsed[0::2])
    if any(row["question"] != GOOD or row["status"] != "answered" for row in parsed[1::2]):
        problems.append("ask --json: a good question after a bad line was not answered")

    for args in (["ask"], ["run"]):
        result = _run(args, stdin)
        answered = result.stdout.decode("utf-8").count(GOOD_REPLY)
        if result.returncode != 0 or answered != len(lines) or b"\x1b" in result.stdout:
            problems.append(f"{' '.join(args)}: exit {result.returncode}, {answered} answered")

    for kind, count in sorted(Counter(kinds).items(), key=lambda item: -item[1]):
        print(f"{count:5d}  {kind}")
    print(f"{len(lines)} hostile lines of {len(KINDS)} kinds, each followed by a good question;")
    print(f"{errors} were not valid UTF-8 (ask --json wrote an error object for each).")
    for problem in problems:
        print("PROBLEM:", problem)
    if not problems:
        print("ask --json wrote one object per line; every mode answered every good question.")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
