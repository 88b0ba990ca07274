import Foundation
import Testing
import VigilData
import VigilTensor

/// `vigil export` and `vigil score --latent` as a user runs them.
@Suite struct ExportCommandTests {
    @Test func exportsWritesAtomicallyAndRefusesTheModelsOwnFiles() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (data, model) = try DataSafetyTests.trainedModel(in: folder)
        let onnx = folder.appendingPathComponent("model.onnx").path
        let exported = try Programs.run(["export", "--model", model, "--onnx", onnx])
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(exported.standardOutput.contains("OutlierAEGMM, 3 features, opset 17"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: onnx))
        #expect(bytes.count > 1000)

        let config = model + "/config.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: config))
        let refused = try Programs.run(["export", "--model", model, "--onnx", config])
        #expect(refused.status != 0 && refused.standardError.contains("it is the input file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: config)) == before)

        let badOpset = try Programs.run(["export", "--model", model, "--onnx", onnx, "--opset", "9"])
        #expect(badOpset.status != 0 && badOpset.standardError.contains("--opset must be in 17…21, got 9"))

        let notVariational = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label", "--latent", "mean"])
        #expect(notVariational.status != 0)
        #expect(notVariational.standardError.contains("--latent applies to variational detectors; OutlierAEGMM has no latent code"))
    }

    @Test func aKindWithoutAGraphIsRefusedByName() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (data, _) = try DataSafetyTests.trainedModel(in: folder, rows: 120)
        let model = folder.appendingPathComponent("bigan").path
        let trained = try Programs.run(["train", "--detector", "bigan", "--data", data, "--label-column", "label", "--epochs", "1", "--out", model])
        #expect(trained.status == 0, "\(trained.standardError)")
        let onnx = folder.appendingPathComponent("bigan.onnx").path
        let refused = try Programs.run(["export", "--model", model, "--onnx", onnx])
        #expect(refused.status != 0 && refused.standardError.contains("BiGAN has no ONNX export"))
        #expect(!FileManager.default.fileExists(atPath: onnx))
    }
}

/// `vigil import` as a user runs it: a PyTorch DAGMM state_dict in an .npz, settings in JSON.
@Suite struct ImportCommandTests {
    @Test func importsSavesAndScoresAPyTorchDAGMM() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededRandom(seed: 2)
        func array(_ shape: [Int]) -> NumPyArray { NumPyArray(generator.normalTensor(shape, standardDeviation: 0.3)) }
        let stateDict: [String: NumPyArray] = [
            "encoder.0.weight": array([4, 3]), "encoder.0.bias": array([4]), "encoder.2.weight": array([1, 4]), "encoder.2.bias": array([1]),
            "decoder.0.weight": array([4, 1]), "decoder.0.bias": array([4]), "decoder.2.weight": array([3, 4]), "decoder.2.bias": array([3]),
            "estimation.0.weight": array([5, 3]), "estimation.0.bias": array([5]), "estimation.3.weight": array([2, 5]), "estimation.3.bias": array([2]),
            "phi": NumPyArray(Tensor(shape: [2], scalars: [0.5, 0.5])), "mu": array([2, 3]),
            "cov": NumPyArray(Tensor(shape: [2, 3, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0, 0, 2, 0, 0, 0, 2])),
        ]
        let weights = folder.appendingPathComponent("dagmm.npz").path
        try NumPy.writeArchive(stateDict, to: weights)
        let settings = folder.appendingPathComponent("settings.json").path
        try Data(#"{"threshold": 3.5, "standardizer": {"mean": [0, 1, 2], "standardDeviation": [1, 2, 4]}}"#.utf8).write(to: URL(fileURLWithPath: settings))
        let model = folder.appendingPathComponent("imported").path
        let imported = try Programs.run(["import", "--kind", "dagmm", "--weights", weights, "--names", "pytorch-dagmm", "--config", settings, "--out", model])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardOutput.contains("saved OutlierAEGMM to \(model): 3 features"))
        let rows = folder.appendingPathComponent("rows.csv").path
        try Data("a,b,c\n0.1,1.2,2.5\n9,9,9\n".utf8).write(to: URL(fileURLWithPath: rows))
        let scored = try Programs.run(["score", "--model", model, "--input", rows])
        #expect(scored.status == 0 && scored.standardOutput.split(separator: "\n").count == 3, "\(scored.standardError)")

        let again = try Programs.run(["import", "--kind", "dagmm", "--weights", weights, "--names", "pytorch-dagmm", "--out", model])
        #expect(again.status != 0 && again.standardError.contains("--overwrite"), "\(again.standardError)")
        let wrongMap = try Programs.run(["import", "--kind", "dagmm", "--weights", weights, "--names", "alibi", "--out", model + "2"])
        #expect(wrongMap.status != 0 && wrongMap.standardError.contains("encoder_net/0/kernel"), "\(wrongMap.standardError)")
    }
}

/// `vigil fetch-detector` and `vigil export --archive` as a user runs them.
@Suite struct FetchDetectorCommandTests {
    /// The repository's published detectors resolve with no network, through the catalog the
    /// program finds above itself, and score rows.
    @Test func fetchesAPublishedDetector() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let listed = try Programs.run(["fetch-detector", "--list"])
        #expect(listed.status == 0, "\(listed.standardError)")
        for name in ["kdd-ae", "kdd-vae", "kdd-aegmm", "kdd-vaegmm", "kdd-dagmm", "kdd-vae-recommended"] { #expect(listed.standardOutput.contains("\(name)  ")) }
        let model = folder.appendingPathComponent("aegmm").path
        let fetched = try Programs.run(["fetch-detector", "kdd-aegmm", "--to", model, "--cache-dir", folder.appendingPathComponent("cache").path])
        #expect(fetched.status == 0, "\(fetched.standardError)")
        #expect(fetched.standardOutput.contains("kdd-aegmm: OutlierAEGMM, 18 features, threshold "))
        let unknown = try Programs.run(["fetch-detector", "kdd-nothing", "--cache-dir", folder.appendingPathComponent("cache").path])
        #expect(unknown.status != 0 && unknown.standardError.contains("no detector named \"kdd-nothing\"; the catalog has kdd-ae, kdd-vae, kdd-aegmm, kdd-vaegmm, kdd-dagmm, kdd-vae-recommended"))
        let missing = try Programs.run(["fetch-detector", "--list"], environment: ["VIGIL_CATALOG": folder.appendingPathComponent("none.json").path])
        #expect(missing.status != 0 && missing.standardError.contains("none.json: missing"), "\(missing.standardError)")
    }

    /// A detector archived with `vigil export --archive`, its printed entry put in a catalog,
    /// fetched back: the same scores as the original.
    @Test func exportedArchiveFetchesBackIdentically() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (data, model) = try DataSafetyTests.trainedModel(in: folder)
        let archive = folder.appendingPathComponent("mine.tar").path
        let exported = try Programs.run(["export", "--model", model, "--archive", archive])
        #expect(exported.status == 0, "\(exported.standardError)")
        let catalog = folder.appendingPathComponent("catalog.json")
        try Data("{\"format\": \"vigil-pretrained-catalog\", \"formatVersion\": 1, \"detectors\": [\(exported.standardOutput)]}".utf8).write(to: catalog)
        let copy = folder.appendingPathComponent("copy").path
        let fetched = try Programs.run(["fetch-detector", "mine", "--catalog", catalog.path, "--to", copy, "--cache-dir", folder.appendingPathComponent("cache").path])
        #expect(fetched.status == 0, "\(fetched.standardError)")
        let original = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label"])
        let again = try Programs.run(["score", "--model", copy, "--input", data, "--label-column", "label"])
        #expect(original.status == 0 && !original.standardOutput.isEmpty && again.standardOutput == original.standardOutput)
        let both = try Programs.run(["export", "--model", model, "--archive", archive, "--onnx", archive + ".onnx"])
        #expect(both.status != 0 && both.standardError.contains("Pass one of --onnx FILE and --archive FILE."))
    }
}
