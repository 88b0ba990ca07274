import Foundation
import VigilTensor

/// Labelled images as NHWC Float32 in `[0, 1]`.
public struct ImageSet: Sendable {
    /// `[count, height, width, channels]`.
    public var images: Tensor
    /// One class per image.
    public var labels: [Int]
    /// The class names, where the format defines them.
    public var classNames: [String]

    public init(images: Tensor, labels: [Int], classNames: [String]) {
        self.images = images
        self.labels = labels
        self.classNames = classNames
    }
}

/// CIFAR-10's binary batches (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`).
public enum CIFAR10 {
    /// The ten classes, in label order.
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    /// Bytes per record: one label byte and 32·32 red, then green, then blue bytes.
    public static let recordSize = 1 + 3 * 32 * 32

    /// Reads one batch file (plain or gzip-compressed) into `[n, 32, 32, 3]` images in `[0, 1]`.
    ///
    /// - Throws: ``DataError/malformed(file:expected:actual:)`` when the size is not a
    ///   multiple of 3,073 bytes, ``DataError/unexpectedValue(file:line:column:expected:actual:)``
    ///   for a label above 9.
    public static func read(path: String) throws -> ImageSet {
        let bytes = try ByteSource.readAll(path)
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            throw DataError.malformed(
                file: path, expected: "a multiple of \(recordSize) bytes (1 label + 3,072 pixels per image)",
                actual: "\(bytes.count) bytes (\(bytes.count / recordSize) records and \(bytes.count % recordSize) bytes over)")
        }
        let count = bytes.count / recordSize
        var labels = [Int](repeating: 0, count: count)
        let images = Tensor(uninitializedShape: [count, 32, 32, 3]) { out in
            for record in 0..<count {
                let base = record * recordSize
                labels[record] = Int(bytes[base])
                for channel in 0..<3 {
                    for pixel in 0..<1024 {
                        out[(record * 1024 + pixel) * 3 + channel] = Float(bytes[base + 1 + channel * 1024 + pixel]) / 255
                    }
                }
            }
        }
        if let bad = labels.firstIndex(where: { $0 > 9 }) {
            throw DataError.unexpectedValue(
                file: path, line: nil, column: nil, expected: "labels 0–9", actual: "label \(labels[bad]) in record \(bad + 1)")
        }
        return ImageSet(images: images, labels: labels, classNames: classNames)
    }
}

extension CIFAR10 {
    /// The training batch files, in order (10,000 images each).
    public static let trainingBatchNames = (1...5).map { "data_batch_\($0).bin" }

    /// The first `count` training images (at most 50,000) of the batches in `folder`
    /// (`cifar-10-batches-bin`), read batch by batch until there are enough.
    ///
    /// - Throws: ``DataError`` for a missing or malformed batch, or fewer images than asked for.
    public static func readTraining(folder: String, count: Int = 50_000) throws -> ImageSet {
        guard (1...50_000).contains(count) else {
            throw DataError.invalidArgument(name: "training images", expected: "1…50,000", actual: "\(count)")
        }
        var parts: [ImageSet] = []
        var found = 0
        for name in trainingBatchNames where found < count {
            let batch = try Self.read(path: (folder as NSString).appendingPathComponent(name))
            parts.append(batch)
            found += batch.labels.count
        }
        guard found >= count else {
            throw DataError.malformed(file: folder, expected: "\(count) training images in \(trainingBatchNames.joined(separator: ", "))", actual: "\(found)")
        }
        let images = Tensor.concatenate(parts.map(\.images), alongAxis: 0).slice(alongAxis: 0, 0..<count)
        return ImageSet(images: images, labels: Array(parts.flatMap(\.labels).prefix(count)), classNames: classNames)
    }
}

/// MNIST's `idx` files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, …, plain or
/// gzip), or the `mnist.npz` Keras publishes (`keras.datasets.mnist.load_data`).
public enum MNIST {
    /// Keras's copy of MNIST (`x_train` [60000, 28, 28] and `y_train` [60000] as bytes, with
    /// the test arrays), at the address and with the SHA-256 `keras.datasets.mnist.load_data`
    /// uses (Keras 3's `keras/src/datasets/mnist.py`, `file_hash`).
    public static let kerasFile = RemoteDataFile(
        name: "mnist.npz", urls: [URL(string: "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")!],
        sha256: "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")

    /// The training images of Keras's `mnist.npz` (`x_train`, `[n, 28, 28]` bytes, and
    /// `y_train`, one label 0…9 per image) as `[n, 28, 28, 1]` images in `[0, 1]`, as ``read(imagesPath:labelsPath:)`` reads the idx files.
    public static func readKeras(path: String) throws -> ImageSet {
        let arrays = try NumPy.readArchive(path: path)
        guard let images = arrays["x_train"], let labels = arrays["y_train"] else {
            throw DataError.malformed(file: path, expected: "arrays x_train and y_train (Keras's mnist.npz)", actual: "arrays \(arrays.keys.sorted())")
        }
        guard case .uint8(let pixels) = images.elements, images.shape.count == 3, images.shape[0] >= 1 else {
            throw DataError.malformed(file: path, expected: "x_train of bytes, shape [n, rows, columns]", actual: "\(images.elements.descriptor), shape \(images.shape)")
        }
        guard labels.shape == [images.shape[0]] else {
            throw DataError.malformed(file: path, expected: "y_train of \(images.shape[0]) labels 0…9", actual: "shape \(labels.shape)")
        }
        let values = labels.tensor.scalars
        if let bad = values.firstIndex(where: { !(0...9).contains($0) || $0.rounded() != $0 }) {
            throw DataError.unexpectedValue(file: path, line: nil, column: nil, expected: "y_train labels 0…9", actual: "\(values[bad]) for image \(bad)")
        }
        let classes = values.map { Int($0) }
        let tensor = Tensor(shape: images.shape + [1], scalars: pixels.map { Float($0) / 255 })
        return ImageSet(images: tensor, labels: classes, classNames: (0...9).map(String.init))
    }

    /// Reads an image file (`idx3`, unsigned bytes) and its label file (`idx1`) into
    /// `[n, rows, columns, 1]` images in `[0, 1]`.
    public static func read(imagesPath: String, labelsPath: String) throws -> ImageSet {
        let (imageDimensions, pixels) = try readIDX(imagesPath, rank: 3)
        let (labelDimensions, labelBytes) = try readIDX(labelsPath, rank: 1)
        guard labelDimensions[0] == imageDimensions[0] else {
            throw DataError.malformed(
                file: labelsPath, expected: "\(imageDimensions[0]) labels (one per image in \(imagesPath))", actual: "\(labelDimensions[0])")
        }
        if let bad = labelBytes.firstIndex(where: { $0 > 9 }) {
            throw DataError.unexpectedValue(file: labelsPath, line: nil, column: nil, expected: "labels 0…9", actual: "\(labelBytes[bad]) for image \(bad)")
        }
        let images = Tensor(shape: imageDimensions + [1], scalars: pixels.map { Float($0) / 255 })
        return ImageSet(images: images, labels: labelBytes.map(Int.init), classNames: (0...9).map(String.init))
    }

    /// The dimensions and bytes of an `idx` file of unsigned bytes with `rank` dimensions.
    static func readIDX(_ path: String, rank: Int) throws -> ([Int], [UInt8]) {
        let bytes = try ByteSource.readAll(path)
        guard bytes.count >= 4 + 4 * rank, bytes[0] == 0, bytes[1] == 0 else {
            throw DataError.malformed(file: path, expected: "an idx file (magic 00 00 08 0\(rank))", actual: "bytes \(hexBytes(bytes.prefix(4)))")
        }
        guard bytes[2] == 0x08, Int(bytes[3]) == rank else {
            throw DataError.unexpectedValue(
                file: path, line: nil, column: nil, expected: "unsigned bytes (type 0x08) in \(rank) dimensions",
                actual: "type 0x\(String(bytes[2], radix: 16)) in \(bytes[3]) dimensions")
        }
        let dimensions = (0..<rank).map { axis in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + axis * 4 + $1]) } }
        let start = 4 + 4 * rank
        guard let expected = InputLimits(maximumElements: bytes.count).elementCount(dimensions), bytes.count - start == expected else {
            throw DataError.malformed(
                file: path, expected: "one data byte per element of dimensions \(dimensions)", actual: "\(bytes.count - start) data bytes")
        }
        return (dimensions, Array(bytes[start...]))
    }
}
