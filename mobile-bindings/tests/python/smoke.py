"""Smoke test of the generated Python bindings (run by `cargo xtask test` with PYTHONPATH set
to bindings/python, where the library is copied next to kipochi.py)."""

import os
import sys
import tempfile
from decimal import Decimal

import kipochi as k

passed = 0
failed = 0


def check(name, body):
    global passed, failed
    try:
        body()
        passed += 1
        print(f"ok   {name}")
    except Exception as e:  # report and go on: the summary line decides
        failed += 1
        print(f"FAIL {name}: {e!r}")


class MapStorage(k.SecureStorage):
    def __init__(self):
        self.slots = {}

    def get(self, key):
        return self.slots.get(key)

    def put(self, key, value):
        self.slots[key] = bytes(value)

    def delete(self, key):
        self.slots.pop(key, None)


def qr_round_trip():
    req = k.MerchantQrRequest(
        payee=k.PartyId(id_type=k.PartyIdType.MSISDN, identifier="255700000001", sub_id=None),
        mcc="5999", currency="KES", country="KE", name="Duka", city="Nairobi",
        amount="120.50", reference=None, terminal=None)
    payload = k.encode_merchant_qr(req)
    m = k.qr_matrix(payload, k.ErrorCorrection.MEDIUM)
    px, q = 3, 4
    side = (m.size + 2 * q) * px
    luma = bytearray([255]) * (side * side)
    for y in range(side):
        for x in range(side):
            mx, my = x // px - q, y // px - q
            if 0 <= mx < m.size and 0 <= my < m.size and m.modules[my * m.size + mx]:
                luma[y * side + x] = 0
    intent = k.scan_payment_frame(side, side, bytes(luma))
    assert intent is not None, "no QR found"
    assert Decimal(intent.amount) == Decimal("120.50"), intent.amount
    assert intent.currency == "KES"
    assert intent.payee.identifier == "255700000001"


def key_and_approval():
    storage = MapStorage()
    key = k.DeviceKey.load_or_create(storage)
    again = k.load_device_key(storage)
    assert again is not None and again.public_key() == key.public_key()
    terms = k.ApprovalTerms(
        payment_id="7d3c4d9e-0f55-4b0e-8d7c-2a9f4b1c6e10",
        payee=k.Payee(id_type="MSISDN", id="255700000001", name="Duka"),
        amount="120.5", currency="KES", fee="1", total="121.5",
        expiry="2026-12-02T06:00:00Z", nonce="n", device_id=key.device_id())
    signed = again.sign_approval(terms)
    k.verify_approval(terms, key.public_key(), signed.signature)


def typed_errors():
    try:
        k.parse_payment_qr("")
    except k.FfiError.Qr as e:
        assert e.code == "empty_payload", e.code
    else:
        raise AssertionError("no error")


def store_and_outbox():
    with tempfile.TemporaryDirectory() as d:
        store = k.WalletStore.open_sqlite(os.path.join(d, "w.db"))
        outbox = k.Outbox(store, None)
        item = outbox.enqueue(k.OutboxKind.ONBOARDING, '{"phone":"+254700000001"}')
        assert [i.id for i in outbox.items()] == [item.id]


def hub_errors():
    import asyncio

    # Nothing listens on port 1 of loopback: no answer, a retryable hub error with a stable code.
    hub = k.HubClient.with_timeouts("http://127.0.0.1:1", 2000, 2000)
    try:
        asyncio.run(hub.balance())
        raise AssertionError("balance without a session")
    except k.FfiError.Hub as e:
        assert e.code == "no_session" and not e.retryable, e
    try:
        asyncio.run(hub.login("255711000001", "2580"))
        raise AssertionError("login without a hub")
    except k.FfiError.Hub as e:
        assert e.code == "unreachable" and e.retryable and e.status == 0, e
        assert "2580" not in str(e)
    assert not hub.has_session()


check("QR encode -> frame -> intent", qr_round_trip)
check("device key and approval", key_and_approval)
check("typed errors", typed_errors)
check("SQLite outbox", store_and_outbox)
check("hub client: async calls, typed hub errors", hub_errors)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
