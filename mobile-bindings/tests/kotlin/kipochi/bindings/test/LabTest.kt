// The bindings against a live lab (`kipochi-hub lab`: switch + bluebank + greenwallet on
// loopback), started and always stopped by `cargo xtask bindings --test`, which passes the URLs
// and demo logins in KIPOCHI_LAB_* variables. A bluebank customer pays a greenwallet merchant's
// dynamic QR across DFSPs through the app's own models (ScanPayModel, PayFlowModel,
// LiveReceiveModel), then a bluebank agent's offline onboarding syncs through the hub client.
// Prints `N passed, M failed`; exits non-zero on any failure.
package kipochi.bindings.test

import java.math.BigDecimal
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import org.kipochi.wallet.model.LiveReceiveModel
import org.kipochi.wallet.model.PayFlowModel
import org.kipochi.wallet.model.PayState
import org.kipochi.wallet.model.ScanPayModel
import org.kipochi.wallet.model.ScanState
import uniffi.kipochi.*

private var labPassed = 0
private var labFailed = 0

/** Runs one check; later checks that need its result are skipped by their own `need`. */
private fun labCheck(name: String, body: suspend () -> Unit) {
    try {
        runBlocking { body() }
        labPassed++
        println("ok   $name")
    } catch (e: Throwable) {
        labFailed++
        println("FAIL $name: $e")
    }
}

private fun <T> need(value: T?, what: String): T = value ?: throw AssertionError("skipped: no $what")

private fun <T> same(actual: T, expected: T, what: String) {
    if (actual != expected) throw AssertionError("$what: expected <$expected>, got <$actual>")
}

private fun env(name: String): String =
    System.getenv(name) ?: throw IllegalStateException("$name is not set (run: cargo xtask bindings --test)")

/** The app's Keystore wrapper, here a map (the bindings only see the SecureStorage interface). */
private class LabStorage : SecureStorage {
    val slots = java.util.concurrent.ConcurrentHashMap<String, ByteArray>()
    override fun get(key: String): ByteArray? = slots[key]?.copyOf()
    override fun put(key: String, value: ByteArray) {
        slots[key] = value.copyOf()
    }
    override fun delete(key: String) {
        slots.remove(key)
    }
}

/** A QR matrix drawn as a camera's Y plane: quiet zone of 4 modules, [px] pixels per module. */
private fun lumaFrame(m: QrMatrix, px: Int): Pair<Int, ByteArray> {
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

/** Exact decimal of the hub's amount text (never a float). */
private fun dec(s: String) = BigDecimal(s)

/** Waits up to [ms] for [cond]. */
private fun eventually(ms: Long, cond: () -> Boolean): Boolean {
    val until = System.currentTimeMillis() + ms
    while (System.currentTimeMillis() < until) {
        if (cond()) return true
        Thread.sleep(50)
    }
    return cond()
}

fun main() {
    val pin = env("KIPOCHI_LAB_PAYER_PIN")
    val payer = HubClient(env("KIPOCHI_LAB_PAYER_HUB"))
    val merchant = HubClient(env("KIPOCHI_LAB_MERCHANT_HUB"))
    val storage = LabStorage()
    var key: DeviceKey? = null
    var before: HubBalance? = null
    var request: PaymentRequest? = null
    var shown: org.kipochi.wallet.model.ShownQr? = null
    var payload: String? = null
    var quote: PaymentQuote? = null
    var paid: HubPayment? = null
    val closed = LinkedBlockingQueue<String>()
    val receive = LiveReceiveModel(merchant) { }
    var flow: PayFlowModel? = null

    labCheck("login: a bluebank customer, through the hub client") {
        val login = payer.login(env("KIPOCHI_LAB_PAYER_PHONE"), pin)
        same(login.profile.role, HubRole.CUSTOMER, "role")
        if (!payer.hasSession() || login.expiresAtMs <= System.currentTimeMillis()) throw AssertionError("no session")
        before = payer.balance()
    }

    labCheck("device: key made in a Kotlin SecureStorage and registered with the hub") {
        val k = DeviceKey.loadOrCreate(storage)
        if (storage.slots.isEmpty()) throw AssertionError("the key was not stored through SecureStorage")
        val device = payer.registerDevice(k, "JVM lab test")
        same(device.deviceId, k.deviceId(), "device id")
        if (payer.devices().none { it.deviceId == k.deviceId() }) throw AssertionError("not listed")
        key = k
    }

    labCheck("merchant: greenwallet login, live events connected") {
        val login = merchant.login(env("KIPOCHI_LAB_MERCHANT_PHONE"), env("KIPOCHI_LAB_MERCHANT_PIN"))
        same(login.profile.role, HubRole.MERCHANT, "role")
        receive.start()
        if (!eventually(10_000) { receive.connected }) throw AssertionError("not connected: ${receive.closedWith}")
    }

    labCheck("merchant: a dynamic QR request from the hub") {
        val (r, qr) = receive.request("4500", "JVM-${System.currentTimeMillis() % 100000}")
        same(r.status, RequestStatus.OPEN, "status")
        same(parsePaymentQr(r.payload).amount, "4500", "amount in the QR")
        request = r
        shown = qr
    }

    labCheck("scan: the QR drawn as a luma frame is read back by ScanPayModel") {
        val (side, luma) = lumaFrame(need(shown, "QR").matrix, 4)
        val found = ScanPayModel().onFrame(side, side, luma) as? ScanState.Found
            ?: throw AssertionError("no payment QR found in the frame")
        same(found.payload, need(request, "request").payload, "payload")
        same(found.intent.dynamic, true, "dynamic")
        payload = found.payload
    }

    labCheck("resolve: the hub's quote with the payee name from the lookup and the fee") {
        val f = PayFlowModel(payer, need(key, "device key"))
        val state = f.resolveQr(need(payload, "scanned payload")) as? PayState.Confirm
            ?: throw AssertionError("not a quote: ${f.state}")
        val q = state.quote
        same(q.payee.fspId, "greenwallet", "payee DFSP")
        if (q.payee.name.isBlank()) throw AssertionError("no payee name")
        same(q.amount, "4500", "amount")
        same(dec(q.total), dec(q.amount) + dec(q.fee), "total = amount + fee")
        if (f.secondsLeft() <= 0) throw AssertionError("quote already expired")
        quote = q
        flow = f
    }

    labCheck("approve: a wrong PIN is refused with the hub's code; the quote stays open") {
        val f = need(flow, "quote")
        val state = f.approve(if (pin == "0000") "1111" else "0000") as? PayState.Confirm
            ?: throw AssertionError("expected the confirmation again, got ${f.state}")
        same(state.error, "bad_credentials", "code")
    }

    labCheck("approve: PIN + device signature, followed to the final state") {
        val f = need(flow, "quote")
        val done = f.approve(pin) as? PayState.Done ?: throw AssertionError("not final: ${f.state}")
        same(done.payment.state, PaymentState.COMMITTED, "state")
        same(done.payment.paymentId, need(quote, "quote").paymentId, "payment id")
        paid = done.payment
    }

    labCheck("balance: the payer's fell by exactly the quote total") {
        val q = need(quote, "quote")
        need(paid, "payment")
        val after = payer.balance()
        same(dec(need(before, "balance").available) - dec(after.available), dec(q.total), "debit")
    }

    labCheck("events: the merchant's live listener received the payment") {
        val p = need(paid, "payment")
        if (!eventually(10_000) { receive.received.any { it.paymentId == p.paymentId } }) {
            throw AssertionError("no payment_received event (got ${receive.received.size})")
        }
        val got = receive.received.first { it.paymentId == p.paymentId }
        same(got.direction, Direction.INCOMING, "direction")
        same(got.amount, "4500", "amount")
        if (!receive.isPaid(need(request, "request"))) throw AssertionError("request not marked paid")
    }

    labCheck("events: cancelling the subscription closes the stream") {
        val sub = merchant.subscribeEvents(object : HubEventListener {
            override fun onEvent(event: HubEvent) = Unit
            override fun onClosed(errorCode: String?) {
                closed.add(errorCode ?: "cancelled")
            }
        })
        same(sub.cancel(), true, "first cancel")
        same(closed.poll(10, TimeUnit.SECONDS), "cancelled", "on_closed")
        same(sub.isActive(), false, "active")
        receive.stop()
    }

    labCheck("errors: hub refusals keep the hub's stable code") {
        val missing = try {
            payer.payment(newPaymentId()); null
        } catch (e: FfiException.Hub) {
            e
        } ?: throw AssertionError("an unknown payment was found")
        same(missing.code, "not_found", "code")
        same(missing.status.toInt(), 404, "status")
        same(missing.retryable, false, "retryable")
        val anonymous = HubClient(env("KIPOCHI_LAB_PAYER_HUB"))
        val e = try {
            anonymous.balance(); null
        } catch (e: FfiException.Hub) {
            e
        } ?: throw AssertionError("balance without a session")
        same(e.code, "no_session", "code")
    }

    labCheck("agent: an onboarding queued offline syncs through the hub client's transport") {
        val agent = HubClient(env("KIPOCHI_LAB_PAYER_HUB"))
        agent.login(env("KIPOCHI_LAB_AGENT_PHONE"), env("KIPOCHI_LAB_AGENT_PIN"))
        val outbox = Outbox(WalletStore.inMemory(), null)
        val phone = "2557119" + (System.currentTimeMillis() % 100000).toString().padStart(5, '0')
        val form = """{"full_name":"Asha Juma","phone":"$phone","id_type":"national_id",""" +
            """"id_number":"19900101-00001-00001-1${phone.takeLast(2)}","date_of_birth":"1990-01-01","kyc_tier":1,"photo":null}"""
        val item = outbox.enqueue(OutboxKind.ONBOARDING, form)
        val report = outbox.syncWithHub(agent)
        same(report.accepted, listOf(item.id), "accepted")
        same(report.stop, SyncStop.Drained, "stop")
        val again = outbox.syncWithHub(agent)
        same(again.accepted, emptyList<String>(), "nothing sent twice")
        if (agent.onboardedCustomers(10u).none { it.phone == phone }) throw AssertionError("customer not listed")
    }

    println("$labPassed passed, $labFailed failed")
    if (labFailed > 0) exitProcess(1)
}
