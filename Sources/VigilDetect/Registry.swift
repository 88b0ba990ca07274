import Foundation
import VigilData
import VigilNN
import VigilTensor

/// A detector kind Vigil can save, load and list: every kind declares, in its own file, its
/// kind name, its settings (a `Codable` configuration with the reference's defaults), the
/// networks it trains and how it restores itself from a saved folder.
///
/// Saving needs nothing else: the networks' architecture and weights are found by the walk
/// that finds parameters (``VigilNN/Module/namedLayers()``, ``VigilNN/Module/namedParameters()``),
/// so their names are written once, where the properties are declared. Adding a kind is one
/// file with its conformance plus a line in ``DetectorRegistry/kinds``.
public protocol RegisteredDetector: OutlierDetector {
    associatedtype Settings: Codable & Sendable
    /// The key of the settings in `config.json` (`"vae"`, `"aegmm"`, …); `nil` for a kind without settings.
    static var settingsKey: String? { get }
    /// The settings written to `config.json`.
    var settings: Settings { get }
    /// The trained networks, saved as `networks` (architecture) and `network.*` tensors; `nil` when there are none.
    var trainedNetwork: (any Module)? { get }
    /// State beyond the networks' parameters (a fitted mixture, components, support vectors).
    func stateTensors() throws -> [(name: String, tensor: Tensor)]
    /// The detector saved in `saved`, its networks built, checked against the feature count and filled.
    static func restore(from saved: inout SavedParts, settings: Settings) throws -> Self
}

extension RegisteredDetector {
    public func stateTensors() throws -> [(name: String, tensor: Tensor)] { [] }
}

/// The settings of a kind that has none.
public struct NoSettings: Codable, Sendable, Equatable {
    public init() {}
}

/// Every kind a saved folder may name.
public enum DetectorRegistry {
    // An immutable list of metatypes, safe to share; `nonisolated(unsafe)` because a protocol's
    // metatypes are `Sendable` only with `SendableMetatype` (Swift 6.2), newer than the package's tools.
    nonisolated(unsafe) public static let kinds: [any RegisteredDetector.Type] = [
        OutlierVAE.self, OutlierAEGMM.self, OutlierVAEGMM.self, OutlierAE.self, PCADetector.self, BiGANDetector.self, Seq2SeqDetector.self,
        OneClassSVM.self, IsolationForest.self,
    ]

    /// The kind saved as `name` (``OutlierDetector/kind``), if any.
    public static func kind(named name: String) -> (any RegisteredDetector.Type)? {
        kinds.first { $0.kind == name }
    }
}

/// A saved folder while a kind restores itself from it: the feature count, the networks'
/// architecture and the tensors, with checks that name the file and the part.
public struct SavedParts {
    public let featureCount: Int
    let networks: [String: LayerSpec]
    let configFile: String
    var loader: TensorLoader

    /// The network part `name`, built from its saved architecture.
    public func layer<T>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let spec = networks[name] else { throw malformed("no architecture for network \"\(name)\"") }
        let layer: any Layer
        do { layer = try spec.build() } catch { throw malformed("network \"\(name)\": \(error)") }
        guard let typed = layer as? T else { throw malformed("network \"\(name)\" is a \(Swift.type(of: layer)), expected \(T.self)") }
        return typed
    }

    /// The width a row of `width` values has after passing through `parts` in order; a part
    /// that does not take the width it is given is an error naming it.
    public func width(_ width: Int, through parts: [(String, any Layer)]) throws -> Int {
        var current = [1, width]
        for (name, layer) in parts {
            do { current = try layer.outputShape(forInputShape: current) } catch {
                throw malformed("network \"\(name)\" does not fit the detector's shapes: \(error)")
            }
        }
        guard current.count == 2 else {
            throw malformed("network \"\(parts.last?.0 ?? "")\" gives rows of shape \(current.dropFirst()), expected one vector per row")
        }
        return current[1]
    }

    /// Checks that a part ends at the width the detector needs.
    public func require(_ actual: Int, _ expected: Int, _ what: String) throws {
        guard actual == expected else { throw malformed("\(what) has width \(actual), expected \(expected)") }
    }

    /// Fills every parameter of `module` from the tensors named `network.<path>`.
    public mutating func fill(_ module: some Module) throws { try loader.fill(module, prefix: "network") }

    /// The tensor `name`, which must have `shape` and finite values.
    public mutating func tensor(_ name: String, shape: [Int]) throws -> Tensor { try loader.take(name, shape: shape) }

    /// The shape of the stored tensor `name`, if there is one (to size what is read next).
    public func storedShape(_ name: String) -> [Int]? { loader.tensors[name]?.shape }

    /// A mixture of `components` × `dimension` saved under `mixture.*`, checked.
    mutating func mixture(components: Int, dimension: Int, jitter: Float) throws -> GaussianMixture.Parameters {
        try .load(&loader, prefix: "mixture", components: components, dimension: dimension, jitter: jitter, configFile: configFile)
    }

    /// An error about the configuration.
    public func malformed(_ problem: String) -> PersistenceError { .malformed(file: configFile, problem: problem) }

    /// An error about the weights file.
    public func malformedWeights(_ problem: String) -> PersistenceError { .malformed(file: loader.file, problem: problem) }
}

extension RegisteredDetector {
    /// `config.json` and the tensors of `weights.safetensors`.
    func savedFolder() throws -> (config: [UInt8], tensors: [(name: String, tensor: Tensor)]) {
        var networks: [String: LayerSpec] = [:]
        var tensors: [(name: String, tensor: Tensor)] = []
        if let network = trainedNetwork {
            for (name, layer) in network.namedLayers() { networks[name] = try LayerSpec(describing: layer) }
            tensors = network.namedParameters().map { ("network.\($0.name)", $0.parameter.value) }
        }
        tensors += try stateTensors()
        let header = SavedDetectorConfiguration(
            kind: Self.kind, featureCount: featureCount, networks: networks, standardizer: standardizer, threshold: threshold, training: training)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(SavedFolderConfiguration(header: header, settingsKey: Self.settingsKey, settings: settings))
        return (Array(json), tensors)
    }

    /// The detector a saved folder holds, given its decoded header.
    static func restore(header: SavedDetectorConfiguration, configBytes: [UInt8], configFile: String, loader: TensorLoader) throws -> Self {
        let settings: Settings
        if let key = settingsKey {
            let decoder = JSONDecoder()
            decoder.userInfo[settingsKeyInfo] = key
            guard let read = try? decoder.decode(SettingsReader<Settings>.self, from: Data(configBytes)).settings else {
                throw PersistenceError.malformed(file: configFile, problem: "missing or unreadable \"\(key)\" settings")
            }
            settings = read
        } else if let none = NoSettings() as? Settings {
            settings = none
        } else {
            throw PersistenceError.malformed(file: configFile, problem: "\(kind) has settings but no key for them")
        }
        var parts = SavedParts(featureCount: header.featureCount, networks: header.networks, configFile: configFile, loader: loader)
        let detector: Self
        do { detector = try restore(from: &parts, settings: settings) } catch let error as DetectorError {
            throw PersistenceError.malformed(file: configFile, problem: "\(error)")
        }
        try parts.loader.finish()
        return detector
    }
}

/// `config.json`: the common header and the kind's settings under its key.
struct SavedFolderConfiguration<Settings: Codable>: Encodable {
    var header: SavedDetectorConfiguration
    var settingsKey: String?
    var settings: Settings

    func encode(to encoder: any Encoder) throws {
        try header.encode(to: encoder)
        if let settingsKey {
            var container = encoder.container(keyedBy: AnyCodingKey.self)
            try container.encode(settings, forKey: AnyCodingKey(settingsKey))
        }
    }
}

/// Reads a kind's settings from `config.json`, under the key given in the decoder's `userInfo`.
struct SettingsReader<Settings: Decodable>: Decodable {
    var settings: Settings

    init(from decoder: any Decoder) throws {
        guard let key = decoder.userInfo[settingsKeyInfo] as? String else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no settings key"))
        }
        settings = try decoder.container(keyedBy: AnyCodingKey.self).decode(Settings.self, forKey: AnyCodingKey(key))
    }
}

let settingsKeyInfo = CodingUserInfoKey(rawValue: "vigil.settingsKey")!

/// A coding key made from any string.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
