import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("vigil serve")
struct ServeCommandTests {
    /// The program serves the folder's detector on a free port, answers, and on SIGTERM
    /// stops and exits normally (the signal drains the service instead of killing it).
    @Test func servesAndStopsOnTerm() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try DataSafetyTests.trainedModel(in: folder)
        let running = try Programs.start("vigil", ["serve", "--models", folder.path, "--port", "0", "--reload-interval", "0.2"])
        var printed = ""
        let deadline = Date().addingTimeInterval(60)
        while !printed.contains("listening on"), Date() < deadline, running.process.isRunning {
            printed += String(decoding: running.output.fileHandleForReading.availableData, as: UTF8.self)
        }
        #expect(printed.contains("serving 1 model from \(folder.path): model"), "\(printed)")
        let address = try #require(printed.split(separator: "\n").first { $0.hasPrefix("listening on ") }).dropFirst("listening on ".count)
        let models = try Self.get(URL(string: address + "v1/models")!)
        #expect(models.status == 200 && models.body.contains("\"name\":\"model\""))
        kill(running.process.processIdentifier, SIGTERM)
        running.process.waitUntilExit()
        #expect(running.process.terminationReason == .exit && running.process.terminationStatus == 0)
        printed += String(decoding: running.output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.hasSuffix("stopped\n"), "\(printed)")
    }

    /// `--sample-rows` saves evenly spaced rows with their labels beside the detector; a
    /// table with categorical columns gets none (one-hot columns would not read back).
    @Test func trainSavesASample() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (data, _) = try DataSafetyTests.trainedModel(in: folder)
        let model = folder.appendingPathComponent("sampled").path
        let trained = try Programs.run(["train", "--detector", "pca", "--data", data, "--label-column", "label", "--sample-rows", "4", "--out", model])
        #expect(trained.status == 0, "\(trained.standardError)")
        let sample = try String(contentsOfFile: model + "/sample.csv", encoding: .utf8).split(separator: "\n")
        let rows = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n")
        #expect(sample.count == 5 && sample[0] == "a,b,c,label")
        // Rows 0, 75, 150 and 225 of the 300, as the file holds them (its numbers read back exactly).
        for (index, row) in [0, 75, 150, 225].enumerated() {
            let expected = rows[row + 1].split(separator: ",").map { Float(String($0))! }
            #expect(sample[index + 1].split(separator: ",").map { Float(String($0))! } == expected)
        }
        let config = try String(contentsOfFile: model + "/config.json", encoding: .utf8)
        #expect(config.contains("\"featureNames\" : [\n      \"a\",\n      \"b\",\n      \"c\"\n    ]"))
        let categorical = folder.appendingPathComponent("categorical.csv").path
        try Data("a,kind\n1,x\n2,y\n3,x\n".utf8).write(to: URL(fileURLWithPath: categorical))
        let refused = try Programs.run([
            "train", "--detector", "pca", "--data", categorical, "--categorical", "kind", "--sample-rows", "2", "--out", folder.appendingPathComponent("c").path,
        ])
        #expect(refused.status != 0 && refused.standardError.contains("--sample-rows applies to a table without categorical columns, not to images"))
    }

    @Test func refusesAMissingFolder() throws {
        let outcome = try Programs.run(["serve", "--models", "/nonexistent/models", "--port", "0"])
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("/nonexistent/models: the models folder does not exist or is not a folder"), "\(outcome.standardError)")
    }

    static func get(_ url: URL) throws -> (status: Int, body: String) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, String) = (0, "")
        URLSession.shared.dataTask(with: url) { data, response, _ in
            result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        done.wait()
        return result
    }
}
