from datetime import timedelta

from robnu.sandbox.faults import FaultKind, FaultRule


def test_auth_token_shape(client, account):
    r = client.post("/authToken", json={"username": account["pob_id"], "password": account["api_password"]})
    body = r.json()
    assert r.status_code == 200 and body["success"] is True and body["statusCode"] == 0
    assert body["result"]["expiresIn"] == 1800 and body["result"]["tokenType"] == "Bearer"
    assert account["pob_id"].startswith("DV") and len(account["pob_id"]) == 8
    assert set(account) >= {"pob_id", "api_password", "store", "einvoice"}
    assert set(account["store"]) == {
        "store_code",
        "ship_from_pincode",
        "state_code",
        "seller_gstin",
        "invoice_series_prefix",
    }


def test_bad_credentials_and_tokens(client, account, auth):
    r = client.post("/authToken", json={"username": account["pob_id"], "password": "nope"})
    assert r.status_code == 401 and r.json()["errorCode"] == "INVALID_CREDENTIALS"
    assert r.json()["message"] == "Invalid username or password"
    r = client.get("/products")
    assert r.status_code == 401 and r.json()["errorCode"] == "INVALID_TOKEN"
    r = client.get("/products", headers={"Authorization": "Bearer junk"})
    assert r.status_code == 401 and r.json()["errorCode"] == "INVALID_TOKEN"
    assert client.get("/products", headers=auth).status_code == 200


def test_token_expires_after_30_minutes(client, clock, auth):
    clock.advance(timedelta(minutes=29))
    assert client.get("/products/count", headers=auth).status_code == 200
    clock.advance(timedelta(minutes=2))
    r = client.get("/products/count", headers=auth)
    assert r.status_code == 401 and r.json()["errorCode"] == "TOKEN_EXPIRED"


def test_new_token_supersedes_after_grace(client, clock, account, auth, login):
    newer = login(account)
    clock.advance(timedelta(seconds=30))
    assert client.get("/products/count", headers=auth).status_code == 200
    clock.advance(timedelta(seconds=31))
    r = client.get("/products/count", headers=auth)
    assert r.status_code == 401 and r.json()["errorCode"] == "TOKEN_SUPERSEDED"
    assert client.get("/products/count", headers=newer).status_code == 200


def test_revoked_pob_is_inactive(client, sandbox, account, auth):
    sandbox.revoke(account["pob_id"])
    r = client.get("/products/count", headers=auth)
    assert r.status_code == 403 and r.json()["errorCode"] == "POB_INACTIVE"
    r = client.post("/authToken", json={"username": account["pob_id"], "password": account["api_password"]})
    assert r.status_code == 403 and r.json()["errorCode"] == "POB_INACTIVE"


def test_fault_token_expired_and_revoked(client, sandbox, account, auth):
    sandbox.kit.faults.add(FaultRule(FaultKind.TOKEN_EXPIRED, "getProductsCount"))
    r = client.get("/products/count", headers=auth)
    assert r.status_code == 401 and r.json()["errorCode"] == "TOKEN_EXPIRED"
    sandbox.kit.faults.add(FaultRule(FaultKind.REVOKED_CREDENTIALS, "authToken"))
    r = client.post("/authToken", json={"username": account["pob_id"], "password": account["api_password"]})
    assert r.status_code == 403 and r.json()["errorCode"] == "POB_INACTIVE"


def test_rate_limit_and_generic_faults(clock, account):
    import httpx

    from robnu.sandbox.ajio import build_sandbox
    from robnu.sandbox.transport import InProcessTransport

    sb = build_sandbox(seed=1, clock=clock, rate_scale=0.001)
    acc = sb.create_account()
    t = InProcessTransport(sb.apps["api"])
    with httpx.Client(transport=t, base_url="http://ajio.sandbox") as c:
        tok = c.post("/authToken", json={"username": acc["pob_id"], "password": acc["api_password"]}).json()
        h = {"Authorization": "Bearer " + tok["result"]["accessToken"]}
        codes = [c.get("/products/count", headers=h).status_code for _ in range(21)]
        assert codes[:20] == [200] * 20 and codes[20] == 429
        r = c.get("/products/count", headers=h)
        assert r.json()["errorCode"] == "RATE_LIMITED" and int(r.headers["Retry-After"]) >= 1
        for _ in range(5):
            c.post("/authToken", json={"username": acc["pob_id"], "password": acc["api_password"]})
        r = c.post("/authToken", json={"username": acc["pob_id"], "password": acc["api_password"]})
        assert r.status_code == 429
        c.post("/_sandbox/ratelimit", json={"enabled": False})
        c.post("/_sandbox/faults", json={"kind": "server_error", "params": {"status": 503}})
        r = c.get("/products/count", headers=h)
        assert r.status_code == 503 and r.json()["errorCode"] == "SERVICE_UNAVAILABLE"
    t.close()
