import Foundation
import Synchronization

/// A minimal HTTP/1.1 server on 127.0.0.1 for download tests: each path answers with a
/// scripted response (a body, a status, a redirect, or a body cut short of its declared
/// length), one request per connection, on a background thread, until ``stop()``.
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// What one path answers.
    public enum Response: Sendable {
        /// 200 with these bytes.
        case body([UInt8])
        /// 200 declaring `bytes.count` bytes but sending only the first `sent`, then closing.
        case truncated([UInt8], sent: Int)
        /// A status with an empty body (404, 500, …).
        case status(Int)
        /// 302 to another path of this server.
        case redirect(to: String)
    }

    /// The port it listens on.
    public let port: UInt16
    private let socket: Int32
    private let routes: [String: Response]
    private let served = Mutex<[String]>([])
    private let stopped = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening on an ephemeral loopback port.
    public init(routes: [String: Response]) throws {
        self.routes = routes
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 16) == 0 else { close(socket); throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        // A client that connects and sends nothing must not hang the server's thread.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        self.socket = socket
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// The address of `path` on this server.
    public func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    /// The paths requested so far, in order.
    public var requests: [String] { served.withLock { $0 } }

    /// Stops accepting and waits for the serving thread to end (which closes the socket, so
    /// its number is not reused while the thread may still accept on it).
    public func stop() {
        guard !stopped.withLock({ let was = $0; $0 = true; return was }) else { return }
        shutdown(socket, Int32(SHUT_RDWR))
        finished.wait()
    }

    private func serve() {
        defer {
            close(socket)
            finished.signal()
        }
        while !stopped.withLock({ $0 }) {
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { if errno == EINTR || errno == EAGAIN { continue } else { return } }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            #if canImport(Darwin)
            var one: Int32 = 1
            _ = setsockopt(connection, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            #endif
            answer(connection)
            close(connection)
        }
    }

    private func answer(_ connection: Int32) {
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: Array("\r\n\r\n".utf8)) {
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { return }
            request += chunk[0..<count]
        }
        let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        let path = line.count >= 2 ? String(line[1]) : "/"
        served.withLock { $0.append(path) }
        switch routes[path] ?? .status(404) {
        case let .body(bytes): send(connection, status: "200 OK", headers: ["Content-Length: \(bytes.count)"], body: bytes)
        case let .truncated(bytes, sent):
            send(connection, status: "200 OK", headers: ["Content-Length: \(bytes.count)"], body: Array(bytes.prefix(sent)))
        case let .status(code): send(connection, status: "\(code) Status \(code)", headers: ["Content-Length: 0"], body: [])
        case let .redirect(target):
            send(connection, status: "302 Found", headers: ["Location: http://127.0.0.1:\(port)\(target)", "Content-Length: 0"], body: [])
        }
    }

    private func send(_ connection: Int32, status: String, headers: [String], body: [UInt8]) {
        let head = (["HTTP/1.1 \(status)", "Connection: close", "Cache-Control: no-store", "Content-Type: application/octet-stream"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a client that hung up is an error here, not a SIGPIPE that ends the tests.
            let count = bytes.withUnsafeBytes { Foundation.send(connection, $0.baseAddress! + offset, $0.count - offset, noSignal) }
            guard count > 0 else { return }
            offset += count
        }
    }
}

#if canImport(Darwin)
private let noSignal: Int32 = 0  // SO_NOSIGPIPE is set on each connection instead
#else
private let noSignal = Int32(MSG_NOSIGNAL)
#endif

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
