"""Small helpers on the test server's SQLite database (standard library only).

    db_helper.py key DB_PATH     creates an Open311 API key the way the server stores it
                                 (SHA-256 of the secret, hex) and prints the secret
    db_helper.py point DB_PATH   prints "LAT LONG" of a point inside the first live grid
"""

import hashlib
import json
import random
import secrets
import sqlite3
import sys
import time


def make_key(db):
    secret = secrets.token_hex(32)
    with sqlite3.connect(db) as c:
        c.execute(
            "INSERT INTO open311_keys (key_hash, name, created_at, revoked_at) VALUES (?, ?, ?, NULL)",
            (hashlib.sha256(secret.encode()).hexdigest(), "tests/open311", int(time.time() * 1000)),
        )
    print(secret)


def inside_ring(x, y, ring):
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def point(db):
    with sqlite3.connect(db) as c:
        rows = c.execute(
            "SELECT boundary FROM nodes WHERE kind = 'grid' AND retired_at IS NULL AND boundary IS NOT NULL ORDER BY code LIMIT 1"
        ).fetchall()
    g = json.loads(rows[0][0])
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    outer = polys[0][0]
    xs, ys = [p[0] for p in outer], [p[1] for p in outer]
    rng = random.Random(1)
    for _ in range(100000):
        x, y = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        if inside_ring(x, y, outer) and not any(inside_ring(x, y, h) for h in polys[0][1:]):
            print(f"{y:.6f} {x:.6f}")
            return
    sys.exit("no point found inside the first grid")


if __name__ == "__main__":
    {"key": make_key, "point": point}[sys.argv[1]](sys.argv[2])
