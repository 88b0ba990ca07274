import ArgumentParser
import VigilData

extension DataCommand {
    /// Where to look for data files and keep downloads: the option group every command that
    /// reads a data set shares.
    struct Location: ParsableArguments {
        @Option(help: "A folder holding data files, searched before the cache (default: VIGIL_DATA_DIR).")
        var dataDir: String?

        @Option(help: "The download cache (default: VIGIL_CACHE_DIR, else $XDG_CACHE_HOME/vigil or ~/.cache/vigil).")
        var cacheDir: String?

        var store: DataStore { DataStore(dataDirectory: dataDir, cacheDirectory: cacheDir) }
    }
}
