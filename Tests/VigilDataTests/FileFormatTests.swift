import Foundation
import Testing
@testable import VigilData
import VigilTensor

@Suite("CSV")
struct CSVTests {
    func write(_ text: String, name: String = "table.csv") -> String {
        let path = TestData.temporaryDirectory().appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func readsHeaderNumbersQuotesAndLabels() throws {
        let path = write("a,\"b, with comma\",label\n1,2.5,cat\n-3e2,\"4\",dog\r\n\n5,6,cat\n")
        let data = try CSV.read(path: path, labelColumn: "label", labels: .normal("cat"))
        #expect(data.featureNames == ["a", "b, with comma"])
        #expect(data.features.shape == [3, 2])
        #expect(data.features.scalars == [1, 2.5, -300, 4, 5, 6])
        #expect(data.targets == [0, 1, 0])
        #expect(data.targetNames == ["normal", "outlier"])
        // Numeric labels: 0 is normal however it is written, any other number an outlier,
        // whatever the first row holds.
        let numeric = try CSV.read(path: write("x,target\n1,1.00000\n2,0.00000\n3,-0\n4,7\n"), labelColumn: "target")
        #expect(numeric.targets == [1, 0, 0, 1])
        #expect(throws: DataError.unexpectedValue(
            file: path, line: 2, column: 3,
            expected: "a numeric label in column \"label\" (0 = normal, any other number = outlier); for word labels name the normal one (--normal-label)",
            actual: "\"cat\"")) { try CSV.read(path: path, labelColumn: "label") }
        #expect(throws: DataError.unexpectedValue(
            file: path, line: nil, column: nil, expected: "some rows labelled \"bird\" (the normal label) in column \"label\"", actual: "none")) {
            try CSV.read(path: path, labelColumn: "label", labels: .normal("bird"))
        }
    }

    /// Bytes in memory (a request's body), plain or gzip-compressed, read as a file is, with
    /// errors that name what the caller called them.
    @Test func readsBytesInMemory() throws {
        let text = "a,b,label\n1,2,0\n3,4,1\n"
        let fromFile = try CSV.read(path: write(text), labelColumn: "label")
        for bytes in [Array(text.utf8), Deflater.compress(Array(text.utf8), gzip: true)] {
            let table = try CSV.read(bytes: bytes, name: "the body", labelColumn: "label")
            #expect(table.features == fromFile.features && table.targets == fromFile.targets && table.featureNames == fromFile.featureNames)
        }
        #expect(throws: DataError.fieldCount(file: "the body", line: 3, expected: 3, actual: 2)) {
            try CSV.read(bytes: Array("a,b,label\n1,2,0\n3,4\n".utf8), name: "the body")
        }
    }

    @Test func excludedColumnsAreLeftOutAndMustExist() throws {
        let path = write("id,a,note,b,label\nx1,1,\"free text\",2,0\nx2,3,more,4,1\n", name: "excluded.csv")
        let data = try CSV.read(path: path, labelColumn: "label", excluding: ["id", "note"])
        #expect(data.featureNames == ["a", "b"] && data.features.scalars == [1, 2, 3, 4] && data.targets == [0, 1])
        var batches: [[Float]] = []
        try CSV.forEachBatch(path: path, batchSize: 1, labelColumn: "label", excluding: ["id", "note"]) { features, names, _ in
            #expect(names == ["a", "b"])
            batches.append(features.scalars)
        }
        #expect(batches == [[1, 2], [3, 4]])
        #expect(throws: DataError.unexpectedValue(
            file: path, line: 1, column: nil, expected: "a column named \"zip\" to exclude", actual: "columns [\"id\", \"a\", \"note\", \"b\", \"label\"]")) {
            try CSV.read(path: path, excluding: ["zip"])
        }
    }

    /// One-hot columns follow the numeric ones, categories sorted; an encoding applied to
    /// another file gives zeros for a category it lacks; a missing category and a categorical
    /// label are errors.
    @Test func categoricalColumnsAreOneHotEncoded() throws {
        let path = write("x,colour,y\n1,red,2\n3,blue,4\n5,red,6\n")
        let data = try CSV.read(path: path, categorical: .learn(["colour"]))
        #expect(data.featureNames == ["x", "y", "colour=blue", "colour=red"])
        #expect(data.features == Tensor(rows: [[1, 2, 0, 1], [3, 4, 1, 0], [5, 6, 0, 1]]))
        #expect(data.categorical == [CategoricalColumn(name: "colour", categories: ["blue", "red"])])
        let other = write("colour,x,y\ngreen,7,8\nblue,9,10\n", name: "other.csv")
        let applied = try CSV.read(path: other, categorical: .apply(data.categorical))
        #expect(applied.features == Tensor(rows: [[7, 8, 0, 0], [9, 10, 1, 0]]))
        var batches: [Tensor] = []
        try CSV.forEachBatch(path: other, batchSize: 1, categorical: data.categorical) { features, names, _ in
            batches.append(features)
            #expect(names == ["x", "y", "colour=blue", "colour=red"])
        }
        #expect(batches == [Tensor(rows: [[7, 8, 0, 0]]), Tensor(rows: [[9, 10, 1, 0]])])
        let missing = write("x,colour\n1,NA\n", name: "missing.csv")
        #expect(throws: DataError.missingValue(file: missing, line: 2, column: 2, name: "colour")) {
            try CSV.read(path: missing, categorical: .learn(["colour"]))
        }
        #expect(throws: DataError.unexpectedValue(
            file: path, line: 1, column: nil, expected: "a categorical column that is neither the label nor excluded", actual: "\"colour\" is the label column")) {
            try CSV.read(path: path, labelColumn: "colour", categorical: .learn(["colour"]))
        }
        #expect(throws: DataError.unexpectedValue(
            file: path, line: 1, column: nil, expected: "a categorical column named \"shape\"", actual: "columns [\"x\", \"colour\", \"y\"]")) {
            try CSV.read(path: path, categorical: .learn(["shape"]))
        }
    }

    @Test func quotedFieldsMayHoldLineBreaksAndQuotes() throws {
        let path = write("\"multi\nline\",\"say \"\"hi\"\"\"\n1,2\n")
        let data = try CSV.read(path: path)
        #expect(data.featureNames == ["multi\nline", "say \"hi\""])
        #expect(data.features.scalars == [1, 2])
    }

    @Test func roundTripIsExact() throws {
        var random = SeededRandom(seed: 4)
        let original = Dataset(
            features: random.normalTensor([50, 3]), targets: (0..<50).map { $0 % 2 },
            featureNames: ["x", "y, z", "w\"q"])
        let path = TestData.temporaryDirectory().appendingPathComponent("round.csv").path
        try CSV.write(original, to: path)
        let read = try CSV.read(path: path, labelColumn: "target")
        #expect(read.features == original.features)
        #expect(read.targets == original.targets)
        #expect(read.featureNames == original.featureNames)
    }

    @Test func errorsNameFileLineAndColumn() {
        let bad = write("a,b\n1,2\n3,x7\n")
        #expect(throws: DataError.invalidNumber(file: bad, line: 3, column: 2, text: "x7")) { try CSV.read(path: bad) }
        let missing = write("a,b\n1,\n")
        #expect(throws: DataError.missingValue(file: missing, line: 2, column: 2, name: "b")) { try CSV.read(path: missing) }
        let na = write("a,b\nNA,1\n")
        #expect(throws: DataError.missingValue(file: na, line: 2, column: 1, name: "a")) { try CSV.read(path: na) }
        let short = write("a,b\n1,2\n3\n")
        #expect(throws: DataError.fieldCount(file: short, line: 3, expected: 2, actual: 1)) { try CSV.read(path: short) }
        let open = write("a,b\n\"1,2\n")
        #expect(throws: DataError.self) { try CSV.read(path: open) }
        #expect(throws: DataError.self) { try CSV.read(path: write("a,b\n1,2\n"), labelColumn: "nope") }
    }
}

@Suite("NumPy files")
struct NumPyTests {
    func temporary(_ name: String) -> String { TestData.temporaryDirectory().appendingPathComponent(name).path }

    @Test(arguments: [
        NumPyArray(shape: [2, 3], elements: .float32([1, -2.5, 3, .infinity, 0, 1e-30])),
        NumPyArray(shape: [3], elements: .float64([1.0 / 3, -2, 1e300])),
        NumPyArray(shape: [2, 2], elements: .int32([1, -2, .max, .min])),
        NumPyArray(shape: [1], elements: .int64([.min])),
        NumPyArray(shape: [2, 1, 2], elements: .uint8([0, 255, 7, 128])),
        NumPyArray(shape: [2], elements: .bool([true, false])),
        NumPyArray(shape: [], elements: .float32([42])),
    ])
    func npyRoundTrip(array: NumPyArray) throws {
        let path = temporary("a.npy")
        try NumPy.write(array, to: path)
        #expect(try NumPy.read(path: path) == array)
        #expect(NumPy.encode(array).count % 16 == NumPy.encode(array).count % 16)
    }

    @Test func npzRoundTripStoredAndDeflated() throws {
        var random = SeededRandom(seed: 1)
        let arrays = [
            "x": NumPyArray(random.normalTensor([20, 5])),
            "y": NumPyArray(shape: [20], elements: .int64((0..<20).map(Int64.init))),
        ]
        for compressed in [false, true] {
            let path = temporary(compressed ? "c.npz" : "s.npz")
            try NumPy.writeArchive(arrays, to: path, compressed: compressed)
            #expect(try NumPy.readArchive(path: path) == arrays)
        }
    }

    // Written by NumPy 2.4:
    //   a = np.arange(12, dtype=np.float32).reshape(3, 4) / 8
    //   b = np.array([1, -2, 3], dtype=np.int64)
    //   c = np.array([[True, False], [False, True]])
    //   np.savez(buf, features=a, labels=b, mask=c)             # stored, zip64 headers
    //   np.savez_compressed(buf, features=a, labels=b, mask=c)  # deflated
    static let numpyStored = "UEsDBC0AAAAAAAAAIQA6IyRt//////////8MABQAZmVhdHVyZXMubnB5AQAQALAAAAAAAAAAsAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywgNCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAAAAAA+AACAPgAAwD4AAAA/AAAgPwAAQD8AAGA/AACAPwAAkD8AAKA/AACwP1BLAwQtAAAAAAAAACEAdKjzMP//////////CgAUAGxhYmVscy5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQAAAAAAAAD+/////////wMAAAAAAAAAUEsDBC0AAAAAAAAAIQC75Eyt//////////8IABQAbWFzay5ucHkBABAAhAAAAAAAAACEAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJ3xiMScsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQAAAVBLAQItAy0AAAAAAAAAIQA6IyRtsAAAALAAAAAMAAAAAAAAAAAAAACAAQAAAABmZWF0dXJlcy5ucHlQSwECLQMtAAAAAAAAACEAdKjzMJgAAACYAAAACgAAAAAAAAAAAAAAgAHuAAAAbGFiZWxzLm5weVBLAQItAy0AAAAAAAAAIQC75EythAAAAIQAAAAIAAAAAAAAAAAAAACAAcIBAABtYXNrLm5weVBLBQYAAAAAAwADAKgAAACAAgAAAAA="
    static let numpyDeflated = "UEsDBC0AAAAIAAAAIQA6IyRt//////////8MABQAZmVhdHVyZXMubnB5AQAQALAAAAAAAAAAZgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOgommjoKtQpkAy4GCLBjYGgA4gNAzGDPwKAAxA5AnADEDUA8AYgXAPEGewBQSwMELQAAAAgAAAAhAHSo8zD//////////woAFABsYWJlbHMubnB5AQAQAJgAAAAAAAAATgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2mhrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOpo6CrUKFAAuRgYI+PcfApihfABQSwMELQAAAAgAAAAhALvkTK3//////////wgAFABtYXNrLm5weQEAEACEAAAAAAAAAEoAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgXpNkqK6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaRjoKRpo6CrUKZAMuRgYGRgBQSwECLQMtAAAACAAAACEAOiMkbWYAAACwAAAADAAAAAAAAAAAAAAAgAEAAAAAZmVhdHVyZXMubnB5UEsBAi0DLQAAAAgAAAAhAHSo8zBOAAAAmAAAAAoAAAAAAAAAAAAAAIABpAAAAGxhYmVscy5ucHlQSwECLQMtAAAACAAAACEAu+RMrUoAAACEAAAACAAAAAAAAAAAAAAAgAEuAQAAbWFzay5ucHlQSwUGAAAAAAMAAwCoAAAAsgEAAAAA"

    @Test func readsArchivesWrittenByNumPy() throws {
        for encoded in [Self.numpyStored, Self.numpyDeflated] {
            let path = temporary("numpy.npz")
            FileManager.default.createFile(atPath: path, contents: Data(base64Encoded: encoded)!)
            let arrays = try NumPy.readArchive(path: path)
            #expect(arrays["features"] == NumPyArray(shape: [3, 4], elements: .float32((0..<12).map { Float($0) / 8 })))
            #expect(arrays["labels"] == NumPyArray(shape: [3], elements: .int64([1, -2, 3])))
            #expect(arrays["mask"] == NumPyArray(shape: [2, 2], elements: .bool([true, false, false, true])))
        }
    }

    @Test func unsupportedDtypeAndDamageAreErrors() throws {
        // np.save(buf, np.array([1, 2], dtype=np.float16))
        let half = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPABA"
        let path = temporary("half.npy")
        FileManager.default.createFile(atPath: path, contents: Data(base64Encoded: half)!)
        do {
            _ = try NumPy.read(path: path)
            Issue.record("expected an error")
        } catch let error as DataError {
            #expect(error.description.contains("dtype <f2"))
            #expect(error.description.hasPrefix(path))
        }
        // np.save(buf, np.array([[1.5, -2.25]])) read correctly, then truncated.
        let double = Data(base64Encoded: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAALA")!
        #expect(try NumPy.decode(Array(double), file: "d") == NumPyArray(shape: [1, 2], elements: .float64([1.5, -2.25])))
        #expect(throws: DataError.self) { try NumPy.decode(Array(double.dropLast(3)), file: "d") }
        #expect(throws: DataError.self) { try NumPy.decode(Array("not numpy".utf8), file: "d") }
        // A damaged deflated entry fails its CRC or inflation.
        var archive = Array(Data(base64Encoded: Self.numpyDeflated)!)
        archive[120] ^= 0xFF
        let damaged = temporary("damaged.npz")
        FileManager.default.createFile(atPath: damaged, contents: Data(archive))
        #expect(throws: DataError.self) { try NumPy.readArchive(path: damaged) }
    }
}
