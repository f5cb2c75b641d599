// Pay flow, the part without Android: resolve a scanned QR (or a phone number) to the hub's
// quote, show it for confirmation (payee name from the hub, fee, total, countdown), approve it
// with the PIN and the device signature, follow the payment to its final state. Plain Kotlin
// over the generated bindings' suspend functions (call from viewModelScope); `cargo xtask test`
// compiles it and runs it against a live lab on the JVM (mobile-bindings/tests/kotlin/LabTest.kt).
package org.kipochi.wallet.model

import kotlinx.coroutines.delay
import uniffi.kipochi.DeviceKey
import uniffi.kipochi.FfiException
import uniffi.kipochi.HubClient
import uniffi.kipochi.HubPayment
import uniffi.kipochi.PaymentQuote
import uniffi.kipochi.newPaymentId
import uniffi.kipochi.paymentStateIsFinal

/** What the pay screens show. */
sealed interface PayState {
    /** Nothing started. */
    data object Idle : PayState

    /** Asking the hub for the payee and a quote. */
    data object Resolving : PayState

    /** The quote to confirm: the payee name (from the hub's lookup), amount, fee, total, and
     * until when it can be approved. [error]: why the last approval was refused while the quote
     * stays approvable (`bad_credentials`: wrong PIN). */
    data class Confirm(val quote: PaymentQuote, val error: String? = null) : PayState

    /** Approval sent; waiting for the hub. */
    data class Approving(val quote: PaymentQuote) : PayState

    /** Final: committed, declined, expired or failed (`payment.errorCode`). */
    data class Done(val payment: HubPayment) : PayState

    /** Approved but not final after the wait: the hub keeps working on it; check again later
     * (the payment id is durable at the hub, nothing is sent twice). */
    data class Pending(val payment: HubPayment) : PayState

    /** Refused with the hub's (or the bindings') stable code; [retryable]: the same action may
     * be tried again (no answer, hub busy). */
    data class Error(val code: String, val retryable: Boolean) : PayState
}

/** The stable code and retryability of any bindings error. */
fun FfiException.codeAndRetry(): Pair<String, Boolean> = when (this) {
    is FfiException.Hub -> code to retryable
    is FfiException.InvalidInput -> code to false
    is FfiException.Key -> code to false
    is FfiException.Approval -> code to false
    is FfiException.Store -> code to false
    is FfiException.Outbox -> code to false
    is FfiException.Qr -> code to false
    is FfiException.Money -> code to false
    is FfiException.Platform -> code to false
}

/**
 * One payment at a time, from resolve to a final state. [clock] gives Unix milliseconds (for the
 * countdown); [pollMs] and [finalWaitMs] bound how the result is followed after approval.
 */
class PayFlowModel(
    private val hub: HubClient,
    private val key: DeviceKey,
    private val clock: () -> Long = System::currentTimeMillis,
    private val pollMs: Long = 250,
    private val finalWaitMs: Long = 60_000,
) {
    @Volatile
    var state: PayState = PayState.Idle
        private set

    /** Resolves a scanned QR's text; [amount] only for a static QR (the payer types it). */
    suspend fun resolveQr(payload: String, amount: String? = null): PayState =
        resolve { hub.quoteQr(newPaymentId(), payload, amount) }

    /** Resolves a phone number (P2P) for [amount] (exact decimal text). */
    suspend fun resolvePhone(phone: String, amount: String, note: String? = null): PayState =
        resolve { hub.quotePhone(newPaymentId(), phone, amount, note) }

    /** Whole seconds left to approve the quote on screen (0 when expired or none). */
    fun secondsLeft(): Long {
        val quote = (state as? PayState.Confirm)?.quote ?: return 0
        return ((quote.expiryMs - clock()) / 1000).coerceAtLeast(0)
    }

    /** Approves the quote on screen with [pin], then follows the payment to a final state. */
    suspend fun approve(pin: String): PayState {
        val quote = (state as? PayState.Confirm)?.quote
            ?: return set(PayState.Error("nothing_to_approve", false))
        if (secondsLeft() <= 0) return set(PayState.Error("quote_expired", false))
        set(PayState.Approving(quote))
        return try {
            follow(hub.approve(quote, pin, key))
        } catch (e: FfiException) {
            val (code, retry) = e.codeAndRetry()
            // A wrong PIN leaves the quote approvable: back to the confirmation screen.
            if (code == "bad_credentials") set(PayState.Confirm(quote, code)) else set(PayState.Error(code, retry))
        }
    }

    /** Declines the quote on screen. */
    suspend fun decline(): PayState {
        val quote = (state as? PayState.Confirm)?.quote ?: return state
        return try {
            set(PayState.Done(hub.decline(quote.paymentId)))
        } catch (e: FfiException) {
            val (code, retry) = e.codeAndRetry()
            set(PayState.Error(code, retry))
        }
    }

    /** Back to the start (the user closed the result). */
    fun reset() {
        state = PayState.Idle
    }

    private suspend fun resolve(call: suspend () -> PaymentQuote): PayState {
        set(PayState.Resolving)
        return try {
            set(PayState.Confirm(call()))
        } catch (e: FfiException) {
            val (code, retry) = e.codeAndRetry()
            set(PayState.Error(code, retry))
        }
    }

    /** Polls the payment until it is final or [finalWaitMs] passed. */
    private suspend fun follow(first: HubPayment): PayState {
        var payment = first
        val until = clock() + finalWaitMs
        while (!paymentStateIsFinal(payment.state) && clock() < until) {
            delay(pollMs)
            payment = try {
                hub.payment(payment.paymentId)
            } catch (e: FfiException.Hub) {
                if (!e.retryable) throw e
                payment
            }
        }
        return set(if (paymentStateIsFinal(payment.state)) PayState.Done(payment) else PayState.Pending(payment))
    }

    private fun set(s: PayState): PayState {
        state = s
        return s
    }
}
