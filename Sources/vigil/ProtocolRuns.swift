import Foundation
import VigilData
import VigilDetect
import VigilExperiments

/// Runs the protocol and prints one line per run and a mean ± deviation line per detector.
enum ProtocolReport {
    static func run(detectors: [AlibiKDDProtocol.Detector], seeds: [UInt64], epochs: Int?, data: Dataset) throws -> [AlibiKDDProtocol.Result] {
        var results: [AlibiKDDProtocol.Result] = []
        say("detector  seed  epochs  threshold       F1  precision  recall  ROC AUC   TP  FP  FN  s/epoch   rows/s scored")
        for detector in detectors {
            var runs: [AlibiKDDProtocol.Result] = []
            for seed in seeds {
                let result = try AlibiKDDProtocol.run(detector, data: data, seed: seed, epochs: epochs, progress: .epochLines)
                runs.append(result)
                say(String(
                    format: "%@ %5d %7d %10.4f %8.4f %10.4f %7.4f %8.4f %4d %3d %3d %8.3f %12.0f",
                    detector.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0), Int(truncatingIfNeeded: seed), result.epochs, result.threshold, result.f1, result.precision, result.recall,
                    result.rocAUC, result.confusion.truePositives, result.confusion.falsePositives, result.confusion.falseNegatives,
                    result.fitSecondsPerEpoch, result.scoringRowsPerSecond))
            }
            if runs.count > 1 {
                say("\(detector.rawValue): F1 \(summary(runs.map(\.f1))) (min \(String(format: "%.4f", runs.map(\.f1).min()!))), ROC AUC \(summary(runs.map(\.rocAUC)))")
            }
            results += runs
        }
        return results
    }

    static func runDAGMM(_ variant: DAGMMProtocol.Variant, seeds: [UInt64], epochs: Int, data: Dataset) throws -> [DAGMMProtocol.Result] {
        say("protocol       seed  epochs  precision  recall      F1  accuracy  untrained F1  s/epoch")
        var results: [DAGMMProtocol.Result] = []
        for seed in seeds {
            let result = try DAGMMProtocol.run(variant, data: data, seed: seed, epochs: epochs, progress: .epochLines)
            results.append(result)
            say(String(
                format: "%@ %5d %7d %10.4f %7.4f %7.4f %9.4f %13.4f %8.3f",
                variant.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0), Int(truncatingIfNeeded: seed), epochs, result.precision, result.recall,
                result.f1, result.accuracy, result.untrainedF1, result.secondsPerEpoch))
        }
        if results.count > 1 {
            say("\(variant.rawValue): F1 \(summary(results.map(\.f1))) (min \(String(format: "%.4f", results.map(\.f1).min()!))), untrained F1 \(summary(results.map(\.untrainedF1)))")
        }
        return results
    }

    static func runDeepad(models: [DeepadProtocol.Model], split: KDDCup.DeepadSplit, seed: UInt64, epochs: Int?) throws -> [DeepadProtocol.Result] {
        say("model            ROC AUC  accuracy  precision  recall      F1      F2  threshold  fit s   deepad AUC     F1")
        return try models.map { model in
            let result = try DeepadProtocol.run(model, split: split, seed: seed, epochs: epochs, progress: .epochLines)
            let published = ProtocolReports.deepadPublished[model]
            say(String(
                format: "%@ %8.3f %9.3f %10.3f %7.3f %7.3f %7.3f %10.4f %6.1f %12.3f %6.3f", model.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0),
                result.rocAUC, result.accuracy, result.precision, result.recall, result.f1, result.f2, result.threshold, result.fitSeconds,
                published?.auc ?? .nan, published?.f1 ?? .nan))
            return result
        }
    }

    /// `mean ± sample standard deviation`.
    static func summary(_ values: [Double]) -> String {
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        return String(format: "%.4f ± %.4f", mean, deviation)
    }
}
