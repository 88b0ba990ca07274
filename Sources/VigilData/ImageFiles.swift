import Foundation
import VigilTensor

/// Images from a user's files: a folder of PNG files, or an `.npy` / `.npz` array of shape
/// `[n, height, width, channels]` (unsigned bytes, divided by 255, or floats in [0, 1]).
public enum ImageFiles {
    /// The class names of images labelled normal (0) or outlier (1), as an `.npz`'s labels array gives them.
    public static let outlierClassNames = ["normal", "outlier"]

    /// What a `--data` path holds.
    public enum Contents {
        case images(ImageSet)
        case table(Dataset)
    }

    /// Reads `path` once: a folder → its PNG images; an `.npy` / `.npz` whose features array
    /// has rank 4 → images (with the `.npz`'s labels array, 0 normal and any other number an
    /// outlier, when there is one); any other `.npy` / `.npz` → a table; `nil` for other
    /// files (CSV), which the caller reads as a table with its own options.
    public static func read(_ path: String, featuresKey: String? = nil, labelsKey: String? = nil) throws -> Contents? {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            return .images(try folder(path))
        }
        let lowered = path.lowercased()
        guard lowered.hasSuffix(".npy") || lowered.hasSuffix(".npz") else { return nil }
        let arrays = try NumericTable.arrays(path, featuresKey: featuresKey, labelsKey: labelsKey)
        guard arrays.features.shape.count == 4 else { return .table(try NumericTable.table(arrays, file: path)) }
        let images = try tensor(arrays.features, file: path)
        let labels = try arrays.labels.map { try NumericTable.targets($0, rows: images.shape[0], file: path) }
        return .images(ImageSet(images: images, labels: labels ?? Array(repeating: 0, count: images.shape[0]), classNames: labels == nil ? [] : outlierClassNames))
    }

    /// An array `[n, h, w, c]` (c = 1 or 3) as images in [0, 1]: unsigned bytes divided by
    /// 255, floats as they are, which must then lie in [0, 1].
    public static func tensor(_ array: NumPyArray, file: String) throws -> Tensor {
        let shape = array.shape
        guard shape.count == 4, shape.allSatisfy({ $0 >= 1 }), [1, 3].contains(shape[3]) else {
            throw DataError.malformed(file: file, expected: "images of shape [n, height, width, 1 or 3]", actual: "shape \(shape)")
        }
        if case .uint8(let bytes) = array.elements {
            return Tensor(shape: shape, scalars: bytes.map { Float($0) / 255 })
        }
        let values = array.tensor
        if let bad = values.scalars.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw DataError.unexpectedValue(
                file: file, line: nil, column: nil, expected: "pixel values in [0, 1] (or unsigned bytes; divide 0–255 floats by 255)",
                actual: "\(values.scalars[bad]) at element \(bad)")
        }
        return values
    }

    /// Every `.png` file directly in `folder`, in the order of their names' bytes, as one
    /// image set; all must have the same size and channel count.
    public static func folder(_ folder: String) throws -> ImageSet {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw DataError.cannotOpen(file: folder, reason: error.localizedDescription)
        }
        let files = names.filter { $0.lowercased().hasSuffix(".png") }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard let first = files.first else {
            throw DataError.malformed(file: folder, expected: "PNG files (*.png) in the folder", actual: "none among \(names.count) entries")
        }
        var pixels: [UInt8] = []
        var shape: (width: Int, height: Int, channels: Int)?
        for name in files {
            let path = (folder as NSString).appendingPathComponent(name)
            let image = try PNGReader.read(path: path)
            if let shape, (shape.width, shape.height, shape.channels) != (image.width, image.height, image.channels) {
                throw DataError.malformed(
                    file: path, expected: "\(shape.height)×\(shape.width) with \(shape.channels) channel(s), as \(first)",
                    actual: "\(image.height)×\(image.width) with \(image.channels)")
            }
            shape = (image.width, image.height, image.channels)
            guard InputLimits.current.elementCount([pixels.count + image.pixels.count]) != nil else {
                throw DataError.tooLarge(file: folder, what: "pixel values", limit: InputLimits.current.maximumElements, setting: "VIGIL_MAX_ELEMENTS")
            }
            pixels += image.pixels
        }
        let size = shape!
        return ImageSet(
            images: Tensor(shape: [files.count, size.height, size.width, size.channels], scalars: pixels.map { Float($0) / 255 }),
            labels: Array(repeating: 0, count: files.count), classNames: [])
    }
}
