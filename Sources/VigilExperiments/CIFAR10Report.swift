import Foundation
import VigilDetect
import VigilPlot
import VigilTensor

extension ProtocolReports {
    /// The alibi-detect CIFAR-10 protocol's report: settings and speed, the clean images'
    /// scores against the threshold, the picture grids (original, reconstruction, feature
    /// scores per channel), the mask study's curves and the `outlier_perc` curves.
    public static func cifar10(_ result: AlibiCIFAR10Protocol.Result, run: [(String, String)]) throws -> HTMLReport {
        let settings = result.settings
        var report = HTMLReport(title: "Vigil — alibi-detect's CIFAR-10 VAE and the mask-perturbation study")
        let shape = ImageShape(height: result.cleanGallery.shape[1], width: result.cleanGallery.shape[2], channels: result.cleanGallery.shape[3])
        let network = ImageSizing(shape: shape).map {
            "Conv2D \($0.encoderFilters.map(String.init).joined(separator: "/")), latent \($0.latent), Conv2DTranspose \($0.decoderFilters.map(String.init).joined(separator: "/"))"
        } ?? ""
        report.paragraph(
            "A convolutional VAE (\(network)) trained on \(settings.trainImages) clean \(shape) training images for \(settings.epochs) epochs (ELBO, sim 0.05, batch \(settings.batchSize)); threshold at the \(String(format: "%g", settings.thresholdPercentile))th percentile of the first \(settings.predictionImages) images' scores; then the first \(settings.studyImages) images masked with N(0, 1) noise patches of \(settings.maskSizes.first!)×\(settings.maskSizes.first!) to \(settings.maskSizes.last!)×\(settings.maskSizes.last!), \(settings.masksPerSize) masks per size.")
        report.heading("Run")
        report.facts(run + [
            ("threshold", String(format: "%.5f (the example's hand-set value: %.3f)", result.threshold, result.exampleThreshold)),
            ("training", String(format: "%.1f s per epoch of %d images (%.0f s per 50,000), final loss %.1f", result.fitSecondsPerEpoch, settings.trainImages, result.secondsPer50kEpoch, result.lossHistory.last ?? .nan)),
            ("scoring", String(format: "%.0f images/s (2 samples each)", result.scoringImagesPerSecond)),
            ("mean score rises with every mask size", result.meanRisesMonotonically ? "yes" : "no"),
        ])
        report.heading("The mask study")
        report.table(
            headers: ["mask size", "mean instance score", "flagged (threshold)", "flagged (0.015)"],
            rows: settings.maskSizes.indices.map { index in
                let size = settings.maskSizes[index]
                return ["\(size)×\(size)", String(format: "%.5f", result.meanMaskScore[index]), String(format: "%.3f", result.flaggedPerSize[index]), String(format: "%.3f", result.flaggedPerSizeAtExampleThreshold[index])]
            })
        let sizes = settings.maskSizes.map(Double.init)
        let perImage = result.maskScores.map { scores in zip(sizes, scores).map { (x: $0, y: Double($1)) } }
        let percentages = settings.outlierPercentages
        let copySizes = [0.0] + sizes
        report.charts([
            (try Chart.curves(
                [(name: "mean over \(result.maskScores.count) images", points: zip(sizes, result.meanMaskScore).map { (x: $0, y: Double($1)) })], background: perImage,
                title: "Instance score against mask size", xLabel: "Mask size (pixels per side)", yLabel: "Mean instance score over the masks"),
             "Each grey curve is one image's mean score over its \(settings.masksPerSize) masks; the coloured curve is their mean."),
            (try Chart.curves(
                [(name: "at the threshold", points: zip(sizes, result.flaggedPerSize).map { (x: $0, y: $1) }), (name: "at 0.015 (the example's)", points: zip(sizes, result.flaggedPerSizeAtExampleThreshold).map { (x: $0, y: $1) })],
                title: "Masked images flagged", xLabel: "Mask size (pixels per side)", yLabel: "Share flagged", yRange: 0...1), nil),
            (try Chart.curves(
                percentages.indices.map { index in (name: "top \(Int(percentages[index]))%", points: zip(copySizes, result.scoresByOutlierPercentage[index]).map { (x: $0, y: Double($1)) }) },
                title: "Image \(settings.inspectedImage): score by outlier_perc", xLabel: "Mask size (0 = clean)", yLabel: "Instance score"),
             "The instance score of image \(settings.inspectedImage)'s masked copies computed from the top share of its feature scores (alibi-detect's outlier_perc)."),
            (try Chart.instanceScores(result.cleanScores, threshold: result.threshold, title: "Clean images: instance scores"),
             "The first \(result.cleanScores.count) training images, flagged when above the threshold."),
            (try Chart.loss(result.lossHistory, title: "Training loss (negative ELBO)"), nil),
        ])
        report.heading("Pictures")
        report.charts([
            (try grid(result.cleanGallery, title: "Clean images: reconstruction and feature scores"), result.cleanGallery.labels.joined(separator: ", ")),
            (try grid(result.maskedGallery, title: "Image \(settings.inspectedImage) under masks of growing size"), result.maskedGallery.labels.joined(separator: ", ")),
        ])
        return report
    }

    static func grid(_ gallery: AlibiCIFAR10Protocol.Gallery, title: String) throws -> SVGChart {
        try Chart.imageGrid(
            images: Tensor(shape: gallery.shape, scalars: gallery.images), reconstructions: Tensor(shape: gallery.shape, scalars: gallery.reconstructions),
            featureScores: Tensor(shape: gallery.shape, scalars: gallery.featureScores), instanceScores: gallery.instanceScores,
            maxInstances: gallery.shape[0], panelSize: 80, title: title)
    }
}
