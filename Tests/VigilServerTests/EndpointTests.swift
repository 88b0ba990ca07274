import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VigilData
import VigilDetect
@testable import VigilServer
import VigilTensor
import _TestSupport

@Suite("Service endpoints")
struct EndpointTests {
    @Test func healthAndListing() async throws {
        let service = try ServedModels.service()
        defer { service.stop() }
        let app = Application(router: service.router())
        try await app.test(.router) { client in
            let live = try await client.execute(uri: "/v2/health/live", method: .get)
            #expect(live.status == .ok && ServedModels.text(live.body) == "{\"live\":true}\n")
            let ready = try await client.execute(uri: "/v2/health/ready", method: .get)
            #expect(ready.status == .ok && ServedModels.text(ready.body) == "{\"ready\":true}\n")
            let listing = try await client.execute(uri: "/v1/models", method: .get)
            let models = try #require(try JSONSerialization.jsonObject(with: Data(listing.body.readableBytesView)) as? [[String: Any]])
            #expect(models.map { $0["name"] as? String } == ["ae", "aegmm"])
            #expect(models.map { $0["kind"] as? String } == ["OutlierAE", "OutlierAEGMM"])
            #expect(models.map { $0["has_feature_scores"] as? Bool } == [true, false])
            #expect(models[0]["feature_names"] as? [String] == ["a", "b", "c", "d"])
            let threshold = try #require(models[0]["threshold"] as? [String: Any])
            #expect(threshold["rule"] as? String == "percentile 95.0 of the scores of the rows it was set on")
            #expect((models[0]["training"] as? [String: Any])?["epochs"] as? Int == 1)
            #expect(models.map { $0["has_sample"] as? Bool } == [true, false])
            let sample = try await client.execute(uri: "/v1/models/ae/sample", method: .get)
            #expect(sample.status == .ok && sample.headers[.contentType] == "text/csv; charset=utf-8" && ServedModels.text(sample.body) == ServedModels.sample)
            let none = try await client.execute(uri: "/v1/models/aegmm/sample", method: .get)
            #expect(none.status == .notFound)
            #expect(ServedModels.text(none.body) == #"{"error":"model aegmm has no stored sample (vigil train --sample-rows)"}"# + "\n")
        }
    }

    @Test func notReadyWithoutModels() async throws {
        let service = try ScoringService(models: ScratchFolders.make("empty-models"))
        defer { service.stop() }
        try await Application(router: service.router()).test(.router) { client in
            let ready = try await client.execute(uri: "/v2/health/ready", method: .get)
            #expect(ready.status == .serviceUnavailable && ServedModels.text(ready.body) == "{\"ready\":false}\n")
        }
    }

    /// The simple form answers the library's prediction, byte for byte what `vigil score
    /// --output x.json` (``FileScoring``) writes for the same rows given as a CSV.
    @Test func predictMatchesScoringAFile() async throws {
        let service = try ServedModels.service()
        defer { service.stop() }
        let rows = ServedModels.rows(7, seed: 9)
        let folder = ScratchFolders.make("predict")
        let csv = folder.appendingPathComponent("rows.csv").path
        let lines = (0..<7).map { row in (0..<4).map { "\(rows[row, $0])" }.joined(separator: ",") + ",\(row % 2)" }
        try Data((["a,b,c,d,label"] + lines).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: csv))
        for (name, features) in [("ae", true), ("ae", false), ("aegmm", false)] {
            let detector = try DetectorStore.load(from: service.store.folder.appendingPathComponent(name))
            let scored = folder.appendingPathComponent("\(name)-\(features).json").path
            // One batch, as the request is one: scores of a row may differ in the last bit
            // between batch sizes (BLAS kernels), never between the two ways in.
            try FileScoring.run(detector: detector, input: csv, output: scored, labelColumn: "label", featureScores: features)
            let expected = try Data(contentsOf: URL(fileURLWithPath: scored))
            let truth = try detector.predict(rows, returnFeatureScores: features)
            let kind = type(of: detector).kind
            #expect(expected == Data(PredictionJSON.encode(truth, featureScores: features)))
            try await Application(router: service.router()).test(.router) { client in
                let json = try await client.execute(
                    uri: "/v1/models/\(name)/predict\(features ? "?feature_scores=true" : "")", method: .post, body: ServedModels.instancesBody(rows))
                #expect(json.status == .ok)
                #expect(Data(json.body.readableBytesView) == expected)
                // alibi-detect's layout: data.{instance_score, is_outlier, feature_score}, meta.
                let parsed = try ServedModels.json(json.body)
                let data = try #require(parsed["data"] as? [String: Any])
                #expect((data["instance_score"] as? [Double])?.map(Float.init) == truth.instanceScores)
                #expect(data["is_outlier"] as? [Int] == truth.isOutlier)
                #expect(features ? (data["feature_score"] as? [[Double]])?.flatMap { $0 }.map(Float.init) == truth.featureScores?.scalars : data["feature_score"] is NSNull)
                #expect((parsed["meta"] as? [String: Any])?["name"] as? String == kind)
                let viaCSV = try await client.execute(
                    uri: "/v1/models/\(name)/predict?label_column=label\(features ? "&feature_scores=true" : "")", method: .post,
                    headers: [.contentType: "text/csv"], body: ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: csv))))
                #expect(Data(viaCSV.body.readableBytesView) == expected)
            }
        }
    }

    /// The request and the response of the protocol's documentation (KServe's "Open
    /// Inference Protocol", REST), with this model's input and outputs:
    /// `{"id": "42", "inputs": [{"name": "input0", "shape": [2, 2], "datatype": "UINT32", "data": [1, 2, 3, 4]}], "outputs": [{"name": "output0"}]}`
    /// → `{"id": "42", "outputs": [{"name": "output0", "shape": [3, 2], "datatype": "FP32", "data": [1.0, 1.1, 2.0, 2.1, 3.0, 3.1]}]}`.
    @Test func inferenceProtocolBodies() async throws {
        let service = try ServedModels.service()
        defer { service.stop() }
        let detector = try DetectorStore.load(from: service.store.folder.appendingPathComponent("ae"))
        let rows = ServedModels.rows(3, seed: 4)
        let expected = try detector.predict(rows)
        let flat = rows.scalars.map { "\($0)" }.joined(separator: ",")
        try await Application(router: service.router()).test(.router) { client in
            let request = """
                {"id" : "42", "parameters": {"content_type": "np"},
                 "inputs" : [{"name" : "input0", "shape" : [3, 4], "datatype" : "FP32", "parameters": {}, "data" : [\(flat)]}],
                 "outputs" : [{"name" : "instance_score"}, {"name": "is_outlier"}, {"name": "feature_score", "parameters": {}}]}
                """
            let response = try await client.execute(uri: "/v2/models/ae/infer", method: .post, body: ByteBuffer(string: request))
            #expect(response.status == .ok)
            let body = try ServedModels.json(response.body)
            #expect(body["model_name"] as? String == "ae" && body["id"] as? String == "42")
            let outputs = try #require(body["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == ["instance_score", "is_outlier", "feature_score"])
            #expect(outputs.map { $0["datatype"] as? String } == ["FP32", "BOOL", "FP32"])
            #expect(outputs.map { $0["shape"] as? [Int] } == [[3], [3], [3, 4]])
            #expect((outputs[0]["data"] as? [Double])?.map(Float.init) == expected.instanceScores)
            #expect(outputs[1]["data"] as? [Bool] == expected.isOutlier.map { $0 == 1 })
            #expect((outputs[2]["data"] as? [Double])?.map(Float.init) == expected.featureScores?.scalars)

            // Nested data, an integer datatype, no outputs named: the two instance outputs.
            let nested = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"INT32\",\"data\":[[1,2,3,4]]}]}"
            let plain = try await client.execute(uri: "/v2/models/aegmm/infer", method: .post, body: ByteBuffer(string: nested))
            let plainOutputs = try #require(try ServedModels.json(plain.body)["outputs"] as? [[String: Any]])
            #expect(plainOutputs.map { $0["name"] as? String } == ["instance_score", "is_outlier"])

            let metadata = try await client.execute(uri: "/v2/models/ae", method: .get)
            #expect(ServedModels.text(metadata.body) == """
                {"name":"ae","versions":[],"platform":"vigil-OutlierAE","inputs":[{"name":"x","datatype":"FP32","shape":[-1,4]}],\
                "outputs":[{"name":"instance_score","datatype":"FP32","shape":[-1]},{"name":"is_outlier","datatype":"BOOL","shape":[-1]},\
                {"name":"feature_score","datatype":"FP32","shape":[-1,4]}]}

                """)
            let modelReady = try await client.execute(uri: "/v2/models/aegmm/ready", method: .get)
            #expect(ServedModels.text(modelReady.body) == "{\"name\":\"aegmm\",\"ready\":true}\n")
        }
    }

    @Test func dashboardPageAndAnalysis() async throws {
        let service = try ServedModels.service()
        defer { service.stop() }
        try await Application(router: service.router()).test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            let html = ServedModels.text(page.body)
            #expect(page.status == .ok && html.contains("<select id=\"model\">") && !html.contains("http://") && !html.contains("https://"))
            // The policy allows exactly the page's script, by its SHA-256 in base64.
            let policy = try #require(page.headers[.contentSecurityPolicy])
            let script = try #require(html.components(separatedBy: "<script>").last?.components(separatedBy: "</script>").first)
            let hex = SHA256.hex(of: Array(script.utf8))
            let digest = stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
            #expect(policy.contains("script-src 'sha256-\(Data(digest).base64EncodedString())'"))
            #expect(policy.hasPrefix("default-src 'none'") && policy.contains("frame-ancestors 'none'"))

            var lines = ["a,b,c,d,label"]
            let rows = ServedModels.rows(40, seed: 11)
            for row in 0..<40 {
                let shift: Float = row < 5 ? 6 : 0
                lines.append((0..<4).map { "\(rows[row, $0] + shift)" }.joined(separator: ",") + ",\(row < 5 ? 1 : 0)")
            }
            let response = try await client.execute(
                uri: "/v1/models/ae/explain?label_column=label", method: .post, headers: [.contentType: "text/csv"],
                body: ByteBuffer(string: lines.joined(separator: "\n")))
            #expect(response.status == .ok)
            let analysis = try ServedModels.json(response.body)
            let charts = try #require(analysis["charts"] as? [String: String])
            #expect(Set(charts.keys) == ["scores", "histogram", "roc", "pr", "confusion", "features"])
            #expect(charts.values.allSatisfy { $0.hasPrefix("<svg") })
            let metrics = try #require(analysis["metrics"] as? [String: Any])
            #expect((metrics["roc_auc"] as? Double ?? 0) > 0.9)
            let records = try #require(analysis["records"] as? [[String: Any]])
            #expect(records.count == 40 && records.prefix(5).allSatisfy { ($0["label"] as? Int) == 1 })
            let top = try #require(records[0]["top"] as? [[String: Any]])
            #expect(top.count == 4 && top.allSatisfy { $0["x_hat"] is Double && $0["x"] is Double })
        }
    }
}
