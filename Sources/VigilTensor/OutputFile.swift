import Foundation

/// Why an output was not written. Every message names the path.
public enum OutputError: Error, Equatable, CustomStringConvertible {
    /// Writing would replace an input, a folder, a special file or a link; nothing was touched.
    case refused(file: String, reason: String)
    /// The system failed the write; nothing was left behind.
    case failed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .refused(file, reason): "\(file): not written: \(reason)"
        case let .failed(file, reason): "\(file): cannot write: \(reason)"
        }
    }
}

/// What a path names, without following a final symbolic link (`lstat`).
public enum PathKind: String, Sendable {
    case missing
    case regularFile = "a regular file"
    case directory = "a folder"
    case symbolicLink = "a symbolic link"
    case fifo = "a FIFO"
    case characterDevice = "a character device"
    case blockDevice = "a block device"
    case socket = "a socket"

    /// Whether `path` is a folder, following links (`/tmp` on macOS, a linked data disk).
    public static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// The kind of `path`.
    public static func of(_ path: String) -> PathKind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        case S_IFIFO: return .fifo
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        default: return .socket
        }
    }
}

/// The rules every file Vigil writes follows: an output never replaces one of the
/// command's inputs (compared by device and inode, so links and other spellings of the
/// same file count), never replaces anything but a regular file, and appears only when it
/// is complete — written to a hidden temporary beside it, which is removed on every error
/// and on SIGINT/SIGTERM/SIGHUP (see ``TemporaryPaths``), then renamed into place keeping
/// the replaced file's permissions.
public enum OutputFile {
    /// Throws ``OutputError/refused(file:reason:)`` unless `path` is missing or a regular
    /// file that is none of `inputs`.
    public static func checkWritable(_ path: String, inputs: [String] = []) throws {
        let kind = PathKind.of(path)
        guard kind == .missing || kind == .regularFile else {
            throw OutputError.refused(file: path, reason: "it is \(kind.rawValue); Vigil only creates or replaces regular files")
        }
        guard kind == .regularFile, let identity = identity(path) else { return }
        for input in inputs where Self.identity(input) == identity {
            throw OutputError.refused(
                file: path, reason: input == path ? "it is the input file" : "it is the input file \(input) (the same file under another name)")
        }
    }

    /// Writes `bytes` to `path` atomically after ``checkWritable(_:inputs:)``.
    public static func write(_ bytes: [UInt8], to path: String, inputs: [String] = []) throws {
        let stream = try Stream(path: path, inputs: inputs)
        do {
            try stream.write(bytes)
            try stream.commit()
        } catch {
            stream.abandon()
            throw error
        }
    }

    /// A file written piece by piece to a hidden temporary and renamed into place by
    /// ``commit()``; ``abandon()`` (or an error, or a termination signal) removes it.
    public final class Stream {
        public let path: String
        private let temporary: String
        private let handle: FileHandle
        private var open = true

        /// Checks the path (see ``OutputFile/checkWritable(_:inputs:)``) and creates the temporary.
        public init(path: String, inputs: [String] = []) throws {
            try OutputFile.checkWritable(path, inputs: inputs)
            self.path = path
            let url = URL(fileURLWithPath: path)
            let parent = url.deletingLastPathComponent().path
            guard PathKind.isFolder(parent) else {
                throw OutputError.failed(file: path, reason: "the folder \(parent) does not exist")
            }
            TemporaryPaths.removeStale(besides: path)
            temporary = TemporaryPaths.stagingPath(for: path, purpose: "partial")
            TemporaryPaths.register(temporary)
            let descriptor = Foundation.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                TemporaryPaths.unregister(temporary)
                throw OutputError.failed(file: path, reason: String(cString: strerror(errno)))
            }
            handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        }

        deinit { if open { abandon() } }

        public func write(_ bytes: [UInt8]) throws {
            do { try handle.write(contentsOf: bytes) } catch {
                throw OutputError.failed(file: path, reason: error.localizedDescription)
            }
        }

        /// Moves the finished file into place (keeping a replaced file's permissions).
        public func commit() throws {
            open = false
            defer { TemporaryPaths.unregister(temporary) }
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                unlink(temporary)
                throw OutputError.failed(file: path, reason: error.localizedDescription)
            }
            // Check again: the path may have changed while the file was written.
            do { try OutputFile.checkWritable(path) } catch {
                unlink(temporary)
                throw error
            }
            var existing = stat()
            if stat(path, &existing) == 0 { chmod(temporary, existing.st_mode & 0o7777) }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw OutputError.failed(file: path, reason: "cannot move the finished file into place: \(reason)")
            }
        }

        /// Removes the temporary; the path is left as it was.
        public func abandon() {
            guard open else { return }
            open = false
            try? handle.close()
            unlink(temporary)
            TemporaryPaths.unregister(temporary)
        }
    }

    /// The device and inode of the file `path` names (following links), or `nil`.
    static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }
}
