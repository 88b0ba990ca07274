import Foundation
import Testing
import VigilData
import VigilDetect
import VigilNN
import VigilTensor

/// Every detector `vigil train` offers, trained on a small table in each format Vigil reads
/// (CSV, gzip-compressed CSV, NPY, NPZ with labels), saved, loaded and scored from the command
/// line: the scores of the same rows are the same whatever the format, and outliers planted
/// in the table score higher than the normal rows on average.
@Suite("Every detector from the command line", .serialized)
struct EveryDetectorTests {
    /// 240 rows of 4 features: normal rows near a plane, every 12th row far off it (label 1).
    static func writeTables(in folder: URL) throws -> (csv: String, gz: String, npy: String, npz: String, labels: [Int]) {
        var random = SeededRandom(seed: 12)
        var rows: [[Float]] = []
        var labels: [Int] = []
        for row in 0..<240 {
            let (a, b) = (random.normal(), random.normal())
            let outlier = row % 12 == 0
            let noise: Float = outlier ? 4 : 0.05
            rows.append([a, b, a + b + noise * random.normal(), a - b + noise * random.normal()])
            labels.append(outlier ? 1 : 0)
        }
        var text = "a,b,c,d,label\n"
        for (row, label) in zip(rows, labels) { text += row.map { "\($0)" }.joined(separator: ",") + ",\(label)\n" }
        let csv = folder.appendingPathComponent("table.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
        let gzipped = folder.appendingPathComponent("copy.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: gzipped))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-f", gzipped]
        try gzip.run()
        gzip.waitUntilExit()
        let features = Tensor(rows: rows)
        let npy = folder.appendingPathComponent("table.npy").path
        try NumPy.write(NumPyArray(features), to: npy)
        let npz = folder.appendingPathComponent("table.npz").path
        try NumPy.writeArchive(
            ["x": NumPyArray(features), "y": NumPyArray(shape: [labels.count], elements: .int64(labels.map(Int64.init)))], to: npz, compressed: true)
        return (csv, gzipped + ".gz", npy, npz, labels)
    }

    @Test(arguments: DetectorChoice.allCases)
    func trainsSavesLoadsAndScoresOnEveryFormat(_ choice: DetectorChoice) throws {
        let folder = temporaryFolder("vigil-every")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tables = try Self.writeTables(in: folder)
        // Train on a different format for each detector; every format gets trained on.
        let index = DetectorChoice.allCases.firstIndex(of: choice)!
        let trainingData: [String] = [
            ["--data", tables.csv, "--label-column", "label"], ["--data", tables.gz, "--label-column", "label"], ["--data", tables.npz],
        ][index % 3]
        let model = folder.appendingPathComponent("model").path
        let trained = try Programs.run(
            ["train", "--detector", choice.rawValue] + trainingData + ["--epochs", "2", "--batch-size", "32", "--out", model])
        #expect(trained.status == 0, "\(choice): \(trained.standardError)")
        #expect(trained.standardOutput.contains("saved \(try #require(try DetectorStore.load(from: URL(fileURLWithPath: model))).kindName) to \(model)"))

        var outputs: [String] = []
        for (input, extra) in [(tables.csv, ["--label-column", "label"]), (tables.gz, ["--label-column", "label"]), (tables.npy, []), (tables.npz, [])] {
            let scored = try Programs.run(["score", "--model", model, "--input", input, "--output", "-"] + extra)
            #expect(scored.status == 0, "\(choice) on \(input): \(scored.standardError)")
            outputs.append(scored.standardOutput)
        }
        #expect(Set(outputs).count == 1, "\(choice): the formats give different scores")
        let lines = outputs[0].split(separator: "\n").dropFirst()
        let scores = lines.map { Float($0.split(separator: ",")[0])! }
        #expect(scores.count == 240 && scores.allSatisfy(\.isFinite))
        let outlierMean = zip(scores, tables.labels).filter { $1 == 1 }.map(\.0).reduce(0, +) / 20
        let normalMean = zip(scores, tables.labels).filter { $1 == 0 }.map(\.0).reduce(0, +) / 220
        #expect(outlierMean > normalMean, "\(choice): outliers \(outlierMean), normal rows \(normalMean)")
    }
}

extension EveryDetectorTests {
    /// Identifier and text columns are left out with --exclude-columns, in training and in scoring.
    @Test func excludedColumnsStayOutOfTrainingAndScoring() throws {
        let folder = temporaryFolder("vigil-exclude")
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = "id,a,b,comment\n"
        var random = SeededRandom(seed: 3)
        for row in 0..<100 { text += "r\(row),\(random.normal()),\(random.normal()),\"note, \(row)\"\n" }
        let table = folder.appendingPathComponent("table.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: table))
        let model = folder.appendingPathComponent("model").path
        let trained = try Programs.run(["train", "--detector", "iforest", "--data", table, "--exclude-columns", "id,comment", "--out", model])
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(try DetectorStore.load(from: URL(fileURLWithPath: model)).featureCount == 2)
        let scored = try Programs.run(["score", "--model", model, "--input", table, "--exclude-columns", "id, comment"])
        #expect(scored.status == 0 && scored.standardOutput.split(separator: "\n").count == 101, "\(scored.standardError)")
        let unexcluded = try Programs.run(["score", "--model", model, "--input", table])
        #expect(unexcluded.standardError.contains("\(table):2:1: expected a number, got \"r0\""), "\(unexcluded.standardError)")
    }
}

extension EveryDetectorTests {
    /// `vigil report` on a DAGMM shows the notebook's z-space: the three pairwise projections
    /// of the encoding and the two reconstruction features (the table networks' root-mean-square
    /// error and cosine), coloured by class.
    @Test func dagmmReportShowsTheZSpace() throws {
        let folder = temporaryFolder("vigil-dagmm-report")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tables = try Self.writeTables(in: folder)
        let model = folder.appendingPathComponent("model").path
        let trained = try Programs.run(["train", "--detector", "dagmm", "--data", tables.npz, "--epochs", "2", "--out", model])
        #expect(trained.status == 0, "\(trained.standardError)")
        let report = folder.appendingPathComponent("report.html").path
        let written = try Programs.run(["report", "--model", model, "--data", tables.csv, "--label-column", "label", "--out", report])
        #expect(written.status == 0, "\(written.standardError)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.components(separatedBy: "<title>Latent space z</title>").count - 1 == 3)
        #expect(html.contains("Root-mean-square error") && html.contains("Cosine similarity") && html.contains("ROC AUC"))
    }
}

extension EveryDetectorTests {
    /// `--categorical` one-hot encodes word columns with categories learnt from the file; the
    /// encoding is saved with the detector, and `vigil score` applies it: a row whose category
    /// never occurred in training gets zeros in that column's features and scores higher.
    @Test func categoricalColumnsAreEncodedSavedAndApplied() throws {
        let folder = temporaryFolder("vigil-categorical")
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = "x,proto,label\n"
        var random = SeededRandom(seed: 5)
        for row in 0..<200 { text += "\(random.normal()),\(["tcp", "udp", "\"a, b\""][row % 3]),normal\n" }
        let table = folder.appendingPathComponent("table.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: table))
        let model = folder.appendingPathComponent("model").path
        let trained = try Programs.run([
            "train", "--detector", "pca", "--data", table, "--label-column", "label", "--normal-label", "normal", "--categorical", "proto",
            "--out", model,
        ])
        #expect(trained.status == 0, "\(trained.standardError)")
        let detector = try DetectorStore.load(from: URL(fileURLWithPath: model))
        #expect(detector.featureCount == 4)
        #expect(detector.training?.categorical == [CategoricalColumn(name: "proto", categories: ["a, b", "tcp", "udp"])])
        let probe = folder.appendingPathComponent("probe.csv").path
        try Data("label,proto,x\nnormal,tcp,0\nnormal,icmp,0\n".utf8).write(to: URL(fileURLWithPath: probe))
        let scored = try Programs.run(["score", "--model", model, "--input", probe, "--label-column", "label", "--output", "-"])
        #expect(scored.status == 0, "\(scored.standardError)")
        // The numeric column is found by position among the non-categorical ones, the category by name.
        let scores = scored.standardOutput.split(separator: "\n").dropFirst().map { Float($0.split(separator: ",")[0])! }
        #expect(scores.count == 2 && scores[1] > scores[0], "\(scores)")
        let npy = folder.appendingPathComponent("rows.npy").path
        try NumPy.write(NumPyArray(Tensor(rows: [[0, 1, 0, 0]])), to: npy)
        let refused = try Programs.run(["score", "--model", model, "--input", npy])
        #expect(refused.standardError.contains("\(npy): expected a CSV for categorical columns (proto), got a NumPy file of numbers"), "\(refused.standardError)")
    }
}

extension EveryDetectorTests {
    /// `--networks kdd-recommended` trains and saves Vigil's KDD VAE (tanh hidden layers, a
    /// 3-wide latent, the `nll` score with its learnt variances), which loads back as such and
    /// scores the planted outliers higher; the other detectors refuse it by name.
    @Test func theRecommendedKDDVAETrainsSavesAndLoads() throws {
        let folder = temporaryFolder("vigil-kdd-recommended")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tables = try Self.writeTables(in: folder)
        let model = folder.appendingPathComponent("model").path
        let trained = try Programs.run([
            "train", "--detector", "vae", "--networks", "kdd-recommended", "--data", tables.npz, "--epochs", "3", "--batch-size", "32", "--out", model,
        ])
        #expect(trained.status == 0, "\(trained.standardError)")
        let vae = try #require(try DetectorStore.load(from: URL(fileURLWithPath: model)) as? OutlierVAE)
        #expect(vae.network.latentDimension == 3)
        #expect(vae.network.decoder.layers.compactMap { ($0 as? Dense)?.activation } == [.tanh, .tanh, .tanh, .linear])
        #expect(vae.configuration.scoreType == .learnedVariance && vae.configuration.residualVariance?.count == 4)
        let scored = try Programs.run(["score", "--model", model, "--input", tables.npz, "--output", "-"])
        #expect(scored.status == 0, "\(scored.standardError)")
        let scores = scored.standardOutput.split(separator: "\n").dropFirst().map { Float($0.split(separator: ",")[0])! }
        let outlierMean = zip(scores, tables.labels).filter { $1 == 1 }.map(\.0).reduce(0, +) / 20
        let normalMean = zip(scores, tables.labels).filter { $1 == 0 }.map(\.0).reduce(0, +) / 220
        #expect(scores.count == 240 && outlierMean > normalMean, "outliers \(outlierMean), normal rows \(normalMean)")
        let refused = try Programs.run(["train", "--detector", "ae", "--networks", "kdd-recommended", "--data", tables.npz, "--out", model + "2"])
        #expect(refused.status != 0 && refused.standardError.contains("--networks kdd-recommended applies to --detector vae only"), "\(refused.standardError)")
        let evaluated = try Programs.run(["evaluate", "--data", tables.npz, "--networks", "kdd-recommended", "--detectors", "vae,pca", "--no-report"])
        #expect(evaluated.status != 0 && evaluated.standardError.contains("--networks kdd-recommended applies to --detectors vae only, not pca"), "\(evaluated.standardError)")
        let report = folder.appendingPathComponent("evaluation.html").path
        let compared = try Programs.run([
            "evaluate", "--data", tables.npz, "--networks", "kdd-recommended", "--detectors", "vae", "--seeds", "0", "--epochs", "2", "--report", report,
        ])
        #expect(compared.status == 0, "\(compared.standardError)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("networks") && html.contains("kdd-recommended") && html.contains("ROC AUC"))
    }
}

extension OutlierDetector {
    var kindName: String { Self.kind }
}
