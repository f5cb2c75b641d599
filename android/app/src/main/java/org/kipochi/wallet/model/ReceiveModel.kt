// Merchant "receive": the shop's QR (static, or one payment for an exact amount) as modules to
// draw. Plain Kotlin over the generated bindings, compiled and run on the JVM by `cargo xtask test`.
package org.kipochi.wallet.model

import uniffi.kipochi.ErrorCorrection
import uniffi.kipochi.MerchantQrRequest
import uniffi.kipochi.PartyId
import uniffi.kipochi.QrMatrix
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
