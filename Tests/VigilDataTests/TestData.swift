import Foundation
import Testing
import _TestSupport
import VigilData

/// Finds the shared data folder: `VIGIL_DATA_DIR`, else `../shared/data` beside the
/// repository. Tests that need it are skipped with a message when it is missing, except
/// under CI (`CI=true`), where a missing folder is a failure.
enum TestData {
    static var directory: URL {
        if let explicit = ProcessInfo.processInfo.environment["VIGIL_DATA_DIR"] {
            return URL(fileURLWithPath: explicit)
        }
        // Tests/VigilDataTests/TestData.swift → repository root → ../shared/data
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    static var kddTenPercent: String { directory.appendingPathComponent("kddcup.data_10_percent.gz").path }
    static var deepadSplit: String { directory.appendingPathComponent("deepad-kdd-8020").path }

    /// The continuous view of the 10% file, parsed once for all tests (debug builds parse slowly).
    static let continuousView: Result<Dataset, Error> = Result { try KDDCup.continuousView(path: kddTenPercent) }

    static var isAvailable: Bool { FileManager.default.fileExists(atPath: kddTenPercent) }
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether a real-data test should run; records a failure under CI when the data is missing.
    static func required() -> Bool {
        if isAvailable { return true }
        if isCI {
            Issue.record("the shared KDD data is missing at \(directory.path) (set VIGIL_DATA_DIR)")
        } else {
            print("skipping a real-data test: no KDD data at \(directory.path) (set VIGIL_DATA_DIR)")
        }
        return false
    }

    /// A fresh temporary folder, removed by the caller.
    static func temporaryDirectory() -> URL {
        ScratchFolders.make("data")
    }
}
