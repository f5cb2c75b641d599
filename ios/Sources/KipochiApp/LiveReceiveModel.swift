// Mirror of LiveReceiveModel in android/.../model/ReceiveModel.kt: the hub's dynamic QR for one
// sale and the payments arriving live. Listener calls come on a library thread: state is guarded
// by a lock and `onChange` must hop to the main actor itself. Not compiled on this machine.
import Foundation
import Kipochi

public final class LiveReceiveModel: @unchecked Sendable {
    private let hub: HubClient
    private let onChange: @Sendable () -> Void
    private let lock = NSLock()
    private var subscription: EventSubscription?
    private var _received: [HubPayment] = []
    private var _connected = false
    private var _closedWith: String?

    public init(hub: HubClient, onChange: @escaping @Sendable () -> Void = {}) {
        self.hub = hub
        self.onChange = onChange
    }

    /// Payments received since `start()`, oldest first.
    public var received: [HubPayment] { lock.withLock { _received } }
    /// Whether the event stream is connected now.
    public var connected: Bool { lock.withLock { _connected } }
    /// Why the stream ended (nil while running or after `stop()`).
    public var closedWith: String? { lock.withLock { _closedWith } }

    /// Creates a request for `amount` (exact decimal text); returns it and its QR modules.
    public func request(amount: String, reference: String) async throws -> (PaymentRequest, QrMatrix) {
        let request = try await hub.createPaymentRequest(amount: amount, reference: reference, terminal: nil)
        return (request, try qrMatrix(payload: request.payload, ec: .medium))
    }

    /// Whether the hub has `request` paid.
    public func isPaid(_ request: PaymentRequest) async throws -> Bool {
        try await hub.paymentRequest(requestId: request.requestId).status == .paid
    }

    /// Starts the live events (idempotent).
    public func start() throws {
        if lock.withLock({ subscription?.isActive() == true }) { return }
        let sub = try hub.subscribeEvents(listener: Listener(model: self))
        lock.withLock {
            _closedWith = nil
            subscription = sub
        }
    }

    /// Stops the live events.
    public func stop() {
        let sub = lock.withLock { () -> EventSubscription? in
            defer { subscription = nil }
            return subscription
        }
        _ = sub?.cancel()
    }

    fileprivate func handle(_ event: HubEvent) {
        lock.withLock {
            switch event {
            case .connected: _connected = true
            case .disconnected: _connected = false
            case let .paymentReceived(payment): _received.append(payment)
            default: return
            }
        }
        onChange()
    }

    fileprivate func closed(_ code: String?) {
        lock.withLock {
            _connected = false
            _closedWith = code
        }
        onChange()
    }

    private final class Listener: HubEventListener, @unchecked Sendable {
        weak var model: LiveReceiveModel?
        init(model: LiveReceiveModel) { self.model = model }
        func onEvent(event: HubEvent) { model?.handle(event) }
        func onClosed(errorCode: String?) { model?.closed(errorCode) }
    }
}
