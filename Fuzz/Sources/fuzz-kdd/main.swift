// KDD Cup '99 raw records on a file holding the input: the streaming parser and both views.
import FuzzSupport
import VigilData

FuzzSupport.run { bytes in
    let path = FuzzSupport.file("input.kdd", bytes)
    FuzzSupport.attempt { try KDDCup.forEachRecord(inFile: path) { _ in } }
    FuzzSupport.attempt { _ = try KDDCup.continuousView(path: path) }
    FuzzSupport.attempt { _ = try KDDCup.oneHotView(path: path) }
}
