import ArgumentParser
import VigilTensor

/// The `vigil` command line.
@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Deep outlier detection: train, evaluate, save, load and serve detectors.",
        subcommands: [Demo.self, Train.self, Score.self, Evaluate.self, Report.self, Plot.self, DataCommand.self, Bench.self, Serve.self, Export.self, Import.self, FetchDetector.self]
    )

    /// Runs the command; an interrupted or terminated run removes its partial outputs first.
    /// The service is the exception: it handles SIGTERM and SIGINT itself (it drains its
    /// requests and writes nothing), and leaves glibc to return freed memory, so that its
    /// resident size follows its load.
    static func main() async {
        if CommandLine.arguments.dropFirst().first != "serve" {
            // First, before the signal handlers start threads that could take arenas of their own.
            MemoryReuse.keepFreedBuffers()
            TemporaryPaths.removeOnTermination()
        }
        await main(nil)
    }
}
