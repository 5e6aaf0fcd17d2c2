"""SciPy as a peer of the W1 job (bench/scipy-peer.ts runs it): compute only, loading excluded.

Reads a manifest of raw float64 files (each feature's finite values, baseline and window, written by
DuckDB from node), loads them all with numpy first, then times, per numeric feature, what a user
would write with SciPy: ks_2samp (method="auto"), wasserstein_distance, the baseline's decile bins
with chi2_contingency, Jensen-Shannon and PSI, with the reference oracle's definitions
(test/fixtures/reference/oracle.py). Prints one JSON line.
"""
import json, pathlib, sys, time
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "reference"))
from oracle import chi2, deciles, js, psi, wasserstein  # noqa: E402
from scipy import stats  # noqa: E402

manifest = json.loads(pathlib.Path(sys.argv[1]).read_text())
data = [(f["name"], np.fromfile(f["baseline"], dtype="<f8"), np.fromfile(f["window"], dtype="<f8")) for f in manifest["features"]]

per_feature = {}
t0 = time.perf_counter()
for name, b, w in data:
    t = time.perf_counter()
    stats.ks_2samp(b, w, method="auto")
    wasserstein(b, w)
    edges = np.unique(deciles(b))
    nb = len(edges) + 1
    cb = np.bincount(np.searchsorted(edges, b, side="right"), minlength=nb).astype(float)
    cw = np.bincount(np.searchsorted(edges, w, side="right"), minlength=nb).astype(float)
    chi2(cb, cw)
    js(cb, cw)
    psi(cb, cw)
    per_feature[name] = time.perf_counter() - t
print(json.dumps({"seconds": time.perf_counter() - t0, "features": len(data), "per_feature": per_feature}))
