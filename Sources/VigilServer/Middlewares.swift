import Foundation
import Hummingbird

/// Counts every request by route (the route's pattern, so model names do not multiply the
/// series) and status, and times it.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.request(route: Self.route(context), status: response.status.code, duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(route: Self.route(context), status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }

    static func route(_ context: Context) -> String { context.endpointPath ?? "unmatched" }
}

/// With a token, requires `Authorization: Bearer <token>` on every route but the two health
/// checks (the dashboard page also takes it as `?token=`, for a browser); the comparison
/// takes the same time wherever the given token first differs.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/v2/health/live" || path == "/v2/health/ready" { return try await next(request, context) }
        var given: [UInt8]?
        if let header = request.headers[.authorization], header.prefix(7).lowercased() == "bearer " { given = Array(header.utf8.dropFirst(7)) }
        if given == nil, path == "/", let query = request.uri.queryParameters.get("token") { given = Array(query.utf8) }
        guard let given, Self.equal(given, token) else { throw ServiceError.unauthorized }
        return try await next(request, context)
    }

    /// Whether `a` equals `b`, in time that depends only on the lengths.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// Answers every error as JSON: a ``ServiceError`` as it is, Hummingbird's own (an unknown
/// route, a method not allowed) with its status, anything else as a 500 that names no internals.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let error as ServiceError {
            throw error
        } catch let error as any HTTPResponseError {
            let message = error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : "\(error.status.code) \(error.status.reasonPhrase)"
            throw ServiceError(error.status, message)
        } catch is CancellationError {
            throw ServiceError(.serviceUnavailable, "the request was cancelled")
        } catch {
            context.logger.error("unexpected error: \(error)")
            throw ServiceError(.internalServerError, "internal error")
        }
    }
}
