import Foundation

/// Writes a line to standard output at once (a pipe would otherwise hold it until exit).
func say(_ line: String) {
    try? FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
}
