// NumPy.readArchive on a file holding the input (zip of .npy, stored or deflated, zip64);
// every array read is converted to a tensor.
import FuzzSupport
import VigilData

FuzzSupport.run { bytes in
    let path = FuzzSupport.file("input.npz", bytes)
    FuzzSupport.attempt {
        for (_, array) in try NumPy.readArchive(path: path) { _ = array.tensor }
    }
}
