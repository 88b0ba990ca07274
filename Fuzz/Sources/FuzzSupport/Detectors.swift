import Foundation
import VigilDetect
import VigilTensor

/// Saved detectors, one of each kind, as seeds: `Corpus/detector-config/<kind>.json` and
/// `Corpus/detector-weights/<kind>.safetensors` (written by `make-seeds`).
public enum DetectorSeeds {
    /// The kinds `make-seeds` saves, longest names first so that a search for `"OutlierVAE"`
    /// never claims an `"OutlierVAEGMM"` input.
    public static let kinds = ["OutlierVAEGMM", "OutlierAEGMM", "OneClassSVM", "OutlierVAE", "OutlierAE", "Seq2Seq", "BiGAN", "PCA"]

    /// The first kind whose quoted name appears in `bytes` (a config's `"kind"`, a
    /// weights file's `__metadata__`), so a mutated half is paired with the matching other
    /// half; PCA when none does.
    public static func kind(in bytes: [UInt8]) -> String {
        for kind in kinds where contains(bytes, Array("\"\(kind)\"".utf8)) { return kind }
        return "PCA"
    }

    private static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= bytes.count else { return false }
        var start = 0
        while start + needle.count <= bytes.count {
            if bytes[start] == needle[0], bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
            start += 1
        }
        return false
    }

    /// Every seed config and weights file, read once at start-up.
    public static let configs: [String: [UInt8]] = Dictionary(uniqueKeysWithValues: kinds.map { ($0, FuzzSupport.seed("detector-config", "\($0).json")) })
    public static let weights: [String: [UInt8]] = Dictionary(uniqueKeysWithValues: kinds.map { ($0, FuzzSupport.seed("detector-weights", "\($0).safetensors")) })

    /// Loads the folder end to end and, when it loads, scores a small batch and predicts,
    /// so a configuration that loads but cannot score is found too. Thrown errors are fine.
    public static func loadAndScore(config: [UInt8], weights: [UInt8]) {
        let folder = FuzzSupport.folder("detector", ["config.json": config, "weights.safetensors": weights])
        FuzzSupport.attempt {
            let detector = try DetectorStore.load(from: folder)
            let width = detector.featureCount
            // A loaded detector's own width, unless absurd: the batch is the harness's allocation.
            guard width > 0, width <= 1 << 14 else { return }
            let rows = 3
            let values = (0..<(rows * width)).map { index in Float(index % 7) * 0.5 - 1.25 + Float(index / width) * 0.1 }
            let batch = Tensor(shape: [rows, width], scalars: values)
            FuzzSupport.attempt { _ = try detector.score(batch) }
            if detector.threshold != nil {
                FuzzSupport.attempt { _ = try detector.predict(batch) }
            }
        }
    }
}
