// The app shell's screens in SwiftUI: scan result, merchant receive QR, agent queue.
// Camera capture (AVCaptureVideoDataOutput → Y plane → ScanPayModel.onFrame) is left to the
// Xcode app target that embeds this package.
import Kipochi
import SwiftUI

public struct ReceiveView: View {
    let payload: String
    @State private var matrix: QrMatrix?

    public init(payload: String) { self.payload = payload }

    public var body: some View {
        Canvas { ctx, size in
            guard let m = matrix else { return }
            let n = Int(m.size)
            let cell = size.width / CGFloat(n + 8)
            ctx.fill(Path(CGRect(origin: .zero, size: size)), with: .color(.white))
            for y in 0..<n { for x in 0..<n where m.modules[y * n + x] == 1 {
                ctx.fill(Path(CGRect(x: CGFloat(x + 4) * cell, y: CGFloat(y + 4) * cell,
                                     width: cell, height: cell)), with: .color(.black))
            } }
        }
        .frame(width: 280, height: 280)
        .task {
            matrix = await Task.detached { try? qrMatrix(payload: payload, ec: .medium) }.value
        }
    }
}

public struct ScanResultView: View {
    let state: ScanState

    public init(state: ScanState) { self.state = state }

    public var body: some View {
        switch state {
        case .scanning: Text("Point the camera at the merchant's QR")
        case .unreadable(let code): Text("Not a payment QR (\(code))")
        case .found(let i, _):
            VStack(alignment: .leading) {
                Text("Pay \(i.payee.identifier)")
                Text("Amount: \(i.amount ?? "enter amount") \(i.currency ?? "")")
                Text("Shown as: \(i.merchantNameHint ?? "-") (confirmed by lookup before paying)")
            }
        }
    }
}

/// Agent queue: outbox entries, live through a WalletListener; the subscription is cancelled
/// when the view disappears.
// `@unchecked Sendable`: `entries` is only written on the main queue.
public final class OutboxFeed: ObservableObject, WalletListener, @unchecked Sendable {
    @Published public private(set) var entries: [OutboxEntry] = []
    private var subscription: Subscription?

    public init() {}

    public func start(model: WalletModel) {
        entries = model.snapshot().outbox
        subscription = model.subscribe(listener: self)
    }

    public func stop() { _ = subscription?.cancel(); subscription = nil }

    public func onChange(change: WalletChange) {
        if case .outboxChanged(let e) = change {
            DispatchQueue.main.async { self.entries = e }
        }
    }
}

public struct AgentView: View {
    let model: WalletModel
    @StateObject private var feed = OutboxFeed()

    public init(model: WalletModel) { self.model = model }

    public var body: some View {
        List(feed.entries, id: \.id) { e in Text("\(e.id.prefix(8))  attempts \(e.attempts)") }
            .onAppear { feed.start(model: model) }
            .onDisappear { feed.stop() }
    }
}
