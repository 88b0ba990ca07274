// CSV.read and CSV.forEachBatch on a file holding the input (plain, or gzip when it starts
// with 1f 8b): with no label column, a numeric "label" column, word labels, another delimiter.
import FuzzSupport
import VigilData

FuzzSupport.run { bytes in
    let path = FuzzSupport.file("input.csv", bytes)
    FuzzSupport.attempt { _ = try CSV.read(path: path) }
    FuzzSupport.attempt { _ = try CSV.read(path: path, labelColumn: "label") }
    FuzzSupport.attempt { _ = try CSV.read(path: path, labelColumn: "label", labels: .normal("normal"), delimiter: ";") }
    FuzzSupport.attempt { try CSV.forEachBatch(path: path, batchSize: 2, labelColumn: "label") { _, _, _ in } }
}
