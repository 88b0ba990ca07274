// MNIST.read on two files cut from the input: a little-endian UInt16 n, then n bytes of the
// images (idx3) file, the rest the labels (idx1) file; each plain or gzip.
import FuzzSupport
import VigilData

FuzzSupport.run { bytes in
    let declared = bytes.count >= 2 ? Int(bytes[0]) | Int(bytes[1]) << 8 : 0
    let body = Array(bytes.dropFirst(2))
    let split = min(declared, body.count)
    let images = FuzzSupport.file("images-idx3-ubyte", Array(body[..<split]))
    let labels = FuzzSupport.file("labels-idx1-ubyte", Array(body[split...]))
    FuzzSupport.attempt { _ = try MNIST.read(imagesPath: images, labelsPath: labels) }
}
