// Merchant "receive": the shop's QR (static, or one payment for an exact amount) as modules to
// draw, and (LiveReceiveModel) the hub's dynamic QR per sale with payments arriving live.
// Plain Kotlin over the generated bindings, compiled and run on the JVM by `cargo xtask test`.
package org.kipochi.wallet.model

import java.util.concurrent.CopyOnWriteArrayList
import uniffi.kipochi.ErrorCorrection
import uniffi.kipochi.EventSubscription
import uniffi.kipochi.HubClient
import uniffi.kipochi.HubEvent
import uniffi.kipochi.HubEventListener
import uniffi.kipochi.HubPayment
import uniffi.kipochi.MerchantQrRequest
import uniffi.kipochi.PartyId
import uniffi.kipochi.PaymentRequest
import uniffi.kipochi.QrMatrix
import uniffi.kipochi.RequestStatus
import uniffi.kipochi.encodeMerchantQr
import uniffi.kipochi.qrMatrix

/** The merchant's fixed details (from the profile). */
data class Shop(
    val till: PartyId,
    val mcc: String,
    val currency: String,
    val country: String,
    val name: String,
    val city: String,
)

/** A QR to show: its payload text and the modules to draw. */
data class ShownQr(val payload: String, val matrix: QrMatrix)

/** Builds the QRs a merchant shows. Throws FfiException (typed, with a code) on bad input. */
class ReceiveModel(private val shop: Shop) {
    /** The shop's static QR: the payer types the amount. */
    fun staticQr(): ShownQr = show(null, null)

    /** A one-payment QR for [amount] (exact decimal text, e.g. "2500" or "12.50"). */
    fun paymentQr(amount: String, reference: String?): ShownQr = show(amount, reference)

    private fun show(amount: String?, reference: String?): ShownQr {
        val payload = encodeMerchantQr(
            MerchantQrRequest(
                payee = shop.till,
                mcc = shop.mcc,
                currency = shop.currency,
                country = shop.country,
                name = shop.name,
                city = shop.city,
                amount = amount,
                reference = reference,
                terminal = null,
            ),
        )
        return ShownQr(payload, qrMatrix(payload, ErrorCorrection.MEDIUM))
    }
}

/**
 * Merchant "receive" against the hub: a dynamic QR for one sale (the hub makes the payload and
 * marks the request paid) and the payments arriving live. [start] subscribes to the hub's events;
 * [stop] cancels (call it when the screen goes away). Listener calls come on a library thread:
 * the lists are thread-safe and [onChange] must post to the UI thread itself.
 */
class LiveReceiveModel(
    private val hub: HubClient,
    private val onChange: () -> Unit = {},
) {
    private var subscription: EventSubscription? = null

    /** Payments received since [start], oldest first. */
    val received: MutableList<HubPayment> = CopyOnWriteArrayList()

    /** Whether the event stream is connected now (re-read the request status when it becomes true). */
    @Volatile
    var connected: Boolean = false
        private set

    /** Why the stream ended (`null` while running or after [stop]). */
    @Volatile
    var closedWith: String? = null
        private set

    /** Creates a request for [amount] (exact decimal text) and returns its QR to show. */
    suspend fun request(amount: String, reference: String): Pair<PaymentRequest, ShownQr> {
        val request = hub.createPaymentRequest(amount, reference, null)
        return request to ShownQr(request.payload, qrMatrix(request.payload, ErrorCorrection.MEDIUM))
    }

    /** Whether the hub has [request] paid (after a reconnect, or when the screen comes back). */
    suspend fun isPaid(request: PaymentRequest): Boolean =
        hub.paymentRequest(request.requestId).status == RequestStatus.PAID

    /** Starts the live events (idempotent). */
    fun start() {
        if (subscription?.isActive() == true) return
        closedWith = null
        subscription = hub.subscribeEvents(object : HubEventListener {
            override fun onEvent(event: HubEvent) {
                when (event) {
                    is HubEvent.Connected -> connected = true
                    is HubEvent.Disconnected -> connected = false
                    is HubEvent.PaymentReceived -> received.add(event.payment)
                    else -> return
                }
                onChange()
            }

            override fun onClosed(errorCode: String?) {
                connected = false
                closedWith = errorCode
                onChange()
            }
        })
    }

    /** Stops the live events. */
    fun stop() {
        subscription?.cancel()
        subscription?.close()
        subscription = null
    }
}
