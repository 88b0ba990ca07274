import Foundation
import Testing
import _TestSupport
import VigilData
@testable import VigilDetect
import VigilNN
import VigilTensor

@Suite("Saving and loading detectors")
struct PersistenceTests {
    let data = PlantedData.make(inliers: 400, outliers: 20, seed: 7)
    let options = FitOptions(epochs: 2, batchSize: 64, seed: 3, progress: .silent)

    func temporaryFolder() -> URL {
        ScratchFolders.path("detector")
    }

    func fittedDetectors() throws -> [any OutlierDetector] {
        let detectors: [any OutlierDetector] = [
            try OutlierVAE.kddPreset(featureCount: 6, configuration: .init(samples: 3, seed: 5), seed: 1),
            OutlierAEGMM.kddPreset(featureCount: 6, seed: 2),
            try OutlierVAEGMM.kddPreset(featureCount: 6, configuration: .init(samples: 3, seed: 6), seed: 3),
            OutlierAEGMM.dagmmPreset(featureCount: 6, seed: 4),
            try OutlierAE.deepadPreset(featureCount: 6, seed: 5),
            try BiGANDetector.deepadPreset(featureCount: 6, width: 16, seed: 6),
            try Seq2SeqDetector.deepadPreset(featureCount: 6, encoderUnits: 3, seed: 7),
            try PCADetector(featureCount: 6),
            try OneClassSVM(featureCount: 6),
            try IsolationForest(featureCount: 6, configuration: .init(trees: 10, seed: 8)),
        ]
        for detector in detectors {
            _ = try detector.fit(data.train, options: options)
            try detector.inferThreshold(data.test, percentile: 90)
        }
        return detectors
    }

    /// Every kind in the registry, trained, saved and loaded, scores bit-identically and says how it was trained.
    @Test func roundTripGivesBitIdenticalScores() throws {
        let detectors = try fittedDetectors()
        let registered = Set(DetectorRegistry.kinds.map { kind in kind.kind })
        #expect(Set(detectors.map { type(of: $0).kind }) == registered)
        for detector in detectors {
            let folder = temporaryFolder()
            try detector.save(to: folder)
            let loaded = try DetectorStore.load(from: folder)
            #expect(type(of: loaded).kind == type(of: detector).kind)
            #expect(try loaded.score(data.test).instance == detector.score(data.test).instance)
            #expect(loaded.threshold == detector.threshold)
            #expect(loaded.standardizer == detector.standardizer)
            #expect(loaded.training == TrainingRecord(options) && loaded.training?.vigilVersion == Vigil.version)
            // Saving over an existing detector needs overwrite, then replaces it whole.
            #expect(throws: PersistenceError.cannotWrite(
                file: folder.path, reason: "a saved detector is already there; pass overwrite (--overwrite) to replace it")) { try loaded.save(to: folder) }
            // A sample saved with the detector is read back, and replaced with the rest.
            try loaded.save(to: folder, overwrite: true, sample: Array("x\n1\n".utf8))
            #expect(try DetectorStore.sample(in: folder) == Array("x\n1\n".utf8))
            try loaded.save(to: folder, overwrite: true)
            #expect(try Set(FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["config.json", "weights.safetensors"])
            #expect(try DetectorStore.sample(in: folder) == nil)
            let parent = try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path)
            #expect(!parent.contains { $0.hasPrefix(".\(folder.lastPathComponent).vigil-") })
        }
    }

    func savedAEGMM() throws -> URL {
        let detector = OutlierAEGMM.kddPreset(featureCount: 6, seed: 2)
        _ = try detector.fit(data.train, options: options)
        let folder = temporaryFolder()
        try detector.save(to: folder)
        return folder
    }

    func expectLoadError(_ folder: URL, _ check: (PersistenceError) -> Bool) {
        do {
            _ = try DetectorStore.load(from: folder)
            Issue.record("expected a load error")
        } catch let error as PersistenceError {
            #expect(check(error), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func badFoldersFailWithTheFileAndTheProblem() throws {
        let config = { (folder: URL) in folder.appendingPathComponent("config.json") }
        let weights = { (folder: URL) in folder.appendingPathComponent("weights.safetensors") }

        let missing = try savedAEGMM()
        try FileManager.default.removeItem(at: weights(missing))
        expectLoadError(missing) { $0 == .missingFile(file: weights(missing).path) }

        let truncated = try savedAEGMM()
        let bytes = try Data(contentsOf: weights(truncated))
        try bytes.prefix(bytes.count - 10).write(to: weights(truncated))
        expectLoadError(truncated) {
            if case .malformed(let file, let problem) = $0 { return file == weights(truncated).path && problem.contains("truncated") }
            return false
        }

        let unknown = try savedAEGMM()
        var text = try String(contentsOf: config(unknown), encoding: .utf8)
        try text.replacingOccurrences(of: "\"OutlierAEGMM\"", with: "\"OutlierMagic\"").write(to: config(unknown), atomically: true, encoding: .utf8)
        expectLoadError(unknown) { $0 == .unknownKind(file: config(unknown).path, kind: "OutlierMagic") }

        let newer = try savedAEGMM()
        text = try String(contentsOf: config(newer), encoding: .utf8)
        try text.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 7").write(to: config(newer), atomically: true, encoding: .utf8)
        expectLoadError(newer) { $0 == .newerFormat(file: config(newer).path, version: 7, supported: 1) }

        let reshaped = try savedAEGMM()
        text = try String(contentsOf: config(reshaped), encoding: .utf8)
        // The first encoder layer claims 60 → 61 units: the networks now declare more
        // weights than the file holds, which is refused before anything is allocated.
        try text.replacingOccurrences(of: "\"outputSize\" : 60", with: "\"outputSize\" : 61").write(to: config(reshaped), atomically: true, encoding: .utf8)
        expectLoadError(reshaped) {
            $0 == .malformed(
                file: config(reshaped).path,
                problem: "the networks declare more weights than the 5235 in \(weights(reshaped).path) (network \"encoder\")")
        }

        let poisoned = try savedAEGMM()
        var tensors = try SafeTensors.decode(Array(try Data(contentsOf: weights(poisoned))), file: weights(poisoned).path)
        tensors["network.encoder.layers.0.bias"]![0] = .nan
        try Data(try SafeTensors.encode(tensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) })).write(to: weights(poisoned))
        expectLoadError(poisoned) {
            $0 == .malformed(
                file: weights(poisoned).path,
                problem: "tensor \"network.encoder.layers.0.bias\" holds nan at element 0; every weight must be finite")
        }

        let garbage = try savedAEGMM()
        try Data("{not json".utf8).write(to: config(garbage))
        expectLoadError(garbage) {
            if case .malformed(let file, _) = $0 { return file == config(garbage).path }
            return false
        }
    }

    /// The folder committed with the tests: an AEGMM saved by format version 1, with the
    /// inputs and scores in `Fixtures/aegmm-v1/expected.json`. Every later Vigil must load it
    /// and give the same scores. (Written by running this suite with VIGIL_WRITE_FIXTURE=1.)
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/aegmm-v1")

    struct FixtureScores: Codable {
        var inputs: [[Float]]
        var scores: [Float]
    }

    @Test func committedFixtureStillLoads() throws {
        let scoresFile = Self.fixture.appendingPathComponent("expected.json")
        if ProcessInfo.processInfo.environment["VIGIL_WRITE_FIXTURE"] == "1" {
            let detector = OutlierAEGMM.kddPreset(featureCount: 6, seed: 11)
            _ = try detector.fit(data.train, options: options)
            try detector.inferThreshold(data.test, percentile: 95)
            try detector.save(to: Self.fixture.appendingPathComponent("detector"))
            let inputs = (0..<5).map { row in (0..<6).map { data.test[row * 20, $0] } }
            let scores = try detector.score(Tensor(rows: inputs)).instance
            try JSONEncoder().encode(FixtureScores(inputs: inputs, scores: scores)).write(to: scoresFile)
        }
        let expected = try JSONDecoder().decode(FixtureScores.self, from: Data(contentsOf: scoresFile))
        let loaded = try DetectorStore.load(from: Self.fixture.appendingPathComponent("detector"))
        // Later versions may round differently (a faster kernel), so the scores must agree
        // to 1e-4 relative, not bit for bit; within one build a round trip is exact.
        let scores = try loaded.score(Tensor(rows: expected.inputs)).instance
        for (score, reference) in zip(scores, expected.scores) {
            #expect(abs(score - reference) <= 1e-4 * max(1, abs(reference)))
        }
        #expect(loaded.threshold?.rule == .percentile(95))
    }
}

@Suite("Scoring files")
struct FileScoringTests {
    @Test func badRowsNameTheLineAndLeaveNoOutput() throws {
        let detector = OutlierAEGMM.kddPreset(featureCount: 3, seed: 0)
        var random = SeededRandom(seed: 1)
        _ = try detector.fit(random.normalTensor([200, 3]), options: FitOptions(epochs: 1, batchSize: 50, progress: .silent))
        try detector.inferThreshold(random.normalTensor([50, 3]), percentile: 95)
        let folder = ScratchFolders.make("score")
        func file(_ name: String, _ text: String) -> String {
            let path = folder.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            return path
        }
        let good = file("good.csv", "a,b,c\n0.1,0.2,0.3\n1,2,3\n")
        let output = folder.appendingPathComponent("scores.csv").path
        try FileScoring.run(detector: detector, input: good, output: output, batchSize: 1)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "instance_score,is_outlier")

        let failures = [
            ("nonnumeric.csv", "a,b,c\n0.1,0.2,0.3\n1,x,3\n", "nonnumeric.csv:3:2"),
            ("short.csv", "a,b,c\n0.1,0.2,0.3\n1,2\n", "short.csv:3: expected 3 fields, got 2"),
            ("wide.csv", "a,b,c,d\n0.1,0.2,0.3,0.4\n", "3 feature columns"),
        ]
        for (name, text, message) in failures {
            let target = folder.appendingPathComponent("\(name).scores.csv").path
            do {
                try FileScoring.run(detector: detector, input: file(name, text), output: target, batchSize: 1)
                Issue.record("expected an error for \(name)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: target))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).allSatisfy { !$0.hasSuffix(".partial") })
    }
}
