"""Every page of the mobile-number flows, for anonymous / patient / doctor / doctor without
TOTP / administrator: the public ones open to all, the account ones need a sign-in, and a
page reached out of turn (no code pending) sends the person back to its start."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "patient", "doctor", "doctor_without_totp", "administrator"]
SIGNED_IN = set(CAST) - {"anonymous"}

# url -> (status, where it redirects: None for 200) for anonymous, then for signed-in people
MATRIX = {
    "/account/password-reset/sms/": ((200, None), (200, None)),
    "/account/password-reset/sms/code/": (
        (302, "/account/password-reset/sms/"),
        (302, "/account/password-reset/sms/"),
    ),
    "/accounts/phone/change/": ((302, "/accounts/login/"), (200, None)),
    "/accounts/phone/verify/": ((302, "/accounts/login/"), (302, "/accounts/phone/change/")),
    "/accounts/login/code/": ((200, None), (302, None)),
    "/accounts/login/code/confirm/": ((302, "/accounts/login/code/"), (302, None)),
}


@pytest.mark.parametrize("url", list(MATRIX))
@pytest.mark.parametrize("who", CAST)
def test_each_phone_page_opens_to_whom_it_should(client, request, url, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    status, target = MATRIX[url][who in SIGNED_IN]
    response = client.get(url)
    assert response.status_code == status
    if target is not None:
        assert response.url.startswith(target)


@pytest.mark.parametrize("url", ["/accounts/phone/change/", "/accounts/phone/verify/"])
def test_changing_a_number_needs_a_post_from_a_signed_in_person(client, url):
    response = client.post(url, {"phone": "+919876543210"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
