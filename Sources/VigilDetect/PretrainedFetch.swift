import Foundation
import VigilData
import VigilTensor

extension PretrainedCatalog {
    /// The files a published archive may hold: a saved detector folder's.
    static let archiveMembers: Set<String> = DetectorStore.folderFiles

    /// The detector `name`, verified, unpacked and loaded: its archive is found beside the
    /// catalog (a relative address) or in `store`'s folders and cache, else downloaded into
    /// the cache (`store.fetch`: a temporary file, checked against the entry's size and
    /// SHA-256, renamed into place only when both match); the archive's members are read
    /// (only a detector folder's files, each within the detector limits), loaded in a
    /// scratch folder — which checks every size and shape — and checked against the entry's
    /// kind and feature count; only then are they written to `destination` (default: the
    /// cache's `detectors/NAME`), atomically. A `destination` that holds a detector is
    /// replaced only with `overwrite`; the cache's own copy is refreshed when it differs.
    ///
    /// - Returns: the folder written and the detector loaded from it.
    /// - Throws: ``DataError`` for a download that fails, is truncated or does not match its
    ///   checksum (nothing is kept); ``PersistenceError`` for an archive that is not a
    ///   detector or does not match its entry, naming the archive.
    public func fetch(
        _ name: String, store: DataStore, to destination: URL? = nil, overwrite: Bool = false,
        progress: @escaping @Sendable (Int64, Int64?) -> Void = { _, _ in }
    ) throws -> (folder: URL, detector: any OutlierDetector) {
        let entry = try entry(named: name)
        let archive = try archiveFile(of: entry, store: store, progress: progress)
        let files = try members(of: archive)
        try check(files, against: entry, archive: archive.path)
        let folder = destination ?? store.cacheDirectory.appendingPathComponent("detectors").appendingPathComponent(entry.name)
        if destination == nil {
            try FileManager.default.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        if !Self.holds(folder, files) {
            try DetectorStore.writeAtomically(folder: folder, files: files, overwrite: overwrite || destination == nil)
        }
        return (folder, try DetectorStore.load(from: folder))
    }

    /// A verified local copy of the entry's archive.
    private func archiveFile(of entry: Entry, store: DataStore, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws -> URL {
        guard let remote = Self.remoteURL(entry.url) else {
            let local = baseFolder.appendingPathComponent(entry.url)
            let size = (try? FileManager.default.attributesOfItem(atPath: local.path)[.size] as? NSNumber)?.int64Value
            guard let size else { throw PersistenceError.missingFile(file: local.path) }
            guard size == entry.size else {
                throw PersistenceError.malformed(file: local.path, problem: "\(size) bytes, the catalog says \(entry.size)")
            }
            let digest = try DataStore.sha256(of: local.path)
            guard digest == entry.sha256 else {
                throw DataError.checksumMismatch(file: local.path, expected: entry.sha256, actual: digest, deleted: false)
            }
            return local
        }
        let file = RemoteDataFile(name: "\(entry.name)-\(entry.sha256.prefix(12)).tar", urls: [remote], sha256: entry.sha256, size: entry.size)
        return try store.fetch(file, progress: progress)
    }

    /// The archive's members, each a detector folder's file within the detector limits.
    private func members(of archive: URL) throws -> [String: [UInt8]] {
        let limits = InputLimits.current
        var files: [String: [UInt8]] = [:]
        do {
            try TarArchive.forEachFile(path: archive.path) { stored, size, read in
                let name = stored.hasPrefix("./") ? String(stored.dropFirst(2)) : stored  // as `tar -C folder .` writes them
                guard Self.archiveMembers.contains(name) else {
                    throw PersistenceError.malformed(
                        file: archive.path, problem: "member \"\(messageText(name))\"; a detector archive holds only \(Self.archiveMembers.sorted().joined(separator: ", "))")
                }
                guard files[name] == nil else { throw PersistenceError.malformed(file: archive.path, problem: "member \"\(name)\" twice") }
                let limit = name == "weights.safetensors" ? Int(Self.maximumArchiveBytes) : limits.maximumConfigBytes
                guard size <= limit else {
                    throw PersistenceError.malformed(file: archive.path, problem: "member \"\(name)\" of \(size) bytes, more than the limit of \(limit)")
                }
                var bytes = [UInt8](repeating: 0, count: size)
                var filled = 0
                while filled < size {
                    let count = try bytes.withUnsafeMutableBytes { try read(UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
                    filled += count
                }
                files[name] = bytes
            }
        } catch let error as DataError {
            throw PersistenceError.malformed(file: archive.path, problem: "not a readable tar archive (\(error))")
        }
        for required in ["config.json", "weights.safetensors"] where files[required] == nil {
            throw PersistenceError.malformed(file: archive.path, problem: "no member \"\(required)\"; a detector archive holds config.json and weights.safetensors")
        }
        return files
    }

    /// Loads `files` in a scratch folder (every check a saved folder gets) and compares the
    /// detector with the entry.
    private func check(_ files: [String: [UInt8]], against entry: Entry, archive: String) throws {
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("vigil-fetch-\(getpid())-\(UUID().uuidString)")
        TemporaryPaths.register(scratch.path)
        defer {
            try? FileManager.default.removeItem(at: scratch)
            TemporaryPaths.unregister(scratch.path)
        }
        try DetectorStore.writeAtomically(folder: scratch, files: files, overwrite: false)
        let detector: any OutlierDetector
        do { detector = try DetectorStore.load(from: scratch) } catch {
            throw PersistenceError.malformed(file: archive, problem: "not a loadable detector: \(error)")
        }
        let found = (type(of: detector).kind, detector.featureCount)
        guard found == (entry.kind, entry.featureCount) else {
            throw PersistenceError.malformed(
                file: archive, problem: "a \(found.0) of \(found.1) features; the catalog's entry \"\(entry.name)\" says \(entry.kind) of \(entry.featureCount)")
        }
    }

    /// Whether `folder` already holds exactly `files`.
    private static func holds(_ folder: URL, _ files: [String: [UInt8]]) -> Bool {
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        guard present == Set(files.keys) else { return false }
        return files.allSatisfy { name, bytes in
            (try? DetectorStore.read(folder.appendingPathComponent(name).path, maximumBytes: bytes.count, setting: "")) == bytes
        }
    }
}

extension DetectorStore {
    /// The detector folder `folder` as a reproducible tar archive (``VigilData/TarArchive/archive(_:)``)
    /// of its `config.json`, `weights.safetensors` and, when there is one, `sample.csv`,
    /// for a ``PretrainedCatalog`` entry. The folder is loaded first, so only a detector
    /// that loads is archived.
    public static func archive(of folder: URL) throws -> [UInt8] {
        _ = try load(from: folder)
        let limits = InputLimits.current
        var files: [String: [UInt8]] = [:]
        files["config.json"] = try read(folder.appendingPathComponent("config.json").path, maximumBytes: limits.maximumConfigBytes, setting: "VIGIL_MAX_CONFIG_BYTES")
        files["weights.safetensors"] = try read(
            folder.appendingPathComponent("weights.safetensors").path, maximumBytes: Int(PretrainedCatalog.maximumArchiveBytes), setting: "VIGIL_MAX_ELEMENTS")
        files[sampleFile] = try sample(in: folder)
        return try TarArchive.archive(files)
    }
}
