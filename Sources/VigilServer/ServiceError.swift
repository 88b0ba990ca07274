import Foundation
import Hummingbird
import VigilDetect

/// A request the service answers with an error: the HTTP status and a JSON body that names
/// the problem, and where it is known the row and column (both 0-based, as scores are
/// numbered) and what was expected against what came:
///
/// ```json
/// {"column":4,"error":"row 2, column 4: expected a finite number, got NaN","expected":"a finite number","got":"NaN","row":2}
/// ```
///
/// The `error` key is the V2 inference protocol's error body; the others are Vigil's.
public struct ServiceError: Error, Equatable, Sendable, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var message: String
    public var row: Int?
    public var column: Int?
    public var expected: String?
    public var got: String?

    public init(_ status: HTTPResponse.Status, _ message: String, row: Int? = nil, column: Int? = nil, expected: String? = nil, got: String? = nil) {
        self.status = status
        self.message = message
        self.row = row
        self.column = column
        self.expected = expected
        self.got = got
    }

    /// A bad value at `row`, `column` of the request's rows.
    static func badValue(row: Int, column: Int, expected: String, got: String) -> ServiceError {
        ServiceError(.badRequest, "row \(row), column \(column): expected \(expected), got \(got)", row: row, column: column, expected: expected, got: got)
    }

    /// A row of the wrong width.
    static func wrongWidth(row: Int, expected: Int, got: String) -> ServiceError {
        ServiceError(
            .badRequest, "row \(row) has \(got) values, expected \(expected) (the model's features)", row: row,
            expected: "\(expected) values", got: "\(got) values")
    }

    /// A request body that is not the JSON it should be.
    static func malformedJSON(at offset: Int, expected: String, got: String) -> ServiceError {
        ServiceError(.badRequest, "malformed JSON at byte \(offset): expected \(expected), got \(got)", expected: expected, got: got)
    }

    static func unknownModel(_ name: String) -> ServiceError {
        ServiceError(.notFound, "no model named \"\(name.prefix(200))\"")
    }

    /// More rows than `limit`, the limit `setting` names.
    static func tooManyRows(_ rows: String, limit: Int, setting: String = "--max-rows") -> ServiceError {
        ServiceError(.contentTooLarge, "\(rows) rows; a request may hold at most \(limit) (\(setting))", expected: "at most \(limit) rows", got: "\(rows) rows")
    }

    static func bodyTooLarge(limit: Int) -> ServiceError {
        ServiceError(.contentTooLarge, "the request body is larger than \(limit) bytes (--max-body-bytes)", expected: "at most \(limit) bytes")
    }

    static let noRows = ServiceError(.badRequest, "the request holds no rows", expected: "at least one row", got: "none")

    static let unauthorized = ServiceError(.unauthorized, "this route needs the header Authorization: Bearer <token> with the service's token")

    /// The body as JSON, keys sorted.
    public var json: [UInt8] {
        var fields: [(key: String, json: String)] = []
        if let column { fields.append(("column", "\(column)")) }
        fields.append(("error", PredictionJSON.jsonString(message)))
        if let expected { fields.append(("expected", PredictionJSON.jsonString(expected))) }
        if let got { fields.append(("got", PredictionJSON.jsonString(got))) }
        if let row { fields.append(("row", "\(row)")) }
        return Array((PredictionJSON.jsonObject(fields) + "\n").utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}
