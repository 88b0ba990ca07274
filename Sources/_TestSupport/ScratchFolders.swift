import Foundation

/// Scratch folders for tests: all inside one folder per test process, removed when the
/// process exits, so test runs leave nothing behind in the temporary directory.
public enum ScratchFolders {
    /// A path `root/name-UUID` that does not exist yet (for outputs that must not exist).
    public static func path(_ name: String) -> URL {
        scratchRoot.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }

    /// A new empty folder `root/name-UUID`.
    public static func make(_ name: String) -> URL {
        let url = path(name)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// `vigil-tests-PID-UUID` in the temporary directory, created on first use with a handler
/// that removes it at exit.
private let scratchRoot: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tests-\(getpid())-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: scratchRoot) }
    return url
}()
