import Foundation
import Testing
import VigilData
import VigilDetect
import VigilNN
import VigilTensor

@Suite struct WeightImportTests {
    /// Vigil's tensor names in the alibi fixture → alibi-detect's (Keras layers by index, od.phi/mu/cov).
    static func alibiNamed(_ tensors: [String: Tensor]) -> [String: Tensor] {
        var renamed: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            let parts = name.split(separator: ".").map(String.init)
            switch parts.first {
            case "network":
                let network = ["encoder": "encoder_net", "decoder": "decoder_net", "density": "gmm_density_net"][parts[1]]!
                renamed["\(network)/\(parts[3])/\(parts[4])"] = tensor
            default:
                switch parts[1] {
                case "weights": renamed["phi"] = tensor
                case "means": renamed["mu"] = tensor
                default:  // mixture.covariance.k → one [K, D, D] array
                    let k = Int(parts[2])!
                    var stacked = renamed["cov"]?.scalars ?? Array(repeating: 0, count: 2 * 9)
                    stacked.replaceSubrange((k * 9)..<((k + 1) * 9), with: tensor.scalars)
                    renamed["cov"] = Tensor(shape: [2, 3, 3], scalars: stacked)
                }
            }
        }
        return renamed
    }

    /// alibi-detect's own weights (the fixture's, under alibi's names, in an .npz as a user
    /// would write them from `od.aegmm`) imported with alibi's feature as released give
    /// alibi's energies and flags, as the fixture's own folder does.
    @Test func alibiWeightsImportedScoreAsAlibiDid() throws {
        guard let folder = SharedFixtures.required("alibi-aegmm-kdd") else { return }
        let saved = try WeightImport.readTensors(path: folder.appendingPathComponent("weights.safetensors").path)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let npz = scratch.appendingPathComponent("alibi-aegmm.npz").path
        try NumPy.writeArchive(Self.alibiNamed(saved).mapValues { NumPyArray($0) }, to: npz)

        let reference = try #require(try DetectorStore.load(from: folder) as? OutlierAEGMM)
        var settings = ImportSettings()
        settings.standardizer = reference.standardizer
        settings.threshold = reference.threshold?.value
        let imported = try #require(
            try WeightImport.detector(kind: .aegmm, tensors: WeightImport.readTensors(path: npz), names: .alibi, settings: settings, file: npz) as? OutlierAEGMM)
        #expect(imported.configuration.features == .alibiAsReleased && imported.threshold?.rule == .given)

        let rows = try CSV.read(path: folder.appendingPathComponent("rows.csv").path, labelColumn: "label")
        let expected = try CSV.read(path: folder.appendingPathComponent("alibi_scores.csv").path)
        let energy = (0..<expected.count).map { expected.features[$0, 0] }
        let flags = (0..<expected.count).map { Int(expected.features[$0, 1]) }
        let prediction = try imported.predict(rows.features)
        // The same tolerance as the fixture's own test (alibi's −1 amplifies Float32 rounding on five rows).
        let errors = zip(prediction.instanceScores, energy).map { abs($0 - $1) / max(1, abs($1)) }
        #expect(errors.filter { $0 < 1e-5 }.count >= 1_990 && errors.max()! < 1e-4)
        #expect(prediction.isOutlier == flags)
        // With the documented feature, the scores the fixture lists as "feature fixed".
        imported.configuration.features = .alibi
        let fixed = try imported.score(rows.features).instance
        let fixedReference = (0..<expected.count).map { expected.features[$0, 2] }
        #expect(zip(fixed, fixedReference).map { abs($0 - $1) / max(1, abs($1)) }.max()! < 1e-5)
    }

    /// A PyTorch DAGMM state_dict (Linear weights [out, in], activations between them, a
    /// dropout in the estimation net) becomes the same detector as its transposed kernels.
    @Test func aPyTorchStateDictIsTransposedAndScoredWithThePapersFeatures() throws {
        var generator = SeededRandom(seed: 5)
        func weight(_ out: Int, _ input: Int) -> Tensor { generator.normalTensor([out, input], standardDeviation: 0.4) }
        var stateDict: [String: Tensor] = [
            "encoder.0.weight": weight(4, 5), "encoder.0.bias": weight(1, 4).reshaped([4]), "encoder.2.weight": weight(1, 4), "encoder.2.bias": Tensor(shape: [1], scalars: [0.1]),
            "decoder.0.weight": weight(4, 1), "decoder.0.bias": weight(1, 4).reshaped([4]), "decoder.2.weight": weight(5, 4), "decoder.2.bias": weight(1, 5).reshaped([5]),
            "estimation.0.weight": weight(6, 3), "estimation.0.bias": weight(1, 6).reshaped([6]), "estimation.3.weight": weight(2, 6), "estimation.3.bias": weight(1, 2).reshaped([2]),
            "phi": Tensor(shape: [2], scalars: [0.3, 0.7]), "mu": weight(2, 3),
        ]
        stateDict["cov"] = Tensor(shape: [2, 3, 3], scalars: [1, 0.2, 0, 0.2, 1, 0.1, 0, 0.1, 1, 2, 0, 0, 0, 1, 0, 0, 0, 0.5])
        let detector = try #require(try WeightImport.detector(kind: .dagmm, tensors: stateDict, names: .pytorchDAGMM, file: "dagmm.pt.npz") as? OutlierAEGMM)
        #expect(detector.configuration.features == .paper && detector.featureCount == 5)
        let firstLayer = try #require(detector.network.encoder.layers[0] as? Dense)
        #expect(firstLayer.kernel.value.scalars == stateDict["encoder.0.weight"]!.transposed.scalars && firstLayer.activation == .tanh)
        #expect((detector.network.density.layers.last as? Dense)?.activation == .softmax)
        let rows = generator.normalTensor([7, 5])
        let scores = try detector.score(rows).instance
        #expect(scores.count == 7 && scores.allSatisfy(\.isFinite))

        var extra = stateDict
        extra["encoder.4.running_mean"] = Tensor(shape: [1], scalars: [0])
        #expect(throws: PersistenceError.malformed(
            file: "dagmm.pt.npz", problem: "tensor \"encoder.4.running_mean\" is not part of a pytorch-dagmm detector (1 unused); see the name map in vigil import --help")) {
            try WeightImport.detector(kind: .dagmm, tensors: extra, names: .pytorchDAGMM, file: "dagmm.pt.npz")
        }
        var misfit = stateDict
        misfit["estimation.0.weight"] = weight(6, 4)
        #expect(throws: PersistenceError.malformed(file: "dagmm.pt.npz", problem: "the density network takes 4 values where 3 arrive")) {
            try WeightImport.detector(kind: .dagmm, tensors: misfit, names: .pytorchDAGMM, file: "dagmm.pt.npz")
        }
        var badJitter = ImportSettings()
        badJitter.jitter = -1
        #expect(throws: DetectorError.invalidArgument(name: "jitter", expected: "a value in [0, 0.01]", actual: "-1.0")) {
            try WeightImport.detector(kind: .dagmm, tensors: stateDict, names: .pytorchDAGMM, settings: badJitter, file: "dagmm.pt.npz")
        }
        var missing = stateDict
        missing["phi"] = nil
        #expect(throws: PersistenceError.missingTensor(file: "dagmm.pt.npz", tensor: "phi")) {
            try WeightImport.detector(kind: .dagmm, tensors: missing, names: .pytorchDAGMM, file: "dagmm.pt.npz")
        }
    }
}
