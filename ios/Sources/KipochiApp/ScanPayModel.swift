// Mirror of android/.../model/ScanPayModel.kt: camera frames in, a payment intent out.
// Call onFrame off the main thread (the AVCapture video output queue).
import Foundation
import Kipochi

public enum ScanState: Equatable {
    case scanning
    /// Hand `payload` to `PayFlowModel.resolveQr` (the payee name comes from the hub).
    case found(PaymentIntent, payload: String)
    case unreadable(code: String)
}

public final class ScanPayModel {
    public private(set) var state: ScanState = .scanning

    public init() {}

    /// Feeds one grayscale frame (`width × height` bytes, row-major, no row padding).
    public func onFrame(width: Int, height: Int, luma: Data) -> ScanState {
        if case .found = state { return state }
        do {
            if let scanned = try scanPaymentCode(width: UInt32(width), height: UInt32(height), luma: luma) {
                state = .found(scanned.intent, payload: scanned.payload)
            } else {
                state = .scanning
            }
        } catch let FfiError.Qr(code, _) {
            state = .unreadable(code: code)
        } catch {
            state = .unreadable(code: "scan_error")
        }
        return state
    }

    public func reset() { state = .scanning }
}
