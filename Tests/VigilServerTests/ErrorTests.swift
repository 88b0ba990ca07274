import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import VigilData
import VigilServer

@Suite("Service errors")
struct ErrorTests {
    /// Every bad request gets its status and a JSON body naming the problem.
    @Test func badRequestsAreNamed() async throws {
        let service = try ServedModels.service { $0.maximumRows = 3; $0.maximumBodyBytes = 4096 }
        defer { service.stop() }
        let cases: [(String, String, HTTPResponse.Status, String)] = [
            ("/v1/models/ae/predict", "{\"instances\":[[1,2,3,4],[1,2,3]]}", .badRequest,
             #"{"error":"row 1 has 3 values, expected 4 (the model's features)","expected":"4 values","got":"3 values","row":1}"#),
            ("/v1/models/ae/predict", "{\"instances\":[[1,2,3,4,5]]}", .badRequest,
             #"{"error":"row 0 has more than 4 values, expected 4 (the model's features)","expected":"4 values","got":"more than 4 values","row":0}"#),
            ("/v1/models/ae/predict", "{\"instances\":[[1,2,NaN,4]]}", .badRequest,
             #"{"column":2,"error":"row 0, column 2: expected a finite number, got NaN","expected":"a finite number","got":"NaN","row":0}"#),
            ("/v1/models/ae/predict", "{\"instances\":[[1,2,3,\"Infinity\"]]}", .badRequest,
             #"{"column":3,"error":"row 0, column 3: expected a finite number, got \"Infinity\"","expected":"a finite number","got":"\"Infinity\"","row":0}"#),
            ("/v1/models/ae/predict", "{\"instances\":[[1,2,3,1e39]]}", .badRequest,
             #"{"column":3,"error":"row 0, column 3: expected a finite number within Float's range, got 1e+39","expected":"a finite number within Float's range","got":"1e+39","row":0}"#),
            ("/v1/models/ae/predict", "{\"instances\":[[1,true,3,4]]}", .badRequest,
             #"{"column":1,"error":"row 0, column 1: expected a finite number, got true","expected":"a finite number","got":"true","row":0}"#),
            ("/v1/models/ae/predict", "{\"instances\":[]}", .badRequest,
             #"{"error":"the request holds no rows","expected":"at least one row","got":"none"}"#),
            ("/v1/models/ae/predict", "{\"rows\":[[1,2,3,4]]}", .badRequest,
             #"{"error":"the body has no \"instances\"","expected":"{\"instances\": [[…], …]}","got":"no such key"}"#),
            ("/v1/models/ae/predict", "{\"instances\":[[1,2,3,4]", .badRequest,
             #"{"error":"malformed JSON at byte 23: expected ',' or ']', got the end of the body","expected":"',' or ']'","got":"the end of the body"}"#),
            ("/v1/models/ae/predict", "", .badRequest,
             #"{"error":"malformed JSON at byte 0: expected an object ('{'), got the end of the body","expected":"an object ('{')","got":"the end of the body"}"#),
            ("/v1/models/ae/predict", "{\"instances\":[[1,2,3,4],[1,2,3,4],[1,2,3,4],[1,2,3,4]]}", .contentTooLarge,
             #"{"error":"more than 3 rows; a request may hold at most 3 (--max-rows)","expected":"at most 3 rows","got":"more than 3 rows"}"#),
            ("/v1/models/ae/predict", "{\"instances\":[[" + String(repeating: "1,", count: 3000) + "]]}", .contentTooLarge,
             #"{"error":"the request body is larger than 4096 bytes (--max-body-bytes)","expected":"at most 4096 bytes"}"#),
            ("/v1/models/nope/predict", "{}", .notFound, #"{"error":"no model named \"nope\""}"#),
            ("/v1/models/..%2F..%2Fetc%2Fpasswd/predict", "{}", .notFound, #"{"error":"no model named \"../../etc/passwd\""}"#),
            ("/v1/models/%2e%2e/predict", "{}", .notFound, #"{"error":"no model named \"..\""}"#),
            ("/v1/models/../ae/predict", "{}", .notFound, #"{"error":"no route POST /v1/models/../ae/predict"}"#),
            ("/v2/models/ae/infer", #"{"inputs":[{"name":"x","shape":[1,4],"datatype":"BYTES","data":[1,2,3,4]}]}"#, .badRequest,
             #"{"error":"the input's datatype is BYTES, expected a numeric one","expected":"FP32 (or another numeric datatype)","got":"BYTES"}"#),
            ("/v2/models/ae/infer", #"{"inputs":[{"name":"x","shape":[2,4],"datatype":"FP32","data":[1,2,3,4]}]}"#, .badRequest,
             #"{"error":"the input's shape [2, 4] holds 8 values, its data 4","expected":"8 values","got":"4 values"}"#),
            ("/v2/models/ae/infer", #"{"inputs":[{"name":"x","shape":[1,5],"datatype":"FP32","data":[1,2,3,4,5]}]}"#, .badRequest,
             #"{"error":"the input's shape is [1, 5], expected [N, 4]","expected":"[N, 4]","got":"[1, 5]"}"#),
            ("/v2/models/aegmm/infer", #"{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"feature_score"}]}"#, .badRequest,
             #"{"error":"aegmm (OutlierAEGMM) has no feature scores","expected":"instance_score, is_outlier","got":"feature_score"}"#),
            ("/v2/models/ae/infer", #"{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"score"}]}"#, .badRequest,
             #"{"error":"unknown output \"score\"","expected":"instance_score, is_outlier, feature_score","got":"score"}"#),
            ("/v2/models/ae/infer", #"{"inputs":[]}"#, .badRequest, #"{"error":"the request has no inputs","expected":"1 input","got":"none"}"#),
            ("/v2/models/ae/infer", #"{"inputs":[{"shape":[2,4],"datatype":"FP32","data":[[1,2,3],[4,5,6,7,8]]}]}"#, .badRequest,
             #"{"error":"the input's data is ragged: arrays at depth 1 of 3 and 5 values","expected":"nested arrays of the shape's extents, or a flat array","got":"arrays at depth 1 of 3 and 5 values"}"#),
            ("/v2/models/ae/infer", #"{"inputs":[{"shape":[2,4],"datatype":"FP32","data":[[1,2,3,4],5,6,7,8]}]}"#, .badRequest,
             #"{"error":"the input's data is ragged: numbers at depths 2 and 1","expected":"nested arrays of the shape's extents, or a flat array","got":"numbers at depths 2 and 1"}"#),
            ("/v2/models/ae/infer", #"{"inputs":[{"shape":[2,4],"datatype":"FP32","data":[[1,2],[3,4],[5,6],[7,8]]}]}"#, .badRequest,
             #"{"error":"the input's data is nested as [4, 2], its shape is [2, 4]","expected":"[2, 4]","got":"[4, 2]"}"#),
            ("/v2/models/ae/infer", String(repeating: "[", count: 70), .badRequest,
             #"{"error":"malformed JSON at byte 0: expected an object ('{'), got an array","expected":"an object ('{')","got":"an array"}"#),
            ("/v2/models/ae/infer", #"{"id":"\u12"}"#, .badRequest,
             #"{"error":"malformed JSON at byte 11: expected a hexadecimal digit, got \"}","expected":"a hexadecimal digit","got":"\"}"}"#),
            ("/nowhere", "", .notFound, #"{"error":"no route POST /nowhere"}"#),
        ]
        try await Application(router: service.router()).test(.router) { client in
            for (uri, body, status, expected) in cases {
                let response = try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
                #expect(response.status == status, "\(uri) \(body.prefix(80))")
                #expect(ServedModels.text(response.body) == expected + "\n", "\(uri) \(body.prefix(80))")
                #expect(response.headers[.contentType] == "application/json")
            }
            let csv = try await client.execute(
                uri: "/v1/models/ae/predict?label_column=label", method: .post, headers: [.contentType: "text/csv"],
                body: ByteBuffer(string: "a,b,c,d,label\n1,2,x,4,0\n"))
            #expect(csv.status == .badRequest)
            #expect(ServedModels.text(csv.body) == #"{"error":"the request body:2:3: expected a number, got \"x\""}"# + "\n")
            let nested = try await client.execute(
                uri: "/v2/models/ae/infer", method: .post,
                body: ByteBuffer(string: "{\"inputs\":[{\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":" + String(repeating: "[", count: 70) + "1" + String(repeating: "]", count: 70) + "}]}"))
            #expect(ServedModels.text(nested.body).contains("expected at most 64 levels of nesting"))
            // A small compressed body may not unfold past --max-body-bytes.
            let bomb = Deflater.compress(Array(("a,b,c,d\n" + String(repeating: "1,2,3,4\n", count: 4000)).utf8), gzip: true)
            let inflated = try await client.execute(
                uri: "/v1/models/ae/predict", method: .post, headers: [.contentType: "text/csv"], body: ByteBuffer(bytes: bomb))
            #expect(inflated.status == .contentTooLarge)
            #expect(ServedModels.text(inflated.body) == #"{"error":"the request body: more than 4096 bytes (decompressed), the limit (raise it with --max-body-bytes)"}"# + "\n")
            let deep = try await client.execute(
                uri: "/v2/models/ae/infer", method: .post,
                body: ByteBuffer(string: "{\"parameters\":" + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}"))
            #expect(ServedModels.text(deep.body).contains("expected at most 64 levels of nesting"))
        }
    }

    /// A model whose score overflows is a 500 that names it, never an inlier.
    @Test func nonFiniteScoreIsAServerError() async throws {
        let service = try ServedModels.service()
        defer { service.stop() }
        try await Application(router: service.router()).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/models/aegmm/predict", method: .post, body: ByteBuffer(string: "{\"instances\":[[0,0,0,0],[3e38,-3e38,3e38,-3e38]]}"))
            #expect(response.status == .internalServerError)
            let body = try ServedModels.json(response.body)
            #expect((body["error"] as? String)?.hasPrefix("model aegmm (OutlierAEGMM) gave a non-finite score for row 1") == true)
            #expect(body["row"] as? Int == 1)
        }
    }

    @Test func tokenGuardsEveryRouteButHealth() async throws {
        let service = try ServedModels.service { $0.token = "s3cret-token" }
        defer { service.stop() }
        try await Application(router: service.router()).test(.router) { client in
            for uri in ["/v2/health/live", "/v2/health/ready"] {
                #expect(try await client.execute(uri: uri, method: .get).status == .ok)
            }
            for uri in ["/v1/models", "/v2/models/ae", "/metrics", "/", "/v1/stats"] {
                let missing = try await client.execute(uri: uri, method: .get)
                #expect(missing.status == .unauthorized && missing.headers[.wwwAuthenticate] == "Bearer")
                #expect(ServedModels.text(missing.body) == #"{"error":"this route needs the header Authorization: Bearer <token> with the service's token"}"# + "\n")
                let wrong = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer s3cret-tokem"])
                #expect(wrong.status == .unauthorized)
                let right = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer s3cret-token"])
                #expect(right.status == .ok, "\(uri)")
            }
            #expect(try await client.execute(uri: "/?token=s3cret-token", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v1/models?token=s3cret-token", method: .get).status == .unauthorized)
            let post = try await client.execute(uri: "/v1/models/ae/predict", method: .post, body: ByteBuffer(string: "{\"instances\":[[0,0,0,0]]}"))
            #expect(post.status == .unauthorized)
        }
    }

    @Test func slowRequestsAreCutOff() async throws {
        let service = try ServedModels.service { $0.requestTimeout = .nanoseconds(1); $0.maximumRows = 200_000 }
        defer { service.stop() }
        try await Application(router: service.router()).test(.router) { client in
            let rows = ServedModels.rows(50_000, seed: 3)
            let response = try await client.execute(uri: "/v1/models/ae/predict", method: .post, body: ServedModels.instancesBody(rows))
            #expect(response.status == .serviceUnavailable)
            #expect(ServedModels.text(response.body) == #"{"error":"the request took longer than 1e-09 seconds (--request-timeout)"}"# + "\n")
        }
    }

    @Test func optionsAreChecked() throws {
        var options = ServiceOptions()
        options.maximumRows = 0
        #expect(throws: ServiceSetupError.invalidOption(name: "--max-rows", expected: "1…10000000", actual: "0")) { try options.validate() }
        options = ServiceOptions()
        options.token = "two words"
        #expect(throws: ServiceSetupError.invalidOption(name: "--token-file", expected: "a token of printable ASCII without spaces", actual: "9 bytes")) {
            try options.validate()
        }
        #expect(throws: ServiceSetupError.notAFolder("/nonexistent/models")) { try ScoringService(models: URL(fileURLWithPath: "/nonexistent/models")) }
    }
}
