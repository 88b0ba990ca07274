import Foundation
import Testing
import VigilDetect

/// Every detector on the smallest tables a user can hand it — one row, one column, a column
/// that never changes — ends the way a user can act on: it trains, saves and scores finite
/// values, or it stops with a typed error ("Error: …", exit status 1). Never a trap: the
/// kernels' preconditions must not be reachable from a table.
@Suite("Degenerate tables", .serialized)
struct DegenerateTableTests {
    static let tables: [(name: String, text: String)] = [
        ("one-row", "a,b,c\n1,2,3\n"),
        ("one-column", "a\n1\n2\n3\n4\n"),
        ("constant", "a,b\n1,1\n1,1\n1,1\n1,1\n"),
    ]

    @Test(arguments: DetectorChoice.allCases)
    func trainsOrFailsWithATypedError(_ choice: DetectorChoice) throws {
        let folder = temporaryFolder("vigil-degenerate")
        defer { try? FileManager.default.removeItem(at: folder) }
        for table in Self.tables {
            let data = folder.appendingPathComponent("\(table.name).csv").path
            try Data(table.text.utf8).write(to: URL(fileURLWithPath: data))
            let model = folder.appendingPathComponent("\(table.name)-model").path
            let trained = try Programs.run(["train", "--detector", choice.rawValue, "--data", data, "--epochs", "2", "--out", model])
            #expect(trained.signal == nil, "\(choice) on \(table.name): ended by signal \(trained.signal ?? 0): \(trained.standardError)")
            if trained.status == 0 {
                let scored = try Programs.run(["score", "--model", model, "--input", data, "--output", "-"])
                #expect(scored.status == 0 && scored.signal == nil, "\(choice) on \(table.name): \(scored.standardError)")
                let scores = scored.standardOutput.split(separator: "\n").dropFirst().map { Float($0.split(separator: ",")[0]) }
                #expect(!scores.isEmpty && scores.allSatisfy { $0?.isFinite == true }, "\(choice) on \(table.name): \(scored.standardOutput)")
            } else {
                #expect(trained.status == 1 && trained.standardError.hasPrefix("Error: "), "\(choice) on \(table.name): status \(trained.status): \(trained.standardError)")
                #expect(!FileManager.default.fileExists(atPath: model), "\(choice) on \(table.name): a failed training left \(model)")
            }
        }
    }
}
