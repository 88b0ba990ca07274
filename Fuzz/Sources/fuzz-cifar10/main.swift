// CIFAR10.read on a file holding the input (a batch of 3,073-byte records, plain or gzip).
import FuzzSupport
import VigilData

FuzzSupport.run { bytes in
    let path = FuzzSupport.file("input.bin", bytes)
    FuzzSupport.attempt { _ = try CIFAR10.read(path: path) }
}
