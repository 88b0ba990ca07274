import Foundation
import Testing
import VigilDetect
import VigilTensor

/// What `vigil` writes never costs the user a file: outputs never replace inputs, folders,
/// links or special files; an existing detector is replaced only when asked, atomically;
/// partial files vanish on errors and on SIGINT/SIGTERM; a save killed with SIGKILL leaves
/// the old detector or the new one.
@Suite("Data safety", .serialized)
struct DataSafetyTests {
    /// A small CSV (3 features, a numeric label) and a detector trained on it.
    static func trainedModel(in folder: URL, rows: Int = 300) throws -> (data: String, model: String) {
        var random = SeededRandom(seed: 8)
        var text = "a,b,c,label\n"
        for row in 0..<rows {
            let outlier = row % 30 == 0
            let values = (0..<3).map { _ in random.normal() * (outlier ? 6 : 1) }
            text += values.map { "\($0)" }.joined(separator: ",") + (outlier ? ",1\n" : ",0\n")
        }
        let data = folder.appendingPathComponent("rows.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: data))
        let model = folder.appendingPathComponent("model").path
        let trained = try Programs.run([
            "train", "--detector", "aegmm", "--data", data, "--label-column", "label", "--epochs", "2", "--batch-size", "64", "--out", model,
        ])
        #expect(trained.status == 0, "\(trained.standardError)")
        return (data, model)
    }

    @Test func outputsNeverReplaceInputsFoldersLinksOrSpecialFiles() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (data, model) = try Self.trainedModel(in: folder)
        let original = try Data(contentsOf: URL(fileURLWithPath: data))

        // Scores over the input, directly or through a hard link: refused, input intact.
        let sameFile = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label", "--output", data])
        #expect(sameFile.status != 0 && sameFile.signal == nil)
        #expect(sameFile.standardError.contains("\(data): not written: it is the input file"))
        let link = folder.appendingPathComponent("alias.csv").path
        try FileManager.default.linkItem(atPath: data, toPath: link)
        let linked = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label", "--output", link])
        #expect(linked.standardError.contains("not written: it is the input file \(data) (the same file under another name)"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == original)

        // A symbolic link, a FIFO and a folder are never replaced by a regular file.
        let symlink = folder.appendingPathComponent("symlink.csv").path
        try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: "/tmp/elsewhere.csv")
        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, kind) in [(symlink, "a symbolic link"), (fifo, "a FIFO"), (model, "a folder")] {
            let refused = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label", "--output", path])
            #expect(refused.status != 0 && refused.signal == nil)
            #expect(refused.standardError.contains("\(path): not written: it is \(kind); Vigil only creates or replaces regular files"), "\(refused.standardError)")
        }
        #expect(PathKind.of(symlink) == .symbolicLink && PathKind.of(fifo) == .fifo)
        // Nor the detector's own files.
        let overModel = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label", "--output", model + "/config.json"])
        #expect(overModel.standardError.contains("\(model)/config.json: not written: it is the input file"), "\(overModel.standardError)")
        #expect(try DetectorStore.load(from: URL(fileURLWithPath: model)).threshold != nil)

        // Scores to stdout with "-", to a new file otherwise; an existing regular output keeps its permissions.
        let scores = folder.appendingPathComponent("scores.csv").path
        FileManager.default.createFile(atPath: scores, contents: Data("old".utf8), attributes: [.posixPermissions: 0o640])
        let scored = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label", "--output", scores])
        #expect(scored.status == 0, "\(scored.standardError)")
        #expect(try String(contentsOfFile: scores, encoding: .utf8).hasPrefix("instance_score,is_outlier\n"))
        #expect((try FileManager.default.attributesOfItem(atPath: scores)[.posixPermissions] as? Int) == 0o640)
        let toStandardOutput = try Programs.run(["score", "--model", model, "--input", data, "--label-column", "label", "--output", "-"])
        #expect(toStandardOutput.standardOutput == (try String(contentsOfFile: scores, encoding: .utf8)))
        #expect(!contents(folder).contains { $0.contains(".vigil-") })
    }

    @Test func anExistingDetectorIsReplacedOnlyWithOverwriteAndNothingElseEver() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (data, model) = try Self.trainedModel(in: folder)
        let train = ["train", "--detector", "aegmm", "--data", data, "--label-column", "label", "--epochs", "1", "--out"]
        let before = try Data(contentsOf: URL(fileURLWithPath: model + "/weights.safetensors"))

        let refused = try Programs.run(train + [model])
        #expect(refused.standardError.contains("\(model): cannot write: a saved detector is already there; pass overwrite (--overwrite) to replace it"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: model + "/weights.safetensors")) == before)
        let replaced = try Programs.run(train + [model, "--overwrite", "--seed", "3"])
        #expect(replaced.status == 0, "\(replaced.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model + "/weights.safetensors")) != before)
        #expect(contents(URL(fileURLWithPath: model)) == ["config.json", "weights.safetensors"])

        // Not a detector: a folder of the user's, a detector folder holding other files, a file.
        let documents = folder.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: documents.appendingPathComponent("notes.txt"))
        let notDetector = try Programs.run(train + [documents.path, "--overwrite"])
        #expect(notDetector.standardError.contains("it is a folder that is not a saved detector; Vigil will not replace it"))
        try Data("report".utf8).write(to: URL(fileURLWithPath: model + "/report.html"))
        let withExtra = try Programs.run(train + [model, "--overwrite"])
        #expect(withExtra.standardError.contains("the detector folder also holds report.html"))
        let overFile = try Programs.run(train + [data, "--overwrite"])
        #expect(overFile.standardError.contains("\(data): cannot write: it is a regular file, not a detector folder"))
        #expect(contents(documents) == ["notes.txt"])
        #expect(contents(URL(fileURLWithPath: model)) == ["config.json", "report.html", "weights.safetensors"])
        #expect(!contents(folder).contains { $0.contains(".vigil-") })
    }

    /// SIGTERM half-way through scoring a large file: the process ends by that signal and
    /// leaves neither the output nor its partial file.
    @Test func terminationRemovesPartialOutput() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, model) = try Self.trainedModel(in: folder)
        var text = "a,b,c\n"
        for row in 0..<200_000 { text += "\(row % 7),\(row % 5),\(row % 3)\n" }
        let big = folder.appendingPathComponent("big.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: big))
        let output = folder.appendingPathComponent("scores.csv")
        let running = try Programs.start("vigil", ["score", "--model", model, "--input", big, "--output", output.path, "--batch-size", "2000"])
        // Wait until the partial file exists, then terminate.
        let deadline = Date().addingTimeInterval(60)
        while !contents(folder).contains(where: { $0.hasPrefix(".scores.csv.vigil-partial-") }), Date() < deadline, running.process.isRunning {
            usleep(2_000)
        }
        #expect(running.process.isRunning, "scoring finished before it could be interrupted")
        kill(running.process.processIdentifier, SIGTERM)
        running.process.waitUntilExit()
        #expect(
            running.process.terminationReason == .uncaughtSignal && running.process.terminationStatus == SIGTERM,
            "\(running.process.terminationReason.rawValue) \(running.process.terminationStatus): \(String(decoding: running.error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        #expect(!contents(folder).contains { $0.contains("scores.csv") }, "\(contents(folder))")
    }

    /// SIGKILL at random moments while a detector is saved over and over: the folder always
    /// holds one complete save (config and weights of the same save), and the next save
    /// clears what the killed one left.
    @Test func killDuringSaveLeavesOldOrNewNeverAMix() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, model) = try Self.trainedModel(in: folder)
        let target = folder.appendingPathComponent("target")
        var random = SeededRandom(seed: 21)
        var generations = Set<Float>()
        for _ in 0..<12 {
            let running = try Programs.start("_SaveLoop", [model, target.path])
            #expect(String(decoding: running.output.fileHandleForReading.availableData, as: UTF8.self) == "ready\n")
            usleep(UInt32(random.integer(below: 40_000)))
            kill(running.process.processIdentifier, SIGKILL)
            running.process.waitUntilExit()
            let loaded = try #require(try DetectorStore.load(from: target) as? OutlierAEGMM)
            let marker = loaded.network.parameters.first!.value[0, 0]
            #expect(loaded.threshold?.value == marker, "config.json and weights.safetensors come from different saves")
            #expect(contents(target) == ["config.json", "weights.safetensors"])
            generations.insert(marker)
        }
        #expect(generations.count > 1, "every kill landed before the second save")
        // What a killed save left beside the folder is removed by the next save there.
        let loaded = try DetectorStore.load(from: target)
        try loaded.save(to: target, overwrite: true)
        #expect(!contents(folder).contains { $0.hasPrefix(".target.vigil-") }, "\(contents(folder))")
    }
}
