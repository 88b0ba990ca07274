// The safetensors decoder itself (internal to VigilDetect, hence @testable: the fuzz
// package builds in debug, where SwiftPM compiles its dependencies with testing enabled).
// The end-to-end path through DetectorStore.load is fuzz-detector-weights.
import FuzzSupport
@testable import VigilDetect

FuzzSupport.run { bytes in
    FuzzSupport.attempt {
        for (_, tensor) in try SafeTensors.decode(bytes, file: "input.safetensors") { _ = tensor.scalars.count }
    }
}
