import Dispatch
import Foundation
import Synchronization

/// The hidden temporaries of outputs being written, so that none outlives its writer.
///
/// A temporary is named `.NAME.vigil-PURPOSE-PID-RANDOM` beside the output `NAME`. It is
/// removed by its writer on every error path, by the handler ``removeOnTermination()``
/// installs on SIGINT, SIGTERM and SIGHUP, and — for a writer killed outright (SIGKILL,
/// a power cut) — by the next write beside the same output, which removes temporaries
/// whose process no longer exists.
public enum TemporaryPaths {
    private static let live = Mutex<Set<String>>([])
    private nonisolated(unsafe) static var signalSources: [any DispatchSourceSignal] = []

    /// A fresh temporary path beside `path` (a file or a folder).
    public static func stagingPath(for path: String, purpose: String) -> String {
        let url = URL(fileURLWithPath: path)
        let random = UInt64.random(in: 0...UInt64.max)
        let name = ".\(url.lastPathComponent).vigil-\(purpose)-\(getpid())-\(String(random, radix: 16))"
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Marks `path` for removal if the process is terminated before ``unregister(_:)``.
    public static func register(_ path: String) { _ = live.withLock { $0.insert(path) } }

    public static func unregister(_ path: String) { _ = live.withLock { $0.remove(path) } }

    /// Removes temporaries beside `path` left by processes that no longer exist.
    public static func removeStale(besides path: String) {
        let url = URL(fileURLWithPath: path)
        let parent = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).vigil-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let parts = name.dropFirst(prefix.count).split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[1]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
            }
        }
    }

    /// Removes every registered temporary when the process receives SIGINT, SIGTERM or
    /// SIGHUP, then ends it with that signal's default action (so its exit status still
    /// says which signal ended it). Call once, early, from a command-line program.
    public static func removeOnTermination() {
        guard signalSources.isEmpty else { return }
        for number in [SIGINT, SIGTERM, SIGHUP] {
            // A signal the process was started ignoring (nohup, a background job) stays ignored.
            let previous = signal(number, SIG_IGN)
            if let previous, unsafeBitCast(previous, to: Int.self) == 1 /* SIG_IGN */ { continue }
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                removeAll()
                signal(number, SIG_DFL)
                // Dispatch's threads block signals, and a process started by one inherits
                // the mask: unblock it here, then end the process by it.
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, number)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                raise(number)
                _exit(128 + number)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Removes every registered temporary now.
    static func removeAll() {
        let paths = live.withLock { paths in
            defer { paths.removeAll() }
            return paths
        }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }
}
