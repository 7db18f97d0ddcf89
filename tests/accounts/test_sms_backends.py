"""The SMS backend is chosen by settings: console (prints the code), locmem (tests), and
Twilio over HTTP (mocked only at the HTTP boundary with ``responses``)."""

from __future__ import annotations

import pytest
import responses
from django.urls import reverse

from accounts import sms
from tests.accounts.sms_helpers import NUMBER, code_in, sign_up_by_phone

TWILIO = "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND = "accounts.sms.TwilioBackend"
    settings.SMS_TWILIO_ACCOUNT_SID = "AC123"
    settings.SMS_TWILIO_AUTH_TOKEN = "secret-token"
    settings.SMS_FROM = "+15005550006"


@pytest.mark.django_db
def test_the_console_backend_prints_the_code(client, settings, capsys):
    settings.SMS_BACKEND = "accounts.sms.ConsoleBackend"
    sign_up_by_phone(client)
    printed = capsys.readouterr().out
    assert f"SMS to {NUMBER}" in printed
    code = printed.split("is your ECG screening code")[0].split()[-1]
    assert len(code) == 6 and code.isdigit()
    client.post(reverse("account_verify_phone"), {"code": code})
    assert "_auth_user_id" in client.session


def test_the_locmem_backend_keeps_an_outbox(sms_outbox):
    sms.send_sms(to=NUMBER, body="hello")
    assert sms_outbox == [sms.TextMessage(to=NUMBER, body="hello")]


@responses.activate
def test_twilio_gets_one_authenticated_post_per_message(twilio):
    responses.post(TWILIO, json={"sid": "SM1", "status": "queued"}, status=201)
    sms.send_sms(to=NUMBER, body="123456 is your code")
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    assert request.headers["Authorization"].startswith("Basic ")
    body = request.body if isinstance(request.body, str) else request.body.decode()
    assert "To=%2B919876543210" in body and "From=%2B15005550006" in body
    assert "Body=123456+is+your+code" in body


@responses.activate
def test_a_twilio_refusal_is_an_error_without_the_token(twilio, caplog):
    responses.post(TWILIO, json={"code": 21211, "message": "Invalid 'To'"}, status=400)
    with pytest.raises(sms.SmsError) as error:
        sms.send_sms(to=NUMBER, body="x")
    assert "400" in str(error.value) and "secret-token" not in str(error.value)
    assert "+91 ••••• 43210" in caplog.text and NUMBER not in caplog.text


@responses.activate
@pytest.mark.django_db
def test_when_twilio_fails_the_person_is_told_and_can_ask_again(client, twilio):
    responses.post(TWILIO, status=503)
    response = sign_up_by_phone(client)
    assert response.url == reverse("account_verify_phone")
    page = client.get(response.url)
    assert b"We could not send the text message just now" in page.content


@responses.activate
@pytest.mark.django_db
def test_signup_through_twilio_sends_the_code(client, twilio):
    responses.post(TWILIO, json={"sid": "SM1"}, status=201)
    sign_up_by_phone(client)
    body = responses.calls[0].request.body
    body = body if isinstance(body, str) else body.decode()
    assert "is+your+ECG+screening+code" in body


def test_twilio_without_credentials_says_what_is_missing(settings):
    settings.SMS_BACKEND = "accounts.sms.TwilioBackend"
    settings.SMS_TWILIO_ACCOUNT_SID = ""
    with pytest.raises(sms.SmsError, match="SMS_TWILIO_ACCOUNT_SID"):
        sms.send_sms(to=NUMBER, body="x")


def test_code_in_helper_reads_the_last_code(sms_outbox):
    sms.send_sms(to=NUMBER, body="111111 old")
    sms.send_sms(to=NUMBER, body="222222 new")
    assert code_in(sms_outbox) == "222222"
