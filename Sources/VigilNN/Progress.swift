#if canImport(Glibc)
import Glibc
private let writeToDescriptor = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let writeToDescriptor = Darwin.write
#endif

/// How the training loop reports progress on standard error.
public enum ProgressStyle: Sendable {
    /// A live Keras-style bar on a terminal, one line per epoch otherwise (CI, pipes).
    case automatic
    /// One line per epoch.
    case epochLines
    /// Nothing.
    case silent
}

/// Writes training progress to standard error.
final class ProgressReporter {
    private let live: Bool
    private let enabled: Bool
    private let epochs: Int
    private let batches: Int
    private var epochStart = ContinuousClock.now
    private var lastDraw = ContinuousClock.now

    init(style: ProgressStyle, epochs: Int, batches: Int) {
        self.epochs = epochs
        self.batches = batches
        enabled = style != .silent
        live = style == .automatic && isatty(2) != 0
    }

    func epochStarted(_ epoch: Int) {
        epochStart = .now
        if live { write("Epoch \(epoch)/\(epochs)\n") }
    }

    func batchEnded(_ batch: Int, loss: Float, samples: Int) {
        guard live else { return }
        let now = ContinuousClock.now
        guard batch == batches || now - lastDraw > .milliseconds(100) else { return }
        lastDraw = now
        let elapsed = (ContinuousClock.now - epochStart).inSeconds
        let eta = elapsed / Double(batch) * Double(batches - batch)
        let width = 30
        let done = width * batch / batches
        let bar = String(repeating: "=", count: done) + (done < width ? ">" : "") + String(repeating: ".", count: max(0, width - done - 1))
        write("\r\(batch)/\(batches) [\(bar)] - \(format(elapsed))s - ETA \(format(eta))s - loss: \(format(loss)) - \(Int(Double(samples) / max(elapsed, 1e-9))) samples/s")
    }

    func epochEnded(_ epoch: Int, history: TrainingHistory, samples: Int) {
        guard enabled else { return }
        let elapsed = history.epochSeconds.last ?? 0
        var line = "epoch \(epoch)/\(epochs) - \(format(elapsed))s - loss: \(format(history.loss.last ?? .nan))"
        if let validation = history.validationLoss.last { line += " - val_loss: \(format(validation))" }
        line += " - \(Int(Double(samples) / max(elapsed, 1e-9))) samples/s"
        write(live ? "\r\(line)\u{1B}[K\n" : "\(line)\n")
    }

    private func format(_ value: some BinaryFloatingPoint) -> String {
        let number = Double(value)
        if number != 0 && (abs(number) < 1e-3 || abs(number) >= 1e5) { return "\(Float(number))" }
        return String(Double(Int((number * 10_000).rounded())) / 10_000)
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            _ = writeToDescriptor(2, buffer.baseAddress, buffer.count)
        }
    }
}
