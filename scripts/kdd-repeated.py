#!/usr/bin/env python3
"""KDD Cup '99's 18-feature view (alibi-detect's fetch_kdd columns, raw units) of ROWS rows,
made by repeating the 10% file (494,021 records) in order: OUT/kdd-ROWS.npy (float32) and
OUT/kdd-ROWS.csv.gz (the same rows with a header, no label column).

Usage: kdd-repeated.py KDD_10_PERCENT_GZ OUT_FOLDER [ROWS]   (default 5,000,000)
"""
import gzip
import sys

import numpy as np

COLUMNS = ("duration protocol_type service flag src_bytes dst_bytes land wrong_fragment urgent hot num_failed_logins "
           "logged_in num_compromised root_shell su_attempted num_root num_file_creations num_shells num_access_files "
           "num_outbound_cmds is_host_login is_guest_login count srv_count serror_rate srv_serror_rate rerror_rate "
           "srv_rerror_rate same_srv_rate diff_srv_rate srv_diff_host_rate dst_host_count dst_host_srv_count "
           "dst_host_same_srv_rate dst_host_diff_srv_rate dst_host_same_src_port_rate dst_host_srv_diff_host_rate "
           "dst_host_serror_rate dst_host_srv_serror_rate dst_host_rerror_rate dst_host_srv_rerror_rate").split()
VIEW = ("srv_count serror_rate srv_serror_rate rerror_rate srv_rerror_rate same_srv_rate diff_srv_rate "
        "srv_diff_host_rate dst_host_count dst_host_srv_count dst_host_same_srv_rate dst_host_diff_srv_rate "
        "dst_host_same_src_port_rate dst_host_srv_diff_host_rate dst_host_serror_rate dst_host_srv_serror_rate "
        "dst_host_rerror_rate dst_host_srv_rerror_rate").split()


def main():
    source, out = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 5_000_000
    positions = [COLUMNS.index(name) for name in VIEW]
    with gzip.open(source, "rt") as lines:
        base = np.asarray([[float(fields[i]) for i in positions] for fields in (line.rstrip("\n").split(",") for line in lines)],
                          dtype=np.float32)
    table = np.tile(base, (-(-rows // len(base)), 1))[:rows]
    np.save(f"{out}/kdd-{rows}.npy", table)
    with gzip.open(f"{out}/kdd-{rows}.csv.gz", "wt", compresslevel=1) as csv:
        csv.write(",".join(VIEW) + "\n")
        for start in range(0, rows, 100_000):
            np.savetxt(csv, table[start:start + 100_000], delimiter=",", fmt="%.9g")
    print(f"{out}/kdd-{rows}.npy and .csv.gz: {table.shape[0]} rows of {table.shape[1]} features ({len(base)} records repeated)")


if __name__ == "__main__":
    main()
