import Foundation
import VigilTensor

/// A table's rows kept on disk: Float32 rows appended to an unnamed temporary file and read
/// back by range (`pread`), so training can make as many passes as it needs over a table
/// larger than memory — including one read from a gzip-compressed file, which cannot be
/// read out of order. The file is unlinked as soon as it is opened, so it disappears with
/// the process however that ends; it needs `rows × columns × 4` bytes of disk in its folder.
public final class SpilledRows: RowSource {
    /// The number of values per row.
    public let columns: Int
    public private(set) var rowCount: Int = 0
    public var rowShape: [Int] { [columns] }
    public var inMemory: Tensor? { nil }
    private let descriptor: Int32
    private let folder: String

    /// An empty spill file in `folder` (default: the temporary folder).
    ///
    /// - Throws: ``DataError/ioFailure(file:reason:)`` when the file cannot be created.
    public init(columns: Int, folder: String = NSTemporaryDirectory()) throws {
        guard columns >= 1 else { throw DataError.invalidArgument(name: "spill columns", expected: "at least 1", actual: "\(columns)") }
        var template = Array((URL(fileURLWithPath: folder).appendingPathComponent("vigil-rows-XXXXXX").path).utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw DataError.ioFailure(file: folder, reason: "cannot create a temporary file for the rows: \(String(cString: strerror(errno)))")
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        unlink(path)
        self.descriptor = descriptor
        self.columns = columns
        self.folder = folder
    }

    deinit { close(descriptor) }

    /// Appends `batch` (`[rows, columns]`) after the rows already written.
    public func append(_ batch: Tensor) throws {
        guard batch.rank == 2, batch.shape[1] == columns else {
            throw DataError.invalidArgument(name: "spilled rows", expected: "[rows, \(columns)]", actual: "\(batch.shape)")
        }
        let offset = off_t(rowCount) * off_t(columns * 4)
        try batch.withUnsafeBufferPointer { values in
            guard let base = values.baseAddress, !values.isEmpty else { return }
            try transfer(UnsafeMutableRawPointer(mutating: base), values.count * 4, at: offset, writing: true)
        }
        rowCount += batch.shape[0]
    }

    public func rows(_ range: Range<Int>) throws -> Tensor {
        guard range.lowerBound >= 0, range.upperBound <= rowCount else {
            throw DataError.invalidArgument(name: "spilled row range", expected: "within 0..<\(rowCount)", actual: "\(range)")
        }
        var failure: Error?
        let rows = Tensor(uninitializedShape: [range.count, columns]) { out in
            guard let base = out.baseAddress, !out.isEmpty else { return }
            do { try transfer(UnsafeMutableRawPointer(base), out.count * 4, at: off_t(range.lowerBound) * off_t(columns * 4), writing: false) } catch {
                out.initialize(repeating: 0)
                failure = error
            }
        }
        if let failure { throw failure }
        return rows
    }

    /// Writes or reads `count` bytes at `offset`, all of them.
    private func transfer(_ buffer: UnsafeMutableRawPointer, _ count: Int, at offset: off_t, writing: Bool) throws {
        var done = 0
        while done < count {
            let moved = writing
                ? pwrite(descriptor, buffer + done, count - done, offset + off_t(done)) : pread(descriptor, buffer + done, count - done, offset + off_t(done))
            if moved < 0 && errno == EINTR { continue }
            guard moved > 0 else {
                let reason = moved < 0 ? String(cString: strerror(errno)) : "the file ended early"
                throw DataError.ioFailure(file: folder, reason: "cannot \(writing ? "write" : "read") the temporary rows file: \(reason)")
            }
            done += moved
        }
    }
}
