import Foundation
import Testing
@testable import VigilData
import VigilTensor
import _TestSupport

/// The readers of a table larger than memory: the spill file, the streamed `.npy`, labelled
/// CSV batches and streamed column statistics, each against its in-memory twin.
@Suite("Streamed tables")
struct StreamedTableTests {
    @Test func spilledRowsReadBackAnyRange() throws {
        var generator = SeededRandom(seed: 4)
        let data = generator.normalTensor([1_000, 7], standardDeviation: 3)
        let folder = TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spilled = try SpilledRows(columns: 7, folder: folder.path)
        for start in stride(from: 0, to: 1_000, by: 333) { try spilled.append(data.slice(alongAxis: 0, start..<min(1_000, start + 333))) }
        #expect(spilled.rowCount == 1_000 && spilled.rowShape == [7] && spilled.inMemory == nil)
        for range in [0..<1_000, 330..<340, 999..<1_000, 5..<5] { #expect(try spilled.rows(range) == data.slice(alongAxis: 0, range)) }
        #expect(throws: DataError.invalidArgument(name: "spilled row range", expected: "within 0..<1000", actual: "990..<1001")) { try spilled.rows(990..<1001) }
        #expect(throws: DataError.invalidArgument(name: "spilled rows", expected: "[rows, 7]", actual: "[2, 3]")) {
            try spilled.append(Tensor(shape: [2, 3], scalars: [0, 0, 0, 0, 0, 0]))
        }
    }

    @Test func streamedNumPyEqualsTheWholeRead() throws {
        let folder = TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let values = (0..<(53 * 4)).map { Double($0) * 0.37 - 20 }
        let arrays: [NumPyArray] = [
            NumPyArray(shape: [53, 4], elements: .float32(values.map { Float($0) })), NumPyArray(shape: [53, 4], elements: .float64(values)),
            NumPyArray(shape: [53, 4], elements: .int64(values.map { Int64($0) })), NumPyArray(shape: [53, 4], elements: .uint8(values.map { UInt8(abs(Int($0)) % 256) })),
        ]
        for (index, array) in arrays.enumerated() {
            let path = folder.appendingPathComponent("a\(index).npy").path
            try NumPy.write(array, to: path)
            for batchSize in [1, 10, 53, 1_000] {
                var parts: [Tensor] = []
                var firsts: [Int] = []
                let shape = try NumPy.forEachBatch(path: path, batchSize: batchSize) { rows, first in parts.append(rows); firsts.append(first) }
                #expect(shape == [53, 4])
                #expect(Tensor.concatenate(parts, alongAxis: 0) == array.tensor)
                #expect(firsts == Array(stride(from: 0, to: 53, by: batchSize)))
            }
        }
        // The whole read's messages, for a file cut short and a file of the wrong rank.
        let full = NumPy.encode(arrays[0])
        let short = folder.appendingPathComponent("short.npy").path
        try Data(full.prefix(full.count - 10)).write(to: URL(fileURLWithPath: short))
        #expect(throws: DataError.malformed(file: short, expected: "848 bytes of <f4 data for shape [53, 4]", actual: "838 bytes")) {
            try NumPy.forEachBatch(path: short, batchSize: 10) { _, _ in }
        }
        // A header that claims a row of 2³⁰ values is refused before anything is allocated for it.
        let wide = folder.appendingPathComponent("wide.npy").path
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1073741824), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        try Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [0, 0, 0, 0]).write(to: URL(fileURLWithPath: wide))
        #expect(throws: DataError.tooLarge(file: wide, what: "features per row (1073741824)", limit: 65_536, setting: "VIGIL_MAX_LAYER_UNITS")) {
            try NumPy.forEachBatch(path: wide, batchSize: 10) { _, _ in }
        }
        let flat = folder.appendingPathComponent("flat.npy").path
        try NumPy.write(NumPyArray(shape: [3], elements: .float32([1, 2, 3])), to: flat)
        #expect(throws: DataError.malformed(file: flat, expected: "a 2-D array [rows, features]", actual: "shape [3]")) {
            try NumPy.forEachBatch(path: flat, batchSize: 10) { _, _ in }
        }
    }

    @Test func spillKeepsTheNormalRowsOfALabelledCSV() throws {
        let folder = TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = "id,a,b,label\n"
        for row in 0..<2_500 { text += "\(row),\(Double(row) * 0.5),\(row % 7),\(row % 5 == 0 ? "bad" : "ok")\n" }
        let path = folder.appendingPathComponent("t.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let memory = try CSV.read(path: path, labelColumn: "label", labels: .normal("ok"), excluding: ["id"])
        let normal = memory.features.gatherRows(memory.targets!.indices.filter { memory.targets![$0] == 0 })
        let spill = try TableSpill.read(path: path, labelColumn: "label", labels: .normal("ok"), excluding: ["id"], folder: folder.path, batchSize: 300)
        #expect(spill.fileRows == 2_500 && spill.featureNames == ["a", "b"])
        #expect(try spill.rows.rows(0..<spill.rows.rowCount) == normal)
        // The streamed standardiser is the in-memory one, to the bit.
        #expect(try Standardizer(fitting: spill.rows) == Standardizer(fitting: normal))
        #expect(try Standardizer(fitting: StreamedView(normal)) == Standardizer(fitting: normal))

        let infinite = folder.appendingPathComponent("inf.csv").path
        try Data("a,b\n1,2\n3,inf\n".utf8).write(to: URL(fileURLWithPath: infinite))
        #expect(throws: DataError.unexpectedValue(file: infinite, line: 3, column: 2, expected: "a finite number (row 1, feature b)", actual: "inf")) {
            try TableSpill.read(path: infinite, folder: folder.path)
        }
        let allBad = folder.appendingPathComponent("bad.csv").path
        try Data("a,label\n1,1\n2,1\n".utf8).write(to: URL(fileURLWithPath: allBad))
        #expect(throws: DataError.malformed(file: allBad, expected: "some normal rows to train on", actual: "every row labelled an outlier")) {
            try TableSpill.read(path: allBad, labelColumn: "label", folder: folder.path)
        }
        #expect(throws: DataError.unexpectedValue(file: allBad, line: 1, column: nil, expected: "a column named \"y\"", actual: "columns [\"a\", \"label\"]")) {
            try TableSpill.read(path: allBad, labelColumn: "y", folder: folder.path)
        }
    }
}
