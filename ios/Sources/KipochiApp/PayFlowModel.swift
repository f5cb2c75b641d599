// Mirror of android/.../model/PayFlowModel.kt: resolve a scanned QR (or a phone number) to the
// hub's quote, confirm (payee name from the hub, fee, total, countdown), approve with the PIN and
// the device signature, follow the payment to its final state. The hub calls are the generated
// `async` methods (they run on the library's own runtime). Not compiled on this machine (no Swift
// toolchain): keep it in step with the Kotlin model, which is compiled and run against a lab.
import Foundation
import Kipochi

public enum PayState: Equatable {
    case idle
    case resolving
    /// `error`: why the last approval was refused while the quote stays approvable
    /// (`bad_credentials`: wrong PIN).
    case confirm(PaymentQuote, error: String?)
    case approving(PaymentQuote)
    /// Final: committed, declined, expired or failed (`payment.errorCode`).
    case done(HubPayment)
    /// Approved but not final after the wait; the hub keeps working on it.
    case pending(HubPayment)
    case error(code: String, retryable: Bool)
}

/// The stable code and retryability of any bindings error.
func codeAndRetry(_ error: Error) -> (String, Bool) {
    switch error {
    case let FfiError.Hub(code, _, _, retryable): return (code, retryable)
    case let FfiError.InvalidInput(code, _): return (code, false)
    case let FfiError.Key(code, _): return (code, false)
    case let FfiError.Approval(code, _): return (code, false)
    case let FfiError.Store(code, _): return (code, false)
    case let FfiError.Outbox(code, _): return (code, false)
    case let FfiError.Qr(code, _): return (code, false)
    case let FfiError.Money(code, _): return (code, false)
    case let FfiError.Platform(code, _): return (code, false)
    default: return ("platform_error", false)
    }
}

@MainActor
public final class PayFlowModel {
    public private(set) var state: PayState = .idle
    private let hub: HubClient
    private let key: DeviceKey
    private let pollNanos: UInt64
    private let finalWait: TimeInterval

    public init(hub: HubClient, key: DeviceKey, pollMs: UInt64 = 250, finalWaitSeconds: TimeInterval = 60) {
        self.hub = hub
        self.key = key
        self.pollNanos = pollMs * 1_000_000
        self.finalWait = finalWaitSeconds
    }

    /// Resolves a scanned QR's text; `amount` only for a static QR.
    public func resolveQr(payload: String, amount: String? = nil) async -> PayState {
        await resolve { try await self.hub.quoteQr(paymentId: try newPaymentId(), payload: payload, amount: amount) }
    }

    /// Resolves a phone number (P2P) for `amount` (exact decimal text).
    public func resolvePhone(phone: String, amount: String, note: String? = nil) async -> PayState {
        await resolve { try await self.hub.quotePhone(paymentId: try newPaymentId(), phone: phone, amount: amount, note: note) }
    }

    /// Whole seconds left to approve the quote on screen (0 when expired or none).
    public func secondsLeft(now: Date = Date()) -> Int64 {
        guard case let .confirm(quote, _) = state else { return 0 }
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        return max(0, (quote.expiryMs - nowMs) / 1000)
    }

    /// Approves the quote on screen with `pin`, then follows the payment to a final state.
    public func approve(pin: String) async -> PayState {
        guard case let .confirm(quote, _) = state else { return set(.error(code: "nothing_to_approve", retryable: false)) }
        if secondsLeft() <= 0 { return set(.error(code: "quote_expired", retryable: false)) }
        state = .approving(quote)
        do {
            return try await follow(try await hub.approve(quote: quote, pin: pin, key: key))
        } catch {
            let (code, retry) = codeAndRetry(error)
            return code == "bad_credentials" ? set(.confirm(quote, error: code)) : set(.error(code: code, retryable: retry))
        }
    }

    /// Declines the quote on screen.
    public func decline() async -> PayState {
        guard case let .confirm(quote, _) = state else { return state }
        do {
            return set(.done(try await hub.decline(paymentId: quote.paymentId)))
        } catch {
            let (code, retry) = codeAndRetry(error)
            return set(.error(code: code, retryable: retry))
        }
    }

    public func reset() { state = .idle }

    private func resolve(_ call: () async throws -> PaymentQuote) async -> PayState {
        state = .resolving
        do {
            return set(.confirm(try await call(), error: nil))
        } catch {
            let (code, retry) = codeAndRetry(error)
            return set(.error(code: code, retryable: retry))
        }
    }

    private func follow(_ first: HubPayment) async throws -> PayState {
        var payment = first
        let until = Date().addingTimeInterval(finalWait)
        while !paymentStateIsFinal(state: payment.state) && Date() < until {
            try await Task.sleep(nanoseconds: pollNanos)
            do {
                payment = try await hub.payment(paymentId: payment.paymentId)
            } catch let FfiError.Hub(_, _, _, retryable) where retryable {
                continue
            }
        }
        return set(paymentStateIsFinal(state: payment.state) ? .done(payment) : .pending(payment))
    }

    private func set(_ s: PayState) -> PayState {
        state = s
        return s
    }
}
