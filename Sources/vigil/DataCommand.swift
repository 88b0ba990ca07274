import ArgumentParser
import Foundation
import VigilData

/// `vigil data`: fetch and describe data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Fetch, describe and sample data sets.", subcommands: [Fetch.self, Info.self, Sample.self])

    /// The data sets Vigil knows.
    enum Name: String, ExpressibleByArgument, CaseIterable {
        case kdd
        case cifar10
        case mnist
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a data set into the cache (checked against its SHA-256), unless a local copy exists.",
            discussion: "cifar10: CIFAR-10's binary archive, of which the five training batches and the class names are kept, each checked against its SHA-256 as it is unpacked. mnist: Keras's mnist.npz (the address and SHA-256 keras.datasets.mnist.load_data uses); --data mnist reads it when no idx files are in a data folder's mnist folder.")

        @Argument(help: "The data set: \(Name.allCases.map(\.rawValue).joined(separator: ", ")).")
        var name: Name

        @Flag(help: "The full KDD training file (4.9 million records) instead of the 10% file.")
        var full = false

        @Flag(help: "Also fetch KDD's labelled test file (corrected.gz).")
        var corrected = false

        @OptionGroup var location: Location

        func validate() throws {
            if name != .kdd && (full || corrected) { throw ValidationError("--full and --corrected apply to kdd") }
        }

        func run() throws {
            if name == .mnist {
                let path = try location.store.fetch(MNIST.kerasFile, progress: DownloadProgress(name: MNIST.kerasFile.name).report)
                print("\(MNIST.kerasFile.name): \(path.path) (SHA-256 verified; Keras's copy of MNIST)")
                return
            }
            if name == .cifar10 {
                let folder = try location.store.fetch(CIFAR10.archive, progress: DownloadProgress(name: CIFAR10.archive.name).report)
                print("\(CIFAR10.archive.folder): \(folder.path) (\(CIFAR10.archive.members.count) files, each SHA-256 verified)")
                return
            }
            var files = [full ? KDDCup.fullFile : KDDCup.tenPercentFile]
            if corrected { files.append(KDDCup.correctedFile) }
            for file in files {
                let path = try location.store.fetch(file, progress: DownloadProgress(name: file.name).report)
                print("\(file.name): \(path.path) (SHA-256 verified)")
            }
        }
    }

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a seeded sample of KDD Cup '99's 18-feature view with a label column (1 = attack) as CSV.",
            discussion: """
                The rows are alibi-detect's create_outlier_batch: --rows records of which \
                --outlier-percentage are attacks, drawn with --seed. Score them with vigil score \
                --label-column label, chart them with vigil report, or paste them into the \
                dashboard of vigil serve.
                """)

        @Argument(help: "The data set: kdd.") var name: Name
        @Option(help: "How many rows.") var rows = 1_000
        @Option(help: "The share of attacks, in percent.") var outlierPercentage: Double = 10
        @Option(help: "The seed of the draw.") var seed: UInt64 = 0
        @Option(help: "The CSV file to write (never one of the inputs).") var out: String
        @OptionGroup var location: Location

        func validate() throws {
            if name != .kdd { throw ValidationError("vigil data sample takes kdd") }
            if rows < 1 { throw ValidationError("--rows must be at least 1, got \(rows)") }
            if !(0...100).contains(outlierPercentage) { throw ValidationError("--outlier-percentage must be in [0, 100], got \(outlierPercentage)") }
        }

        func run() throws {
            let path = try location.store.fetch(KDDCup.tenPercentFile, progress: DownloadProgress(name: KDDCup.tenPercentFile.name).report)
            let batch = try KDDCup.continuousView(path: path.path).outlierBatch(samples: rows, outlierPercentage: outlierPercentage, seed: seed)
            try CSV.write(batch, to: out, targetColumn: "label", inputs: [path.path])
            print("\(out): \(batch.count) rows, \(batch.targets?.filter { $0 == 1 }.count ?? 0) attacks, \(batch.features.shape[1]) features and a label column")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rows, columns and class counts of a data set.")

        @Argument(help: "The data set: \(Name.allCases.map(\.rawValue).joined(separator: ", ")).")
        var name: Name

        @Flag(help: "The full KDD training file instead of the 10% file.")
        var full = false

        @OptionGroup var location: Location

        func run() throws {
            if name == .cifar10 || name == .mnist {
                let set: ImageSet
                if name == .cifar10 {
                    let folder = try location.cifar10Folder()
                    print("folder: \(folder.path)")
                    set = try CIFAR10.readTraining(folder: folder.path)
                } else {
                    set = try location.mnistTraining()
                }
                print("training images: \(set.labels.count) of \(set.images.shape.dropFirst().map(String.init).joined(separator: "×"))")
                let counts = Dictionary(grouping: set.labels, by: { $0 }).mapValues(\.count)
                print("classes: " + counts.keys.sorted().map { "\(set.classNames[$0]) \(counts[$0]!)" }.joined(separator: ", "))
                return
            }
            let file = full ? KDDCup.fullFile : KDDCup.tenPercentFile
            let path = try location.store.fetch(file, progress: DownloadProgress(name: file.name).report)
            let start = ContinuousClock.now
            let data = try KDDCup.continuousView(path: path.path)
            let elapsed = ContinuousClock.now - start
            print("file: \(path.path)")
            print("records: \(data.count)")
            print("columns: 41 features + label; continuous view \(data.features.shape[1]) features")
            print("targets: " + data.targetCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("labels:")
            for (label, count) in data.labelCounts.sorted(by: { $0.value > $1.value }) {
                print("  \(label.padding(toLength: 18, withPad: " ", startingAt: 0)) \(count)")
            }
            print("parsed in \(elapsed)")
        }
    }
}
