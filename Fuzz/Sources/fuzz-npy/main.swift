// NumPy.decode on the input's bytes; an array that decodes is converted to a tensor and
// encoded and decoded again.
import FuzzSupport
import VigilData

FuzzSupport.run { bytes in
    FuzzSupport.attempt {
        let array = try NumPy.decode(bytes, file: "input.npy")
        _ = array.tensor
        _ = try NumPy.decode(NumPy.encode(array), file: "reencoded.npy")
    }
}
