import ArgumentParser
import Foundation
import VigilData
import VigilDetect

/// The image sources `--data` names: `cifar10` and `mnist` (the training images in the data
/// folder), a folder of PNG files, an `.npy` / `.npz` of shape `[n, h, w, c]`.
enum ImageInput {
    /// What `path` holds; `nil` for a CSV (read as a table by the caller).
    static func read(_ path: String, location: DataCommand.Location, featuresKey: String?, labelsKey: String?) throws -> ImageFiles.Contents? {
        switch path {
        case "cifar10": return .images(try CIFAR10.readTraining(folder: location.cifar10Folder().path))
        case "mnist": return .images(try location.mnistTraining())
        default: return try ImageFiles.read(path, featuresKey: featuresKey, labelsKey: labelsKey)
        }
    }
}

extension DataCommand.Location {
    /// MNIST's training images and labels: the idx files (`train-images-idx3-ubyte`,
    /// `train-labels-idx1-ubyte`, plain or `.gz`) in a folder `mnist` of the data directories,
    /// else Keras's `mnist.npz` from a data folder or the cache, downloaded and verified when
    /// missing (`vigil data fetch mnist`).
    func mnistTraining() throws -> ImageSet {
        for directory in store.dataDirectories {
            let folder = directory.appendingPathComponent("mnist")
            for suffix in ["", ".gz"] {
                let images = folder.appendingPathComponent("train-images-idx3-ubyte" + suffix).path
                let labels = folder.appendingPathComponent("train-labels-idx1-ubyte" + suffix).path
                if FileManager.default.fileExists(atPath: images) && FileManager.default.fileExists(atPath: labels) {
                    return try MNIST.read(imagesPath: images, labelsPath: labels)
                }
            }
        }
        return try MNIST.readKeras(path: store.fetch(MNIST.kerasFile, progress: DownloadProgress(name: MNIST.kerasFile.name).report).path)
    }
}
