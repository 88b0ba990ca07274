import ArgumentParser
import VigilTensor

/// The `vigil` command line.
@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Deep outlier detection: train, evaluate, save, load and serve detectors.",
        subcommands: [Demo.self, Train.self, Score.self, Evaluate.self, Report.self, Plot.self, DataCommand.self, Bench.self]
    )

    /// Runs the command; an interrupted or terminated run removes its partial outputs first.
    static func main() {
        TemporaryPaths.removeOnTermination()
        MemoryReuse.keepFreedBuffers()
        main(nil)
    }
}
