# The seeds' own stack for issue #15's "who am I" row: FastAPI + uvicorn, the same route shape as
# studio GET /api/users (verify an HS256 JWT, check its session, read one user row). Started by
# bench/fastapi.ts from Debian's python3-fastapi and python3-uvicorn.
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import time

from fastapi import FastAPI, Header, HTTPException

SECRET = os.environ["BENCH_JWT_SECRET"].encode()
DB = sqlite3.connect(os.environ["BENCH_DB"], check_same_thread=False)
app = FastAPI()


def b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@app.get("/api/users")
def me(authorization: str = Header(default="")):
    if not authorization.startswith("Bearer "):
        raise HTTPException(401, {"code": "UNAUTHORIZED"})
    head, body, sig = authorization[7:].split(".")
    expected = hmac.new(SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, b64(sig)):
        raise HTTPException(401, {"code": "INVALID_TOKEN"})
    claims = json.loads(b64(body))
    if claims["exp"] < time.time():
        raise HTTPException(401, {"code": "TOKEN_EXPIRED"})
    row = DB.execute(
        "select u.id, u.name, u.email from sessions s join users u on u.id = s.user_id where s.id = ? and s.revoked = 0",
        (claims["sid"],),
    ).fetchone()
    if row is None:
        raise HTTPException(401, {"code": "INVALID_TOKEN"})
    return {"success": True, "message": "ok", "data": {"id": row[0], "name": row[1], "email": row[2]}}
