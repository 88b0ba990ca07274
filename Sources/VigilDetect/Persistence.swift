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

/// `config.json` of a saved detector (see `Documentation/DetectorFormat.md`).
public struct SavedDetectorConfiguration: Codable, Sendable {
    public static let currentFormatVersion = 1
    public var format = "vigil-detector"
    public var formatVersion = SavedDetectorConfiguration.currentFormatVersion
    public var kind: String
    public var vigilVersion = Vigil.version
    public var featureCount: Int
    /// The architecture of each network part, by name.
    public var networks: [String: LayerSpec]
    public var vae: OutlierVAE.Configuration?
    public var aegmm: OutlierAEGMM.Configuration?
    public var vaegmm: OutlierVAEGMM.Configuration?
    public var pca: PCADetector.Configuration?
    public var ae: OutlierAE.Configuration?
    public var bigan: BiGANDetector.Configuration?
    public var ocsvm: OneClassSVM.Configuration?
    public var standardizer: Standardizer?
    public var threshold: Threshold?
}

/// What a detector contributes to its saved folder.
protocol PersistableDetector: OutlierDetector {
    func savedState() throws -> (configuration: SavedDetectorConfiguration, tensors: [(name: String, tensor: Tensor)])
}

extension OutlierDetector {
    /// Saves the detector as a folder (`config.json` + `weights.safetensors`), atomically:
    /// written to a temporary folder beside `folder` and renamed into place, so a crash
    /// never leaves half a detector and an existing folder is replaced only when the new
    /// one is complete.
    public func save(to folder: URL) throws {
        guard let persistable = self as? any PersistableDetector else {
            throw PersistenceError.cannotWrite(file: folder.path, reason: "\(Self.kind) cannot be saved")
        }
        let (configuration, tensors) = try persistable.savedState()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(configuration)
        let weights = try SafeTensors.encode(tensors, metadata: ["format": "vigil-detector", "kind": Self.kind])
        try DetectorStore.writeAtomically(folder: folder, files: ["config.json": Array(json), "weights.safetensors": weights])
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
        let configBytes = try read(configFile)
        // Check the version before decoding the rest, so newer formats get a clear message.
        if let header = try? JSONSerialization.jsonObject(with: Data(configBytes)) as? [String: Any] {
            if let version = header["formatVersion"] as? Int, version > SavedDetectorConfiguration.currentFormatVersion {
                throw PersistenceError.newerFormat(file: configFile, version: version, supported: SavedDetectorConfiguration.currentFormatVersion)
            }
            if let kind = header["kind"] as? String, !SavedDetectorBuilder.kinds.contains(kind) {
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
        let tensors = try SafeTensors.decode(try read(weightsFile), file: weightsFile)
        var loader = TensorLoader(tensors: tensors, file: weightsFile)
        let detector = try SavedDetectorBuilder.build(configuration, configFile: configFile, loader: &loader)
        try loader.finish()
        detector.standardizer = configuration.standardizer
        detector.threshold = configuration.threshold
        return detector
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw PersistenceError.missingFile(file: path) }
        do { return Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw PersistenceError.unreadable(file: path, reason: error.localizedDescription)
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }

    static func writeAtomically(folder: URL, files: [String: [UInt8]]) throws {
        let manager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).saving")
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
            for (name, bytes) in files { try Data(bytes).write(to: staging.appendingPathComponent(name)) }
        } catch {
            try? manager.removeItem(at: staging)
            throw PersistenceError.cannotWrite(file: folder.path, reason: error.localizedDescription)
        }
        let previous = parent.appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).previous")
        let hadPrevious = manager.fileExists(atPath: folder.path)
        if hadPrevious, rename(folder.path, previous.path) != 0 {
            try? manager.removeItem(at: staging)
            throw PersistenceError.cannotWrite(file: folder.path, reason: "cannot move the existing folder aside")
        }
        if rename(staging.path, folder.path) != 0 {
            if hadPrevious { _ = rename(previous.path, folder.path) }
            try? manager.removeItem(at: staging)
            throw PersistenceError.cannotWrite(file: folder.path, reason: "cannot move the new folder into place")
        }
        if hadPrevious { try? manager.removeItem(at: previous) }
    }
}

/// Hands out loaded tensors by name, checking shapes, and notices leftovers.
struct TensorLoader {
    var tensors: [String: Tensor]
    let file: String

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
