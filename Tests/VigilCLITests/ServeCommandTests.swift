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
