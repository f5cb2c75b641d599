// The Kotlin test of the generated bindings, run on a real JVM by `cargo xtask test` (see
// mobile-bindings/README.md). Every check drives the real Rust core through JNA: QR, device key
// over a Kotlin SecureStorage, approval signing, the SQLite store, the outbox and the listener.
package kipochi.bindings.test

import java.io.ByteArrayInputStream
import java.nio.file.Files
import javax.imageio.ImageIO
import kotlin.system.exitProcess
import org.kipochi.wallet.model.ReceiveModel
import org.kipochi.wallet.model.ScanPayModel
import org.kipochi.wallet.model.ScanState
import org.kipochi.wallet.model.Shop
import org.kipochi.wallet.model.tightLuma
import uniffi.kipochi.*

private var passed = 0
private var failed = 0

private fun check(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok   $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
    }
}

private fun expect(cond: Boolean, what: String) {
    if (!cond) throw AssertionError(what)
}

private fun <T> expectEq(actual: T, expected: T, what: String) {
    if (actual != expected) throw AssertionError("$what: expected <$expected>, got <$actual>")
}

/** Runs [body], which must throw [E]; returns the exception. */
private inline fun <reified E : Throwable> expectThrows(what: String, body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("$what: expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("$what: expected ${E::class.simpleName}, nothing was thrown")
}

/** The stable code of any FfiException variant. */
private fun FfiException.code(): String = when (this) {
    is FfiException.InvalidInput -> code
    is FfiException.Key -> code
    is FfiException.Approval -> code
    is FfiException.Store -> code
    is FfiException.Outbox -> code
    is FfiException.Qr -> code
    is FfiException.Money -> code
    is FfiException.Platform -> code
    is FfiException.Hub -> code
}

/** A SecureStorage in Kotlin, as an app's Keystore wrapper would be (here a map). */
private class MapStorage : SecureStorage {
    val slots = HashMap<String, ByteArray>()
    var puts = 0

    override fun get(key: String): ByteArray? = slots[key]?.copyOf()

    override fun put(key: String, value: ByteArray) {
        puts++
        slots[key] = value.copyOf()
    }

    override fun delete(key: String) {
        slots.remove(key)
    }
}

private class LockedStorage(val unexpected: Boolean) : SecureStorage {
    override fun get(key: String): ByteArray? =
        if (unexpected) throw IllegalStateException("keystore gone")
        else throw FfiException.Platform("keystore_locked", "user not authenticated")

    override fun put(key: String, value: ByteArray) = Unit

    override fun delete(key: String) = Unit
}

private fun merchantRequest(amount: String?, currency: String = "TZS") = MerchantQrRequest(
    payee = PartyId(PartyIdType.BUSINESS, "till-1234", null),
    mcc = "5411",
    currency = currency,
    country = "TZ",
    name = "Mama Lishe",
    city = "Arusha",
    amount = amount,
    reference = if (amount != null) "INV-7" else null,
    terminal = null,
)

/** Draws a matrix as a camera would see it: quiet zone of 4 modules, [px] pixels per module. */
private fun frameOf(m: QrMatrix, px: Int): Pair<Int, ByteArray> {
    val size = m.size.toInt()
    val side = (size + 8) * px
    val luma = ByteArray(side * side) { 255.toByte() }
    for (y in 0 until side) for (x in 0 until side) {
        val mx = x / px - 4
        val my = y / px - 4
        if (mx in 0 until size && my in 0 until size && m.modules[my * size + mx] == 1.toByte()) {
            luma[y * side + x] = 0
        }
    }
    return side to luma
}

private fun terms(deviceId: String, amount: String = "2500") = ApprovalTerms(
    paymentId = "0b6f6c1e-5d0e-4c43-9a39-3f7d2f0d6a11",
    payee = Payee("BUSINESS", "till-1234", "Mama Lishe"),
    amount = amount,
    currency = "TZS",
    fee = "25",
    total = "2525",
    expiry = "2026-12-02T06:00:00Z",
    nonce = "nonce-1",
    deviceId = deviceId,
)

/** A transport that answers from a script and records what it was sent. */
private class ScriptedTransport(val answer: (OutboxItem) -> SendOutcome) : OutboxTransport {
    val sent = mutableListOf<OutboxItem>()

    override fun deliver(item: OutboxItem): SendOutcome {
        sent += item
        return answer(item)
    }
}

private class Recorder : WalletListener {
    val changes = java.util.Collections.synchronizedList(mutableListOf<WalletChange>())

    override fun onChange(change: WalletChange) {
        changes += change
    }
}

fun main() {
    check("core version") { expect(coreVersion().isNotEmpty(), "empty version") }

    check("QR: merchant encode -> matrix -> camera frame -> payment intent") {
        val payload = encodeMerchantQr(merchantRequest("2500"))
        expect(payload.startsWith("000201"), "EMV payload format indicator")
        val (side, luma) = frameOf(qrMatrix(payload, ErrorCorrection.MEDIUM), 4)
        val intent = scanPaymentFrame(side.toUInt(), side.toUInt(), luma)
            ?: throw AssertionError("no QR found in the frame")
        expectEq(intent.source, QrSource.EMV, "source")
        expectEq(intent.payee, PartyId(PartyIdType.BUSINESS, "till-1234", null), "payee")
        expectEq(intent.amount?.toBigDecimal()?.compareTo(java.math.BigDecimal("2500")), 0, "amount ${intent.amount}")
        expectEq(intent.currency, "TZS", "currency")
        expectEq(intent.reference, "INV-7", "reference")
        expect(intent.dynamic, "an amount makes a one-payment QR")
        expectEq(intent.merchantNameHint, "Mama Lishe", "name hint")
    }

    check("QR: PNG rendered by Rust, decoded by ImageIO, scanned back") {
        val payload = encodeMerchantQr(merchantRequest(null))
        val png = renderQrPng(payload, ErrorCorrection.MEDIUM, 4u)
        val img = ImageIO.read(ByteArrayInputStream(png)) ?: throw AssertionError("not a PNG")
        val luma = ByteArray(img.width * img.height) { i ->
            (img.getRGB(i % img.width, i / img.width) and 0xff).toByte()
        }
        expectEq(scanFrame(img.width.toUInt(), img.height.toUInt(), luma), listOf(payload), "scan")
        val intent = parsePaymentQr(payload)
        expect(!intent.dynamic, "no amount: static QR")
        expectEq(intent.amount, null, "static QR amount")
        expect(renderQrSvg(payload, ErrorCorrection.HIGH, 256u).contains("<svg"), "svg")
    }

    check("QR: an empty camera frame finds nothing") {
        expectEq(scanPaymentFrame(64u, 48u, ByteArray(64 * 48) { 255.toByte() }), null, "empty frame")
    }

    check("app models: merchant ReceiveModel QR read by the payer's ScanPayModel") {
        val shop = Shop(PartyId(PartyIdType.ALIAS, "duka-7", null), "5411", "KES", "KE", "Duka", "Nairobi")
        val shown = ReceiveModel(shop).paymentQr("120.50", "R-1")
        val (side, luma) = frameOf(shown.matrix, 3)
        // A camera Y plane with 16 bytes of row padding, as CameraX hands it over.
        val stride = side + 16
        val padded = ByteArray(stride * side)
        for (y in 0 until side) System.arraycopy(luma, y * side, padded, y * stride, side)
        val scan = ScanPayModel()
        val blank = ByteArray(side * side) { 255.toByte() }
        expectEq(scan.onFrame(side, side, blank), ScanState.Scanning, "nothing in a blank frame")
        val found = scan.onFrame(side, side, tightLuma(side, side, stride, padded)) as? ScanState.Found
            ?: throw AssertionError("not found: ${scan.state}")
        expectEq(found.intent.payee.identifier, "duka-7", "payee")
        expectEq(found.intent.reference, "R-1", "reference")
        expectEq(found.intent.currency, "KES", "currency")
        val e = expectThrows<FfiException.Money>("bad amount") { ReceiveModel(shop).paymentQr("12,5", null) }
        expectEq(e.code, "not_a_number", "amount text")
    }

    check("errors: typed FfiException subclasses with stable codes") {
        val payload = encodeMerchantQr(merchantRequest("10"))
        val edited = payload.dropLast(1) + (if (payload.last() == '0') '1' else '0')
        expectEq(expectThrows<FfiException.Qr>("bad CRC") { parsePaymentQr(edited) }.code, "bad_crc", "crc")
        expectEq(expectThrows<FfiException.Qr>("empty") { parsePaymentQr("") }.code, "empty_payload", "empty")
        val frame = expectThrows<FfiException.Qr>("frame") { scanFrame(10u, 10u, ByteArray(5)) }
        expectEq(frame.code, "bad_frame_dimensions", "frame")
        val cur = expectThrows<FfiException.InvalidInput>("currency") {
            encodeMerchantQr(merchantRequest(null, currency = "XYZ"))
        }
        expectEq(cur.code, "unknown_currency", "currency")
        val amount = expectThrows<FfiException.Money>("amount") { encodeMerchantQr(merchantRequest("1e3")) }
        expectEq(amount.code, "not_a_number", "amount")
        val precise = expectThrows<FfiException.Money>("precision") { encodeMerchantQr(merchantRequest("1.505")) }
        expectEq(precise.code(), "too_precise", "TZS has 2 decimals")
    }

    check("device key: created through a Kotlin SecureStorage, reloaded, signs terms that verify") {
        val storage = MapStorage()
        expectEq(loadDeviceKey(storage), null, "no key before first run")
        val key = DeviceKey.loadOrCreate(storage)
        expectEq(storage.puts, 1, "the key was stored once")
        expectEq(storage.slots.values.single().size, 32, "a 32-byte Ed25519 seed")
        expectEq(key.publicKey().length, 43, "base64url public key")
        expectEq(key.deviceId().length, 22, "device id")
        val reloaded = loadDeviceKey(storage) ?: throw AssertionError("key not reloaded")
        expectEq(reloaded.publicKey(), key.publicKey(), "same key after reload")
        expectEq(DeviceKey.loadOrCreate(storage).deviceId(), key.deviceId(), "no second key")
        expectEq(storage.puts, 1, "still stored once")

        val t = terms(key.deviceId())
        val signed = reloaded.signApproval(t)
        expectEq(signed.deviceId, key.deviceId(), "signer")
        expectEq(signed.signature.length, 86, "base64url Ed25519 signature")
        verifyApproval(t, key.publicKey(), signed.signature)
        val tampered = expectThrows<FfiException.Approval>("tampered") {
            verifyApproval(terms(key.deviceId(), amount = "25000"), key.publicKey(), signed.signature)
        }
        expectEq(tampered.code, "bad_signature", "tampered terms")
        val other = expectThrows<FfiException.Approval>("other device") {
            key.signApproval(terms("AAAAAAAAAAAAAAAAAAAAAA"))
        }
        expectEq(other.code, "device_mismatch", "terms for another device")
        val bad = expectThrows<FfiException.Approval>("bad terms") { key.signApproval(t.copy(amount = "-1")) }
        expectEq(bad.code, "invalid_terms", "negative amount")

        deleteDeviceKey(storage)
        expectEq(loadDeviceKey(storage), null, "deleted")
        expect(DeviceKey.loadOrCreate(storage).publicKey() != key.publicKey(), "a new key after reset")
    }

    check("device key: storage failures surface as FfiException.Key") {
        for (unexpected in listOf(false, true)) {
            val e = expectThrows<FfiException.Key>("locked") { DeviceKey.loadOrCreate(LockedStorage(unexpected)) }
            expectEq(e.code, "secure_storage_failed", "code")
            val cause = if (unexpected) "callback_failed" else "keystore_locked"
            expect(e.detail.contains(cause), "detail names the cause code: ${e.detail}")
            expect(!e.detail.contains("authenticated"), "foreign text is not passed on")
        }
    }

    check("SQLite store + outbox + model listener, across a reopen") {
        val dir = Files.createTempDirectory("kipochi-ffi-test")
        try {
            val path = dir.resolve("wallet.db").toString()
            val store = WalletStore.openSqlite(path)
            store.setSetting("lang", "sw")
            val model = WalletModel()
            val recorder = Recorder()
            val sub = model.subscribe(recorder)
            val outbox = Outbox(store, model)

            val form = """{"phone":"+255700000001","name":"Asha","tier":1}"""
            val item = outbox.enqueue(OutboxKind.ONBOARDING, form)
            expectEq(item.id.length, 36, "a UUID id")
            expect(item.status is OutboxStatus.Queued, "queued")
            expectEq(outbox.items().map { it.id }, listOf(item.id), "listed")
            val change = recorder.changes.lastOrNull() as? WalletChange.OutboxChanged
                ?: throw AssertionError("listener not called: ${recorder.changes}")
            expectEq(change.entries.map { it.id }, listOf(item.id), "change carries the item")
            expectEq(model.snapshot().outbox.single().id, item.id, "snapshot")

            val pin = expectThrows<FfiException.Outbox>("pin") {
                outbox.enqueue(OutboxKind.ONBOARDING, """{"phone":"+255700000002","PIN":"1234"}""")
            }
            expectEq(pin.code, "invalid_payload", "a PIN is never queued")
            val json = expectThrows<FfiException.InvalidInput>("json") { outbox.enqueue(OutboxKind.ONBOARDING, "{") }
            expectEq(json.code, "invalid_json", "bad JSON")
            val missing = expectThrows<FfiException.Store>("missing") { outbox.resubmit("nope", form) }
            expectEq(missing.code, "not_found", "unknown id")
            expectEq(outbox.items().size, 1, "refused calls changed nothing")

            val rejecting = ScriptedTransport { SendOutcome.Rejected("invalid_phone", "phone in use") }
            val r1 = outbox.sync(rejecting)
            expectEq(r1.rejected, listOf(item.id), "rejected")
            expectEq(r1.stop, SyncStop.Drained, "drained")
            expectEq(rejecting.sent.single().id, item.id, "sent with its id")
            val failedStatus = outbox.items().single().status as? OutboxStatus.Failed
                ?: throw AssertionError("not failed")
            expectEq(failedStatus.code, "invalid_phone", "hub code kept")

            val fixed = outbox.resubmit(item.id, """{"phone":"+255700000009","name":"Asha","tier":1}""")
            expectEq(fixed.id, item.id, "same id after resubmit")
            expect(fixed.status is OutboxStatus.Queued, "queued again")

            val offline = ScriptedTransport { throw IllegalStateException("no network") }
            val r2 = outbox.sync(offline)
            expect(r2.stop is SyncStop.Retryable, "a throwing transport is retryable: ${r2.stop}")
            expect(outbox.items().single().status is OutboxStatus.Queued, "still queued")

            val accepting = ScriptedTransport { SendOutcome.Accepted("""{"customer_id":"c-1"}""") }
            val r3 = outbox.sync(accepting)
            expectEq(r3.accepted, listOf(item.id), "accepted")
            expect(accepting.sent.single().payload.contains("+255700000009"), "corrected form sent")
            val statuses = recorder.changes.filterIsInstance<WalletChange.OutboxChanged>()
                .map { it.entries.single().status }
            expect(statuses.any { it is OutboxStatus.Sending }, "listener saw sending")
            expect(statuses.last() is OutboxStatus.Done, "listener saw done")

            expect(sub.isActive(), "active")
            expect(sub.cancel(), "cancelled")
            expect(!sub.cancel(), "second cancel is a no-op")
            val heard = recorder.changes.size
            outbox.enqueue(OutboxKind.ONBOARDING, """{"phone":"+255700000003"}""")
            expectEq(recorder.changes.size, heard, "no delivery after cancel")
            sub.close()
            store.close()

            val reopened = WalletStore.openSqlite(path)
            expectEq(reopened.setting("lang"), "sw", "setting persisted")
            val items = Outbox(reopened, null).items()
            expectEq(items.size, 2, "both items persisted")
            expect(items[0].id == item.id && items[0].status is OutboxStatus.Done, "done persisted")
            expectEq(items[0].result, """{"customer_id":"c-1"}""", "hub answer persisted")
            val model2 = WalletModel()
            model2.loadFromStore(reopened)
            expectEq(model2.snapshot().outbox.size, 2, "model loaded from the file")
            expectEq(model2.snapshot().session, null, "not logged in")
            reopened.close()
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    check("store: a folder is not a database file") {
        val dir = Files.createTempDirectory("kipochi-ffi-test")
        try {
            val e = expectThrows<FfiException.Store>("dir") { WalletStore.openSqlite(dir.toString()) }
            expectEq(e.code, "backend_failed", "code")
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    println("$passed passed, $failed failed")
    if (failed != 0) exitProcess(1)
}
