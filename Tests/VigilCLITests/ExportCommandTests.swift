import Foundation
import Testing

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
        let model = folder.appendingPathComponent("forest").path
        let trained = try Programs.run(["train", "--detector", "iforest", "--data", data, "--label-column", "label", "--out", model])
        #expect(trained.status == 0, "\(trained.standardError)")
        let onnx = folder.appendingPathComponent("forest.onnx").path
        let refused = try Programs.run(["export", "--model", model, "--onnx", onnx])
        #expect(refused.status != 0 && refused.standardError.contains("IsolationForest has no ONNX export"))
        #expect(!FileManager.default.fileExists(atPath: onnx))
    }
}
