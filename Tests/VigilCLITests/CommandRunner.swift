import Foundation
import Testing
import _TestSupport

/// Runs the built programs (`vigil`, `_SaveLoop`) as a user would, from the build folder
/// beside this test bundle.
enum Programs {
    static var buildFolder: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: bundle.appendingPathComponent("vigil").path) { return bundle }
        // Under Xcode-style runners the bundle sits one level deeper.
        return bundle.deletingLastPathComponent()
    }

    struct Outcome {
        var status: Int32
        /// Set when the process ended by a signal (its number), not by `exit`.
        var signal: Int32?
        var standardOutput: String
        var standardError: String
    }

    /// Runs `program` with `arguments` to the end and returns what it printed and how it ended.
    static func run(_ arguments: [String], program: String = "vigil", environment: [String: String] = [:]) throws -> Outcome {
        let process = try start(program, arguments, environment: environment)
        let output = process.output.fileHandleForReading.readDataToEndOfFile()
        let error = process.error.fileHandleForReading.readDataToEndOfFile()
        process.process.waitUntilExit()
        return outcome(process.process, output, error)
    }

    struct Running {
        let process: Process
        let output: Pipe
        let error: Pipe
    }

    static func start(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = buildFolder.appendingPathComponent(program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let (output, error) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, output: output, error: error)
    }

    static func outcome(_ process: Process, _ output: Data, _ error: Data) -> Outcome {
        Outcome(
            status: process.terminationStatus, signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil,
            standardOutput: String(decoding: output, as: UTF8.self), standardError: String(decoding: error, as: UTF8.self))
    }
}

/// A fresh temporary folder for one test.
func temporaryFolder(_ name: String = "vigil-cli") -> URL {
    ScratchFolders.make(name)
}

/// The names in a folder, sorted.
func contents(_ folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
}
