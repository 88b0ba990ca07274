import Foundation
import Testing
import _TestSupport
import VigilData
@testable import VigilDetect
import VigilNN
import VigilTensor

/// `vigil fetch-detector`'s path: a catalog entry, a download over real HTTP from a loopback
/// server (URLSession, as the command uses), the checks, the cache and the written folder.
@Suite("Pretrained detectors")
struct PretrainedCatalogTests {
    let data = PlantedData.make(inliers: 300, outliers: 15, seed: 11)

    /// A small fitted AEGMM, its folder and that folder's archive.
    func publishedDetector() throws -> (detector: OutlierAEGMM, archive: [UInt8]) {
        let detector = OutlierAEGMM.kddPreset(featureCount: 6, seed: 2)
        _ = try detector.fit(data.train, options: FitOptions(epochs: 2, batchSize: 64, seed: 3, progress: .silent))
        try detector.inferThreshold(data.test, percentile: 90)
        let folder = ScratchFolders.path("published")
        try detector.save(to: folder)
        return (detector, try DetectorStore.archive(of: folder))
    }

    /// A catalog file with one entry per (name, url) for `archive`, written to a new folder.
    func catalog(_ urls: [(String, String)], archive: [UInt8], sha256: String? = nil, size: Int64? = nil) throws -> PretrainedCatalog {
        let folder = ScratchFolders.make("catalog")
        let entries = urls.map { name, url in
            PretrainedCatalog.Entry(
                name: name, kind: "OutlierAEGMM", featureCount: 6, description: "test", url: url, size: size ?? Int64(archive.count),
                sha256: sha256 ?? SHA256.hex(of: archive))
        }
        let json = "{\"format\": \"vigil-pretrained-catalog\", \"formatVersion\": 1, \"detectors\": [\(try entries.map(PretrainedCatalog.json(of:)).joined(separator: ","))]}"
        let file = folder.appendingPathComponent("catalog.json")
        try Data(json.utf8).write(to: file)
        return try PretrainedCatalog.load(from: file)
    }

    /// The regular files of the tar archive at `path`.
    func members(ofArchiveAt path: String) throws -> [String: [UInt8]] {
        var read: [String: [UInt8]] = [:]
        try TarArchive.forEachFile(path: path, regularFilesOnly: true) { name, size, next in read[name] = try TarArchive.bytes(ofMemberOf: size, next) }
        return read
    }

    /// A loopback server with `routes`, a catalog naming `paths` on it (entry name → path) for
    /// `archive`, and an empty cache.
    func serving(_ routes: [String: LoopbackHTTPServer.Response], _ paths: [(String, String)], archive: [UInt8]) throws
        -> (server: LoopbackHTTPServer, catalog: PretrainedCatalog, cache: URL)
    {
        let server = try LoopbackHTTPServer(routes: routes)
        let catalog = try catalog(paths.map { ($0.0, server.url($0.1).absoluteString) }, archive: archive)
        return (server, catalog, ScratchFolders.make("cache"))
    }

    /// A catalog with one entry `name` for `archive`, written beside it as `file`; and that file.
    func besideCatalog(_ name: String, _ file: String, archive: [UInt8]) throws -> (catalog: PretrainedCatalog, file: URL) {
        let catalog = try catalog([(name, file)], archive: archive)
        let path = catalog.baseFolder.appendingPathComponent(file)
        try Data(archive).write(to: path)
        return (catalog, path)
    }

    func store(_ cache: URL) -> DataStore { DataStore(cacheDirectory: cache.path, transport: URLSessionTransport(), environment: [:]) }

    /// The same bytes give the same archive, and the archive reads back as the folder's files.
    @Test func archivesAreReproducibleAndReadBack() throws {
        let files: [String: [UInt8]] = ["config.json": Array("{}".utf8), "weights.safetensors": [UInt8](repeating: 7, count: 1_000)]
        let archive = try TarArchive.archive(files)
        #expect(archive.count == 512 + 512 + 512 + 1024 + 1024)  // two headers, "{}" padded, 1,000 bytes padded, the end
        #expect(try TarArchive.archive(files) == archive)
        let file = ScratchFolders.path("archive.tar")
        try Data(archive).write(to: file)
        #expect(try members(ofArchiveAt: file.path) == files)
        #expect(throws: DataError.invalidArgument(name: "tar member name", expected: "1–100 bytes without / or NUL", actual: "\"a/b\"")) {
            try TarArchive.archive(["a/b": []])
        }
    }

    /// Downloaded over HTTP (through a redirect), verified, loaded: the detector scores as the one
    /// published; a second fetch uses the cache and sends no request.
    @Test func downloadThroughRedirectLoadsTheDetector() throws {
        let (published, archive) = try publishedDetector()
        let (server, catalog, cache) = try serving(["/d.tar": .body(archive), "/moved.tar": .redirect(to: "/d.tar")], [("small", "/moved.tar")], archive: archive)
        defer { server.stop() }
        let (folder, detector) = try catalog.fetch("small", store: store(cache))
        #expect(folder.path == cache.appendingPathComponent("detectors/small").path)
        #expect(server.requests == ["/moved.tar", "/d.tar"])
        #expect(try detector.score(data.test).instance == published.score(data.test).instance)
        #expect(detector.threshold == published.threshold)
        let cached = "small-\(SHA256.hex(of: archive).prefix(12)).tar"
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: cache.path)) == ["detectors", cached])
        _ = try catalog.fetch("small", store: store(cache))
        #expect(server.requests.count == 2)
        // To a folder of the user's: a detector there is replaced only when asked.
        let mine = ScratchFolders.path("mine")
        _ = try catalog.fetch("small", store: store(cache), to: mine)
        let other = OutlierAEGMM.kddPreset(featureCount: 6, seed: 9)
        _ = try other.fit(data.train, options: FitOptions(epochs: 1, batchSize: 64, seed: 1, progress: .silent))
        try other.save(to: mine, overwrite: true)
        #expect(throws: PersistenceError.cannotWrite(file: mine.path, reason: "a saved detector is already there; pass overwrite (--overwrite) to replace it")) {
            try catalog.fetch("small", store: store(cache), to: mine)
        }
        #expect(try DetectorStore.load(from: mine).score(data.test).instance == other.score(data.test).instance)
        _ = try catalog.fetch("small", store: store(cache), to: mine, overwrite: true)
        #expect(try DetectorStore.load(from: mine).score(data.test).instance == published.score(data.test).instance)
    }

    /// A served archive that differs from the catalog's checksum is deleted; nothing is cached or written.
    @Test func checksumMismatchKeepsNothing() throws {
        let (_, archive) = try publishedDetector()
        var tampered = archive
        tampered[600] ^= 0x01
        let (server, catalog, cache) = try serving(["/d.tar": .body(tampered)], [("small", "/d.tar")], archive: archive)
        defer { server.stop() }
        do {
            _ = try catalog.fetch("small", store: store(cache))
            Issue.record("a tampered archive was accepted")
        } catch let DataError.checksumMismatch(file, expected, actual, deleted) {
            #expect(file.hasPrefix(cache.appendingPathComponent(".small-").path) && file.hasSuffix(".partial"))
            #expect(expected == SHA256.hex(of: archive) && actual == SHA256.hex(of: tampered) && deleted)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).isEmpty)
    }

    /// A connection closed before the declared length, and a 404: each a download error naming
    /// the address; the cache is left empty.
    @Test func truncatedAndMissingDownloadsFail() throws {
        let (_, archive) = try publishedDetector()
        let (server, catalog, cache) = try serving(
            ["/cut.tar": .truncated(archive, sent: archive.count / 2)], [("cut", "/cut.tar"), ("gone", "/gone.tar")], archive: archive)
        defer { server.stop() }
        for (name, path) in [("cut", "/cut.tar"), ("gone", "/gone.tar")] {
            do {
                _ = try catalog.fetch(name, store: store(cache))
                Issue.record("\(name): the fetch succeeded")
            } catch let DataError.notFound(file, searched, hint) {
                #expect(file == "\(name)-\(SHA256.hex(of: archive).prefix(12)).tar")
                #expect(searched == [cache.path])
                #expect(hint.hasPrefix("Downloading failed (\(server.url(path).absoluteString): "), "\(hint)")
                if name == "gone" { #expect(hint.contains("HTTP status 404")) }
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).isEmpty)
        }
        #expect(server.requests == ["/cut.tar", "/gone.tar"])
    }

    /// A short download that the transport reports as complete is caught by the size check.
    @Test func sizeIsCheckedBeforeTheChecksum() throws {
        let (_, archive) = try publishedDetector()
        let (server, catalog, cache) = try serving(["/d.tar": .body(Array(archive.prefix(1_000)))], [("short", "/d.tar")], archive: archive)
        defer { server.stop() }
        do {
            _ = try catalog.fetch("short", store: store(cache))
            Issue.record("a short archive was accepted")
        } catch let DataError.notFound(_, _, hint) {
            #expect(hint.contains("\(server.url("/d.tar").absoluteString): short-\(SHA256.hex(of: archive).prefix(12)).tar: expected \(archive.count) bytes, got 1000 bytes (an incomplete download; deleted)"), "\(hint)")
        }
    }

    /// An archive beside the catalog resolves with no network; one holding anything but a
    /// detector's files, or a detector of another kind than its entry says, is refused.
    @Test func localArchivesAndWrongContents() throws {
        let (published, archive) = try publishedDetector()
        let (catalog, _) = try besideCatalog("local", "d.tar", archive: archive)
        let cache = ScratchFolders.make("cache")
        let offline = DataStore(cacheDirectory: cache.path, transport: URLSessionTransport(), environment: [:])
        let (_, detector) = try catalog.fetch("local", store: offline)
        #expect(try detector.score(data.test).instance == published.score(data.test).instance)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path) == ["detectors"])

        let extra = try TarArchive.archive(["config.json": Array("{}".utf8), "run.sh": Array("rm -rf /".utf8)])
        let (bad, badFile) = try besideCatalog("bad", "bad.tar", archive: extra)
        #expect(throws: PersistenceError.malformed(
            file: badFile.path, problem: "member \"run.sh\"; a detector archive holds only config.json, sample.csv, weights.safetensors")) {
            try bad.fetch("bad", store: offline)
        }
        let vae = try OutlierVAE.kddPreset(featureCount: 6, configuration: .init(samples: 2, seed: 1), seed: 1)
        _ = try vae.fit(data.train, options: FitOptions(epochs: 1, batchSize: 64, seed: 1, progress: .silent))
        let vaeFolder = ScratchFolders.path("vae")
        try vae.save(to: vaeFolder)
        let vaeArchive = try DetectorStore.archive(of: vaeFolder)
        let (wrong, wrongFile) = try besideCatalog("wrong", "vae.tar", archive: vaeArchive)
        #expect(throws: PersistenceError.malformed(
            file: wrongFile.path, problem: "a OutlierVAE of 6 features; the catalog's entry \"wrong\" says OutlierAEGMM of 6")) {
            try wrong.fetch("wrong", store: offline)
        }
        #expect(throws: PersistenceError.malformed(file: catalog.file, problem: "no detector named \"nope\"; the catalog has local")) {
            try catalog.fetch("nope", store: offline)
        }
    }

    /// An archive beside the catalog that is a link, or that holds a link, is refused.
    @Test func linksAreRefused() throws {
        let (_, archive) = try publishedDetector()
        let catalog = try catalog([("linked", "d.tar")], archive: archive)
        let real = ScratchFolders.path("elsewhere.tar")
        try Data(archive).write(to: real)
        let link = catalog.baseFolder.appendingPathComponent("d.tar")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let offline = DataStore(cacheDirectory: ScratchFolders.make("cache").path, environment: [:])
        #expect(throws: PersistenceError.unreadable(file: link.path, reason: "it is a symbolic link; a published archive must be a regular file")) { try catalog.fetch("linked", store: offline) }

        var withLink = try TarArchive.archive(["config.json": Array("{}".utf8)])
        withLink[156] = UInt8(ascii: "2")  // the member becomes a symbolic link; fix its checksum
        for index in 148..<156 { withLink[index] = UInt8(ascii: " ") }
        let sum = withLink[0..<512].reduce(0) { $0 + Int($1) }
        withLink.replaceSubrange(148..<155, with: Array((String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8) + "\u{0}").utf8))
        let (bad, file) = try besideCatalog("link", "link.tar", archive: withLink)
        #expect(throws: PersistenceError.malformed(
            file: file.path, problem: "not a readable tar archive (\(file.path): expected only regular files, got member config.json of type '2')")) {
            try bad.fetch("link", store: offline)
        }
    }

    /// Entries that could escape the catalog's folder or name nothing sensible are refused on load.
    @Test func badCatalogEntries() throws {
        let archive = [UInt8](repeating: 1, count: 10)
        for (url, problem) in [
            ("../up.tar", "\"x\": url \"../up.tar\", expected http(s)://… or the name of a file beside the catalog"),
            ("sub/x.tar", "\"x\": url \"sub/x.tar\", expected http(s)://… or the name of a file beside the catalog"),
            ("/etc/passwd", "\"x\": url \"/etc/passwd\", expected http(s)://… or the name of a file beside the catalog"),
            ("file:///etc/passwd", "\"x\": url \"file:///etc/passwd\", expected http(s)://… or the name of a file beside the catalog"),
        ] {
            do {
                _ = try catalog([("x", url)], archive: archive)
                Issue.record("\(url) was accepted")
            } catch let PersistenceError.malformed(_, found) {
                #expect(found == "detectors[0]: \(problem)")
            }
        }
        do {
            _ = try catalog([("x", "a.tar"), ("x", "b.tar")], archive: archive)
            Issue.record("a repeated name was accepted")
        } catch let PersistenceError.malformed(_, found) {
            #expect(found == "detectors[1]: a second entry named \"x\"")
        }
        do {
            _ = try catalog([("x", "a.tar")], archive: archive, sha256: "abc")
            Issue.record("a short checksum was accepted")
        } catch let PersistenceError.malformed(_, found) {
            #expect(found == "detectors[0]: \"x\": sha256 \"abc\", expected 64 lowercase hexadecimal digits")
        }
    }

    /// The repository's own catalog: every published detector verifies, loads and is what its entry says.
    @Test func publishedCatalogLoadsEveryDetector() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Pretrained/catalog.json").standardizedFileURL
        let catalog = try PretrainedCatalog.load(from: file)
        #expect(Set(catalog.entries.map(\.kind)) == ["OutlierAE", "OutlierVAE", "OutlierAEGMM", "OutlierVAEGMM"])
        #expect(catalog.entries.count == 6)
        let cache = ScratchFolders.make("cache")
        for entry in catalog.entries {
            #expect(PretrainedCatalog.remoteURL(entry.url) == nil, "\(entry.name) is published in the repository")
            // The archive is what the writer gives for its own members: reproducible, byte for byte.
            let path = catalog.baseFolder.appendingPathComponent(entry.url).path
            #expect(SHA256.hex(of: try TarArchive.archive(members(ofArchiveAt: path))) == entry.sha256)
            let (_, detector) = try catalog.fetch(entry.name, store: DataStore(cacheDirectory: cache.path, environment: [:]))
            #expect(detector.featureCount == 18 && detector.threshold != nil)
            if entry.name == "kdd-vae-recommended" {
                let vae = try #require(detector as? OutlierVAE)
                #expect(vae.configuration.scoreType == .learnedVariance && vae.network.latentDimension == 3)
            }
        }
    }
}
