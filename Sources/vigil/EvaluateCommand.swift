import ArgumentParser
import Foundation
import VigilData
import VigilDetect
import VigilExperiments
import VigilNN
import VigilPlot
import VigilTensor

/// `vigil evaluate`: runs a documented protocol and prints its metrics.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a documented protocol (alibi-detect's KDD example, the DAGMM paper's KDDCUP, deepad's) or compare detectors on your own labelled table, and print the metrics.",
        discussion: """
            With --data FILE (a labelled CSV, .csv.gz, NPY or NPZ): the semi-supervised protocol — \
            train on a seeded half of the normal rows, test on the other half plus every anomaly; \
            ROC AUC, average precision, F1 at the number of test anomalies, fit and score time, per \
            detector (\(DetectorChoice.allCases.map(\.rawValue).joined(separator: " ")); default all) and seed.
            """)

    enum ProtocolName: String, ExpressibleByArgument, CaseIterable {
        case alibiKDD = "alibi-kdd"
        case dagmmKDD = "dagmm-kdd"
        case dagmmKDDRev = "dagmm-kdd-rev"
        case deepadKDD = "deepad-kdd"
        case alibiCIFAR10 = "alibi-cifar10"
    }

    @Option(help: "The protocol: \(ProtocolName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var `protocol`: ProtocolName = .alibiKDD

    @Option(
        name: [.customLong("detectors"), .customLong("detector")], parsing: .upToNextOption,
        help: "Detectors (separated by spaces or commas), or all: alibi-kdd \(AlibiKDDProtocol.Detector.allCases.map(\.rawValue).joined(separator: " ")); deepad-kdd \(DeepadProtocol.Model.allCases.map(\.rawValue).joined(separator: " ")).")
    var detectors: [String] = ["all"]

    @Option(help: "Comma-separated seeds (data draws and initialisation), e.g. 0,1,2,3,4.")
    var seeds: String = "0"

    @Option(help: "Epochs (default: the protocol's — alibi-kdd 30 for the VAE, 50 for the others; DAGMM 20: the paper trains 200, but longer training drifts — see the DAGMM protocol documentation).")
    var epochs: Int?

    @Option(help: "alibi-cifar10: the training images used (the first N of 50,000; default all).")
    var trainImages: Int?

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Option(help: "Where to write the HTML report (metrics, settings, charts); default vigil-<protocol>.html.")
    var report: String?

    @Flag(help: "Write no HTML report.")
    var noReport = false

    @Option(help: "A labelled table to compare detectors on (instead of a KDD protocol).")
    var data: String?

    @OptionGroup var table: TableOptions

    @Option(help: "With --data: table (networks sized for the table), reference (the reference examples' networks) or kdd-recommended (--detectors vae only: Vigil's KDD VAE).")
    var networks: NetworkSizing = .table

    /// The report's path, unless switched off.
    var reportPath: String? { noReport ? nil : report ?? "vigil-\(data == nil ? `protocol`.rawValue : "table").html" }

    @OptionGroup var location: DataCommand.Location

    var seedList: [UInt64] { seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        guard !seedList.isEmpty, seedList.count == seeds.split(separator: ",").count else {
            throw ValidationError("--seeds takes comma-separated non-negative integers, got \"\(seeds)\"")
        }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let trainImages, !(1...50_000).contains(trainImages) { throw ValidationError("--train-images must be in 1…50,000, got \(trainImages)") }
        if trainImages != nil && `protocol` != .alibiCIFAR10 { throw ValidationError("--train-images applies to --protocol alibi-cifar10") }
        if `protocol` == .alibiCIFAR10 && data == nil && (seedList.count > 1 || detectors != ["all"]) {
            throw ValidationError("--protocol alibi-cifar10 runs its one detector (the convolutional VAE) with one seed; got --seeds \(seeds) --detectors \(detectors.joined(separator: " "))")
        }
        if data != nil {
            if let unsupported = try selection(DetectorChoice.self).first(where: { !$0.supports(networks) }) {
                throw ValidationError("--networks \(networks.rawValue) applies to --detectors vae only, not \(unsupported.rawValue)")
            }
            return
        }
        if table.categorical != nil || networks != .table {
            throw ValidationError("--categorical and --networks apply with --data (a table of your own), not to --protocol \(`protocol`.rawValue)")
        }
        switch `protocol` {
        case .alibiKDD: _ = try selection(AlibiKDDProtocol.Detector.self)
        case .deepadKDD: _ = try selection(DeepadProtocol.Model.self)
        case .dagmmKDD, .dagmmKDDRev, .alibiCIFAR10: break
        }
    }

    /// The chosen detectors of a protocol (`all`: every one, in order).
    func selection<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) throws -> [Choice] where Choice.RawValue == String {
        let names = detectors.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if names == ["all"] { return Array(Choice.allCases) }
        return try names.map { name in
            guard let choice = Choice(rawValue: name) else {
                throw ValidationError(
                    "--detectors: unknown \"\(name)\" for \(data == nil ? `protocol`.rawValue : "a table"); expected all or \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return choice
        }
    }

    func run() throws {
        // Refuse an unwritable report or JSON before a run that can take hours.
        let inputs = data.map { [$0] } ?? []
        for output in [reportPath, json].compactMap({ $0 }) { try OutputFile.checkWritable(output, inputs: inputs) }
        if let json, json == reportPath { throw ValidationError("--json and --report name the same file, \(json)") }
        if let data { return try runTable(data) }
        if `protocol` == .alibiCIFAR10 { return try runCIFAR10() }
        let started = Date()
        let clock = ContinuousClock.now
        let path = try location.store.fetch(KDDCup.tenPercentFile, progress: DownloadProgress(name: KDDCup.tenPercentFile.name).report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let output: Data
        var html: HTMLReport?
        func facts(_ extra: [(String, String)]) -> [(String, String)] {
            let elapsed = ContinuousClock.now - clock
            return ProtocolReports.runFacts(
                data: path.path, extra: [("protocol", `protocol`.rawValue), ("seeds", seeds)] + extra, started: started,
                elapsed: elapsed.inSeconds)
        }
        switch `protocol` {
        case .alibiKDD:
            let data = try KDDCup.continuousView(path: path.path)
            let results = try ProtocolReport.run(detectors: selection(AlibiKDDProtocol.Detector.self), seeds: seedList, epochs: epochs, data: data)
            output = try encoder.encode(results)
            if reportPath != nil { html = try ProtocolReports.alibi(results, run: facts([("records", "\(data.count)")])) }
        case .deepadKDD:
            let training = try KDDCup.continuousView(path: path.path)
            guard let splitDirectory = location.store.dataDirectories.map({ $0.appendingPathComponent("deepad-kdd-8020") })
                .first(where: { FileManager.default.fileExists(atPath: $0.path) })
            else {
                throw ValidationError("deepad-kdd needs its published split: a folder deepad-kdd-8020 inside --data-dir or VIGIL_DATA_DIR")
            }
            let split = try KDDCup.deepadView(training: training, splitDirectory: splitDirectory.path, seed: seedList[0])
            let results = try ProtocolReport.runDeepad(models: selection(DeepadProtocol.Model.self), split: split, seed: seedList[0], epochs: epochs)
            output = try encoder.encode(results)
            if reportPath != nil {
                html = try ProtocolReports.deepad(
                    results, targets: split.test.targets!, run: facts([("training rows", "\(split.train.count)"), ("test rows", "\(split.test.count)")]))
            }
        case .dagmmKDD, .dagmmKDDRev:
            let data = try KDDCup.oneHotView(path: path.path)
            let variant: DAGMMProtocol.Variant = `protocol` == .dagmmKDD ? .kdd : .kddRev
            let results = try ProtocolReport.runDAGMM(variant, seeds: seedList, epochs: epochs ?? DAGMMProtocol.defaultEpochs, data: data)
            output = try encoder.encode(results)
            if reportPath != nil { html = try ProtocolReports.dagmm(results, run: facts([("records", "\(data.count)")])) }
        case .alibiCIFAR10:
            return
        }
        if let report = reportPath, let html {
            try html.write(to: report)
            say("wrote \(report)")
        }
        if let json {
            try OutputFile.write(Array(output), to: json)
            say("wrote \(json)")
        }
    }
}

/// `vigil demo`: README's main job.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find or fetch KDD Cup '99 and run alibi-detect's protocol for OutlierVAE, OutlierAEGMM and OutlierVAEGMM; with --images, a short run of its CIFAR-10 VAE and mask study.",
        discussion: """
            --images trains the CIFAR-10 VAE on the first \(Demo.imageTrainingImages) training images for \
            \(Demo.imageEpochs) epochs (the full protocol: vigil evaluate --protocol alibi-cifar10) and \
            runs the whole mask study; about 5 minutes on two cores.
            """)

    /// The short image run: a fifth of CIFAR-10's training images, 5 epochs.
    static let imageTrainingImages = 10_000
    static let imageEpochs = 5

    @Option(help: "Epochs (default: the protocol's; with --images \(Demo.imageEpochs)).")
    var epochs: Int?

    @Flag(help: "Run the CIFAR-10 VAE and its mask study instead (needs cifar-10-batches-bin in the data folder).")
    var images = false

    @Option(help: "Where to write the HTML report (default vigil-report.html, with --images vigil-cifar10.html).")
    var report: String?

    @OptionGroup var location: DataCommand.Location

    func run() throws {
        if images {
            var evaluate = try Evaluate.parse([
                "--protocol", "alibi-cifar10", "--train-images", "\(Self.imageTrainingImages)", "--epochs", "\(epochs ?? Self.imageEpochs)",
                "--report=\(report ?? "vigil-cifar10.html")",
            ])
            evaluate.location = location
            return try evaluate.run()
        }
        let report = report ?? "vigil-report.html"
        try OutputFile.checkWritable(report)
        let started = Date()
        let clock = ContinuousClock.now
        let path = try location.store.fetch(KDDCup.tenPercentFile, progress: DownloadProgress(name: KDDCup.tenPercentFile.name).report)
        say("data: \(path.path)")
        let data = try KDDCup.continuousView(path: path.path)
        let results = try ProtocolReport.run(detectors: AlibiKDDProtocol.Detector.alibi, seeds: [0], epochs: epochs, data: data)
        let elapsed = ContinuousClock.now - clock
        let facts = ProtocolReports.runFacts(
            data: path.path, extra: [("protocol", "alibi-kdd"), ("records", "\(data.count)")], started: started,
            elapsed: elapsed.inSeconds)
        try ProtocolReports.alibi(results, run: facts).write(to: report)
        say("wrote \(report)")
    }
}

extension Evaluate {
    /// The semi-supervised comparison on a user's table.
    func runTable(_ path: String) throws {
        let started = Date()
        let clock = ContinuousClock.now
        let rows = try table.read(path)
        guard rows.targets != nil else {
            throw ValidationError("--data needs labels: name the label column with --label-column (or the .npz's labels array)")
        }
        let choices = try selection(DetectorChoice.self)
        say("detector  seed   ROC AUC  avg prec   F1 at k   fit s   rows/s scored")
        var results: [TabularProtocol.Result] = []
        for choice in choices {
            for seed in seedList {
                let result = try TabularProtocol.run(choice, data: rows, seed: seed, epochs: epochs, networks: networks)
                results.append(result)
                say(String(
                    format: "%@ %5d %9.4f %9.4f %9.4f %7.2f %15.0f", choice.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                    Int(truncatingIfNeeded: seed), result.rocAUC, result.averagePrecision, result.f1, result.fitSeconds, result.scoreRowsPerSecond))
            }
        }
        if let report = reportPath {
            let facts = ProtocolReports.runFacts(
                data: path, extra: [("rows", "\(rows.count)"), ("features", "\(rows.features.shape[1])"), ("seeds", seeds), ("networks", networks.rawValue)], started: started,
                elapsed: (ContinuousClock.now - clock).inSeconds)
            try ProtocolReports.tabular(results, data: URL(fileURLWithPath: path).lastPathComponent, run: facts).write(to: report, inputs: [path])
            say("wrote \(report)")
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try OutputFile.write(Array(try encoder.encode(results)), to: json, inputs: [path])
            say("wrote \(json)")
        }
    }
}
