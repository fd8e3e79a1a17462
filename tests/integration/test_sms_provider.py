"""The notifier's SMS port against the local provider stand-in, over real HTTP."""

from uuid import uuid4

import pytest

from notifier.adapters.delivery_errors import TransientDeliveryError
from notifier.adapters.sms_sender import ProviderSmsSender

pytestmark = pytest.mark.integration


async def test_a_message_reaches_the_provider_and_an_outage_is_transient(sms_sink) -> None:
    sender = ProviderSmsSender(sms_sink.url, account_sid="AC-test", auth_token="t", sender="+447700900000")
    key = f"test-{uuid4()}"
    await sender.send(to="+447700900264", body="Ref X: check", idempotency_key=key)
    assert sms_sink.messages()[-1]["to"] == "+447700900264"
    sms_sink.set_outage(True)
    try:
        with pytest.raises(TransientDeliveryError):
            await sender.send(to="+447700900264", body="Ref X: check", idempotency_key=f"test-{uuid4()}")
    finally:
        sms_sink.set_outage(False)


async def test_a_resend_with_the_same_idempotency_key_sends_nothing_new(sms_sink) -> None:
    sender = ProviderSmsSender(sms_sink.url, account_sid="AC-test", auth_token="t", sender="+447700900000")
    body, key = f"Ref {uuid4().hex[:8]}: check", f"test-{uuid4()}"
    for _ in range(2):  # the second: after a crash that lost the provider's answer
        await sender.send(to="+447700900264", body=body, idempotency_key=key)
    await sender.send(to="+447700900264", body=body, idempotency_key=f"test-{uuid4()}")  # a new message
    assert len([m for m in sms_sink.messages() if m["body"] == body]) == 2
