import Foundation
import Synchronization
import VigilDetect
import VigilTensor

/// A loaded detector as the service serves it, named after its folder.
///
/// The detector is a class, shared by every request that scores with it: scoring reads its
/// networks, standardiser and threshold and changes none of them (the library already
/// scores one batch's chunks on several threads at once), and the service never sets
/// anything on a detector once it is loaded, hence `@unchecked Sendable`.
public struct ServedModel: @unchecked Sendable {
    public let name: String
    public let folder: URL
    public let kind: String
    let detector: any OutlierDetector
    let fingerprint: FolderFingerprint
    /// Whether the detector gives a score per feature (reconstruction detectors, BiGAN).
    let hasFeatureScores: Bool
    /// The example rows saved with the detector (`sample.csv`), for the dashboard.
    let sample: [UInt8]?
    public let loadedAt: Date
}

/// What identifies a saved folder's contents without reading them: the folder's inode (a
/// save swaps a new folder into place) and each file's inode, size and modification time
/// (the sample's too, when there is one).
struct FolderFingerprint: Equatable, Sendable {
    var values: [Int]

    init?(_ folder: URL) {
        var values: [Int] = []
        for (path, required) in [(folder.path, true), (folder.path + "/config.json", true), (folder.path + "/weights.safetensors", true),
                                 (folder.appendingPathComponent(DetectorStore.sampleFile).path, false)] {
            var info = stat()
            guard stat(path, &info) == 0 else {
                if required { return nil }
                values += [-1, -1, -1, -1]
                continue
            }
            #if canImport(Darwin)
            let modified = info.st_mtimespec
            #else
            let modified = info.st_mtim
            #endif
            values += [Int(info.st_ino), Int(info.st_size), Int(modified.tv_sec), Int(modified.tv_nsec)]
        }
        self.values = values
    }
}

/// What a scan of the models folder changed.
public struct ScanReport: Sendable, Equatable {
    /// Folders loaded for the first time or again after a change.
    public var loaded: [String] = []
    /// Folders that failed to load, with the reason (a model already serving under that name keeps serving).
    public var failed: [String: String] = [:]
    /// Models whose folder is gone.
    public var removed: [String] = []
}

/// Every detector saved under one folder, by name, swapped atomically when a folder changes.
///
/// A request takes the current ``ServedModel`` once and scores with it to the end, so a
/// reload never changes the model under a request in flight. A folder that fails to load is
/// reported once per change and leaves the model already serving in place.
public final class ModelStore: Sendable {
    public let folder: URL
    private let models = Mutex<[String: ServedModel]>([:])
    private let failures = Mutex<[String: (fingerprint: FolderFingerprint?, reason: String)]>([:])
    /// Serving models whose folder was missing at the last scan.
    private let missing = Mutex<Set<String>>([])
    /// Held for a whole scan: the watcher and an explicit reload never scan at once.
    private let scanning = Mutex(())

    /// A store over `folder`, which must be a folder; call ``scan()`` to load what is in it.
    public init(folder: URL) throws {
        guard PathKind.isFolder(folder.path) else {
            throw ServiceSetupError.notAFolder(folder.path)
        }
        self.folder = folder
    }

    /// The model named `name`, if one is serving.
    public func model(named name: String) -> ServedModel? { models.withLock { $0[name] } }

    /// Every serving model, by name.
    public var all: [ServedModel] { models.withLock { $0.values.sorted { $0.name < $1.name } } }

    /// The folders that failed to load last time and why.
    public var failed: [String: String] { failures.withLock { $0.mapValues(\.reason) } }

    /// Loads every new or changed folder (hidden names, such as a save's temporary, are
    /// skipped) and forgets models whose folder has been gone for two scans in a row — a
    /// folder replaced by removing it and moving a copy into place is missing only for a
    /// moment, and its model serves on until the copy loads.
    @discardableResult
    public func scan() -> ScanReport {
        scanning.withLock { _ in scanOnce() }
    }

    private func scanOnce() -> ScanReport {
        var report = ScanReport()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { !$0.hasPrefix(".") && PathKind.isFolder(folder.path + "/" + $0) }.sorted()
        for name in names {
            let path = folder.appendingPathComponent(name)
            guard let before = FolderFingerprint(path) else {
                let reason = "not a saved detector (no config.json and weights.safetensors)"
                if failures.withLock({ $0[name]?.reason }) != reason { report.failed[name] = reason }
                failures.withLock { $0[name] = (nil, reason) }
                continue
            }
            if model(named: name)?.fingerprint == before { continue }
            if failures.withLock({ $0[name]?.fingerprint }) == before { continue }
            do {
                let served = try Self.load(name: name, folder: path, fingerprint: before)
                // A folder swapped while it was read may have given parts of both versions:
                // keep nothing, and read it again at the next scan.
                guard FolderFingerprint(path) == before else { continue }
                models.withLock { $0[name] = served }
                _ = failures.withLock { $0.removeValue(forKey: name) }
                report.loaded.append(name)
            } catch {
                // A folder that changed while it was read is read again at the next scan.
                guard FolderFingerprint(path) == before else { continue }
                failures.withLock { $0[name] = (before, "\(error)") }
                report.failed[name] = "\(error)"
            }
        }
        let present = Set(names)
        let missingBefore = missing.withLock { missing in
            defer { missing = Set(self.models.withLock { $0.keys }).subtracting(present) }
            return missing
        }
        report.removed = models.withLock { models in
            let gone = models.keys.filter { !present.contains($0) && missingBefore.contains($0) }.sorted()
            for name in gone { models.removeValue(forKey: name) }
            return gone
        }
        failures.withLock { failures in failures = failures.filter { present.contains($0.key) } }
        return report
    }

    /// Loads one folder and scores a probe row (the training mean, or zeros) to learn whether
    /// it gives feature scores and to refuse a detector that cannot score.
    static func load(name: String, folder: URL, fingerprint: FolderFingerprint) throws -> ServedModel {
        let detector = try DetectorStore.load(from: folder)
        guard detector.threshold != nil else { throw DetectorError.noThreshold(detector: type(of: detector).kind) }
        let probe = detector.standardizer?.mean ?? [Float](repeating: 0, count: detector.featureCount)
        let scores = try detector.score(Tensor(shape: [1, detector.featureCount], scalars: probe))
        let sample = try DetectorStore.sample(in: folder)
        return ServedModel(
            name: name, folder: folder, kind: type(of: detector).kind, detector: detector, fingerprint: fingerprint,
            hasFeatureScores: scores.feature != nil, sample: sample, loadedAt: Date())
    }
}

/// A service that cannot start.
public enum ServiceSetupError: Error, CustomStringConvertible, Equatable {
    case notAFolder(String)
    case unreadableToken(file: String, reason: String)
    case invalidOption(name: String, expected: String, actual: String)

    public var description: String {
        switch self {
        case .notAFolder(let path): "\(path): the models folder does not exist or is not a folder"
        case let .unreadableToken(file, reason): "\(file): cannot read the token: \(reason)"
        case let .invalidOption(name, expected, actual): "\(name): expected \(expected), got \(actual)"
        }
    }
}
