"""The emulator's OAuth: access tokens that expire, single-use refresh tokens, RFC 6749 errors."""

from __future__ import annotations

import httpx
from conftest import MakeEmu
from emu_helpers import FakeClock

TOKEN = "/v1/users/auth/device/token"


def refresh(url: str, token: str, client_id: str = "baseten-cli") -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id}
    return httpx.post(url + TOKEN, data=form)


def models(url: str, token: str) -> int:
    return httpx.get(url + "/v1/models", headers={"Authorization": f"Bearer {token}"}).status_code


def test_an_access_token_works_until_it_expires(make_emu: MakeEmu) -> None:
    clock = FakeClock()
    emu = make_emu(clock=clock, oauth_ttl_s=600)
    login = emu.oauth_login()
    assert login["oauth_expires_at"] == int(clock.now + 600)
    assert models(emu.url, login["oauth_access_token"]) == 200
    clock.advance(601)
    assert models(emu.url, login["oauth_access_token"]) == 401


def test_a_refresh_token_works_once(make_emu: MakeEmu) -> None:
    emu = make_emu()
    login = emu.oauth_login(expires_in=-1)
    first = refresh(emu.url, login["oauth_refresh_token"])
    assert first.status_code == 200
    body = first.json()
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    assert models(emu.url, body["access_token"]) == 200
    again = refresh(emu.url, login["oauth_refresh_token"])
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert emu.oauth_refreshes == 1
    assert refresh(emu.url, body["refresh_token"], client_id="other").status_code == 401
    emu.revoke_oauth_logins()
    assert refresh(emu.url, body["refresh_token"]).status_code == 400
    # The form (and its refresh token) is never kept in the request records.
    assert all(login["oauth_refresh_token"] not in str(r) for r in emu.requests)
