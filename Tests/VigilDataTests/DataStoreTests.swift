import Foundation
import Testing
@testable import VigilData

/// Serves files from a dictionary of URL → bytes; unknown URLs fail like an offline machine.
struct FakeTransport: DataTransport {
    let files: [URL: [UInt8]]

    func download(_ url: URL, to destination: URL, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws {
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
