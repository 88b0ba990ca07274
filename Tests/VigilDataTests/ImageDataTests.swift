import Foundation
import Testing
@testable import VigilData
import VigilTensor

@Suite("Image data sets and masks")
struct ImageDataTests {
    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = TestData.temporaryDirectory().appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test func cifarRecordsBecomeNHWC() throws {
        // Two records: label, then 1,024 red, 1,024 green, 1,024 blue bytes.
        var bytes: [UInt8] = []
        for (label, base) in [(3, 0), (9, 100)] {
            bytes.append(UInt8(label))
            for channel in 0..<3 { bytes += (0..<1024).map { UInt8((base + channel * 50 + $0) % 256) } }
        }
        for compressed in [false, true] {
            let path = file(compressed ? "batch.bin.gz" : "batch.bin", compressed ? Deflater.compress(bytes, gzip: true) : bytes)
            let set = try CIFAR10.read(path: path)
            #expect(set.images.shape == [2, 32, 32, 3])
            #expect(set.labels == [3, 9])
            // Record 1, pixel (y 1, x 2) = index 34: channel c holds (100 + 50c + 34) / 255.
            for channel in 0..<3 {
                #expect(set.images[1, 1, 2, channel] == Float((100 + channel * 50 + 34) % 256) / 255)
            }
        }
        let wrongSize = file("short.bin", Array(bytes.dropLast()))
        #expect(throws: DataError.self) { try CIFAR10.read(path: wrongSize) }
        do { _ = try CIFAR10.read(path: wrongSize) } catch {
            #expect("\(error)".contains("multiple of 3073"))
        }
        var badLabel = bytes
        badLabel[0] = 12
        #expect(throws: DataError.self) { try CIFAR10.read(path: file("label.bin", badLabel)) }
    }

    @Test func mnistIdxFilesPlainAndGzip() throws {
        let images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6]
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 2, 7, 1]
        let set = try MNIST.read(
            imagesPath: file("images-idx3-ubyte.gz", Deflater.compress(images, gzip: true)), labelsPath: file("labels-idx1-ubyte", labels))
        #expect(set.images.shape == [2, 2, 3, 1])
        #expect(set.labels == [7, 1])
        #expect(set.images[0, 1, 2, 0] == 1)
        #expect(set.images[0, 0, 1, 0] == 0.2)
        #expect(throws: DataError.self) {
            try MNIST.read(imagesPath: file("i", images), labelsPath: file("l", [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]))
        }
        #expect(throws: DataError.self) { try MNIST.read(imagesPath: file("j", Array(images.dropLast())), labelsPath: file("m", labels)) }
        // Found by the MNIST fuzz target: dimensions whose product overflows (2³² − 1 each) are an error, not a trap.
        let huge: [UInt8] = [0, 0, 8, 3] + Array(repeating: 0xFF, count: 12) + [1, 2, 3]
        let hugePath = file("huge", huge)
        #expect(throws: DataError.malformed(
            file: hugePath, expected: "one data byte per element of dimensions [4294967295, 4294967295, 4294967295]", actual: "3 data bytes")) {
            try MNIST.read(imagesPath: hugePath, labelsPath: file("n", labels))
        }
    }

    /// Keras's `mnist.npz` layout (compressed, as `numpy.savez_compressed` writes) reads as the idx files do.
    @Test func mnistKerasArchiveReadsAsTheIdxFiles() throws {
        let pixels: [UInt8] = [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6]
        let path = TestData.temporaryDirectory().appendingPathComponent("mnist.npz").path
        try NumPy.writeArchive(
            ["x_train": NumPyArray(shape: [2, 2, 3], elements: .uint8(pixels)), "y_train": NumPyArray(shape: [2], elements: .uint8([7, 1])),
             "x_test": NumPyArray(shape: [1, 2, 3], elements: .uint8(Array(pixels.prefix(6)))), "y_test": NumPyArray(shape: [1], elements: .uint8([3]))],
            to: path, compressed: true)
        let keras = try MNIST.readKeras(path: path)
        let idx = try MNIST.read(
            imagesPath: file("i3", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + pixels), labelsPath: file("l1", [0, 0, 8, 1, 0, 0, 0, 2, 7, 1]))
        #expect(keras.images == idx.images && keras.labels == idx.labels && keras.classNames == idx.classNames)
        let wrong = TestData.temporaryDirectory().appendingPathComponent("other.npz").path
        try NumPy.writeArchive(["x": NumPyArray(shape: [1], elements: .uint8([0]))], to: wrong)
        #expect(throws: DataError.malformed(file: wrong, expected: "arrays x_train and y_train (Keras's mnist.npz)", actual: "arrays [\"x\"]")) {
            try MNIST.readKeras(path: wrong)
        }
        let badLabels = TestData.temporaryDirectory().appendingPathComponent("labels.npz").path
        try NumPy.writeArchive(
            ["x_train": NumPyArray(shape: [2, 2, 3], elements: .uint8(pixels)), "y_train": NumPyArray(shape: [2], elements: .uint8([7, 10]))], to: badLabels)
        #expect(throws: DataError.unexpectedValue(file: badLabels, line: nil, column: nil, expected: "y_train labels 0…9", actual: "10.0 for image 1")) {
            try MNIST.readKeras(path: badLabels)
        }
        let idxLabels = file("labels-idx1", [0, 0, 8, 1, 0, 0, 0, 2, 7, 12])
        #expect(throws: DataError.unexpectedValue(file: idxLabels, line: nil, column: nil, expected: "labels 0…9", actual: "12 for image 1")) {
            try MNIST.read(imagesPath: file("i3b", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + pixels), labelsPath: idxLabels)
        }
    }

    @Test func masksAreReproducibleAndBounded() throws {
        var random = SeededRandom(seed: 2)
        let images = random.uniformTensor([3, 16, 16, 3])
        for kind in ImageMask.Kind.allCases {
            let first = try ImageMask.apply(to: images, size: (4, 5), count: 2, kind: kind, seed: 11)
            let second = try ImageMask.apply(to: images, size: (4, 5), count: 2, kind: kind, seed: 11)
            #expect(first.images == second.images && first.masks == second.masks)
            #expect(first.images.shape == [6, 16, 16, 3])
            #expect(first.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
            // Outside the patch the images are untouched; the patch covers 4 × 5 pixels.
            var changedPixels = 0
            for pixel in 0..<(16 * 16) {
                var differs = false
                for channel in 0..<3 where first.images.scalars[pixel * 3 + channel] != images.scalars[pixel * 3 + channel] {
                    differs = true
                }
                if differs { changedPixels += 1 }
            }
            #expect(changedPixels <= 20)
        }
        // A zero mask at a given corner blanks exactly that patch on the chosen channel.
        let zero = try ImageMask.apply(to: images, size: (2, 3), count: 1, corners: [(y: 5, x: 7)], channels: [1], kind: .zero, seed: 0)
        #expect(zero.images[0, 5, 7, 1] == 0 && zero.images[0, 6, 9, 1] == 0)
        #expect(zero.images[0, 5, 7, 0] == images[0, 5, 7, 0])
        #expect(zero.images[0, 7, 7, 1] == images[0, 7, 7, 1])
        #expect(throws: DataError.self) { try ImageMask.apply(to: images, size: (16, 2), seed: 0) }
        #expect(throws: DataError.self) { try ImageMask.apply(to: images, channels: [3], seed: 0) }
    }
}
