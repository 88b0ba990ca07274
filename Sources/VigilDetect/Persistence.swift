import Foundation
import VigilData
import VigilNN
import VigilTensor

/// Errors of saving and loading detectors; each names the file and the problem.
public enum PersistenceError: Error, Equatable, CustomStringConvertible {
    case missingFile(file: String)
    case unreadable(file: String, reason: String)
    case malformed(file: String, problem: String)
    case newerFormat(file: String, version: Int, supported: Int)
    case unknownKind(file: String, kind: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], actual: [Int])
    case missingTensor(file: String, tensor: String)
    case unexpectedTensor(file: String, tensor: String)
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case let .missingFile(file): "\(file): missing; a saved detector folder holds config.json and weights.safetensors"
        case let .unreadable(file, reason): "\(file): cannot read: \(reason)"
        case let .malformed(file, problem): "\(file): \(problem)"
        case let .newerFormat(file, version, supported):
            "\(file): format version \(version) was written by a newer Vigil; this one reads up to version \(supported)"
        case let .unknownKind(file, kind): "\(file): unknown detector kind \"\(kind)\""
        case let .shapeMismatch(file, tensor, expected, actual): "\(file): tensor \"\(tensor)\" has shape \(actual), expected \(expected)"
        case let .missingTensor(file, tensor): "\(file): tensor \"\(tensor)\" is missing"
        case let .unexpectedTensor(file, tensor): "\(file): unexpected tensor \"\(tensor)\""
        case let .cannotWrite(file, reason): "\(file): cannot write: \(reason)"
        }
    }
}

extension PersistenceError {
    /// A detector saved before it was fitted.
    static func notFitted(kind: String) -> PersistenceError { .cannotWrite(file: kind, reason: "the detector is not fitted") }
}

/// The part of `config.json` every kind shares (see `Documentation/DetectorFormat.md`); the
/// kind's settings sit beside it under the kind's ``RegisteredDetector/settingsKey``.
public struct SavedDetectorConfiguration: Codable, Sendable {
    public static let currentFormatVersion = 1
    public var format = "vigil-detector"
    public var formatVersion = SavedDetectorConfiguration.currentFormatVersion
    public var kind: String
    public var vigilVersion = Vigil.version
    public var featureCount: Int
    /// The architecture of each network part, by name.
    public var networks: [String: LayerSpec]
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    /// How the detector was trained (absent in folders written before it was recorded).
    public var training: TrainingRecord?
}

extension OutlierDetector {
    /// Saves the detector as a folder (`config.json` + `weights.safetensors`), atomically:
    /// written to a hidden folder beside `folder` and renamed into place, so a crash never
    /// leaves half a detector. An existing detector folder is replaced (in one atomic swap)
    /// only with `overwrite`; an existing file, link or other folder never.
    ///
    /// - Parameter sample: a CSV of example rows (with a `label` column when they are
    ///   labelled), saved beside the detector as `sample.csv` for the service's dashboard to
    ///   offer; none by default.
    public func save(to folder: URL, overwrite: Bool = false, sample: [UInt8]? = nil) throws {
        guard let registered = self as? any RegisteredDetector else {
            throw PersistenceError.cannotWrite(file: folder.path, reason: "\(Self.kind) cannot be saved")
        }
        let (json, tensors) = try registered.savedFolder()
        let weights = try SafeTensors.encode(tensors, metadata: ["format": "vigil-detector", "kind": Self.kind])
        var files = ["config.json": json, "weights.safetensors": weights]
        if let sample { files[DetectorStore.sampleFile] = sample }
        try DetectorStore.writeAtomically(folder: folder, files: files, overwrite: overwrite)
    }
}

/// Opens saved detectors of any kind.
public enum DetectorStore {
    /// Loads the detector saved in `folder`, whatever its kind. Nothing in the folder is
    /// executed; every size and shape is checked.
    public static func load(from folder: URL) throws -> any OutlierDetector {
        let configFile = folder.appendingPathComponent("config.json").path
        let weightsFile = folder.appendingPathComponent("weights.safetensors").path
        let configuration: SavedDetectorConfiguration
        let limits = InputLimits.current
        let configBytes = try read(configFile, maximumBytes: limits.maximumConfigBytes, setting: "VIGIL_MAX_CONFIG_BYTES")
        // Check the version before decoding the rest, so newer formats get a clear message.
        if let header = try? JSONSerialization.jsonObject(with: Data(configBytes)) as? [String: Any] {
            if let version = header["formatVersion"] as? Int, version > SavedDetectorConfiguration.currentFormatVersion {
                throw PersistenceError.newerFormat(file: configFile, version: version, supported: SavedDetectorConfiguration.currentFormatVersion)
            }
            if let kind = header["kind"] as? String, DetectorRegistry.kind(named: kind) == nil {
                throw PersistenceError.unknownKind(file: configFile, kind: kind)
            }
        }
        do {
            configuration = try JSONDecoder().decode(SavedDetectorConfiguration.self, from: Data(configBytes))
        } catch {
            throw PersistenceError.malformed(file: configFile, problem: "not a detector configuration (\(describe(error)))")
        }
        guard configuration.format == "vigil-detector" else {
            throw PersistenceError.malformed(file: configFile, problem: "format \"\(configuration.format)\", expected \"vigil-detector\"")
        }
        let weightLimit = min(limits.maximumElements, 1 << 40) * 4 + SafeTensors.maximumHeaderBytes + 8
        guard let kind = DetectorRegistry.kind(named: configuration.kind) else {
            throw PersistenceError.unknownKind(file: configFile, kind: configuration.kind)
        }
        guard (1...limits.maximumLayerUnits).contains(configuration.featureCount) else {
            throw PersistenceError.malformed(file: configFile, problem: "featureCount \(configuration.featureCount), expected 1…\(limits.maximumLayerUnits)")
        }
        if let image = configuration.training?.imageShape {
            let (count, overflow) = image.height.multipliedReportingOverflow(by: image.width)
            let (values, overflow2) = count.multipliedReportingOverflow(by: image.channels)
            guard [image.height, image.width].allSatisfy({ $0 >= 1 }), [1, 3].contains(image.channels), !overflow, !overflow2, values == configuration.featureCount else {
                throw PersistenceError.malformed(
                    file: configFile, problem: "training.imageShape \(image) (1 or 3 channels, height·width·channels = featureCount \(configuration.featureCount))")
            }
        }
        if let names = configuration.training?.featureNames, names.count != configuration.featureCount {
            throw PersistenceError.malformed(
                file: configFile, problem: "training.featureNames has \(names.count) names, expected featureCount \(configuration.featureCount)")
        }
        let tensors = try SafeTensors.decode(try read(weightsFile, maximumBytes: weightLimit, setting: "VIGIL_MAX_ELEMENTS"), file: weightsFile)
        let loader = TensorLoader(tensors: tensors, file: weightsFile)
        try checkDeclaredWeights(configuration.networks, against: loader, configFile)
        let detector = try kind.restore(header: configuration, configBytes: configBytes, configFile: configFile, loader: loader)
        if let standardizer = configuration.standardizer { try validate(standardizer, featureCount: configuration.featureCount, configFile) }
        detector.standardizer = configuration.standardizer
        detector.threshold = configuration.threshold
        detector.training = configuration.training
        return detector
    }

    /// Every weight the networks declare must be in the weights file, so a network is never
    /// allocated larger than the file that fills it.
    private static func checkDeclaredWeights(_ networks: [String: LayerSpec], against loader: TensorLoader, _ configFile: String) throws {
        var declared = 0
        let stored = loader.elementCount
        for (name, spec) in networks.sorted(by: { $0.key < $1.key }) {
            do { declared += try spec.parameterCount() } catch {
                throw PersistenceError.malformed(file: configFile, problem: "network \"\(name)\": \(error)")
            }
            guard declared <= stored else {
                throw PersistenceError.malformed(
                    file: configFile, problem: "the networks declare more weights than the \(stored) in \(loader.file) (network \"\(name)\")")
            }
        }
    }

    /// Checks a stored standardiser: one finite mean and one finite, positive deviation per feature.
    private static func validate(_ standardizer: Standardizer, featureCount: Int, _ file: String) throws {
        for (name, values) in [("mean", standardizer.mean), ("standardDeviation", standardizer.standardDeviation)] {
            guard values.count == featureCount else {
                throw PersistenceError.malformed(file: file, problem: "standardizer.\(name) holds \(values.count) values, expected one per feature (\(featureCount))")
            }
        }
        if let bad = standardizer.mean.firstIndex(where: { !$0.isFinite }) {
            throw PersistenceError.malformed(file: file, problem: "standardizer.mean[\(bad)] is \(standardizer.mean[bad]); it must be finite")
        }
        if let bad = standardizer.standardDeviation.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw PersistenceError.malformed(
                file: file, problem: "standardizer.standardDeviation[\(bad)] is \(standardizer.standardDeviation[bad]); every deviation must be finite and > 0")
        }
    }

    /// The bytes of a detector's file: a regular file in the folder itself (not a link,
    /// whose target could be any file on the machine), of at most `maximumBytes`.
    static func read(_ path: String, maximumBytes: Int, setting: String) throws -> [UInt8] {
        let (handle, size) = try openRegularFile(path)
        guard size <= maximumBytes else {
            throw PersistenceError.malformed(file: path, problem: "\(size) bytes, more than the limit of \(maximumBytes) (raise it with \(setting))")
        }
        let bytes: Data
        do { bytes = try handle.read(upToCount: maximumBytes == Int.max ? maximumBytes : maximumBytes + 1) ?? Data() } catch {
            throw PersistenceError.unreadable(file: path, reason: error.localizedDescription)
        }
        guard bytes.count <= maximumBytes else {
            throw PersistenceError.malformed(file: path, problem: "more than \(maximumBytes) bytes, the limit (raise it with \(setting))")
        }
        return Array(bytes)
    }

    /// `path` opened for reading, with its size: a regular file itself, not a link (whose
    /// target could be any file on the machine), a folder or a device.
    static func openRegularFile(
        _ path: String, rule: String = "a saved detector's files must be regular files in its folder"
    ) throws -> (FileHandle, Int) {
        let kind = PathKind.of(path)
        switch kind {
        case .missing: throw PersistenceError.missingFile(file: path)
        case .regularFile: break
        default: throw PersistenceError.unreadable(file: path, reason: "it is \(kind.rawValue); \(rule)")
        }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw PersistenceError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw PersistenceError.unreadable(file: path, reason: "it is not a regular file")
        }
        return (handle, Int(info.st_size))
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }

    /// The files of a saved detector folder (the sample is optional).
    static let folderFiles: Set<String> = ["config.json", "weights.safetensors", sampleFile]

    /// The optional CSV of example rows saved with a detector.
    public static let sampleFile = "sample.csv"

    /// The example rows saved with the detector in `folder` (``OutlierDetector/save(to:overwrite:sample:)``),
    /// or `nil` when it has none; a sample that is not a regular file or is larger than a
    /// `config.json` may be (`VIGIL_MAX_CONFIG_BYTES`) is an error.
    public static func sample(in folder: URL) throws -> [UInt8]? {
        let path = folder.appendingPathComponent(sampleFile).path
        guard PathKind.of(path) != .missing else { return nil }
        return try read(path, maximumBytes: InputLimits.current.maximumConfigBytes, setting: "VIGIL_MAX_CONFIG_BYTES")
    }

    /// Writes `files` as the folder `folder`, atomically: into a hidden staging folder
    /// beside it, then renamed into place — on Linux an existing detector is swapped out
    /// in one `renameat2(RENAME_EXCHANGE)`, so the path always holds the old detector or
    /// the new one. An existing path is replaced only when it is a saved detector (its
    /// `config.json` says `"format": "vigil-detector"`) holding nothing else, and only with
    /// `overwrite`; a file, a link, any other folder is never touched.
    ///
    /// `check`, when given, is called with the staging folder once every file is written;
    /// if it throws, the staging folder is removed and nothing at `folder` changes.
    static func writeAtomically(folder: URL, files: [String: [UInt8]], overwrite: Bool, check: ((URL) throws -> Void)? = nil) throws {
        let manager = FileManager.default
        let path = folder.path
        let existing = try replaceableFolder(folder, overwrite: overwrite)
        let parent = folder.deletingLastPathComponent().path
        guard PathKind.isFolder(parent) else {
            throw PersistenceError.cannotWrite(file: path, reason: "the folder \(parent) does not exist")
        }
        TemporaryPaths.removeStale(besides: path)
        let staging = TemporaryPaths.stagingPath(for: path, purpose: "saving")
        TemporaryPaths.register(staging)
        defer { TemporaryPaths.unregister(staging) }
        do {
            try manager.createDirectory(atPath: staging, withIntermediateDirectories: false)
            for (name, bytes) in files.sorted(by: { $0.key < $1.key }) { try writeNewFile(staging + "/" + name, bytes) }
        } catch {
            try? manager.removeItem(atPath: staging)
            throw PersistenceError.cannotWrite(file: path, reason: "\(error)")
        }
        do { try check?(URL(fileURLWithPath: staging)) } catch {
            try? manager.removeItem(atPath: staging)
            throw error
        }
        guard existing else {
            if rename(staging, path) != 0 {
                let reason = String(cString: strerror(errno))
                try? manager.removeItem(atPath: staging)
                throw PersistenceError.cannotWrite(file: path, reason: "cannot move the new folder into place: \(reason)")
            }
            return
        }
        guard exchange(staging, path) else {
            let reason = String(cString: strerror(errno))
            try? manager.removeItem(atPath: staging)
            throw PersistenceError.cannotWrite(file: path, reason: "cannot swap the new folder into place: \(reason)")
        }
        // The staging path now holds what was at `path`: check again that it is the detector
        // checked before (the path may have changed while the files were written), and swap
        // back rather than delete anything else.
        do { _ = try replaceableFolder(URL(fileURLWithPath: staging), overwrite: true) } catch {
            _ = exchange(staging, path)
            try? manager.removeItem(atPath: staging)
            throw PersistenceError.cannotWrite(file: path, reason: "it changed while the detector was being written; nothing was replaced")
        }
        try? manager.removeItem(atPath: staging)
    }

    /// Throws unless a detector may be saved to `folder` (see ``OutlierDetector/save(to:overwrite:)``):
    /// a command checks this before it trains, so a refused path costs nothing.
    public static func checkDestination(_ folder: URL, overwrite: Bool) throws {
        _ = try replaceableFolder(folder, overwrite: overwrite)
    }

    /// Whether `folder` exists and may be replaced; throws when it exists and may not.
    private static func replaceableFolder(_ folder: URL, overwrite: Bool) throws -> Bool {
        let path = folder.path
        switch PathKind.of(path) {
        case .missing: return false
        case .directory: break
        case let kind:
            throw PersistenceError.cannotWrite(file: path, reason: "it is \(kind.rawValue), not a detector folder; Vigil will not replace it")
        }
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
        let config = folder.appendingPathComponent("config.json").path
        let isDetector = names.contains("config.json") && PathKind.of(config) == .regularFile
            && (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config))) as? [String: Any])?["format"] as? String
                == "vigil-detector"
        guard isDetector else {
            throw PersistenceError.cannotWrite(
                file: path, reason: names.isEmpty ? "an empty folder is in the way; remove it or choose another path"
                    : "it is a folder that is not a saved detector; Vigil will not replace it")
        }
        let weights = folder.appendingPathComponent("weights.safetensors").path
        guard [.regularFile, .missing].contains(PathKind.of(weights)) else {
            throw PersistenceError.cannotWrite(file: path, reason: "its weights.safetensors is not a regular file; Vigil will not replace it")
        }
        let others = names.subtracting(folderFiles).sorted()
        guard others.isEmpty else {
            throw PersistenceError.cannotWrite(
                file: path, reason: "the detector folder also holds \(others.joined(separator: ", ")); Vigil replaces a detector folder only when it holds nothing else")
        }
        guard overwrite else {
            throw PersistenceError.cannotWrite(file: path, reason: "a saved detector is already there; pass overwrite (--overwrite) to replace it")
        }
        return true
    }

    /// Writes `bytes` to a file that must not exist yet and flushes it to the disk.
    private static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PersistenceError.cannotWrite(file: path, reason: String(cString: strerror(errno))) }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try file.write(contentsOf: bytes)
        try file.synchronize()
        try file.close()
    }

    /// Swaps two paths in one step where the system can (Linux `renameat2`, macOS
    /// `renamex_np`); elsewhere moves the old aside first.
    private static func exchange(_ new: String, _ old: String) -> Bool {
        #if canImport(Darwin)
        return renamex_np(new, old, UInt32(RENAME_SWAP)) == 0
        #else
        if let renameat2 = linuxRenameAt2 { return renameat2(AT_FDCWD, new, AT_FDCWD, old, 2 /* RENAME_EXCHANGE */) == 0 }
        let aside = TemporaryPaths.stagingPath(for: old, purpose: "replaced")
        guard rename(old, aside) == 0 else { return false }
        guard rename(new, old) == 0 else { _ = rename(aside, old); return false }
        return rename(aside, new) == 0
        #endif
    }

    #if !canImport(Darwin)
    /// glibc's `renameat2` (declared only under `_GNU_SOURCE`, so looked up at run time).
    private static let linuxRenameAt2: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32)? =
        dlsym(dlopen(nil, RTLD_NOW), "renameat2").map { unsafeBitCast($0, to: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32).self) }
    #endif
}

/// Hands out loaded tensors by name, checking shapes, and notices leftovers.
struct TensorLoader {
    var tensors: [String: Tensor]
    let file: String

    /// The number of values in every tensor not yet taken.
    var elementCount: Int { tensors.values.reduce(0) { $0 + $1.count } }

    mutating func take(_ name: String, shape: [Int]) throws -> Tensor {
        guard let tensor = tensors.removeValue(forKey: name) else { throw PersistenceError.missingTensor(file: file, tensor: name) }
        guard tensor.shape == shape else { throw PersistenceError.shapeMismatch(file: file, tensor: name, expected: shape, actual: tensor.shape) }
        if let bad = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
            throw PersistenceError.malformed(file: file, problem: "tensor \"\(name)\" holds \(tensor.scalars[bad]) at element \(bad); every weight must be finite")
        }
        return tensor
    }

    /// Fills every parameter of `module` from the tensors named `prefix.path`.
    mutating func fill(_ module: some Module, prefix: String) throws {
        for (name, parameter) in module.namedParameters() {
            parameter.value = try take("\(prefix).\(name)", shape: parameter.shape)
        }
    }

    func finish() throws {
        if let extra = tensors.keys.sorted().first { throw PersistenceError.unexpectedTensor(file: file, tensor: extra) }
    }
}
