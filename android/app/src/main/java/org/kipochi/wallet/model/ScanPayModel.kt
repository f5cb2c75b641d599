// Scan & pay, the part without Android: camera frames in, a payment intent (or a typed error)
// out. Plain Kotlin over the generated bindings, so `cargo xtask test` compiles and runs it on the
// JVM (mobile-bindings/tests/kotlin). Call onFrame off the main thread (CameraX analyzer thread).
package org.kipochi.wallet.model

import uniffi.kipochi.FfiException
import uniffi.kipochi.PaymentIntent
import uniffi.kipochi.scanPaymentCode

/** What the scan screen shows. */
sealed interface ScanState {
    /** Looking for a code. */
    data object Scanning : ScanState

    /** A payment QR was read; the payee still has to be looked up (the name shown to confirm
     * comes from the hub, never from the QR's hint): hand [payload] to [PayFlowModel.resolveQr]. */
    data class Found(val intent: PaymentIntent, val payload: String) : ScanState

    /** A code was read but it is not a payment QR this wallet can pay (stable `code`). */
    data class Unreadable(val code: String) : ScanState
}

/** Turns camera frames into a [ScanState]; keeps the first payment QR found. */
class ScanPayModel {
    @Volatile
    var state: ScanState = ScanState.Scanning
        private set

    /** Feeds one grayscale frame (`width × height` bytes, row-major, no row padding). */
    fun onFrame(width: Int, height: Int, luma: ByteArray): ScanState {
        if (state is ScanState.Found) return state
        state = try {
            scanPaymentCode(width.toUInt(), height.toUInt(), luma)
                ?.let { ScanState.Found(it.intent, it.payload) }
                ?: ScanState.Scanning
        } catch (e: FfiException.Qr) {
            ScanState.Unreadable(e.code)
        }
        return state
    }

    /** Back to scanning (the user dismissed the result). */
    fun reset() {
        state = ScanState.Scanning
    }
}

/** Copies the Y plane of a camera image into a tight `width × height` buffer (drops padding). */
fun tightLuma(width: Int, height: Int, rowStride: Int, plane: ByteArray): ByteArray {
    if (rowStride == width) return plane.copyOf(width * height)
    val out = ByteArray(width * height)
    for (y in 0 until height) System.arraycopy(plane, y * rowStride, out, y * width, width)
    return out
}
