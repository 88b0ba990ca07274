import Foundation
import VigilDetect
import VigilTensor

// _SaveLoop SOURCE TARGET: loads the detector saved in SOURCE, then saves it to TARGET
// again and again (replacing it), each time with threshold and first network weight set to
// the save's number, so a reader can tell whether a folder mixes two saves. Prints "ready"
// after the first save. Runs until it is killed.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: _SaveLoop SOURCE TARGET\n".utf8))
    exit(64)
}
TemporaryPaths.removeOnTermination()
do {
    let detector = try DetectorStore.load(from: URL(fileURLWithPath: arguments[1]))
    guard let aegmm = detector as? OutlierAEGMM, let marker = aegmm.network.parameters.first else {
        throw DetectorError.invalidArgument(name: "SOURCE", expected: "a saved OutlierAEGMM", actual: "\(type(of: detector).kind)")
    }
    let target = URL(fileURLWithPath: arguments[2])
    var generation: Float = 1
    while true {
        var value = marker.value
        value[0, 0] = generation
        marker.value = value
        aegmm.threshold?.value = generation
        try aegmm.save(to: target, overwrite: true)
        if generation == 1 { FileHandle.standardOutput.write(Data("ready\n".utf8)) }
        generation += 1
    }
} catch {
    FileHandle.standardError.write(Data("_SaveLoop: \(error)\n".utf8))
    exit(1)
}
