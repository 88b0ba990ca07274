import Foundation
import VigilData
import VigilTensor

extension PretrainedCatalog {
    /// The detector `name`, verified, unpacked and loaded: its archive is read beside the
    /// catalog (a relative address), or found in `store`'s folders and cache, else downloaded
    /// into the cache (`store.fetch`: a temporary file, stopped once it passes the entry's
    /// size, kept only when size and SHA-256 match). The archive is then read once, as a
    /// regular file (not a link) of exactly the entry's size and digest; its members must be
    /// regular files named as a detector folder's (each at most the archive's size); they are
    /// written to a staging folder beside the destination, loaded there — every check a saved
    /// folder gets — and compared with the entry's kind and feature count; only then is the
    /// staging folder renamed to `destination` (default: the cache's `detectors/NAME`). A
    /// `destination` is checked before anything is fetched: a detector there is replaced only
    /// with `overwrite`, anything else never; the cache's own copy is refreshed.
    ///
    /// - Returns: the folder written and the detector loaded from it.
    /// - Throws: ``VigilData/DataError`` for a download that fails, is cut short, runs long
    ///   or does not match its checksum (nothing is kept); ``PersistenceError`` for an archive
    ///   that is not a detector or does not match its entry, naming the archive.
    public func fetch(
        _ name: String, store: DataStore, to destination: URL? = nil, overwrite: Bool = false,
        progress: @escaping @Sendable (Int64, Int64?) -> Void = { _, _ in }
    ) throws -> (folder: URL, detector: any OutlierDetector) {
        let entry = try entry(named: name)
        if let destination { try DetectorStore.checkDestination(destination, overwrite: overwrite) }
        let (archive, location) = try archiveBytes(of: entry, store: store, progress: progress)
        let files = try members(of: archive, location: location, limit: Int(entry.size))
        let folder = destination ?? store.cacheDirectory.appendingPathComponent("detectors").appendingPathComponent(entry.name)
        if destination == nil {
            try FileManager.default.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        try DetectorStore.writeAtomically(folder: folder, files: files, overwrite: overwrite || destination == nil) { staging in
            let detector: any OutlierDetector
            do { detector = try DetectorStore.load(from: staging) } catch {
                throw PersistenceError.malformed(file: location, problem: "not a loadable detector: \(error)")
            }
            let found = (type(of: detector).kind, detector.featureCount)
            guard found == (entry.kind, entry.featureCount) else {
                throw PersistenceError.malformed(
                    file: location, problem: "a \(found.0) of \(found.1) features; the catalog's entry \"\(entry.name)\" says \(entry.kind) of \(entry.featureCount)")
            }
        }
        return (folder, try DetectorStore.load(from: folder))
    }

    /// The entry's archive, verified, and where it was read.
    private func archiveBytes(of entry: Entry, store: DataStore, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws -> ([UInt8], String) {
        let path: String
        if let remote = Self.remoteURL(entry.url) {
            let file = RemoteDataFile(name: "\(entry.name)-\(entry.sha256.prefix(12)).tar", urls: [remote], sha256: entry.sha256, size: entry.size)
            path = try store.fetch(file, progress: progress).path
        } else {
            path = baseFolder.appendingPathComponent(entry.url).path
        }
        let bytes = try Self.readArchive(path, size: entry.size)
        let digest = SHA256.hex(of: bytes)
        guard digest == entry.sha256 else { throw DataError.checksumMismatch(file: path, expected: entry.sha256, actual: digest, deleted: false) }
        return (bytes, path)
    }

    /// The bytes of the regular file at `path` (a link is refused), which must be `size` long.
    private static func readArchive(_ path: String, size: Int64) throws -> [UInt8] {
        let (handle, found) = try DetectorStore.openRegularFile(path, rule: "a published archive must be a regular file")
        guard Int64(found) == size else { throw PersistenceError.malformed(file: path, problem: "\(found) bytes, the catalog says \(size)") }
        let bytes: Data
        do { bytes = try handle.read(upToCount: Int(size)) ?? Data() } catch {
            throw PersistenceError.unreadable(file: path, reason: error.localizedDescription)
        }
        guard bytes.count == Int(size) else { throw PersistenceError.malformed(file: path, problem: "\(bytes.count) bytes, the catalog says \(size)") }
        return Array(bytes)
    }

    /// The archive's members: regular files named as a detector folder's, each once.
    private func members(of archive: [UInt8], location: String, limit: Int) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let allowed = DetectorStore.folderFiles
        do {
            try TarArchive.forEachFile(bytes: archive, name: location, regularFilesOnly: true) { stored, size, read in
                let name = stored.hasPrefix("./") ? String(stored.dropFirst(2)) : stored  // as `tar -C folder .` writes them
                guard allowed.contains(name) else {
                    throw PersistenceError.malformed(
                        file: location, problem: "member \"\(messageText(name))\"; a detector archive holds only \(allowed.sorted().joined(separator: ", "))")
                }
                guard files[name] == nil else { throw PersistenceError.malformed(file: location, problem: "member \"\(name)\" twice") }
                guard size <= limit else { throw PersistenceError.malformed(file: location, problem: "member \"\(name)\" of \(size) bytes, more than the archive") }
                files[name] = try TarArchive.bytes(ofMemberOf: size, read)
            }
        } catch let error as DataError {
            throw PersistenceError.malformed(file: location, problem: "not a readable tar archive (\(error))")
        }
        for required in ["config.json", "weights.safetensors"] where files[required] == nil {
            throw PersistenceError.malformed(file: location, problem: "no member \"\(required)\"; a detector archive holds config.json and weights.safetensors")
        }
        return files
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
