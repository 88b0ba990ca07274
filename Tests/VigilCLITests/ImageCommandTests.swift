import Foundation
import Testing
import VigilData
import VigilDetect
@testable import VigilPlot
import VigilTensor

/// An image detector from the command line: alibi-detect's convolutional VAE, sized to
/// 8×8×3 images, trained on an `.npz` of unsigned bytes with labels, saved, and scored on the
/// same images as an array and as a folder of PNG files (written by Vigil's encoder).
@Suite("Images from the command line", .serialized)
struct ImageCommandTests {
    /// 40 smooth colour gradients (label 0) and 8 images of uniform noise (label 1), as bytes.
    static func images() -> (pixels: [UInt8], labels: [Int64]) {
        var random = SeededRandom(seed: 21)
        var pixels: [UInt8] = []
        var labels: [Int64] = []
        for image in 0..<48 {
            let noise = image % 6 == 5
            let (a, b) = (random.uniform(0.2, 0.6), random.uniform(0, 0.3))
            for y in 0..<8 {
                for x in 0..<8 {
                    for c in 0..<3 {
                        let value = noise ? random.uniform() : a + b * Float(x + y * c) / 21
                        pixels.append(UInt8((min(max(value, 0), 1) * 255).rounded()))
                    }
                }
            }
            labels.append(noise ? 1 : 0)
        }
        return (pixels, labels)
    }

    @Test func trainsAConvolutionalVAEScoresArraysAndPNGFoldersAndReports() throws {
        let folder = temporaryFolder("vigil-images")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (pixels, labels) = Self.images()
        let npz = folder.appendingPathComponent("images.npz").path
        try NumPy.writeArchive(
            ["x": NumPyArray(shape: [48, 8, 8, 3], elements: .uint8(pixels)), "y": NumPyArray(shape: [48], elements: .int64(labels))], to: npz)
        let model = folder.appendingPathComponent("model").path
        let trained = try Programs.run(["train", "--detector", "vae", "--data", npz, "--epochs", "6", "--explain", "--out", model])
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(trained.standardOutput.contains("vae convolutions 3 stride-2 stages of 4×4 kernels (64 → 128 → 512 filters)"), "\(trained.standardOutput)")
        #expect(trained.standardOutput.contains("vae standardisation none"))
        let detector = try DetectorStore.load(from: URL(fileURLWithPath: model))
        #expect(detector.training?.imageShape == ImageShape(height: 8, width: 8, channels: 3) && detector.standardizer == nil)

        let scored = try Programs.run(["score", "--model", model, "--input", npz, "--output", "-"])
        #expect(scored.status == 0, "\(scored.standardError)")
        let scores = scored.standardOutput.split(separator: "\n").dropFirst().map { Float($0.split(separator: ",")[0])! }
        #expect(scores.count == 48)
        let noisy = zip(scores, labels).filter { $1 == 1 }.map(\.0)
        let smooth = zip(scores, labels).filter { $1 == 0 }.map(\.0)
        #expect(noisy.min()! > smooth.max()!, "noise \(noisy.min()!) against smooth \(smooth.max()!)")

        // The first six images as PNG files: the same scores, read from the folder in name order.
        let pictures = folder.appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: pictures, withIntermediateDirectories: true)
        for image in 0..<6 {
            let bytes = PNG.encode(width: 8, height: 8, rgb: Array(pixels[(image * 192)..<((image + 1) * 192)]))
            try Data(bytes).write(to: pictures.appendingPathComponent("image-\(image).png"))
        }
        let fromPNG = try Programs.run(["score", "--model", model, "--input", pictures.path, "--output", "-"])
        #expect(fromPNG.status == 0, "\(fromPNG.standardError)")
        // The same pixels give the same scores up to the last bit or two: OpenBLAS multiplies the
        // small products of a 6-image batch with its small-matrix kernels, which add in another
        // order than the blocked kernels it uses for 48 images.
        let pngScores = fromPNG.standardOutput.split(separator: "\n").dropFirst().map { Float($0.split(separator: ",")[0])! }
        #expect(pngScores.count == 6 && zip(pngScores, scores).allSatisfy { abs($0 - $1) <= 1e-6 * max(abs($1), 1e-3) }, "\(pngScores) against \(scores.prefix(6))")

        let table = folder.appendingPathComponent("table.csv").path
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: table))
        let refused = try Programs.run(["score", "--model", model, "--input", table, "--output", "-"])
        #expect(refused.status != 0 && refused.standardError.contains("images of 8×8×3"), "\(refused.standardError)")

        // An array without feature columns is an error, not a crash.
        let empty = folder.appendingPathComponent("empty.npy").path
        try NumPy.write(NumPyArray(shape: [4, 0], elements: .float32([])), to: empty)
        let nothing = try Programs.run(["train", "--data", empty, "--out", folder.appendingPathComponent("none").path])
        #expect(nothing.status != 0 && nothing.standardError.contains("expected at least one feature column"), "\(nothing.standardError)")

        let report = folder.appendingPathComponent("report.html").path
        let reported = try Programs.run(["report", "--model", model, "--data", npz, "--top", "4", "--out", report])
        #expect(reported.status == 0, "\(reported.standardError)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("The 4 highest-scoring images"))
        // The .npz's labels give the report its metrics.
        #expect(html.contains("ROC AUC") && html.contains("Confusion matrix"))
        #expect(html.components(separatedBy: "data:image/png;base64,").count - 1 == 4 * 5)
    }

    /// `--data mnist` reads MNIST's idx files from a folder `mnist` in the data folder (here
    /// generated: 20 images of 8×8, so that the network stays small).
    @Test func trainsOnMNISTFromTheDataFolder() throws {
        let data = temporaryFolder("vigil-mnist")
        defer { try? FileManager.default.removeItem(at: data) }
        let folder = data.appendingPathComponent("mnist")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func bigEndian(_ values: [Int]) -> [UInt8] { values.flatMap { value in (0..<4).map { UInt8((value >> (24 - 8 * $0)) & 0xFF) } } }
        let pixels = (0..<(20 * 64)).map { UInt8(($0 * 37) % 256) }
        try Data([0, 0, 8, 3] + bigEndian([20, 8, 8]) + pixels).write(to: folder.appendingPathComponent("train-images-idx3-ubyte"))
        try Data([0, 0, 8, 1] + bigEndian([20]) + (0..<20).map { UInt8($0 % 10) }).write(to: folder.appendingPathComponent("train-labels-idx1-ubyte"))
        let model = data.appendingPathComponent("model").path
        let trained = try Programs.run(["train", "--detector", "vae", "--data", "mnist", "--data-dir", data.path, "--epochs", "1", "--out", model])
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(try DetectorStore.load(from: URL(fileURLWithPath: model)).training?.imageShape == ImageShape(height: 8, width: 8, channels: 1))
        // Without idx files, Keras's mnist.npz is looked for (and checked) before any download: a wrong copy is an error naming it.
        let other = data.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("not mnist".utf8).write(to: other.appendingPathComponent("mnist.npz"))
        let wrong = try Programs.run(["train", "--data", "mnist", "--data-dir", other.path, "--out", model + "2"])
        #expect(wrong.status != 0, "\(wrong.standardError)")
        #expect(wrong.standardError.contains("\(other.path)/mnist.npz: SHA-256 is "), "\(wrong.standardError)")
        #expect(wrong.standardError.contains("expected 731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1; replace or remove this copy"))
    }
}
