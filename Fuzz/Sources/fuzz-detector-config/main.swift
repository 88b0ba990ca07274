// DetectorStore.load end to end with the input as config.json and the seed weights of the
// kind it names (PCA when it names none), then scoring and predicting a small batch.
import FuzzSupport

let weights = DetectorSeeds.weights
FuzzSupport.run { bytes in
    DetectorSeeds.loadAndScore(config: bytes, weights: weights[DetectorSeeds.kind(in: bytes)]!)
}
