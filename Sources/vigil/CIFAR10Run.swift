import ArgumentParser
import Foundation
import VigilData
import VigilExperiments
import VigilTensor

extension Evaluate {
    /// `vigil evaluate --protocol alibi-cifar10`: the CIFAR-10 VAE and its mask study.
    func runCIFAR10() throws {
        let started = Date()
        let clock = ContinuousClock.now
        let folder = try location.cifar10Folder()
        let settings = AlibiCIFAR10Protocol.Settings(epochs: epochs ?? 50, trainImages: trainImages ?? 50_000, seed: seedList[0])
        let images = try CIFAR10.readTraining(folder: folder.path, count: max(settings.trainImages, settings.predictionImages))
        say("training on \(settings.trainImages) images for \(settings.epochs) epochs (batch \(settings.batchSize), \(ComputeThreads.count) threads)")
        let result = try AlibiCIFAR10Protocol.run(images: images, settings: settings, progress: .epochLines)
        say(String(format: "threshold %.5f (%gth percentile of %d clean images); %.1f s/epoch (%.0f s per 50,000 images); scoring %.0f images/s",
                   result.threshold, settings.thresholdPercentile, settings.predictionImages, result.fitSecondsPerEpoch, result.secondsPer50kEpoch, result.scoringImagesPerSecond))
        say("mask size  mean score  flagged  flagged at 0.015")
        for (index, size) in settings.maskSizes.enumerated() {
            let name = "\(size)×\(size)".padding(toLength: 9, withPad: " ", startingAt: 0)
            say(name + String(format: " %11.5f %8.3f %17.3f", result.meanMaskScore[index], result.flaggedPerSize[index], result.flaggedPerSizeAtExampleThreshold[index]))
        }
        say("mean score rises with every mask size: \(result.meanRisesMonotonically ? "yes" : "no")")
        if let report = reportPath {
            let facts = ProtocolReports.runFacts(
                data: folder.path, extra: [("protocol", "alibi-cifar10"), ("seed", "\(settings.seed)")], started: started,
                elapsed: (ContinuousClock.now - clock).inSeconds)
            try ProtocolReports.cifar10(result, run: facts).write(to: report)
            say("wrote \(report)")
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try OutputFile.write(Array(try encoder.encode(result)), to: json)
            say("wrote \(json)")
        }
    }
}

extension DataCommand.Location {
    /// The folder `cifar-10-batches-bin` of the data directories or the cache, its files
    /// verified, downloaded and unpacked into the cache when there is none.
    func cifar10Folder() throws -> URL {
        try store.fetch(CIFAR10.archive, progress: DownloadProgress(name: CIFAR10.archive.name).report)
    }
}
