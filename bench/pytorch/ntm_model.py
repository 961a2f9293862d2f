"""The NTM of docs/SPEC.md sections 1-3 in PyTorch, batched over sequences, any float dtype.

Written from the specification, not from the engine or any other NTM code, so that it is an
independent check of the engine's hand-derived backward pass: gradients here come from autograd.
Shapes: B sequences, T steps, X inputs, Y outputs, N x M memory, R read and W write heads,
2S+1 shifts, L controller layers of H units.
"""

import json
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

import safetensors_io

CHECKPOINT_FORMAT = "ntm-checkpoint"
CHECKPOINT_VERSION = "1"

# Above this softplus is x to within float64 rounding (exp(-40) ~ 4e-18); torch's default
# threshold of 20 would make softplus linear from 20 on, which is not the specification.
_SOFTPLUS_THRESHOLD = 40.0

_CONTROLLERS = {"lstm": "lstm", "feedforward": "feedforward"}
_MEMORY_INITS = {"constant": "constant", "learned": "learned", "random": "random"}
_ADDRESSINGS = {"content": "content", "content+location": "content+location",
                "content_location": "content+location"}


def _choice(value, allowed, field):
    key = str(value).strip().lower()
    if key not in allowed:
        raise ValueError(f"config field {field} must be one of {sorted(set(allowed.values()))}, got {value!r}")
    return allowed[key]


@dataclass(frozen=True)
class NtmConfig:
    """The model configuration; field names follow the checkpoint's config JSON. Defaults: copy task."""
    input_size: int = 9
    output_size: int = 8
    memory_rows: int = 128
    memory_width: int = 20
    read_heads: int = 1
    write_heads: int = 1
    shift_range: int = 1
    controller: str = "lstm"
    layers: int = 1
    hidden_size: int = 100
    clip: float = 20.0
    memory_init: str = "constant"
    addressing: str = "content+location"

    _JSON = {"inputSize": "input_size", "outputSize": "output_size", "memoryRows": "memory_rows",
             "memoryWidth": "memory_width", "readHeads": "read_heads", "writeHeads": "write_heads",
             "shiftRange": "shift_range", "controller": "controller", "layers": "layers",
             "hiddenSize": "hidden_size", "clip": "clip", "memoryInit": "memory_init",
             "addressing": "addressing"}

    def __post_init__(self):
        def need(ok, what, got):
            if not ok:
                raise ValueError(f"{what}, got {got!r}")
        for field in ("input_size", "output_size", "memory_rows", "memory_width", "read_heads",
                      "write_heads", "layers", "hidden_size"):
            value = getattr(self, field)
            need(isinstance(value, int) and value >= 1, f"config field {field} must be an integer >= 1", value)
        need(isinstance(self.shift_range, int) and self.shift_range >= 0
             and 2 * self.shift_range + 1 <= self.memory_rows,
             "config field shiftRange must be >= 0 with 2S+1 <= memoryRows", self.shift_range)
        need(isinstance(self.clip, (int, float)) and math.isfinite(self.clip) and self.clip > 0,
             "config field clip must be a finite number > 0", self.clip)
        object.__setattr__(self, "controller", _choice(self.controller, _CONTROLLERS, "controller"))
        object.__setattr__(self, "memory_init", _choice(self.memory_init, _MEMORY_INITS, "memoryInit"))
        object.__setattr__(self, "addressing", _choice(self.addressing, _ADDRESSINGS, "addressing"))

    @classmethod
    def from_json(cls, text):
        """Parses the checkpoint's config JSON (camelCase fields; missing fields take the defaults)."""
        data = json.loads(text) if isinstance(text, str) else dict(text)
        unknown = sorted(set(data) - set(cls._JSON))
        if unknown:
            raise ValueError(f"config JSON has unknown fields {unknown}; known: {sorted(cls._JSON)}")
        return cls(**{cls._JSON[k]: v for k, v in data.items()})

    def to_json(self):
        return json.dumps({k: getattr(self, v) for k, v in self._JSON.items()})

    @property
    def shifts(self):
        return 2 * self.shift_range + 1

    @property
    def read_params(self):
        """k (M), beta, g, s (2S+1), gamma."""
        return self.memory_width + 3 + self.shifts

    @property
    def write_params(self):
        """A read head's parameters, then e (M) and a (M)."""
        return self.read_params + 2 * self.memory_width

    def layer_input(self, layer):
        return self.input_size + self.read_heads * self.memory_width if layer == 0 else self.hidden_size

    def tensors(self):
        """(name, shape, trainable) of every parameter tensor, in the order of docs/SPEC.md section 6."""
        out = []
        h = self.hidden_size
        for l in range(self.layers):
            if self.controller == "lstm":
                out += [(f"controller.lstm.{l}.weight", (4 * h, self.layer_input(l) + h), True),
                        (f"controller.lstm.{l}.bias", (4 * h,), True)]
            else:
                out += [(f"controller.ff.{l}.weight", (h, self.layer_input(l)), True),
                        (f"controller.ff.{l}.bias", (h,), True)]
        for r in range(self.read_heads):
            out += [(f"read_heads.{r}.weight", (self.read_params, h), True),
                    (f"read_heads.{r}.bias", (self.read_params,), True)]
        for w in range(self.write_heads):
            out += [(f"write_heads.{w}.weight", (self.write_params, h), True),
                    (f"write_heads.{w}.bias", (self.write_params,), True)]
        out += [("output.weight", (self.output_size, h + self.read_heads * self.memory_width), True),
                ("output.bias", (self.output_size,), True)]
        out += [(f"init.read.{r}", (self.memory_width,), True) for r in range(self.read_heads)]
        out += [(f"init.weight.read.{r}", (self.memory_rows,), True) for r in range(self.read_heads)]
        out += [(f"init.weight.write.{w}", (self.memory_rows,), True) for w in range(self.write_heads)]
        out += [("init.memory", (self.memory_rows, self.memory_width), self.memory_init != "random")]
        return out


def init_params(cfg, seed, dtype=torch.float64):
    """docs/SPEC.md section 2 initialisation from a torch generator (same seed, same model; the
    draws are not the engine's, only their distributions are). Returns dict name -> tensor."""
    gen = torch.Generator().manual_seed(seed)
    params = {}
    for name, shape, _ in cfg.tensors():
        if name.startswith("controller.") and name.endswith(".weight"):
            limit = math.sqrt(6.0 / (shape[0] + shape[1]))
            t = (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * limit
        elif name.startswith("controller.lstm.") and name.endswith(".bias"):
            t = torch.zeros(shape, dtype=torch.float64)
            t[cfg.hidden_size:2 * cfg.hidden_size] = 1.0
        elif name.endswith(".weight"):
            t = torch.randn(shape, generator=gen, dtype=torch.float64)
            while True:
                outside = t.abs() > 2.0
                if not outside.any():
                    break
                t[outside] = torch.randn(int(outside.sum()), generator=gen, dtype=torch.float64)
            t = t / math.sqrt(shape[1])
        elif name.startswith("init.read.") or name.startswith("init.weight."):
            limit = math.sqrt(6.0 / (1 + shape[0]))
            t = (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * limit
        elif name == "init.memory":
            if cfg.memory_init == "constant":
                t = torch.full(shape, 1e-6, dtype=torch.float64)
            else:
                t = 0.5 * torch.randn(shape, generator=gen, dtype=torch.float64)
                if cfg.memory_init == "random":
                    t = torch.tanh(t)
        else:
            t = torch.zeros(shape, dtype=torch.float64)
        params[name] = t.to(dtype)
    return params


def load_checkpoint(path):
    """Reads a checkpoint: returns (config, dict name -> float numpy array, metadata).

    Checks the format tag, that every tensor of the configuration is present with its shape,
    and that nothing else is there except optimiser moments (`optim.*`)."""
    tensors, meta = safetensors_io.read(path)
    if meta.get("format", CHECKPOINT_FORMAT) != CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: __metadata__.format is {meta['format']!r}, expected {CHECKPOINT_FORMAT!r}")
    if meta.get("version", CHECKPOINT_VERSION) != CHECKPOINT_VERSION:
        raise ValueError(f"{path}: checkpoint version {meta['version']!r}, this reader knows {CHECKPOINT_VERSION!r}")
    if "config" not in meta:
        raise ValueError(f"{path}: __metadata__ has no 'config' (the model configuration JSON)")
    cfg = NtmConfig.from_json(meta["config"])
    params = {}
    for name, shape, _ in cfg.tensors():
        if name not in tensors:
            raise ValueError(f"{path}: tensor '{name}' {list(shape)} is missing")
        if tuple(tensors[name].shape) != shape:
            raise ValueError(f"{path}: tensor '{name}' has shape {list(tensors[name].shape)}, "
                             f"expected {list(shape)} for the configuration")
        params[name] = tensors[name]
    extra = sorted(n for n in tensors if n not in params and not n.startswith("optim."))
    if extra:
        raise ValueError(f"{path}: tensors {extra} are not part of the configuration")
    return cfg, params, meta


def save_checkpoint(path, cfg, params):
    """Writes a checkpoint of the spec's format: float32 tensors in section 6 order."""
    arrays = {name: np.asarray(_numpy(params[name]), dtype=np.float32) for name, _, _ in cfg.tensors()}
    safetensors_io.write(path, arrays, {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
                                        "config": cfg.to_json()})


def _numpy(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


class Ntm:
    """The forward pass of docs/SPEC.md section 1 over a dict of parameter tensors.

    `fused_lstm=False` spells out the LSTM gates as in the specification (the reference);
    `True` runs the same maths through torch.lstm_cell (what a PyTorch user would write, used
    for timing; the selftest checks that both agree)."""

    def __init__(self, cfg, params, fused_lstm=False):
        self.cfg = cfg
        self.p = params
        self.fused_lstm = fused_lstm
        n, s = cfg.memory_rows, cfg.shift_range
        # shift_index[j, i] = (i - (j - S)) mod N: s[j] weighs a shift by j - S rows.
        rows = torch.arange(n)
        self.shift_index = torch.stack([(rows - (j - s)) % n for j in range(cfg.shifts)])

    # ---- initial state (docs/SPEC.md section 2) ----

    def initial_state(self, batch):
        """(controller [(h, c)] per layer, reads [R x (B, M)], weightings [(R+W) x (B, N)], memory (B, N, M))."""
        cfg, p = self.cfg, self.p
        like = p["output.bias"]
        zeros = like.new_zeros(batch, cfg.hidden_size)
        controller = [(zeros, zeros) for _ in range(cfg.layers)]
        reads = [torch.tanh(p[f"init.read.{r}"]).expand(batch, -1) for r in range(cfg.read_heads)]
        names = ([f"init.weight.read.{r}" for r in range(cfg.read_heads)]
                 + [f"init.weight.write.{w}" for w in range(cfg.write_heads)])
        weights = [torch.softmax(p[n], dim=0).expand(batch, -1) for n in names]
        memory = p["init.memory"]
        if cfg.memory_init == "learned":
            memory = torch.tanh(memory)
        return controller, reads, weights, memory.expand(batch, -1, -1)

    # ---- one time step (docs/SPEC.md section 1) ----

    def step(self, x, state, record=None):
        """x (B, X) -> (logits (B, Y), next state). `record`, when a dict of lists, receives
        the step's read and write weightings and the memory after the writes."""
        cfg, p = self.cfg, self.p
        controller, reads, weights, memory = state
        inp = torch.cat([x] + reads, dim=1)
        next_controller = []
        for l in range(cfg.layers):
            h_prev, c_prev = controller[l]
            if cfg.controller == "lstm":
                h, c = self._lstm(inp, h_prev, c_prev, p[f"controller.lstm.{l}.weight"],
                                  p[f"controller.lstm.{l}.bias"])
            else:
                h = torch.tanh(F.linear(inp, p[f"controller.ff.{l}.weight"], p[f"controller.ff.{l}.bias"]))
                c = c_prev
            next_controller.append((h, c))
            inp = h
        out = inp
        new_weights = []
        new_reads = []
        for r in range(cfg.read_heads):
            hp = self._head_params(out, f"read_heads.{r}")
            w = self._address(hp, weights[r], memory)
            new_weights.append(w)
            # reads see M_{t-1}
            new_reads.append(torch.bmm(w.unsqueeze(1), memory).squeeze(1))
        m = cfg.memory_width
        write_params = []
        for i in range(cfg.write_heads):
            hp = self._head_params(out, f"write_heads.{i}")
            # every head addresses M_{t-1}, also when an earlier write head has already written
            new_weights.append(self._address(hp, weights[cfg.read_heads + i], memory))
            write_params.append(hp)
        for i, hp in enumerate(write_params):
            e = torch.sigmoid(hp[:, -2 * m:-m])
            a = torch.tanh(hp[:, -m:])
            w_col = new_weights[cfg.read_heads + i].unsqueeze(2)
            memory = memory * (1 - w_col * e.unsqueeze(1)) + w_col * a.unsqueeze(1)
        logits = torch.clamp(F.linear(torch.cat([out] + new_reads, dim=1), p["output.weight"], p["output.bias"]),
                             -cfg.clip, cfg.clip)
        if record is not None:
            record["read_weights"].append(torch.stack(new_weights[:cfg.read_heads], dim=1))
            record["write_weights"].append(torch.stack(new_weights[cfg.read_heads:], dim=1))
            record["memory"].append(memory)
        return logits, (next_controller, new_reads, new_weights, memory)

    def _lstm(self, inp, h_prev, c_prev, weight, bias):
        if self.fused_lstm:
            n_in = inp.shape[1]
            return torch.lstm_cell(inp, (h_prev, c_prev), weight[:, :n_in], weight[:, n_in:], bias, None)
        z = F.linear(torch.cat([inp, h_prev], dim=1), weight, bias)
        zi, zf, zg, zo = z.chunk(4, dim=1)
        c = torch.sigmoid(zf) * c_prev + torch.sigmoid(zi) * torch.tanh(zg)
        h = torch.sigmoid(zo) * torch.tanh(c)
        return h, c

    def _head_params(self, out, name):
        """p = clip(W_h o_t + b_h, -C, C); torch.clamp passes no gradient where it clips."""
        return torch.clamp(F.linear(out, self.p[name + ".weight"], self.p[name + ".bias"]),
                           -self.cfg.clip, self.cfg.clip)

    def _address(self, hp, w_prev, memory):
        """Content then location addressing of one head against M_{t-1}; hp (B, P) raw parameters."""
        m, s = self.cfg.memory_width, self.cfg.shift_range
        k = torch.tanh(hp[:, :m])
        beta = F.softplus(hp[:, m:m + 1], threshold=_SOFTPLUS_THRESHOLD)
        wc = content_weighting(k, beta, memory)
        if self.cfg.addressing == "content":
            return wc
        g = torch.sigmoid(hp[:, m + 1:m + 2])
        shift = torch.softmax(hp[:, m + 2:m + 3 + 2 * s], dim=1)
        gamma = 1 + F.softplus(hp[:, m + 3 + 2 * s:m + 4 + 2 * s], threshold=_SOFTPLUS_THRESHOLD)
        wg = g * wc + (1 - g) * w_prev
        return sharpen(circular_shift(wg, shift, self.shift_index), gamma)

    # ---- whole sequences ----

    def forward(self, inputs, record=None):
        """inputs (T, B, X) -> logits (T, B, Y)."""
        state = self.initial_state(inputs.shape[1])
        if record is not None:
            record["memory"].append(state[3])
        out = []
        for t in range(inputs.shape[0]):
            logits, state = self.step(inputs[t], state, record)
            out.append(logits)
        return torch.stack(out)


class NtmModule(torch.nn.Module):
    """The NTM as a torch `nn.Module`, for Python users of the engine's checkpoints.

    Its parameters are `nn.Parameter`s holding the checkpoint's tensors (names with `.` replaced
    by `__`, since module attribute names cannot hold dots). `forward` returns the logits; the
    probabilities are their sigmoid. The input layout is a required choice, as `batch_first` of
    `nn.LSTM` is an option: a (B, T, X) tensor and a (T, B, X) tensor cannot be told apart by
    their shape, and running one as the other gives wrong logits without any error, so the module
    does not guess:

        model = NtmModule.from_checkpoint("runs/copy-seed1/checkpoint.safetensors", batch_first=True)
        logits = model(inputs)            # inputs (B, T, X) -> logits (B, T, Y)

    A 2-D input is one sequence, (T, X) -> (T, Y). Any other rank, or a last dimension other than
    X, is a ValueError that names the expected shape.
    """

    def __init__(self, cfg, params, *, batch_first, dtype=torch.float32):
        super().__init__()
        if not isinstance(batch_first, bool):
            raise TypeError("batch_first must be True (inputs (B, T, X)) or False (inputs (T, B, X))")
        self.cfg = cfg
        self.batch_first = batch_first
        self.weights = torch.nn.ParameterDict({
            name.replace(".", "__"): torch.nn.Parameter(torch.as_tensor(np.asarray(params[name]), dtype=dtype),
                                                        requires_grad=trainable)
            for name, _, trainable in cfg.tensors()})

    @classmethod
    def from_checkpoint(cls, path, *, batch_first, dtype=torch.float32):
        """The model of an engine checkpoint (training state, if any, is ignored)."""
        cfg, params, _ = load_checkpoint(path)
        return cls(cfg, params, batch_first=batch_first, dtype=dtype)

    def forward(self, inputs):
        x = self.cfg.input_size
        layout = "(B, T, X)" if self.batch_first else "(T, B, X)"
        if not isinstance(inputs, torch.Tensor):
            raise TypeError(f"inputs must be a torch.Tensor of shape {layout} or (T, X), got {type(inputs).__name__}")
        if inputs.dim() not in (2, 3) or inputs.shape[-1] != x:
            raise ValueError(f"inputs must have shape {layout} or (T, X) with X = {x} (batch_first="
                             f"{self.batch_first}), got {tuple(inputs.shape)}")
        if inputs.shape[-2 if inputs.dim() == 2 else 0] == 0 or (inputs.dim() == 3 and inputs.shape[1] == 0):
            raise ValueError(f"inputs must hold at least one step and one sequence, got {tuple(inputs.shape)}")
        single = inputs.dim() == 2
        seq = inputs.unsqueeze(1) if single else (inputs.transpose(0, 1) if self.batch_first else inputs)
        params = {name: self.weights[name.replace(".", "__")] for name, _, _ in self.cfg.tensors()}
        logits = Ntm(self.cfg, params).forward(seq.to(params["output.bias"].dtype))
        if single:
            return logits.squeeze(1)
        return logits.transpose(0, 1) if self.batch_first else logits


def content_weighting(k, beta, memory):
    """wc = softmax_i(beta K(i)), K(i) = k.M(i) / (|k| |M(i)| + 1e-8); k (B, M), beta (B, 1)."""
    dot = torch.bmm(memory, k.unsqueeze(2)).squeeze(2)
    norms = torch.linalg.vector_norm(memory, dim=2) * torch.linalg.vector_norm(k, dim=1, keepdim=True)
    # torch.softmax subtracts the maximum before exp.
    return torch.softmax(beta * dot / (norms + 1e-8), dim=1)


def circular_shift(wg, shift, shift_index):
    """ws(i) = sum_j wg((i - (j - S)) mod N) s(j); wg (B, N), shift (B, 2S+1)."""
    return torch.bmm(shift.unsqueeze(1), wg[:, shift_index]).squeeze(1)


def sharpen(ws, gamma):
    """w(i) = (ws(i) + 1e-16)^gamma / sum_j (ws(j) + 1e-16)^gamma; gamma (B, 1)."""
    powered = (ws + 1e-16) ** gamma
    return powered / powered.sum(dim=1, keepdim=True)


def sequence_loss(logits, targets, mask):
    """Per-sequence loss (B,): sum over masked steps and bits of BCE with logits, in nats.

    F.binary_cross_entropy_with_logits evaluates max(y,0) - y t + log(1 + exp(-|y|)) in a
    rearranged but equal stable form; its gradient is sigmoid(y) - t."""
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return (bce.sum(dim=2) * (mask != 0).to(bce.dtype)).sum(dim=0)


# ---- the copy task (docs/SPEC.md section 5) ----

def copy_sequence(rng, bits=8, min_len=1, max_len=20):
    """One copy sequence: (inputs (T, B+1), targets (T, B), mask (T,)) as float32 numpy, T = 2L+1."""
    length = int(rng.integers(min_len, max_len + 1))
    steps = 2 * length + 1
    vectors = rng.integers(0, 2, size=(length, bits)).astype(np.float32)
    inputs = np.zeros((steps, bits + 1), dtype=np.float32)
    targets = np.zeros((steps, bits), dtype=np.float32)
    mask = np.zeros(steps, dtype=np.float32)
    inputs[:length, :bits] = vectors
    inputs[length, bits] = 1.0
    targets[length + 1:] = vectors
    mask[length + 1:] = 1.0
    return inputs, targets, mask


def pad_batch(sequences, dtype=torch.float32):
    """Stacks sequences of different lengths time-major: (inputs (T, B, X), targets (T, B, Y),
    mask (T, B)), zero after each sequence's end. Padding steps come after every scored step of
    their sequence, so they change neither its loss nor its gradient."""
    steps = max(s[0].shape[0] for s in sequences)
    b = len(sequences)
    inputs = np.zeros((steps, b, sequences[0][0].shape[1]), dtype=np.float32)
    targets = np.zeros((steps, b, sequences[0][1].shape[1]), dtype=np.float32)
    mask = np.zeros((steps, b), dtype=np.float32)
    for i, (x, y, m) in enumerate(sequences):
        inputs[:x.shape[0], i] = x
        targets[:y.shape[0], i] = y
        mask[:m.shape[0], i] = m
    return (torch.from_numpy(inputs).to(dtype), torch.from_numpy(targets).to(dtype),
            torch.from_numpy(mask).to(dtype))


class GravesRMSprop(torch.optim.Optimizer):
    """RMSProp as in Graves 2013, eqs. 38-41 (docs/SPEC.md section 4):
    n = d n + (1-d) g^2;  gbar = d gbar + (1-d) g;  delta = mom delta - lr g / sqrt(n - gbar^2 + eps);
    w += delta. Unlike torch.optim.RMSprop(centered=True), eps sits inside the square root."""

    def __init__(self, params, lr=1e-4, decay=0.95, momentum=0.9, eps=1e-4):
        super().__init__(params, dict(lr=lr, decay=decay, momentum=momentum, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, d, mom, eps = group["lr"], group["decay"], group["momentum"], group["eps"]
            for w in group["params"]:
                if w.grad is None:
                    continue
                g = w.grad
                st = self.state[w]
                if not st:
                    st["n"] = torch.zeros_like(w)
                    st["gbar"] = torch.zeros_like(w)
                    st["delta"] = torch.zeros_like(w)
                n, gbar, delta = st["n"], st["gbar"], st["delta"]
                n.mul_(d).addcmul_(g, g, value=1 - d)
                gbar.mul_(d).add_(g, alpha=1 - d)
                denom = (n - gbar * gbar).add_(eps).sqrt_()
                delta.mul_(mom).addcdiv_(g, denom, value=-lr)
                w.add_(delta)
