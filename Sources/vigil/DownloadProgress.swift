import Foundation
import VigilData

/// Download progress on standard error, at most a few lines per second; the line ends once
/// every expected byte has arrived.
struct DownloadProgress: Sendable {
    let name: String

    var report: @Sendable (Int64, Int64?) -> Void {
        let name = name
        return { received, expected in
            let megabytes = Double(received) / 1_048_576
            if let expected {
                let percent = Int(100 * Double(received) / Double(expected))
                let end = received >= expected ? "\n" : ""
                try? FileHandle.standardError.write(contentsOf: Data("\r\(name): \(String(format: "%.1f", megabytes)) MiB (\(percent)%)\(end)".utf8))
            } else {
                try? FileHandle.standardError.write(contentsOf: Data("\r\(name): \(String(format: "%.1f", megabytes)) MiB".utf8))
            }
        }
    }
}
