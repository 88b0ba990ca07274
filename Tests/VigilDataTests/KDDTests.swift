import Foundation
import Testing
@testable import VigilData
import VigilTensor

@Suite("KDD Cup '99 on the real 10% file")
struct KDDCupRealDataTests {
    @Test func continuousViewMatchesAlibiDetect() throws {
        guard TestData.required() else { return }
        let data = try TestData.continuousView.get()
        #expect(data.count == 494_021)
        #expect(data.features.shape == [494_021, 18])
        #expect(data.featureNames == KDDCup.continuousFeatureNames)
        #expect(data.targetCounts == ["normal": 97_278, "outlier": 396_743])
        #expect(data.labelCounts["smurf."] == 280_790 && data.labelCounts["neptune."] == 107_201)
        #expect(data.labelNames.count == 23)
        // First record as alibi-detect's fetch_kdd gives it.
        let firstRow: [Float] = [8, 0, 0, 0, 0, 1, 0, 0, 9, 9, 1, 0, 0.11, 0, 0, 0, 0, 0]
        #expect(Array(data.features.scalars[0..<18]) == firstRow)
        #expect(data.targets![0] == 0)
    }

    @Test func oneHotViewHas118ScaledColumns() throws {
        guard TestData.required() else { return }
        let data = try KDDCup.oneHotView(path: TestData.kddTenPercent)
        #expect(data.features.shape == [494_021, 118])
        #expect(data.featureNames.filter { $0.hasPrefix("protocol_type=") }.count == 3)
        #expect(data.featureNames.filter { $0.hasPrefix("service=") }.count == 66)
        #expect(data.featureNames.filter { $0.hasPrefix("flag=") }.count == 11)
        #expect(data.features.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        // normal. is the anomaly class.
        #expect(data.targets!.reduce(0, +) == 97_278)
        // Each row has exactly one category of each of the three one-hot blocks.
        let width = 118
        let protocols = data.featureNames.indices.filter { data.featureNames[$0].hasPrefix("protocol_type=") }
        for row in [0, 1000, 494_020] {
            #expect(protocols.map { data.features.scalars[row * width + $0] }.reduce(0, +) == 1)
        }
        #expect(data.featureNames[1] == "protocol_type=icmp")  // sorted, after duration
    }

    @Test func deepadViewUsesThePublishedSplit() throws {
        guard TestData.required() else { return }
        let training = try TestData.continuousView.get()
        let split = try KDDCup.deepadView(training: training, splitDirectory: TestData.deepadSplit, seed: 0)
        #expect(split.train.features.shape == [97_278, 18])
        #expect(split.test.features.shape == [10_000, 18])
        #expect(split.test.targets!.filter { $0 == 1 }.count == 2_000)
        #expect(split.train.features.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let again = try KDDCup.deepadView(training: training, splitDirectory: TestData.deepadSplit, seed: 0)
        #expect(again.train.features == split.train.features)
    }

    @Test func outlierBatchFollowsAlibi() throws {
        guard TestData.required() else { return }
        let data = try TestData.continuousView.get()
        let batch = try data.outlierBatch(samples: 1000, outlierPercentage: 10, seed: 1)
        #expect(batch.count == 1000)
        #expect(batch.targets!.reduce(0, +) == 100)
        // 400,000 normal rows from 97,278: drawn with replacement.
        let training = try data.outlierBatch(samples: 400_000, outlierPercentage: 0, seed: 0)
        #expect(training.count == 400_000 && training.targets!.allSatisfy { $0 == 0 })
        let distinct = Set((0..<2000).map { training.features.scalars[($0 * 18)..<($0 * 18 + 18)].map(\.bitPattern) })
        #expect(distinct.count < 2000)
    }
}

@Suite("KDD Cup parser on bad input")
struct KDDCupBadInputTests {
    let good = "0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0.00,0.00,0.00,0.00,1.00,0.00,0.00,9,9,1.00,0.00,0.11,0.00,0.00,0.00,0.00,0.00,normal."

    func write(_ text: String) -> String {
        let path = TestData.temporaryDirectory().appendingPathComponent("kdd").path
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    func writeGzip(_ bytes: [UInt8], name: String) -> String {
        let path = TestData.temporaryDirectory().appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test func parsesAGoodFileAndItsVocabularies() throws {
        let path = write(good + "\n" + good.replacingOccurrences(of: "normal.", with: "smurf.") + "\n")
        var rows = 0
        let vocabulary = try KDDCup.forEachRecord(inFile: path) { record in
            rows += 1
            #expect(record.numeric.count == 38)
        }
        #expect(rows == 2)
        #expect(vocabulary.labels == ["normal.", "smurf."])
        #expect(vocabulary.services == ["http"])
    }

    @Test func lineWith40FieldsNamesFileAndLine() {
        let short = good.split(separator: ",").dropFirst(2).joined(separator: ",")
        let path = write(good + "\n" + short + "\n")
        #expect(throws: DataError.fieldCount(file: path, line: 2, expected: 42, actual: 40)) {
            try KDDCup.forEachRecord(inFile: path) { _ in }
        }
    }

    @Test func nonNumericValueNamesLineAndColumn() {
        let path = write(good.replacingOccurrences(of: ",181,", with: ",18x1,") + "\n")
        #expect(throws: DataError.invalidNumber(file: path, line: 1, column: 5, text: "18x1")) {
            try KDDCup.forEachRecord(inFile: path) { _ in }
        }
        let error = DataError.invalidNumber(file: path, line: 1, column: 5, text: "18x1")
        #expect(error.description == "\(path):1:5: expected a number, got \"18x1\"")
    }

    @Test func truncatedGzipIsReported() throws {
        let text = Array(String(repeating: good + "\n", count: 2000).utf8)
        let compressed = Deflater.compress(text, gzip: true)
        // Two gzip members in one file read as one stream, as gzip itself does.
        var rows = 0
        try KDDCup.forEachRecord(inFile: writeGzip(compressed + compressed, name: "two.gz")) { _ in rows += 1 }
        #expect(rows == 4000)
        let truncatedPath = writeGzip(Array(compressed.prefix(compressed.count / 2)), name: "truncated.gz")
        do {
            try KDDCup.forEachRecord(inFile: truncatedPath) { _ in }
            Issue.record("expected an error")
        } catch let error as DataError {
            guard case .corruptCompression(let file, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file == truncatedPath)
            #expect(reason.contains("truncated"))
        }
    }

    /// Found by the KDD fuzz target: an empty file reached the scaler's precondition.
    @Test func emptyFileIsAnErrorNotACrash() throws {
        let path = TestData.temporaryDirectory().appendingPathComponent("empty.data").path
        FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: DataError.malformed(file: path, expected: "at least one record", actual: "none")) { try KDDCup.oneHotView(path: path) }
        #expect(try KDDCup.continuousView(path: path).count == 0)
    }

    @Test func missingFileIsReported() {
        #expect(throws: DataError.cannotOpen(file: "/nonexistent/kdd.gz", reason: "No such file or directory")) {
            try KDDCup.forEachRecord(inFile: "/nonexistent/kdd.gz") { _ in }
        }
    }
}
