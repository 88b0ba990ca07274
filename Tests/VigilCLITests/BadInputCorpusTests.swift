import Foundation
import Testing
import VigilTensor

/// Every file in `Tests/Fixtures/bad/` (written by `scripts/make-bad-corpus.py`) gets its
/// own error from `vigil`: a non-zero exit, never a crash, the exact words `cases.json`
/// names (the file, the field or line, expected versus found), and nothing written.
@Suite("Bad-input corpus")
struct BadInputCorpusTests {
    struct Case: Decodable {
        var name: String
        /// The good detector folder the case's files are laid over, if any.
        var base: String?
        var command: [String]
        var expect: [String]
        var environment: [String: String]
    }

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bad")

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: corpus.appendingPathComponent("cases.json")),
            let cases = try? JSONDecoder().decode([Case].self, from: data)
        else { return [] }
        return cases
    }()

    @Test func corpusIsThere() {
        #expect(Self.cases.count >= 50, "Tests/Fixtures/bad/cases.json is missing or short")
    }

    @Test(arguments: cases.map(\.name))
    func everyFileGetsItsError(_ name: String) throws {
        let item = try #require(Self.cases.first { $0.name == name })
        let scratch = temporaryFolder("vigil-bad")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let manager = FileManager.default
        let caseFolder = Self.corpus.appendingPathComponent(item.name)
        var subject = caseFolder
        if let base = item.base {
            // The case's detector: its base with the case's files laid over it.
            subject = scratch.appendingPathComponent("detector")
            try manager.copyItem(at: Self.corpus.appendingPathComponent(base), to: subject)
            for file in try manager.contentsOfDirectory(atPath: caseFolder.path) {
                let target = subject.appendingPathComponent(file)
                try? manager.removeItem(at: target)
                try manager.copyItem(at: caseFolder.appendingPathComponent(file), to: target)
            }
        }
        // The rows the detector cases score (generated here: no table is committed); the
        // first row is far from the training mean, so a tiny stored deviation overflows on it.
        var random = SeededRandom(seed: 1)
        let rows = [[Float(5), -5, 5]] + (1..<120).map { _ in (0..<3).map { _ in random.normal() } }
        try Data(("a,b,c\n" + rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n").utf8)
            .write(to: scratch.appendingPathComponent("rows.csv"))
        let before = contents(scratch)
        func filled(_ text: String) -> String {
            text.replacingOccurrences(of: "{case}", with: subject.path).replacingOccurrences(of: "{corpus}", with: Self.corpus.path)
                .replacingOccurrences(of: "{scratch}", with: scratch.path)
        }
        let outcome = try Programs.run(item.command.map(filled), environment: item.environment)
        #expect(outcome.signal == nil, "\(name): crashed with signal \(outcome.signal ?? 0)")
        #expect(outcome.status != 0, "\(name): exit 0")
        for words in item.expect.map(filled) {
            #expect(outcome.standardError.contains(words), "\(name): expected «\(words)» in «\(outcome.standardError)»")
        }
        #expect(contents(scratch) == before, "\(name): left \(contents(scratch))")
    }
}
