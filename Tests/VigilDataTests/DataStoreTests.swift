import Foundation
import Testing
@testable import VigilData

/// Serves files from a dictionary of URL → bytes; unknown URLs fail like an offline machine.
struct FakeTransport: DataTransport {
    let files: [URL: [UInt8]]

    func download(_ url: URL, to destination: URL, maximumBytes: Int64?, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws {
        guard let bytes = files[url] else { throw URLError(.notConnectedToInternet) }
        progress(Int64(bytes.count), Int64(bytes.count))
        FileManager.default.createFile(atPath: destination.path, contents: Data(bytes))
    }
}

@Suite("Data store and checksums")
struct DataStoreTests {
    @Test func sha256KnownVectors() {
        #expect(SHA256.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(of: long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(of: [UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func realFileMatchesItsPublishedChecksum() throws {
        guard TestData.required() else { return }
        #expect(try DataStore.sha256(of: TestData.kddTenPercent) == KDDCup.tenPercentFile.sha256)
        let store = DataStore(dataDirectory: TestData.directory.path, cacheDirectory: "/nonexistent", transport: FakeTransport(files: [:]))
        #expect(try store.fetch(KDDCup.tenPercentFile).path == TestData.kddTenPercent)
    }

    let payload = Array("the data".utf8)
    var file: RemoteDataFile {
        RemoteDataFile(
            name: "sample.gz", urls: [URL(string: "https://example.invalid/a")!, URL(string: "https://example.invalid/b")!],
            sha256: SHA256.hex(of: payload))
    }

    @Test func downloadIsVerifiedAndCached() throws {
        let cache = TestData.temporaryDirectory()
        // The first address is unreachable; the second serves the file.
        let store = DataStore(cacheDirectory: cache.path, transport: FakeTransport(files: [file.urls[1]: payload]), environment: [:])
        let location = try store.fetch(file)
        #expect(location == cache.appendingPathComponent("sample.gz"))
        #expect(try Data(contentsOf: location) == Data(payload))
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path) == ["sample.gz"])
        // A second fetch finds the cached copy without the network.
        let offline = DataStore(cacheDirectory: cache.path, transport: FakeTransport(files: [:]), environment: [:])
        #expect(try offline.fetch(file) == location)
    }

    @Test func wrongChecksumLeavesNothingBehind() throws {
        let cache = TestData.temporaryDirectory()
        let store = DataStore(
            cacheDirectory: cache.path, transport: FakeTransport(files: [file.urls[0]: Array("tampered".utf8)]), environment: [:])
        do {
            _ = try store.fetch(file)
            Issue.record("expected a checksum error")
        } catch let error as DataError {
            guard case .checksumMismatch(_, let expected, let actual, let deleted) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(expected == file.sha256 && actual == SHA256.hex(of: Array("tampered".utf8)) && deleted)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).isEmpty)
    }

    @Test func offlineAndMissingSaysWhatToDo() throws {
        let cache = TestData.temporaryDirectory()
        let store = DataStore(
            dataDirectory: "/somewhere/data", cacheDirectory: cache.path, transport: FakeTransport(files: [:]), environment: [:])
        do {
            _ = try store.fetch(file)
            Issue.record("expected an error")
        } catch let error as DataError {
            let message = error.description
            #expect(message.contains("sample.gz not found"))
            #expect(message.contains("/somewhere/data") && message.contains(cache.path))
            #expect(message.contains("--data-dir") && message.contains("VIGIL_DATA_DIR"))
        }
    }

    @Test func dataFolderComesFirstAndEnvironmentIsRead() throws {
        let folder = TestData.temporaryDirectory()
        FileManager.default.createFile(atPath: folder.appendingPathComponent("sample.gz").path, contents: Data(payload))
        let store = DataStore(transport: FakeTransport(files: [:]), environment: ["VIGIL_DATA_DIR": folder.path, "VIGIL_CACHE_DIR": "/tmp/x"])
        #expect(store.cacheDirectory.path == "/tmp/x")
        #expect(try store.fetch(file) == folder.appendingPathComponent("sample.gz"))
        let xdg = DataStore(environment: ["XDG_CACHE_HOME": "/var/cache-home"])
        #expect(xdg.cacheDirectory.path == "/var/cache-home/vigil")
    }
}

/// Archives whose members are checked one by one as they are unpacked (CIFAR-10's).
@Suite("Data store: archives")
struct ArchiveFetchTests {
    /// A ustar archive of `files` (name → bytes), gzip-compressed, as `tar czf` writes it.
    static func tarGz(_ files: [(String, [UInt8])]) -> [UInt8] {
        var tar: [UInt8] = []
        for (name, bytes) in files {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) { for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte } }
            put(name, at: 0)
            put("0000644", at: 100)
            put("0000000", at: 108)
            put("0000000", at: 116)
            func octal(_ value: Int, digits: Int) -> String {
                let text = String(value, radix: 8)
                return String(repeating: "0", count: digits - text.count) + text
            }
            put(octal(bytes.count, digits: 11), at: 124)
            put("00000000000", at: 136)
            put("        ", at: 148)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257)
            put("00", at: 263)
            let sum = header.reduce(0) { $0 + Int($1) }
            put(octal(sum, digits: 6), at: 148)
            header[154] = 0
            header[155] = UInt8(ascii: " ")
            tar += header + bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
        }
        tar += [UInt8](repeating: 0, count: 1024)
        return Deflater.compress(tar, gzip: true)
    }

    let first = Array("first batch".utf8)
    let second = [UInt8](repeating: 7, count: 1_300)
    var archive: RemoteArchive {
        RemoteArchive(
            name: "sample.tar.gz", urls: [URL(string: "https://example.invalid/sample.tar.gz")!], folder: "sample-bin",
            members: ["sample-bin/one.bin": SHA256.hex(of: first), "sample-bin/two.bin": SHA256.hex(of: second)])
    }

    @Test func membersAreUnpackedVerifiedAndFoundAgain() throws {
        let cache = TestData.temporaryDirectory()
        let bytes = Self.tarGz([("sample-bin/readme.txt", Array("not kept".utf8)), ("sample-bin/one.bin", first), ("sample-bin/two.bin", second)])
        let store = DataStore(cacheDirectory: cache.path, transport: FakeTransport(files: [archive.urls[0]: bytes]), environment: [:])
        let folder = try store.fetch(archive)
        #expect(folder.path == cache.appendingPathComponent("sample-bin").path)
        #expect(try Array(Data(contentsOf: folder.appendingPathComponent("two.bin"))) == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["one.bin", "two.bin"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path) == ["sample-bin"])
        // Found again without the network; a damaged local member is reported, not replaced.
        let offline = DataStore(cacheDirectory: cache.path, transport: FakeTransport(files: [:]), environment: [:])
        #expect(try offline.fetch(archive).path == folder.path)
        try Data("damaged".utf8).write(to: folder.appendingPathComponent("one.bin"))
        #expect(throws: DataError.checksumMismatch(
            file: folder.appendingPathComponent("one.bin").path, expected: SHA256.hex(of: first), actual: SHA256.hex(of: Array("damaged".utf8)), deleted: false)) {
            try offline.fetch(archive)
        }
    }

    @Test func anArchiveInADataFolderIsUnpackedAndKept() throws {
        let (data, cache) = (TestData.temporaryDirectory(), TestData.temporaryDirectory())
        let copy = data.appendingPathComponent("sample.tar.gz")
        try Data(Self.tarGz([("sample-bin/one.bin", first), ("sample-bin/two.bin", second)])).write(to: copy)
        let store = DataStore(dataDirectory: data.path, cacheDirectory: cache.path, transport: FakeTransport(files: [:]), environment: [:])
        #expect(try store.fetch(archive).path == cache.appendingPathComponent("sample-bin").path)
        #expect(FileManager.default.fileExists(atPath: copy.path))
    }

    @Test func aTamperedOrIncompleteArchiveLeavesNothing() throws {
        for files in [[("sample-bin/one.bin", Array("tampered".utf8)), ("sample-bin/two.bin", second)], [("sample-bin/one.bin", first)]] {
            let cache = TestData.temporaryDirectory()
            let store = DataStore(cacheDirectory: cache.path, transport: FakeTransport(files: [archive.urls[0]: Self.tarGz(files)]), environment: [:])
            #expect(throws: DataError.self) { try store.fetch(archive) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).isEmpty)
        }
    }
}
