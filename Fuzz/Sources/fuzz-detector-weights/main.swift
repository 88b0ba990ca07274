// DetectorStore.load end to end with the input as weights.safetensors and the seed
// config.json of the kind its metadata names (PCA when it names none), then scoring and
// predicting a small batch.
import FuzzSupport

let configs = DetectorSeeds.configs
FuzzSupport.run { bytes in
    DetectorSeeds.loadAndScore(config: configs[DetectorSeeds.kind(in: bytes)]!, weights: bytes)
}
