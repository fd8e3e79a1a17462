"""The notifier's SMS port against the local provider stand-in, over real HTTP."""

import pytest

from notifier.adapters.sms_sender import ProviderSmsSender, TransientDeliveryError

pytestmark = pytest.mark.integration


async def test_a_message_reaches_the_provider_and_an_outage_is_transient(sms_sink) -> None:
    sender = ProviderSmsSender(sms_sink.url, account_sid="AC-test", auth_token="t", sender="+447700900000")
    await sender.send(to="+447700900264", body="Ref X: check")
    assert sms_sink.messages()[-1]["to"] == "+447700900264"
    sms_sink.set_outage(True)
    try:
        with pytest.raises(TransientDeliveryError):
            await sender.send(to="+447700900264", body="Ref X: check")
    finally:
        sms_sink.set_outage(False)
