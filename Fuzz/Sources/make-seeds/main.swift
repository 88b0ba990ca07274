// Writes the seed corpus, Fuzz/Corpus/<target>/, through Vigil's public API: small valid
// files of every format, and one small saved detector of each kind (trained for a few
// epochs on made-up data) split into detector-config/<kind>.json and
// detector-weights/<kind>.safetensors. Every seed is read back with the reader it seeds.
//
// Usage: make-seeds [corpus-folder]   (default: Fuzz/Corpus beside this package's sources)
// Deterministic (fixed seeds; gzip -n), so re-running it rewrites the same bytes.
import Foundation
import VigilData
import VigilDetect
import VigilNN
import VigilTensor

let corpus = CommandLine.arguments.count > 1 ? CommandLine.arguments[1]
    : URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Corpus").path
let scratch = NSTemporaryDirectory() + "vigil-make-seeds-\(getpid())"
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

var written: [(String, Int)] = []

func put(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
    let folder = "\(corpus)/\(target)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
    written.append(("\(target)/\(name)", bytes.count))
}

func put(_ target: String, _ name: String, _ text: String) throws { try put(target, name, Array(text.utf8)) }

/// gzip's bytes for `data` (the system's gzip, without name or time stamp).
func gzip(_ data: [UInt8]) throws -> [UInt8] {
    let input = "\(scratch)/gzip-input"
    try Data(data).write(to: URL(fileURLWithPath: input))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-n", "-9", "-c", input]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    return Array(output)
}

func scratchFile(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = "\(scratch)/\(name)"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

// MARK: CSV

let plainCSV = "a,b,c\n1,2,3\n4.5,-6e2,0.25\nnan,inf,-0\n"
let labelledCSV = "x,y,label\n0.1,0.2,0\n0.3,0.4,1\n1e-3,2E+2,0.0\n"
let wordsCSV = "x;y;label\n1;2;normal\n3;4;attack\n5;6;normal\n"
let quotedCSV = "\"first, name\",\"say \"\"hi\"\"\",label\r\n1,\"2\",0\r\n\"3\",4,1\r\n\"5\n\",6,0\r\n"
try put("csv", "plain.csv", plainCSV)
try put("csv", "labelled.csv", labelledCSV)
try put("csv", "words.csv", wordsCSV)
try put("csv", "quoted-crlf.csv", quotedCSV)
try put("csv", "header-only.csv", "only,a,header\n")
try put("csv", "labelled.csv.gz", try gzip(Array(labelledCSV.utf8)))
for name in ["plain.csv", "labelled.csv"] { _ = try CSV.read(path: "\(corpus)/csv/\(name)") }
_ = try CSV.read(path: "\(corpus)/csv/labelled.csv", labelColumn: "label")
_ = try CSV.read(path: "\(corpus)/csv/words.csv", labelColumn: "label", labels: .normal("normal"), delimiter: ";")

// MARK: NumPy

let arrays: [String: NumPyArray] = [
    "f4-2x3": NumPyArray(shape: [2, 3], elements: .float32([1, -2, 3.5, 0, .infinity, 1e-3])),
    "f8-4": NumPyArray(shape: [4], elements: .float64([1, 2, 3, 4])),
    "i4-2x2": NumPyArray(shape: [2, 2], elements: .int32([1, -1, Int32.max, Int32.min])),
    "i8-3": NumPyArray(shape: [3], elements: .int64([0, Int64.max, -7])),
    "u1-2x2x2": NumPyArray(shape: [2, 2, 2], elements: .uint8([0, 1, 2, 3, 252, 253, 254, 255])),
    "b1-3": NumPyArray(shape: [3], elements: .bool([true, false, true])),
    "f4-scalar": NumPyArray(shape: [], elements: .float32([42])),
    "f4-0x3": NumPyArray(shape: [0, 3], elements: .float32([])),
]
for (name, array) in arrays.sorted(by: { $0.key < $1.key }) {
    try put("npy", "\(name).npy", NumPy.encode(array))
}
// Format version 2.0: a four-byte header length.
do {
    var bytes = NumPy.encode(arrays["f4-2x3"]!)
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    bytes[6] = 2
    bytes.replaceSubrange(8..<10, with: [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8), 0, 0])
    try put("npy", "f4-2x3-v2.npy", bytes)
}
for name in try FileManager.default.contentsOfDirectory(atPath: "\(corpus)/npy") {
    _ = try NumPy.decode(Array(FileManager.default.contents(atPath: "\(corpus)/npy/\(name)")!), file: name)
}

// MARK: NPZ

let small = ["x": arrays["f4-2x3"]!, "y": arrays["i8-3"]!]
for compressed in [false, true] {
    let path = "\(scratch)/archive.npz"
    try NumPy.writeArchive(small, to: path, compressed: compressed)
    try put("npz", compressed ? "deflated.npz" : "stored.npz", Array(FileManager.default.contents(atPath: path)!))
    try FileManager.default.removeItem(atPath: path)
}
do {
    let path = "\(scratch)/one.npz"
    try NumPy.writeArchive(["b": arrays["b1-3"]!], to: path)
    try put("npz", "one-bool.npz", Array(FileManager.default.contents(atPath: path)!))
}
for name in ["stored.npz", "deflated.npz", "one-bool.npz"] { _ = try NumPy.readArchive(path: "\(corpus)/npz/\(name)") }

// MARK: Detectors

let featureCount = 4
let data: Tensor = {
    var generator = SeededRandom(seed: 7)
    return Tensor(shape: [48, featureCount], scalars: (0..<(48 * featureCount)).map { _ in generator.normal() })
}()
let options = FitOptions(epochs: 2, batchSize: 16, seed: 3, progress: .silent)

func dense(_ sizes: [Int], _ activations: [Activation], _ generator: inout SeededRandom) -> Sequential {
    Sequential((0..<(sizes.count - 1)).map { Dense(inputSize: sizes[$0], outputSize: sizes[$0 + 1], activation: activations[$0], generator: &generator) })
}

func detectors() throws -> [any OutlierDetector] {
    var g = SeededRandom(seed: 11)
    let ae = try OutlierAE(
        network: .init(encoder: dense([4, 3, 2], [.relu, .linear], &g), decoder: dense([2, 3, 4], [.relu, .sigmoid], &g)), featureCount: 4)
    let vaeNetwork = VariationalAutoencoder(
        encoder: dense([4, 3], [.relu], &g), encodedWidth: 3, latentDimension: 2, decoder: dense([2, 3, 4], [.tanh, .linear], &g), generator: &g)
    let vae = try OutlierVAE(network: vaeNetwork, featureCount: 4, configuration: .init(scoreType: .reconstructionProbability, samples: 2, seed: 5))
    let aegmm = OutlierAEGMM(
        network: .init(encoder: dense([4, 3, 1], [.tanh, .linear], &g), decoder: dense([1, 3, 4], [.tanh, .linear], &g),
                       density: dense([3, 3, 2], [.tanh, .softmax], &g)),
        featureCount: 4)
    let vaegmmNetwork = VariationalAutoencoder(
        encoder: dense([4, 3], [.relu], &g), encodedWidth: 3, latentDimension: 2, decoder: dense([2, 3, 4], [.relu, .linear], &g), generator: &g)
    let vaegmm = try OutlierVAEGMM(
        network: .init(autoencoder: vaegmmNetwork, density: dense([4, 3, 2], [.relu, .softmax], &g)), featureCount: 4,
        configuration: .init(samples: 2, seed: 6))
    let pca = try PCADetector(featureCount: 4, configuration: .init(components: .count(2)))
    let svm = try OneClassSVM(featureCount: 4, configuration: .init(nu: 0.2, gamma: 0.5))
    let bigan = try BiGANDetector.deepadPreset(featureCount: 4, latentDimension: 2, width: 3, seed: 12)
    let seq2seq = try Seq2SeqDetector.deepadPreset(featureCount: 4, encoderUnits: 2, seed: 13)
    let forest = try IsolationForest(featureCount: 4, configuration: .init(trees: 3, samplesPerTree: 16, seed: 14))
    return [vaegmm, aegmm, svm, vae, ae, seq2seq, bigan, pca, forest]
}

var kinds: [String] = []
for (index, detector) in try detectors().enumerated() {
    let kind = type(of: detector).kind
    _ = try detector.fit(data, options: options)
    if index % 2 == 0 {
        try detector.inferThreshold(data, percentile: 90)
    } else if detector is OutlierAE {
        try detector.inferThreshold(data, percentile: 95, outlierType: .feature)
    } else {
        try detector.inferThreshold(normalBatch: data, falsePositiveRate: 0.05)
    }
    let folder = URL(fileURLWithPath: "\(scratch)/\(kind)")
    try detector.save(to: folder)
    let config = Array(FileManager.default.contents(atPath: folder.appendingPathComponent("config.json").path)!)
    let weights = Array(FileManager.default.contents(atPath: folder.appendingPathComponent("weights.safetensors").path)!)
    try put("detector-config", "\(kind).json", config)
    try put("detector-weights", "\(kind).safetensors", weights)
    try put("safetensors", "\(kind).safetensors", weights)
    let loaded = try DetectorStore.load(from: folder)
    _ = try loaded.score(data.slice(alongAxis: 0, 0..<3))
    kinds.append(kind)
}
print("detector kinds:", kinds.joined(separator: " "))

// MARK: KDD Cup '99

// Made-up records in the file's layout (41 fields and a label), not rows of the data set.
let kddLines = [
    "1,tcp,http,SF,200,4000,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,5,5,0.00,0.00,0.00,0.00,1.00,0.00,0.00,12,12,1.00,0.00,0.08,0.00,0.00,0.00,0.00,0.00,normal.",
    "0,icmp,ecr_i,SF,900,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,400,400,0.00,0.00,0.00,0.00,1.00,0.00,0.00,200,200,1.00,0.00,1.00,0.00,0.00,0.00,0.00,0.00,smurf.",
    "0,tcp,private,S0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,100,4,1.00,1.00,0.00,0.00,0.04,0.06,0.00,200,20,0.10,0.06,0.00,0.00,1.00,1.00,0.00,0.00,neptune.",
    "3,udp,domain_u,SF,40,50,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,2,0.00,0.00,0.00,0.00,1.00,0.00,0.00,200,199,1.00,0.01,0.00,0.00,0.00,0.00,0.00,0.00,normal.",
]
let kddText = kddLines.joined(separator: "\n") + "\n"
try put("kdd", "four-records.txt", kddText)
try put("kdd", "crlf-no-final-newline.txt", kddLines.prefix(2).joined(separator: "\r\n"))
try put("kdd", "four-records.txt.gz", try gzip(Array(kddText.utf8)))
_ = try KDDCup.oneHotView(path: "\(corpus)/kdd/four-records.txt")
_ = try KDDCup.continuousView(path: "\(corpus)/kdd/four-records.txt.gz")

// MARK: CIFAR-10

func cifarRecords(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededRandom(seed: seed)
    var bytes: [UInt8] = []
    for record in 0..<count {
        bytes.append(UInt8(record % 10))
        // Smooth ramps compress well, so the gzip seed stays small.
        for channel in 0..<3 { for pixel in 0..<1024 { bytes.append(UInt8((pixel / 32 * 8 + channel * 40 + generator.integer(below: 2)) & 0xFF)) } }
    }
    return bytes
}
try put("cifar10", "one-record.bin", cifarRecords(1, seed: 1))
try put("cifar10", "two-records.bin.gz", try gzip(cifarRecords(2, seed: 2)))
_ = try CIFAR10.read(path: "\(corpus)/cifar10/one-record.bin")
_ = try CIFAR10.read(path: "\(corpus)/cifar10/two-records.bin.gz")

// MARK: MNIST (the fuzz input: UInt16 LE length of the images file, the images file, the labels file)

func idx(_ dimensions: [Int], _ values: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for dimension in dimensions { bytes += [24, 16, 8, 0].map { UInt8((dimension >> $0) & 0xFF) } }
    return bytes + values
}
func mnistInput(_ images: [UInt8], _ labels: [UInt8]) -> [UInt8] {
    [UInt8(images.count & 0xFF), UInt8(images.count >> 8)] + images + labels
}
let mnistImages = idx([2, 3, 3], (0..<18).map { UInt8($0 * 14) })
let mnistLabels = idx([2], [7, 3])
try put("mnist", "two-3x3.bin", mnistInput(mnistImages, mnistLabels))
try put("mnist", "two-3x3-gzip.bin", mnistInput(try gzip(mnistImages), try gzip(mnistLabels)))
for name in ["two-3x3.bin", "two-3x3-gzip.bin"] {
    let bytes = Array(FileManager.default.contents(atPath: "\(corpus)/mnist/\(name)")!)
    let split = 2 + (Int(bytes[0]) | Int(bytes[1]) << 8)
    _ = try MNIST.read(imagesPath: try scratchFile("i", Array(bytes[2..<split])), labelsPath: try scratchFile("l", Array(bytes[split...])))
}

// MARK: gzip

let npyBytes = NumPy.encode(arrays["f4-2x3"]!)
try put("gzip", "array.npy.gz", try gzip(npyBytes))
try put("gzip", "table.csv.gz", try gzip(Array(plainCSV.utf8)))
let header = Array("a,b\n".utf8), rows = Array("1,2\n3,4\n".utf8)
try put("gzip", "two-members.csv.gz", try gzip(header) + gzip(rows))
try put("gzip", "empty-member-then-data.csv.gz", try gzip([]) + gzip(Array(plainCSV.utf8)))
_ = try NumPy.read(path: "\(corpus)/gzip/array.npy.gz")
for name in ["table.csv.gz", "two-members.csv.gz", "empty-member-then-data.csv.gz"] { _ = try CSV.read(path: "\(corpus)/gzip/\(name)") }

let total = written.reduce(0) { $0 + $1.1 }
for (name, size) in written where size > 20_000 { print("warning: \(name) is \(size) bytes") }
print("wrote \(written.count) seeds, \(total) bytes, to \(corpus)")
