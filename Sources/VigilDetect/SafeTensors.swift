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

    /// The longest JSON header read (100 MB, as the reference implementation).
    static let maximumHeaderBytes = 100_000_000

    /// Parses a file's bytes, checking every size and offset; `file` names it in errors.
    /// Shapes are checked for overflow and against the data before anything is allocated;
    /// a repeated tensor name is an error (the format forbids it, and JSON parsers differ on
    /// which copy they keep).
    static func decode(_ bytes: [UInt8], file: String) throws -> [String: Tensor] {
        guard bytes.count >= 8 else { throw PersistenceError.malformed(file: file, problem: "\(bytes.count) bytes, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8), headerLength <= UInt64(maximumHeaderBytes) else {
            throw PersistenceError.malformed(
                file: file, problem: "not a safetensors file: its first 8 bytes do not give a header length within the file's \(bytes.count) bytes")
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = Data(bytes[8..<dataStart])
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: headerBytes) } catch {
            throw PersistenceError.malformed(file: file, problem: "the header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = parsed as? [String: Any] else {
            throw PersistenceError.malformed(file: file, problem: "the header is JSON but not an object of tensors")
        }
        if let repeated = JSONKeys.firstRepeatedTopLevelKey(Array(headerBytes)) {
            throw PersistenceError.malformed(file: file, problem: "tensor \"\(messageText(repeated))\" appears more than once in the header")
        }
        let dataSize = bytes.count - dataStart
        var entries: [(begin: Int, end: Int, name: String, shape: [Int])] = []
        for (name, value) in header where name != "__metadata__" {
            let shown = messageText(name)
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw PersistenceError.malformed(file: file, problem: "tensor \"\(shown)\" lacks dtype, shape or data_offsets") }
            guard dtype == "F32" else {
                throw PersistenceError.malformed(file: file, problem: "tensor \"\(shown)\" has dtype \(messageText(dtype)), expected F32")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw PersistenceError.malformed(
                    file: file, problem: "tensor \"\(shown)\" has offsets [\(begin), \(end)] outside the \(dataSize) data bytes (truncated?)")
            }
            guard let count = InputLimits(maximumElements: dataSize / 4).elementCount(shape), end - begin == 4 * count else {
                throw PersistenceError.malformed(
                    file: file, problem: "tensor \"\(shown)\" of shape \(shape) does not match its \(end - begin) bytes at offsets [\(begin), \(end)]")
            }
            entries.append((begin, end, name, shape))
        }
        // The tensors must tile the data section without gaps or overlaps.
        var position = 0
        for (begin, end, name, _) in entries.sorted(by: { $0.begin < $1.begin }) {
            guard begin == position else {
                throw PersistenceError.malformed(file: file, problem: "tensor \"\(messageText(name))\" overlaps another or leaves a gap")
            }
            position = end
        }
        guard position == dataSize else { throw PersistenceError.malformed(file: file, problem: "\(dataSize - position) bytes after the last tensor") }
        var tensors: [String: Tensor] = [:]
        bytes.withUnsafeBytes { raw in
            for (begin, end, name, shape) in entries {
                let scalars = (0..<((end - begin) / 4)).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: dataStart + begin + 4 * $0, as: UInt32.self)))
                }
                tensors[name] = Tensor(shape: shape, scalars: scalars)
            }
        }
        return tensors
    }
}

/// What Vigil needs of JSON beyond Foundation's parser: the top-level keys, to catch repeats.
enum JSONKeys {
    /// The first key that appears twice in the top-level object of `json` (which must
    /// already have parsed as JSON), unescaped, or `nil`.
    static func firstRepeatedTopLevelKey(_ json: [UInt8]) -> String? {
        var seen = Set<String>()
        var depth = 0
        var index = 0
        var expectingKey = false
        while index < json.count {
            let byte = json[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectingKey = byte == UInt8(ascii: "{") && depth == 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < json.count, json[index] != UInt8(ascii: "\"") {
                    index += json[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                if expectingKey {
                    expectingKey = false
                    let literal = Data(json[start...min(index, json.count - 1)])
                    let key = (try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed) as? String) ?? ""
                    if !seen.insert(key).inserted { return key }
                }
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
