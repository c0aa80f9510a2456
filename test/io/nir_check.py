#!/usr/bin/python3
# Reads a NIR file with h5py (Debian's python3-h5py; run with /usr/bin/python3) for spikelab's
# NIR export test, independently of spikelab: prints the whole HDF5 layout as JSON (every group,
# every dataset's dtype, shape and values), and, given an inputs JSON and a step count, runs the
# graph with NIR's semantics in numpy (dv/dt = r*I over steps of dt, spike when v > v_threshold,
# then v = v_reset) and prints each IF node's spike count and the Output's summed input per sample.
#     /usr/bin/python3 test/io/nir_check.py FILE.nir [INPUTS.json STEPS]
import json
import sys

import h5py
import numpy as np


def dump(g):
    out = {}
    for k, v in g.items():
        if isinstance(v, h5py.Group):
            out[k] = {"group": dump(v)}
        else:
            x = v[()]
            kind = v.dtype.kind
            if kind == "O" or kind == "S":
                val = x.decode("utf8") if isinstance(x, bytes) else [[s.decode("utf8") for s in row] for row in x.tolist()] if x.ndim == 2 else [s.decode("utf8") for s in x.tolist()]
                out[k] = {"dtype": "string", "shape": list(v.shape), "value": val}
            else:
                out[k] = {"dtype": v.dtype.str, "shape": list(v.shape), "value": np.asarray(x).ravel().tolist()}
    return out


def conv2d(x, w, b, stride, pad, groups):
    c, h, wd = x.shape
    oc, icg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    oh = (h + 2 * pad[0] - kh) // stride[0] + 1
    ow = (wd + 2 * pad[1] - kw) // stride[1] + 1
    y = np.zeros((oc, oh, ow))
    ocg = oc // groups
    for gi in range(groups):
        xs = xp[gi * icg:(gi + 1) * icg]
        for a in range(kh):
            for bb in range(kw):
                patch = xs[:, a:a + stride[0] * oh:stride[0], bb:bb + stride[1] * ow:stride[1]]
                y[gi * ocg:(gi + 1) * ocg] += np.einsum("oc,chw->ohw", w[gi * ocg:(gi + 1) * ocg, :, a, bb], patch)
    return y + b[:, None, None]


def simulate(f, images, steps):
    g = f["node"]
    nodes = {k: {n: v[()] for n, v in g["nodes"][k].items()} for k in g["nodes"]}
    for spec in nodes.values():
        spec["type"] = spec["type"].decode("utf8")
    edges = [(a.decode("utf8"), b.decode("utf8")) for a, b in g["edges"][()]]
    dt = float(g["metadata"]["dt"][()])
    order, indeg = [], {k: 0 for k in nodes}
    for _, b in edges:
        indeg[b] += 1
    ready = [k for k, d in indeg.items() if d == 0]
    while ready:
        k = ready.pop()
        order.append(k)
        for a, b in edges:
            if a == k:
                indeg[b] -= 1
                if indeg[b] == 0:
                    ready.append(b)
    preds = {k: [a for a, b in edges if b == k] for k in nodes}
    results = []
    for image in images:
        v = {k: np.zeros(tuple(s["r"].shape)) for k, s in nodes.items() if s["type"] == "IF"}
        counts = {k: 0 for k in v}
        total = None
        x = np.asarray(image, dtype=np.float64)
        for _ in range(steps):
            out = {}
            for k in order:
                s = nodes[k]
                t = s["type"]
                if t == "Input":
                    out[k] = x.reshape(tuple(s["shape"]))
                    continue
                i = sum(out[p] for p in preds[k])
                if t == "Conv2d":
                    out[k] = conv2d(i, s["weight"].astype(np.float64), s["bias"].astype(np.float64), s["stride"], s["padding"], int(s["groups"]))
                elif t == "SumPool2d":
                    ones = np.ones((i.shape[0], 1) + tuple(s["kernel_size"]))
                    out[k] = conv2d(i, ones, np.zeros(i.shape[0]), s["stride"], s["padding"], i.shape[0])
                elif t == "Flatten":
                    out[k] = i.reshape(-1)
                elif t == "Affine":
                    out[k] = s["weight"].astype(np.float64) @ i + s["bias"]
                elif t == "Linear":
                    out[k] = s["weight"].astype(np.float64) @ i
                elif t == "IF":
                    v[k] = v[k] + dt * s["r"] * i
                    spk = v[k] > s["v_threshold"]
                    v[k] = np.where(spk, s["v_reset"], v[k])
                    counts[k] += int(spk.sum())
                    out[k] = spk.astype(np.float64)
                elif t == "Output":
                    total = i if total is None else total + i
                    out[k] = i
                else:
                    raise ValueError(f"unknown node type {t}")
        results.append({"spikes": counts, "output": total.ravel().tolist()})
    return results


def main():
    with h5py.File(sys.argv[1], "r") as f:
        report = {"root": sorted(f.keys()), "layout": dump(f)}
        if len(sys.argv) > 3:
            with open(sys.argv[2]) as fh:
                images = json.load(fh)
            report["simulation"] = simulate(f, images, int(sys.argv[3]))
    json.dump(report, sys.stdout)


main()
