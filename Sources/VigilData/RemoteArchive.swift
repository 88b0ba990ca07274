import Foundation

/// A published archive of which Vigil keeps some members, each with a known SHA-256: the
/// members are checked one by one as they are unpacked, so the archive itself needs no
/// published checksum.
public struct RemoteArchive: Sendable, Equatable {
    /// The archive's file name (a gzip-compressed tar file).
    public let name: String
    /// Where it can be downloaded, tried in order.
    public let urls: [URL]
    /// The folder the members live in, in data folders and the cache.
    public let folder: String
    /// Each kept member's path in the archive (`folder/file`) and its SHA-256.
    public let members: [String: String]

    public init(name: String, urls: [URL], folder: String, members: [String: String]) {
        self.name = name
        self.urls = urls
        self.folder = folder
        self.members = members
    }

    /// The file names of the members inside ``folder``.
    var fileNames: [String] { members.keys.map { ($0 as NSString).lastPathComponent }.sorted() }
}

extension CIFAR10 {
    /// CIFAR-10's binary archive, of which Vigil keeps the five training batches and the
    /// class names. The checksums are those of the shared copies (`../shared/data/README.md`);
    /// the test batch is left out, no checksum of it being known here.
    public static let archive = RemoteArchive(
        name: "cifar-10-binary.tar.gz", urls: [URL(string: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")!],
        folder: "cifar-10-batches-bin",
        members: [
            "cifar-10-batches-bin/data_batch_1.bin": "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5",
            "cifar-10-batches-bin/data_batch_2.bin": "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed",
            "cifar-10-batches-bin/data_batch_3.bin": "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67",
            "cifar-10-batches-bin/data_batch_4.bin": "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48",
            "cifar-10-batches-bin/data_batch_5.bin": "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add",
            "cifar-10-batches-bin/batches.meta.txt": "2ce042b1e0b48db4bb214408e6414ba18b2731c24af244f2d6c112fddf31af00",
        ])
}

extension DataStore {
    /// A folder holding every member of `archive`, each verified: found in a data folder or
    /// the cache, or unpacked into the cache from the archive — a copy in a data folder or the
    /// cache, else a download.
    ///
    /// The download goes to a temporary file in the cache; its members are unpacked into a
    /// temporary folder beside it, each checked against its SHA-256, and only a complete,
    /// verified folder is renamed into place; the archive is then deleted. A local folder
    /// with a wrong member is reported, never changed.
    ///
    /// - Throws: ``DataError/checksumMismatch(file:expected:actual:deleted:)`` for a wrong
    ///   member, ``DataError/malformed(file:expected:actual:)`` for an archive without a
    ///   member, ``DataError/notFound(file:searched:hint:)`` when no copy exists and the download fails.
    public func fetch(_ archive: RemoteArchive, progress: @escaping @Sendable (Int64, Int64?) -> Void = { _, _ in }) throws -> URL {
        let names = archive.fileNames
        if let local = (dataDirectories + [cacheDirectory]).map({ $0.appendingPathComponent(archive.folder) })
            .first(where: { folder in names.allSatisfy { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) } }) {
            for (member, digest) in archive.members.sorted(by: { $0.key < $1.key }) {
                try Self.check(local.appendingPathComponent((member as NSString).lastPathComponent), digest, deleting: false)
            }
            return local
        }
        // An archive a user put in a data folder is unpacked from there and kept; a download is deleted once unpacked.
        let file = RemoteDataFile(name: archive.name, urls: archive.urls, sha256: "")
        let local = locate(file)
        let downloaded = try local ?? download(file, verifying: false, progress: progress)
        defer { if local == nil { try? FileManager.default.removeItem(at: downloaded) } }
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        let unpacking = cacheDirectory.appendingPathComponent(".\(archive.folder).\(UUID().uuidString).partial")
        do {
            try FileManager.default.createDirectory(at: unpacking, withIntermediateDirectories: false)
            var found: Set<String> = []
            try TarArchive.forEachFile(path: downloaded.path) { name, _, read in
                guard let digest = archive.members[name] else { return }
                let target = unpacking.appendingPathComponent((name as NSString).lastPathComponent)
                // A new, empty file (truncating a member the archive holds twice).
                guard FileManager.default.createFile(atPath: target.path, contents: nil), let handle = FileHandle(forWritingAtPath: target.path) else {
                    throw DataError.ioFailure(file: target.path, reason: "cannot create the file")
                }
                defer { try? handle.close() }
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                while true {
                    let count = try buffer.withUnsafeMutableBytes { try read($0) }
                    if count == 0 { break }
                    do { try handle.write(contentsOf: buffer[0..<count]) } catch {
                        throw DataError.ioFailure(file: target.path, reason: error.localizedDescription)
                    }
                }
                try Self.check(target, digest, deleting: true)
                found.insert(name)
            }
            let missing = Set(archive.members.keys).subtracting(found).sorted()
            guard missing.isEmpty else {
                throw DataError.malformed(file: archive.name, expected: "members \(missing.joined(separator: ", "))", actual: "an archive without them")
            }
            let destination = cacheDirectory.appendingPathComponent(archive.folder)
            if rename(unpacking.path, destination.path) != 0 {
                throw DataError.ioFailure(file: destination.path, reason: "cannot move the unpacked folder into place")
            }
            return destination
        } catch {
            try? FileManager.default.removeItem(at: unpacking)
            throw error
        }
    }

    /// Checks a file against its SHA-256, deleting it on a mismatch when asked.
    static func check(_ location: URL, _ expected: String, deleting: Bool) throws {
        let digest = try sha256(of: location.path)
        guard digest == expected else {
            if deleting { try? FileManager.default.removeItem(at: location) }
            throw DataError.checksumMismatch(file: location.path, expected: expected, actual: digest, deleted: deleting)
        }
    }
}
