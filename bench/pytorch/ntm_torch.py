#!/usr/bin/python3
"""Independent PyTorch reference of docs/SPEC.md: cross-check the engine's gradients, self-test, time.

Commands (run with Debian's /usr/bin/python3 and python3-torch):
  crosscheck --checkpoint C.safetensors --trace T.safetensors
        re-run the trace's sequence in float64 from the engine's float32 weights and compare
        loss, logits, weightings, memory and every grad.<tensor> with the trace; exit 1 on a
        disagreement, naming the worst tensors.
  trace --checkpoint C.safetensors --out T.safetensors
        write a reference trace of one sequence (the same format the engine writes).
  selftest
        file round trips, the shift direction, and autograd against central differences on
        random small configurations in float64.
  time  single-threaded float32 timings: inference step at batch 1, and training throughput at
        batch 1 (RMSProp) and batch 32 (Adam) on the copy task; prints JSON.
"""

import os

# One thread everywhere: timings are single-threaded by definition, and the machine is shared.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json
import math
import platform
import statistics
import sys
import tempfile
import time

import numpy as np
import torch

import safetensors_io
from ntm_model import (GravesRMSprop, Ntm, NtmConfig, NtmModule, copy_sequence, circular_shift, init_params,
                       load_checkpoint, pad_batch, save_checkpoint, sequence_loss)

torch.set_num_threads(1)


# ---------------------------------------------------------------------------------------------
# Reference run of one sequence and traces
# ---------------------------------------------------------------------------------------------

def reference_run(cfg, arrays, inputs, targets, mask, dtype=torch.float64, fused_lstm=False):
    """Runs one sequence (inputs (T, X), targets (T, Y), mask (T,)) from parameter arrays and
    returns numpy results: loss, logits, weightings, memory and the gradient of every tensor
    (also of init.memory in mode random, where it is not trained: a diagnostic only)."""
    params = {n: torch.tensor(np.asarray(a), dtype=dtype, requires_grad=True) for n, a in arrays.items()}
    model = Ntm(cfg, params, fused_lstm)
    record = {"read_weights": [], "write_weights": [], "memory": []}
    x = torch.as_tensor(np.asarray(inputs), dtype=dtype).unsqueeze(1)
    y = torch.as_tensor(np.asarray(targets), dtype=dtype).unsqueeze(1)
    m = torch.as_tensor(np.asarray(mask), dtype=dtype).unsqueeze(1)
    logits = model.forward(x, record)
    loss = sequence_loss(logits, y, m).mean()
    names = [n for n, _, _ in cfg.tensors()]
    grads = _grads(loss, [params[n] for n in names])
    return {
        "loss": np.array([loss.item()]),
        "logits": logits.detach().squeeze(1).numpy(),
        "read_weights": torch.stack(record["read_weights"]).detach().squeeze(1).numpy(),
        "write_weights": torch.stack(record["write_weights"]).detach().squeeze(1).numpy(),
        "memory": torch.stack(record["memory"]).detach().squeeze(1).numpy(),
        "grads": {n: g.numpy() for n, g in zip(names, grads)},
    }


def _grads(loss, tensors):
    """Autograd gradients, zeros for tensors the loss does not use (w_0 in addressing mode content)."""
    grads = torch.autograd.grad(loss, tensors, allow_unused=True)
    return [torch.zeros_like(t) if g is None else g for t, g in zip(tensors, grads)]


TRACE_META = {"format": "ntm-trace", "version": "1"}


def trace_arrays(cfg, run, inputs, targets, mask, dtype=np.float32):
    """The trace file's tensors (docs/SPEC.md section 6) from a reference run; the gradient of
    init.memory in mode random, which is not trained, is written as zero."""
    out = {"inputs": inputs, "targets": targets, "mask": mask, "logits": run["logits"],
           "read_weights": run["read_weights"], "write_weights": run["write_weights"],
           "memory": run["memory"], "loss": run["loss"]}
    for name, _, trainable in cfg.tensors():
        out["grad." + name] = run["grads"][name] if trainable else np.zeros_like(run["grads"][name])
    return {k: np.asarray(v, dtype=dtype) for k, v in out.items()}


def example_sequence(cfg, rng, length):
    """A copy sequence when X = Y + 1 (the copy layout), otherwise random bits with the second
    half of the steps scored."""
    if cfg.input_size == cfg.output_size + 1:
        return copy_sequence(rng, cfg.output_size, length, length)
    steps = 2 * length + 1
    inputs = rng.integers(0, 2, size=(steps, cfg.input_size)).astype(np.float32)
    targets = rng.integers(0, 2, size=(steps, cfg.output_size)).astype(np.float32)
    mask = (np.arange(steps) > length).astype(np.float32)
    return inputs, targets, mask


def cmd_trace(args):
    cfg, arrays, _ = load_checkpoint(args.checkpoint)
    rng = np.random.default_rng(args.seed)
    inputs, targets, mask = example_sequence(cfg, rng, args.length)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    run = reference_run(cfg, arrays, inputs, targets, mask, dtype)
    safetensors_io.write(args.out, trace_arrays(cfg, run, inputs, targets, mask),
                         dict(TRACE_META, config=cfg.to_json(), producer=f"bench/pytorch {args.dtype}"))
    print(f"wrote {args.out}: {inputs.shape[0]} steps, loss {run['loss'][0]:.9g} nats")
    return 0


# ---------------------------------------------------------------------------------------------
# crosscheck
# ---------------------------------------------------------------------------------------------

def _rel(ref, got, floor):
    """||ref - got|| / max(||ref||, floor) and max |ref - got|."""
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    diff = ref - got
    return float(np.linalg.norm(diff)) / max(float(np.linalg.norm(ref)), floor), \
        float(np.abs(diff).max()) if diff.size else 0.0


def crosscheck(checkpoint, trace, loss_rtol=1e-4, grad_rtol=1e-3, forward_rtol=1e-4, abs_floor=1e-6,
               grad_floor=1e-5, out=sys.stdout):
    """Compares a trace with the float64 reference. Returns (ok, rows), rows as
    (quantity, shape, |torch|, |trace|, rel, max|diff|, tolerance, ok, note).

    rel = ||torch - trace|| / max(||torch||, floor). The floor is abs_floor for the loss and the
    forward quantities; for gradients it is also at least grad_floor times the norm of the whole
    gradient, because a tensor whose gradient is tiny by cancellation (the read heads of a fresh
    model, whose memory is 1e-6) carries float32 rounding of the size of the terms that cancel."""
    cfg, arrays, _ = load_checkpoint(checkpoint)
    tr, trace_meta = safetensors_io.read(trace)
    if "config" in trace_meta and NtmConfig.from_json(trace_meta["config"]) != cfg:
        raise ValueError(f"{trace}: the trace's config {trace_meta['config']} is not the checkpoint's {cfg.to_json()}")
    for key in ("inputs", "targets", "mask", "loss"):
        if key not in tr:
            raise ValueError(f"{trace}: trace has no '{key}' tensor")
    inputs, targets, mask = tr["inputs"], tr["targets"], tr["mask"]
    steps = inputs.shape[0]
    expect = {"inputs": (steps, cfg.input_size), "targets": (steps, cfg.output_size), "mask": (steps,),
              "logits": (steps, cfg.output_size), "read_weights": (steps, cfg.read_heads, cfg.memory_rows),
              "write_weights": (steps, cfg.write_heads, cfg.memory_rows),
              "memory": (steps + 1, cfg.memory_rows, cfg.memory_width)}
    for key, shape in expect.items():
        if key in tr and tuple(tr[key].shape) != shape:
            raise ValueError(f"{trace}: '{key}' has shape {list(tr[key].shape)}, expected {list(shape)} "
                             f"for {steps} steps of the checkpoint's configuration")
    run = reference_run(cfg, arrays, inputs, targets, mask)
    total = math.sqrt(sum(float(np.sum(np.square(run["grads"][n]))) for n, _, t in cfg.tensors() if t))
    floor_grad = max(abs_floor, grad_floor * total)

    rows = []

    def compare(name, ref, got, tol, note="", floor=abs_floor):
        rel, maxdiff = _rel(ref, got, floor)
        rows.append((name, list(np.shape(ref)), float(np.linalg.norm(ref)),
                     float(np.linalg.norm(np.asarray(got, dtype=np.float64))), rel, maxdiff, tol, rel <= tol, note))

    compare("loss", run["loss"], np.asarray(tr["loss"]).reshape(-1)[:1], loss_rtol)
    for key in ("logits", "read_weights", "write_weights", "memory"):
        if key in tr:
            compare(key, run[key], tr[key], forward_rtol)
        else:
            rows.append((key, [], float("nan"), float("nan"), float("nan"), float("nan"), forward_rtol, True,
                         "not in trace"))
    for name, shape, trainable in cfg.tensors():
        key = "grad." + name
        if key not in tr:
            rows.append((key, list(shape), float(np.linalg.norm(run["grads"][name])), float("nan"),
                         float("nan"), float("nan"), grad_rtol, not trainable,
                         "not in trace" + ("" if trainable else " (not trained)")))
            continue
        if tuple(tr[key].shape) != tuple(shape):
            raise ValueError(f"{trace}: '{key}' has shape {list(tr[key].shape)}, expected {list(shape)}")
        if not trainable and not np.any(tr[key]):
            rows.append((key, list(shape), float(np.linalg.norm(run["grads"][name])), 0.0, 0.0, 0.0,
                         grad_rtol, True, "zero in trace (not trained)"))
            continue
        compare(key, run["grads"][name], tr[key], grad_rtol, floor=floor_grad)
    unknown = sorted(k for k in tr if k.startswith("grad.") and k[5:] not in arrays)
    for key in unknown:
        rows.append((key, list(tr[key].shape), float("nan"), float(np.linalg.norm(tr[key])), float("nan"),
                     float("nan"), grad_rtol, False, "no such parameter"))

    print(f"config: {cfg.to_json()}", file=out)
    print(f"sequence: {steps} steps, {int(np.count_nonzero(mask))} scored; reference in float64 "
          f"(torch {torch.__version__}); rel = ||torch - trace|| / max(||torch||, floor), floor {abs_floor:g}, "
          f"for gradients {floor_grad:.3g} ({grad_floor:g} x the whole gradient's norm {total:.4g})", file=out)
    print(f"{'quantity':<34} {'shape':<14} {'|torch|':>11} {'|trace|':>11} {'rel':>9} {'max|diff|':>9} "
          f"{'tol':>7}  ok", file=out)
    for name, shape, nt, ng, rel, maxdiff, tol, ok, note in rows:
        print(f"{name:<34} {str(shape).replace(' ', ''):<14} {nt:11.4e} {ng:11.4e} {rel:9.2e} {maxdiff:9.2e} "
              f"{tol:7.0e}  {'yes' if ok else 'NO'}{'  ' + note if note else ''}", file=out)
    failed = [r for r in rows if not r[7]]
    if failed:
        worst = sorted(failed, key=lambda r: -(r[4] / r[6]) if math.isfinite(r[4]) else -math.inf)
        names = ", ".join(f"{r[0]} (rel {r[4]:.2e}{', ' + r[8] if r[8] else ''})" for r in worst[:5])
        print(f"crosscheck FAILED: {len(failed)} of {len(rows)} quantities disagree; worst: {names}", file=out)
    else:
        print(f"crosscheck PASSED: {len(rows)} quantities within tolerance", file=out)
    return not failed, rows


def module_check(checkpoint, trace, atol=1e-4, out=sys.stdout):
    """The engine's logits of a trace against NtmModule's (float32, batch-first, a batch of the
    sequence twice), and the module's refusal of inputs of the wrong shape. Returns True when
    everything agrees."""
    tr, _ = safetensors_io.read(trace)
    model = NtmModule.from_checkpoint(checkpoint, batch_first=True)
    inputs = torch.as_tensor(tr["inputs"])
    with torch.no_grad():
        logits = model(torch.stack([inputs, inputs]))           # (2, T, X) -> (2, T, Y)
        single = NtmModule.from_checkpoint(checkpoint, batch_first=False)(inputs)
    ok = True
    for name, got in (("batch-first", logits[1]), ("single sequence", single)):
        diff = float(np.max(np.abs(got.numpy() - tr["logits"])))
        good = diff <= atol
        ok &= good
        print(f"logits ({name}) vs engine: max |diff| {diff:.3g} (tolerance {atol:g}) {'ok' if good else 'FAIL'}", file=out)
    x = model.cfg.input_size
    # a wrong width, a (T, X, B) mix-up, a 4-D tensor, one step without its time axis
    for bad in (torch.zeros(2, 3, x + 1), torch.zeros(3, x, 2), torch.zeros(2, 3, x, 1), torch.zeros(x)):
        try:
            model(bad)
            print(f"shape {tuple(bad.shape)} was accepted; expected a ValueError FAIL", file=out)
            ok = False
        except ValueError as e:
            print(f"shape {tuple(bad.shape)} rejected: {e}", file=out)
    return ok


def cmd_module_check(args):
    sys.exit(0 if module_check(args.checkpoint, args.trace, args.atol) else 1)


def cmd_crosscheck(args):
    ok, _ = crosscheck(args.checkpoint, args.trace, args.loss_rtol, args.grad_rtol, args.forward_rtol,
                       args.abs_floor, args.grad_floor)
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------
# selftest
# ---------------------------------------------------------------------------------------------

class _Checks:
    def __init__(self):
        self.failures = []
        self.count = 0

    def check(self, ok, what):
        self.count += 1
        if not ok:
            self.failures.append(what)
            print(f"  FAIL {what}")


def _selftest_safetensors(c, folder):
    rng = np.random.default_rng(1)
    tensors = {"a": rng.standard_normal((3, 5)).astype(np.float32), "b": rng.standard_normal(7),
               "c": np.arange(6, dtype=np.int64).reshape(2, 3), "d": np.zeros((0, 4), dtype=np.float32),
               "e": np.array([True, False])}
    path = os.path.join(folder, "roundtrip.safetensors")
    safetensors_io.write(path, tensors, {"format": "x", "config": '{"k": 1}'})
    back, meta = safetensors_io.read(path)
    c.check(meta == {"format": "x", "config": '{"k": 1}'}, f"safetensors metadata round trip: {meta}")
    c.check(list(back) == list(tensors), "safetensors keeps the tensor order")
    for k, v in tensors.items():
        c.check(back[k].dtype == v.dtype and back[k].shape == v.shape and back[k].tobytes() == v.tobytes(),
                f"safetensors round trip of '{k}' is bit-exact")
    with open(path, "rb") as f:
        raw = f.read()
    c.check(int.from_bytes(raw[:8], "little") % 8 == 0, "safetensors header is padded to 8 bytes")
    c.check(safetensors_io.crc32c(b"123456789") == 0xE3069283, "CRC32C check value of '123456789'")
    flipped = bytearray(raw)
    flipped[-20] ^= 1
    bad = os.path.join(folder, "bad.safetensors")
    for label, blob in (("truncated data", raw[:-3]), ("header length past the end", b"\xff" * 8 + raw[8:]),
                        ("too short", raw[:5]), ("bytes after the last tensor", raw + b"\0\0\0\0"),
                        ("one data bit flipped (checksum)", bytes(flipped))):
        with open(bad, "wb") as f:
            f.write(blob)
        try:
            safetensors_io.read(bad)
            c.check(False, f"safetensors rejects a file with {label}")
        except safetensors_io.SafetensorsError:
            c.check(True, "")


def _selftest_shift(c):
    """docs/SPEC.md 1.4: s(j) weighs a shift by j - S rows; +1 moves row i to i+1, N-1 wraps to 0."""
    for n, s_range in ((7, 1), (9, 2)):
        index = Ntm(NtmConfig(memory_rows=n, shift_range=s_range), {}).shift_index
        for shift in range(-s_range, s_range + 1):
            for i in range(n):
                wg = torch.zeros(1, n, dtype=torch.float64)
                wg[0, i] = 1
                s = torch.zeros(1, 2 * s_range + 1, dtype=torch.float64)
                s[0, shift + s_range] = 1
                ws = circular_shift(wg, s, index)[0]
                target = (i + shift) % n
                c.check(ws[target].item() == 1.0 and ws.sum().item() == 1.0,
                        f"shift {shift:+d} moves row {i} to row {target} (N={n}, S={s_range}), got {ws.tolist()}")
    # The same through a whole head: g ~ 0 keeps w_{t-1}, s peaked at +1, gamma ~ 1.
    cfg = NtmConfig(input_size=2, output_size=1, memory_rows=6, memory_width=3, hidden_size=2,
                    shift_range=1, clip=20.0)
    model = Ntm(cfg, {})
    m = cfg.memory_width
    for i in range(cfg.memory_rows):
        hp = torch.full((1, cfg.read_params), -20.0, dtype=torch.float64)
        hp[0, m + 2 + 2] = 20.0  # s index 2 = shift +1
        w_prev = torch.full((1, cfg.memory_rows), 1e-9, dtype=torch.float64)
        w_prev[0, i] = 1.0
        w_prev = w_prev / w_prev.sum()
        memory = torch.rand(1, cfg.memory_rows, m, dtype=torch.float64, generator=torch.Generator().manual_seed(i))
        w = model._address(hp, w_prev, memory)[0]
        target = (i + 1) % cfg.memory_rows
        c.check(int(w.argmax()) == target and w[target].item() > 0.999,
                f"a head with s at +1 moves its focus from row {i} to row {target}, got {w.tolist()}")


def _loops_forward(cfg, p, inputs):
    """docs/SPEC.md section 1 once more, as plain scalar loops over numpy float64 values (inputs
    (T, X) -> logits (T, Y)): a second coding of the forward pass that shares nothing with the
    torch one but the specification, to catch slips such as a wrong slice of the head parameters."""
    n_rows, m, s_range, clip = cfg.memory_rows, cfg.memory_width, cfg.shift_range, cfg.clip
    sig = lambda v: 1.0 / (1.0 + math.exp(-v))
    softplus = lambda v: math.log1p(math.exp(v))

    def softmax(v):
        top = max(v)
        e = [math.exp(x - top) for x in v]
        return [x / sum(e) for x in e]

    def linear(w, b, v):
        return [sum(w[i][j] * v[j] for j in range(len(v))) + b[i] for i in range(len(b))]

    h_size = cfg.hidden_size
    hs = [[0.0] * h_size for _ in range(cfg.layers)]
    cs = [[0.0] * h_size for _ in range(cfg.layers)]
    reads = [[math.tanh(v) for v in p[f"init.read.{r}"]] for r in range(cfg.read_heads)]
    weights = [softmax(list(p[f"init.weight.read.{r}"])) for r in range(cfg.read_heads)]
    weights += [softmax(list(p[f"init.weight.write.{w}"])) for w in range(cfg.write_heads)]
    mem = [[(math.tanh(v) if cfg.memory_init == "learned" else v) for v in row] for row in p["init.memory"]]
    out_logits = []
    for x in inputs:
        layer_in = list(x) + [v for r in reads for v in r]
        for l in range(cfg.layers):
            if cfg.controller == "lstm":
                z = linear(p[f"controller.lstm.{l}.weight"], p[f"controller.lstm.{l}.bias"], layer_in + hs[l])
                for u in range(h_size):
                    i, f = sig(z[u]), sig(z[h_size + u])
                    g, o = math.tanh(z[2 * h_size + u]), sig(z[3 * h_size + u])
                    cs[l][u] = f * cs[l][u] + i * g
                    hs[l][u] = o * math.tanh(cs[l][u])
            else:
                hs[l] = [math.tanh(v) for v in linear(p[f"controller.ff.{l}.weight"],
                                                      p[f"controller.ff.{l}.bias"], layer_in)]
            layer_in = list(hs[l])
        o_t = layer_in
        heads = [f"read_heads.{r}" for r in range(cfg.read_heads)] + \
                [f"write_heads.{w}" for w in range(cfg.write_heads)]
        new_weights, params = [], []
        for index, head in enumerate(heads):
            hp = [min(max(v, -clip), clip) for v in linear(p[head + ".weight"], p[head + ".bias"], o_t)]
            params.append(hp)
            k = [math.tanh(v) for v in hp[:m]]
            beta, g = softplus(hp[m]), sig(hp[m + 1])
            s = softmax(hp[m + 2:m + 3 + 2 * s_range])
            gamma = 1.0 + softplus(hp[m + 3 + 2 * s_range])
            k_norm = math.sqrt(sum(v * v for v in k))
            sim = [sum(k[j] * mem[i][j] for j in range(m))
                   / (k_norm * math.sqrt(sum(v * v for v in mem[i])) + 1e-8) for i in range(n_rows)]
            w = softmax([beta * v for v in sim])
            if cfg.addressing == "content+location":
                wg = [g * w[i] + (1 - g) * weights[index][i] for i in range(n_rows)]
                ws = [sum(wg[(i - (j - s_range)) % n_rows] * s[j] for j in range(2 * s_range + 1))
                      for i in range(n_rows)]
                powered = [(v + 1e-16) ** gamma for v in ws]
                w = [v / sum(powered) for v in powered]
            new_weights.append(w)
        reads = [[sum(new_weights[r][i] * mem[i][j] for i in range(n_rows)) for j in range(m)]
                 for r in range(cfg.read_heads)]
        for wi in range(cfg.write_heads):
            w, hp = new_weights[cfg.read_heads + wi], params[cfg.read_heads + wi]
            e = [sig(v) for v in hp[-2 * m:-m]]
            a = [math.tanh(v) for v in hp[-m:]]
            mem = [[mem[i][j] * (1 - w[i] * e[j]) + w[i] * a[j] for j in range(m)] for i in range(n_rows)]
        weights = new_weights
        y = linear(p["output.weight"], p["output.bias"], o_t + [v for r in reads for v in r])
        out_logits.append([min(max(v, -clip), clip) for v in y])
    return np.array(out_logits)


def _selftest_loops(c, seed):
    rng = np.random.default_rng(seed + 100)
    for i, (controller, memory_init, addressing, clip) in enumerate((
            ("lstm", "constant", "content+location", 20.0), ("lstm", "learned", "content+location", 0.7),
            ("feedforward", "random", "content", 20.0), ("feedforward", "learned", "content+location", 20.0))):
        cfg = _random_config(rng, controller, memory_init, addressing, clip)
        params = init_params(cfg, seed + i)
        for name, t in params.items():
            if name.endswith(".bias") or name == "init.memory":
                t += torch.tensor(rng.uniform(-0.5, 0.5, t.shape))
        inputs = rng.standard_normal((5, cfg.input_size))
        expected = _loops_forward(cfg, {n: t.numpy() for n, t in params.items()}, inputs)
        got = Ntm(cfg, params).forward(torch.tensor(inputs).unsqueeze(1)).squeeze(1).numpy()
        err = float(np.abs(got - expected).max())
        c.check(err <= 1e-12 * max(1.0, float(np.abs(expected).max())),
                f"torch forward equals the scalar-loop forward ({controller}, {memory_init}, {addressing}, "
                f"C={clip}): max |diff| {err:.2e}")
        print(f"  {controller}, {memory_init}, {addressing}, C={clip}: max |logit diff| {err:.1e}")


def _random_sequence(rng, cfg, steps, dtype=torch.float64):
    inputs = torch.tensor(rng.standard_normal((steps, 1, cfg.input_size)), dtype=dtype)
    targets = torch.tensor(rng.integers(0, 2, (steps, 1, cfg.output_size)), dtype=dtype)
    mask = torch.tensor(rng.integers(0, 2, (steps, 1)), dtype=dtype)
    mask[-1] = 1
    return inputs, targets, mask


def _loss_of(cfg, params, inputs, targets, mask, fused=False):
    return sequence_loss(Ntm(cfg, params, fused).forward(inputs), targets, mask).mean()


def _random_config(rng, controller, memory_init, addressing, clip=20.0):
    n = int(rng.integers(6, 10))
    return NtmConfig(input_size=int(rng.integers(2, 5)), output_size=int(rng.integers(1, 4)),
                     memory_rows=n, memory_width=int(rng.integers(3, 6)),
                     read_heads=int(rng.integers(1, 3)), write_heads=int(rng.integers(1, 3)),
                     shift_range=int(rng.integers(1, 3)), controller=controller,
                     layers=int(rng.integers(1, 3)), hidden_size=int(rng.integers(4, 7)), clip=clip,
                     memory_init=memory_init, addressing=addressing)


def _gradient_check(c, label, cfg, params, rng, steps):
    """Autograd against central differences in float64: for every tensor, two random unit
    directions and two single elements, each from four evaluations of the loss. Tolerance: 1e-5 relative plus an absolute term for the
    rounding of the two losses (about 100 ulp of the loss divided by the step)."""
    for t in params.values():
        t.requires_grad_(True)
    inputs, targets, mask = _random_sequence(rng, cfg, steps)
    loss = _loss_of(cfg, params, inputs, targets, mask)
    names = list(params)
    grads = dict(zip(names, _grads(loss, [params[n] for n in names])))
    worst = (0.0, "")
    with torch.no_grad():
        for name in names:
            base = params[name].detach().clone()
            # Steps far below the values: init.memory in mode constant is 1e-6 (docs/SPEC.md 2).
            scale = min(max(float(base.pow(2).mean().sqrt()), 1e-3), 1.0)
            h = 1e-6 * scale
            probes = []
            for _ in range(2):
                d = torch.tensor(rng.standard_normal(base.shape), dtype=torch.float64)
                probes.append(("direction", d / d.norm()))
            for _ in range(2):
                d = torch.zeros_like(base)
                flat = int(rng.integers(0, base.numel()))
                d.view(-1)[flat] = 1.0
                probes.append((f"[{flat}]", d))
            for what, d in probes:
                at = []
                for k in (-2, -1, 1, 2):
                    params[name].copy_(base + k * h * d)
                    at.append(_loss_of(cfg, params, inputs, targets, mask).item())
                params[name].copy_(base)
                # fourth-order central difference: the constant memory at 1e-6 is too curved
                # for the second-order one at any step the rounding allows
                fd = (8 * (at[2] - at[1]) - (at[3] - at[0])) / (12 * h)
                an = float((grads[name] * d).sum())
                tol = 1e-5 * max(abs(fd), abs(an)) + 100 * 2.2e-16 * max(1.0, abs(loss.item())) / h
                err = abs(fd - an)
                worst = max(worst, (err / tol, f"{name} {what}"))
                c.check(err <= tol, f"{label}: d loss / d {name} {what}: autograd {an:.10e}, "
                                    f"central difference {fd:.10e}")
    print(f"  {label}: {cfg.to_json()}\n    loss {loss.item():.6f}, worst error/tolerance "
          f"{worst[0]:.3f} at {worst[1]}")


def _selftest_gradients(c, folder, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for controller in ("lstm", "feedforward"):
        for memory_init in ("constant", "learned", "random"):
            for addressing in ("content+location", "content"):
                cases.append((controller, memory_init, addressing, 20.0, False))
    cases.append(("lstm", "learned", "content+location", 0.5, False))  # clip active on many entries
    cases.append(("lstm", "constant", "content+location", 20.0, True))  # constant memory at scale 0.5
    for i, (controller, memory_init, addressing, clip, big_memory) in enumerate(cases):
        cfg = _random_config(rng, controller, memory_init, addressing, clip)
        params = init_params(cfg, seed + i)
        # Non-zero biases so that no unit sits at a symmetric point.
        for name, t in params.items():
            if name.endswith(".bias"):
                t += torch.tensor(rng.uniform(-0.5, 0.5, t.shape))
        if big_memory:
            params["init.memory"] = torch.tensor(rng.uniform(-0.5, 0.5, tuple(params["init.memory"].shape)))
        path = os.path.join(folder, f"config{i}.safetensors")
        save_checkpoint(path, cfg, params)
        cfg2, arrays, meta = load_checkpoint(path)
        c.check(cfg2 == cfg and meta["format"] == "ntm-checkpoint",
                f"checkpoint round trip keeps the configuration: {cfg2} vs {cfg}")
        c.check(all(np.array_equal(arrays[n], params[n].numpy().astype(np.float32)) for n in arrays),
                "checkpoint round trip keeps every tensor")
        loaded = {n: torch.tensor(a, dtype=torch.float64) for n, a in arrays.items()}
        label = f"case {i} ({controller}, {memory_init}, {addressing}, C={clip}" + \
                (", memory at scale 0.5)" if big_memory else ")")
        _gradient_check(c, label, cfg, loaded, rng, steps=int(rng.integers(4, 7)))


def _selftest_fused_and_batch(c, seed):
    """torch.lstm_cell (the timed path) equals the spelled-out LSTM; a padded batch's loss and
    gradient are the mean of its sequences' (the batch-32 timing relies on it)."""
    cfg = NtmConfig(input_size=5, output_size=4, memory_rows=10, memory_width=4, read_heads=2,
                    write_heads=1, layers=2, hidden_size=6)
    params = {n: t.requires_grad_(True) for n, t in init_params(cfg, seed).items()}
    rng = np.random.default_rng(seed)
    seqs = [copy_sequence(rng, 4, 2, 6) for _ in range(3)]
    inputs, targets, mask = pad_batch(seqs, torch.float64)
    names = list(params)
    results = {}
    for fused in (False, True):
        loss = _loss_of(cfg, params, inputs, targets, mask, fused)
        results[fused] = (loss.item(), _grads(loss, [params[n] for n in names]))
    c.check(abs(results[True][0] - results[False][0]) <= 1e-12 * abs(results[False][0]),
            f"fused LSTM loss {results[True][0]} equals the explicit {results[False][0]}")
    for n, a, b in zip(names, results[False][1], results[True][1]):
        c.check(float((a - b).norm()) <= 1e-10 * max(float(a.norm()), 1e-12), f"fused LSTM gradient of {n}")
    single_losses = []
    single_grads = [torch.zeros_like(params[n]) for n in names]
    for x, y, m in seqs:
        xi, yi, mi = pad_batch([(x, y, m)], torch.float64)
        loss = _loss_of(cfg, params, xi, yi, mi)
        single_losses.append(loss.item())
        for acc, g in zip(single_grads, _grads(loss, [params[n] for n in names])):
            acc += g / len(seqs)
    mean_loss = sum(single_losses) / len(seqs)
    c.check(abs(results[False][0] - mean_loss) <= 1e-12 * mean_loss,
            f"padded batch loss {results[False][0]} is the mean of the sequences' {mean_loss}")
    for n, a, b in zip(names, results[False][1], single_grads):
        c.check(float((a - b).norm()) <= 1e-10 * max(float(b.norm()), 1e-12),
                f"padded batch gradient of {n} is the mean of the sequences'")


def _selftest_crosscheck(c, folder, seed):
    """The crosscheck path end to end: a float32 run written as a trace (what the engine does)
    passes against the float64 reference; the same trace with one gradient off by 1% fails and
    names that tensor."""
    cfg = NtmConfig(input_size=7, output_size=6, memory_rows=32, memory_width=8, hidden_size=24)
    params = init_params(cfg, seed, torch.float32)
    ckpt = os.path.join(folder, "xcheck.safetensors")
    save_checkpoint(ckpt, cfg, params)
    _, arrays, _ = load_checkpoint(ckpt)
    inputs, targets, mask = example_sequence(cfg, np.random.default_rng(seed), 8)
    run32 = reference_run(cfg, arrays, inputs, targets, mask, torch.float32)
    trace = os.path.join(folder, "xcheck-trace.safetensors")
    tensors = trace_arrays(cfg, run32, inputs, targets, mask)
    safetensors_io.write(trace, tensors, dict(TRACE_META, config=cfg.to_json()))
    sink = open(os.devnull, "w")
    ok, rows = crosscheck(ckpt, trace, out=sink)
    worst = max(rows, key=lambda r: r[4] / r[6] if math.isfinite(r[4]) else 0)
    print(f"  crosscheck of a float32 torch trace: {'passed' if ok else 'FAILED'}; largest rel/tol "
          f"{worst[4] / worst[6]:.3f} ({worst[0]}, rel {worst[4]:.2e})")
    c.check(ok, "a float32 trace of the same model passes the crosscheck")
    tensors["grad.write_heads.0.weight"] = tensors["grad.write_heads.0.weight"] * np.float32(1.01)
    safetensors_io.write(trace, tensors, dict(TRACE_META, config=cfg.to_json()))
    ok, rows = crosscheck(ckpt, trace, out=sink)
    failed = [r[0] for r in rows if not r[7]]
    c.check(not ok and failed == ["grad.write_heads.0.weight"],
            f"a trace with one gradient 1% off fails on exactly that tensor, got {failed}")
    sink.close()


def cmd_selftest(args):
    c = _Checks()
    torch.manual_seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="ntm-torch-selftest-") as folder:
        print("safetensors reader/writer")
        _selftest_safetensors(c, folder)
        print("shift direction (docs/SPEC.md 1.4)")
        _selftest_shift(c)
        print("torch forward against a scalar-loop forward (float64)")
        _selftest_loops(c, args.seed)
        print("fused LSTM and padded batches")
        _selftest_fused_and_batch(c, args.seed)
        print("autograd against central differences (float64), random small configurations")
        _selftest_gradients(c, folder, args.seed)
        print("crosscheck round trip")
        _selftest_crosscheck(c, folder, args.seed)
    if c.failures:
        print(f"selftest FAILED: {len(c.failures)} of {c.count} checks")
        return 1
    print(f"selftest passed: {c.count} checks")
    return 0


# ---------------------------------------------------------------------------------------------
# time
# ---------------------------------------------------------------------------------------------

def _machine():
    model = platform.processor() or "unknown"
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("unknown", "x86_64", ""):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags") and not flags:
                    flags = line.split(":", 1)[1]
    except OSError:
        pass
    blas = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if any(s in os.path.basename(path) for s in ("blas", "mkl", "blis")):
                    blas.add(path)
    except OSError:
        pass
    return {"cpu_model": model, "logical_cpus": os.cpu_count(),
            "avx2": " avx2 " in f" {flags} ", "avx512f": " avx512f " in f" {flags} ",
            "blas_libraries": sorted(blas), "python": platform.python_version(),
            "torch_version": torch.__version__, "numpy_version": np.__version__,
            "torch_threads": torch.get_num_threads(), "torch_interop_threads": torch.get_num_interop_threads()}


def _copy_model(seed, fused):
    cfg = NtmConfig()  # the copy configuration: X=9, Y=8, N=128, M=20, LSTM 100, 1+1 heads, S=1
    params = {n: t.requires_grad_(trainable) for (n, _, trainable), t in
              zip(cfg.tensors(), init_params(cfg, seed, torch.float32).values())}
    return cfg, params, Ntm(cfg, params, fused)


def time_inference(steps, warmup, seed, fused):
    cfg, _, model = _copy_model(seed, fused)
    rng = np.random.default_rng(seed)
    xs = torch.from_numpy(rng.integers(0, 2, (steps + warmup, 1, cfg.input_size)).astype(np.float32))
    times = []
    with torch.inference_mode():
        state = model.initial_state(1)
        for i in range(warmup):
            _, state = model.step(xs[i], state)
        for i in range(warmup, warmup + steps):
            t0 = time.perf_counter_ns()
            _, state = model.step(xs[i], state)
            times.append(time.perf_counter_ns() - t0)
    times_us = sorted(t / 1000 for t in times)
    return {"batch": 1, "steps": steps, "warmup_steps": warmup, "mean_us": statistics.fmean(times_us),
            "median_us": statistics.median(times_us), "p10_us": times_us[len(times_us) // 10],
            "p90_us": times_us[len(times_us) * 9 // 10], "p99_us": times_us[len(times_us) * 99 // 100],
            "min_us": times_us[0]}


def time_training(batch, optimiser, seconds, warmup_batches, seed, fused):
    """Sequences per second of forward + backward + clip (global norm 50) + optimiser step on
    copy sequences (8 bits, lengths uniform 1..20), including the generation of the sequences.
    A batch is padded to its longest sequence."""
    cfg, params, model = _copy_model(seed, fused)
    trainable = [params[n] for n, _, t in cfg.tensors() if t]
    if optimiser == "rmsprop":
        opt = GravesRMSprop(trainable, lr=1e-4, decay=0.95, momentum=0.9, eps=1e-4)
    else:
        opt = torch.optim.Adam(trainable, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    rng = np.random.default_rng(seed)
    losses = []
    counts = {"sequences": 0, "steps": 0, "padded_steps": 0}

    def one_batch():
        seqs = [copy_sequence(rng, 8, 1, 20) for _ in range(batch)]
        inputs, targets, mask = pad_batch(seqs)
        loss = sequence_loss(model.forward(inputs), targets, mask).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 50.0)
        opt.step()
        losses.append(loss.item())
        counts["sequences"] += batch
        counts["steps"] += sum(s[0].shape[0] for s in seqs)
        counts["padded_steps"] += inputs.shape[0] * batch

    for _ in range(warmup_batches):
        one_batch()
    for key in counts:
        counts[key] = 0
    start = time.perf_counter()
    batches = 0
    while time.perf_counter() - start < seconds:
        one_batch()
        batches += 1
    elapsed = time.perf_counter() - start
    tail = losses[-max(1, min(len(losses), 100 // batch + 1)):]
    return {"batch": batch, "optimiser": optimiser, "clip_global_norm": 50.0, "seconds": elapsed,
            "warmup_batches": warmup_batches, "batches": batches, "sequences": counts["sequences"],
            "sequences_per_second": counts["sequences"] / elapsed,
            "timesteps_per_second": counts["steps"] / elapsed,
            "padded_timesteps_per_second": counts["padded_steps"] / elapsed,
            "last_loss_bits_per_sequence": statistics.fmean(tail) / math.log(2)}


def cmd_time(args):
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    fused = args.lstm == "fused"
    wanted = args.workloads.split(",")
    result = {"workload": "NTM copy configuration X=9 Y=8 N=128 M=20 LSTM 1x100 R=1 W=1 S=1, float32, "
                          "memory constant, content+location",
              "lstm": "torch.lstm_cell" if fused else "explicit gates", "seed": args.seed}
    if "infer" in wanted:
        result["inference_step"] = time_inference(args.infer_steps, args.infer_warmup, args.seed, fused)
        print(f"inference: {result['inference_step']['mean_us']:.1f} us mean, "
              f"{result['inference_step']['median_us']:.1f} us median", file=sys.stderr)
    if "train1" in wanted:
        result["train_batch1_rmsprop"] = time_training(1, "rmsprop", args.seconds, 10, args.seed, fused)
        print(f"train batch 1: {result['train_batch1_rmsprop']['sequences_per_second']:.2f} seq/s",
              file=sys.stderr)
    if "train32" in wanted:
        result["train_batch32_adam"] = time_training(32, "adam", args.seconds, 1, args.seed, fused)
        print(f"train batch 32: {result['train_batch32_adam']['sequences_per_second']:.2f} seq/s",
              file=sys.stderr)
    result["machine"] = _machine()
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("crosscheck", help="compare an engine trace with the float64 autograd reference")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--trace", required=True)
    p.add_argument("--loss-rtol", type=float, default=1e-4, help="relative tolerance of the loss (1e-4)")
    p.add_argument("--grad-rtol", type=float, default=1e-3,
                   help="tolerance of ||g_torch - g_trace|| / ||g_torch|| per tensor (1e-3)")
    p.add_argument("--forward-rtol", type=float, default=1e-4,
                   help="same measure for logits, weightings and memory (1e-4)")
    p.add_argument("--abs-floor", type=float, default=1e-6,
                   help="floor of the norm in the denominator, for all-zero tensors (1e-6)")
    p.add_argument("--grad-floor", type=float, default=1e-5,
                   help="for gradients the floor is also this fraction of the whole gradient's norm (1e-5)")
    p.set_defaults(func=cmd_crosscheck)

    p = sub.add_parser("module-check", help="load a checkpoint into NtmModule and match an engine trace's logits")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--trace", required=True, help="an engine trace of the same checkpoint (ntm trace)")
    p.add_argument("--atol", type=float, default=1e-4)
    p.set_defaults(func=cmd_module_check)

    p = sub.add_parser("trace", help="write a reference trace of one sequence")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--length", type=int, default=10, help="copy length L (T = 2L+1 steps)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("selftest", help="gradient checks and conformance tests of this reference")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_selftest)

    p = sub.add_parser("time", help="single-threaded float32 timings; prints JSON")
    p.add_argument("--seconds", type=float, default=20.0, help="wall time per training workload (20)")
    p.add_argument("--infer-steps", type=int, default=5000)
    p.add_argument("--infer-warmup", type=int, default=500)
    p.add_argument("--workloads", default="infer,train1,train32", help="subset of infer,train1,train32")
    p.add_argument("--lstm", choices=("fused", "explicit"), default="fused",
                   help="torch.lstm_cell (default) or the spelled-out gates")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", help="also write the JSON here")
    p.set_defaults(func=cmd_time)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as e:
        # unreadable or inconsistent files: say what is wrong, without a traceback
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
