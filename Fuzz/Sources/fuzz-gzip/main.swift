// The gzip path of ByteSource (multi-member, truncated, corrupt streams) through two public
// readers: the whole-file one (NumPy.read → ByteSource.readAll) and the line streaming one
// (CSV.read → LineReader). Seeds are gzip files; an input that lost its 1f 8b magic is read
// as plain bytes.
import FuzzSupport
import VigilData

FuzzSupport.run { bytes in
    let path = FuzzSupport.file("input.gz", bytes)
    FuzzSupport.attempt { _ = try NumPy.read(path: path) }
    FuzzSupport.attempt { _ = try CSV.read(path: path) }
}
