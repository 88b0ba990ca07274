import Foundation
import VigilTensor

/// The safetensors layout (little-endian Float32 only): an 8-byte little-endian header
/// length, a JSON header `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}, …,
/// "__metadata__": {…}}` padded with spaces to a multiple of 8, then the tensors' bytes.
/// Python's `safetensors` reads these files as they are.
enum SafeTensors {
    static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, tensor) in tensors {
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.count]] as [String: Any]
            offset += 4 * tensor.count
        }
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        for (_, tensor) in tensors {
            tensor.scalars.map { $0.bitPattern.littleEndian }.withUnsafeBytes { bytes += $0 }
        }
        return bytes
    }

    /// Parses a file's bytes, checking every size and offset; `file` names it in errors.
    static func decode(_ bytes: [UInt8], file: String) throws -> [String: Tensor] {
        guard bytes.count >= 8 else { throw PersistenceError.malformed(file: file, problem: "\(bytes.count) bytes, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8), headerLength <= 100_000_000 else {
            throw PersistenceError.malformed(file: file, problem: "header of \(headerLength) bytes in a \(bytes.count)-byte file (truncated?)")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
            throw PersistenceError.malformed(file: file, problem: "the header is not a JSON object")
        }
        let dataSize = bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw PersistenceError.malformed(file: file, problem: "tensor \"\(name)\" lacks dtype, shape or data_offsets") }
            guard dtype == "F32" else { throw PersistenceError.malformed(file: file, problem: "tensor \"\(name)\" has dtype \(dtype), expected F32") }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
                throw PersistenceError.malformed(file: file, problem: "tensor \"\(name)\" has shape \(shape)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard begin >= 0, end >= begin, end <= dataSize, end - begin == 4 * count else {
                throw PersistenceError.malformed(
                    file: file, problem: "tensor \"\(name)\" of shape \(shape) has offsets [\(begin), \(end)] in \(dataSize) data bytes (truncated?)")
            }
            ranges.append((begin, end, name))
            let scalars = bytes.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: dataStart + begin + 4 * $0, as: UInt32.self))) }
            }
            tensors[name] = Tensor(shape: shape, scalars: scalars)
        }
        // The tensors must tile the data section without gaps or overlaps.
        var position = 0
        for (begin, end, name) in ranges.sorted(by: { $0.0 < $1.0 }) {
            guard begin == position else { throw PersistenceError.malformed(file: file, problem: "tensor \"\(name)\" overlaps another or leaves a gap") }
            position = end
        }
        guard position == dataSize else { throw PersistenceError.malformed(file: file, problem: "\(dataSize - position) bytes after the last tensor") }
        return tensors
    }
}
