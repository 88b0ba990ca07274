import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VigilDetect
import VigilServer
import VigilTensor
import _TestSupport

/// Small detectors saved in a scratch models folder, and helpers to talk to a service over them.
enum ServedModels {
    /// Four features; normal rows are N(0, 1).
    static let width = 4

    /// Seeded normal rows.
    static func rows(_ count: Int, seed: UInt64) -> Tensor {
        var random = SeededRandom(seed: seed)
        return random.normalTensor([count, width])
    }

    /// An autoencoder (feature scores) and an AEGMM (none), trained briefly on seeded rows,
    /// thresholds at the 95th percentile.
    static func trained(_ kind: String, seed: UInt64 = 0) throws -> any OutlierDetector {
        let detector: any OutlierDetector = kind == "aegmm"
            ? OutlierAEGMM.kddPreset(featureCount: width, seed: seed) : try DetectorChoice.ae.make(featureCount: width, seed: seed)
        _ = try detector.fit(rows(256, seed: seed + 1), options: FitOptions(epochs: 1, batchSize: 64, seed: seed, progress: .silent))
        try detector.inferThreshold(rows(128, seed: seed + 2), percentile: 95)
        detector.training?.featureNames = ["a", "b", "c", "d"]
        return detector
    }

    /// The sample saved with `ae`.
    static let sample = "a,b,c,d,label\n0.1,0.2,0.3,0.4,0\n5,5,5,5,1\n"

    /// A models folder holding `ae` (with ``sample``) and `aegmm`.
    static func folder() throws -> URL {
        let folder = ScratchFolders.make("models")
        try trained("ae").save(to: folder.appendingPathComponent("ae"), sample: Array(sample.utf8))
        try trained("aegmm").save(to: folder.appendingPathComponent("aegmm"))
        return folder
    }

    /// A service over a fresh models folder.
    static func service(_ configure: (inout ServiceOptions) -> Void = { _ in }) throws -> ScoringService {
        var options = ServiceOptions()
        options.port = 0
        options.scoringThreads = 2
        configure(&options)
        return try ScoringService(models: try folder(), options: options)
    }

    /// `{"instances": …}` of `rows`.
    static func instancesBody(_ rows: Tensor) -> ByteBuffer {
        let width = rows.shape[1]
        let text = (0..<rows.shape[0]).map { row in "[" + (0..<width).map { "\(rows[row, $0])" }.joined(separator: ",") + "]" }.joined(separator: ",")
        return ByteBuffer(string: "{\"instances\":[\(text)]}")
    }

    /// A client connected to the service on loopback `port`.
    static func connection(_ port: Int, timeout: Duration = .seconds(15)) -> TestClient {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: timeout))
        client.connect()
        return client
    }

    static func json(_ body: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }

    static func text(_ body: ByteBuffer) -> String { String(buffer: body) }
}
