import Foundation
import Testing
import VigilData
import VigilTensor

/// `vigil train --stream` and streamed `vigil score` as a user runs them.
@Suite struct StreamCommandTests {
    @Test func trainsFromAGzipCSVAndScoresAnNPYAsItsCSV() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (data, _) = try DataSafetyTests.trainedModel(in: folder, rows: 600)
        let gzipped = data + ".gz"
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "gzip -c '\(data)' > '\(gzipped)'"]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        let model = folder.appendingPathComponent("streamed").path
        let trained = try Programs.run([
            "train", "--stream", "--detector", "vae", "--data", gzipped, "--label-column", "label", "--epochs", "2", "--false-positive-rate", "0.1", "--out", model,
        ])
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(trained.standardOutput.contains("flagging 0.1 of the training rows; 580 of 600 rows, streamed)"), "\(trained.standardOutput)")

        // The same rows as an .npy score as the CSV does (both streamed).
        let rows = try CSV.read(path: data, labelColumn: "label")
        let npy = folder.appendingPathComponent("rows.npy").path
        try NumPy.write(NumPyArray(rows.features), to: npy)
        let fromCSV = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label", "--latent", "mean", "--batch-size", "70"])
        let fromNPY = try Programs.run(["score", "--model", model, "--input", npy, "--latent", "mean", "--batch-size", "70"])
        #expect(fromCSV.status == 0 && fromNPY.status == 0, "\(fromCSV.standardError) \(fromNPY.standardError)")
        #expect(fromCSV.standardOutput.split(separator: "\n").count == 601 && fromNPY.standardOutput == fromCSV.standardOutput)
    }

    @Test func refusesWhatNeedsTheTableInMemory() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (data, _) = try DataSafetyTests.trainedModel(in: folder, rows: 60)
        let out = folder.appendingPathComponent("m").path
        for (extra, message) in [
            (["--detector", "iforest"], "--stream trains ae, vae, aegmm, vaegmm and dagmm; iforest needs its rows in memory"),
            (["--contamination", "0.1"], "--stream trains on the normal rows only; use --threshold-percentile or --false-positive-rate"),
            (["--sample-rows", "5"], "--sample-rows needs the table in memory; leave it out with --stream"),
            (["--categorical", "a"], "--stream reads numeric columns; --categorical needs the table in memory"),
        ] {
            let refused = try Programs.run(["train", "--stream", "--data", data, "--label-column", "label", "--out", out] + extra)
            #expect(refused.status != 0 && refused.standardError.contains(message), "\(extra): \(refused.standardError)")
        }
        let npz = folder.appendingPathComponent("rows.npz").path
        try Data([0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)).write(to: URL(fileURLWithPath: npz))
        let archive = try Programs.run(["train", "--stream", "--data", npz, "--out", out])
        #expect(archive.status != 0 && archive.standardError.contains("an .npz's members may be compressed; save the array with numpy.save"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
