"""Signing in starts a new session (no session fixation): nothing a browser held before the passcode
carries over, not the contents of the session cookie nor the CSRF token its forms were given."""

import pytest
from test_server_security import PASSCODE, sign_in, token

from handouts.server import create_app


@pytest.fixture
def locked_app(library_project):
    return create_app(library_project, passcode=PASSCODE)


def test_signing_in_starts_a_new_session(locked_app):
    client = locked_app.test_client()
    old_token = token(client, "/login")
    with client.session_transaction() as before:  # as if someone else had set this browser's cookie
        before["planted"] = "fixed-before-sign-in"
        old_secret = before["csrf_token"]
    assert sign_in(client).status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after and after.get("csrf_token") != old_secret
        assert "signed_in" in after
    fields = {"slug": "no-such-handout", "language": "en", "csrf_token": old_token}
    stale = client.post("/pdf", data=fields)
    assert stale.status_code == 400 and "expired or did not come from the front desk" in stale.get_data(as_text=True)
    fresh = client.post("/pdf", data={**fields, "csrf_token": token(client)})  # the new session's own form
    assert "no-such-handout" in fresh.get_data(as_text=True)  # past the CSRF check: there is no such handout
