"""Verified JWTs are remembered per exact token string (issue 22), but time
still counts: a remembered token that expires is refused, and a token that
differs by one character is verified afresh."""
from __future__ import annotations

import time
from datetime import timedelta

from flask_jwt_extended import create_access_token, decode_token


def test_a_remembered_token_still_expires_and_a_forged_one_is_refused(app, make_user, ctx):
    user = make_user("jw")
    claims = decode_token(user.tokens["access_token"])
    short = create_access_token(identity=user.uid, expires_delta=timedelta(seconds=2),
                                additional_claims={"sid": claims["sid"], "auth_ms": claims["auth_ms"]})
    headers = {"Authorization": f"Bearer {short}"}
    assert user.client.get("/api/v1/me", headers=headers).status_code == 200
    assert short in app.extensions["flask-jwt-extended"]._verified  # remembered
    assert user.client.get("/api/v1/me", headers=headers).status_code == 200
    head, payload, sig = short.split(".")
    forged = ".".join([head, payload, ("A" if sig[0] != "A" else "B") + sig[1:]])
    r = user.client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    time.sleep(2.2)
    r = user.client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.get_json()["detail"] == "the token has expired"
