import CFuzzDriver
import Foundation

/// What every fuzz target shares: starting libFuzzer, the scratch files an input is written
/// to when a reader wants a path, and the caps the readers are fuzzed under.
///
/// A target's body catches thrown errors only (``attempt(_:)``): a trap, a sanitizer
/// report or a huge allocation ends the process and libFuzzer records the input as a crash.
public enum FuzzSupport {
    nonisolated(unsafe) private static var body: (([UInt8]) -> Void)?

    nonisolated(unsafe) private static var skipped: Set<[UInt8]> = []

    /// Runs libFuzzer with the process's arguments, calling `body` with each input.
    ///
    /// Inputs equal to a file in `$VIGIL_FUZZ_SKIP` (a folder) are passed over: libFuzzer
    /// always runs the empty input and the seeds first, so a crash on one of those would
    /// otherwise end every run before it starts; fuzz.sh puts such a crash there once it
    /// has reported it.
    public static func run(_ body: @escaping ([UInt8]) -> Void) -> Never {
        setUpEnvironment()
        Self.body = body
        if let folder = ProcessInfo.processInfo.environment["VIGIL_FUZZ_SKIP"],
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder)
        {
            skipped = Set(names.compactMap { FileManager.default.contents(atPath: "\(folder)/\($0)").map(Array.init) })
        }
        let status = vigil_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv) { data, size in
            let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
            if !FuzzSupport.skipped.isEmpty, FuzzSupport.skipped.contains(bytes) { return 0 }
            FuzzSupport.body?(bytes)
            return 0
        }
        exit(status)
    }

    /// Calls `work`, ignoring any error it throws: a thrown error is the reader's correct
    /// answer to a bad input. Returns whether it finished without throwing.
    @discardableResult
    public static func attempt(_ work: () throws -> Void) -> Bool {
        do {
            try work()
            return true
        } catch {
            return false
        }
    }

    /// The caps the readers are fuzzed under, unless the environment already sets them:
    /// 16 Mi values (64 MiB of Float32) and 1 MiB lines and configs, so an input that is
    /// within the caps never needs the 2 GiB libFuzzer allows, and an out-of-memory report
    /// means an allocation the caps did not bound (a size taken from the input unchecked).
    static func setUpEnvironment() {
        for (name, value) in [
            ("VIGIL_MAX_ELEMENTS", "16777216"), ("VIGIL_MAX_LINE_BYTES", "1048576"), ("VIGIL_MAX_CONFIG_BYTES", "1048576"),
        ] {
            setenv(name, value, 0)
        }
        setenv("VIGIL_THREADS", "1", 0)
    }

    // MARK: Scratch files

    /// The folder this process writes inputs to: `$VIGIL_FUZZ_SCRATCH/<pid>` (fuzz.sh sets
    /// it), else under `/dev/shm` or the temporary folder.
    public static let scratch: String = {
        let base = ProcessInfo.processInfo.environment["VIGIL_FUZZ_SCRATCH"]
            ?? (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
        let folder = "\(base)/vigil-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: FuzzSupport.scratch) }
        return folder
    }()

    /// Writes `bytes` to the scratch file `name` (replacing it) and returns its path.
    public static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = "\(scratch)/\(name)"
        write(bytes, to: path)
        return path
    }

    /// Writes `files` into the scratch folder `name` (created anew) and returns it.
    public static func folder(_ name: String, _ files: [String: [UInt8]]) -> URL {
        let path = "\(scratch)/\(name)"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (file, bytes) in files { write(bytes, to: "\(path)/\(file)") }
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    private static func write(_ bytes: [UInt8], to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { fatalError("fuzz harness: cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            guard count > 0 else { fatalError("fuzz harness: short write to \(path)") }
            written += count
        }
    }

    // MARK: Seeds

    /// `Fuzz/Corpus` (or `$VIGIL_FUZZ_CORPUS`): the seeds `make-seeds` writes, which the detector
    /// targets also take the untouched half of a saved detector from.
    public static let corpus: String = ProcessInfo.processInfo.environment["VIGIL_FUZZ_CORPUS"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Corpus").path

    /// The bytes of `Corpus/<target>/<name>`; stops the process when the seed is missing
    /// (run `make-seeds` first).
    public static func seed(_ target: String, _ name: String) -> [UInt8] {
        let path = "\(corpus)/\(target)/\(name)"
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("fuzz harness: missing seed \(path); run make-seeds (scripts/fuzz.sh --seeds)\n".utf8))
            exit(3)
        }
        return Array(data)
    }
}
