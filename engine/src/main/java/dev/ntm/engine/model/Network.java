package dev.ntm.engine.model;

import static dev.ntm.kernels.Buffers.F32;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.util.SegmentOps;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * Forward and backward passes of a batch of sequences through one NTM: the loss of docs/SPEC.md
 * section 3 and its gradient with respect to every parameter, by a hand-derived backward pass
 * through time (docs/DERIVATIONS.md).
 *
 * <p>One instance per thread; not thread-safe. The tape is sized once for
 * {@code (maxSteps, maxBatch)} in an arena the network owns ({@link #close()} frees it); after the
 * first call, {@link #forwardBackward} and {@link #forward} allocate nothing.
 *
 * <p>A batch is sorted by length, longest first (stable), so that the sequences still running at
 * step t are a prefix of the batch: every step runs only that prefix.
 */
public final class Network implements AutoCloseable {

    private final NtmConfig config;
    private final Arena arena;
    private final Stepper stepper;
    private final Tape tape;
    private final Kernels k;
    private final int maxBatch;
    private final int maxSteps;
    /** Batch position -> index into the caller's array, longest sequence first. */
    private final int[] order;
    private final Sequence[] sorted;
    /** Number of sequences still running at step t. */
    private final int[] activeAt;
    /**
     * Rows (sequences x steps) gathered before an LSTM weight-gradient update: one update per step
     * at batch 32 (where per-step updates already reuse each dW tile 32 times), about 32 steps at a
     * time at batch 1. Larger groups stream more rows per dW tile than the L1 cache holds.
     */
    private static final int WEIGHT_GRADIENT_ROWS = 32;
    /**
     * Smallest batch whose forward pass reads a transposed copy of the weights, refreshed at the
     * start of every pass: from there the transposed product (a vector of outputs per input, no
     * lane reductions, tiles of four sequences) repays the copy. A single sequence reads the
     * row-padded copy of {@link PaddedWeights} in training (LSTM controllers) and the weights in
     * place in evaluation.
     */
    static final int TRANSPOSED_MIN_BATCH = 2;
    /** The transposed weights of the forward pass, refreshed per pass (see TRANSPOSED_MIN_BATCH). */
    private final ForwardWeights transposed;
    /** Weights and weight gradients with rows padded to whole vectors (null: feedforward controller). */
    private final PaddedWeights padded;

    /**
     * A network for {@code config} running batches of up to {@code maxBatch} sequences of up to
     * {@code maxSteps} steps in {@link #forwardBackward} ({@link #forward} takes any length).
     */
    public Network(NtmConfig config, Kernels kernels, int maxBatch, int maxSteps) {
        this.config = Objects.requireNonNull(config, "config");
        this.k = Objects.requireNonNull(kernels, "kernels");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        if (maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
        }
        this.maxBatch = maxBatch;
        this.maxSteps = maxSteps;
        this.arena = Arena.ofShared();
        try {
            this.stepper = new Stepper(config, kernels, maxBatch, Math.max(2, maxSteps), maxSteps + 1, true, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.tape = stepper.tape;
        this.transposed = maxBatch >= TRANSPOSED_MIN_BATCH ? ForwardWeights.transposedLayout(stepper, arena) : null;
        this.padded = tape.lstm ? new PaddedWeights(stepper, arena) : null;
        this.order = new int[maxBatch];
        this.sorted = new Sequence[maxBatch];
        this.activeAt = new int[maxSteps];
    }

    /** The configuration. */
    public NtmConfig config() {
        return config;
    }

    /** Largest batch accepted. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Longest sequence accepted by {@link #forwardBackward}. */
    public int maxSteps() {
        return maxSteps;
    }

    /** Off-heap bytes of the tape (activations, memories and gradient carries), allocated once. */
    public long tapeBytes() {
        return tape.seg.byteSize();
    }

    /**
     * Runs {@code batch[from .. from+count-1]} forward and backward: accumulates
     * {@code gradScale * d(sum of the sequences' losses)/d(params)} into {@code grads} (which the
     * caller zeroes once per batch; pass {@code 1/count} for the batch mean of docs/SPEC.md 3), and adds
     * the summed loss (nats), bit errors and sequence count to {@code stats}.
     */
    public void forwardBackward(MemorySegment params, MemorySegment grads, Sequence[] batch, int from, int count,
                                float gradScale, PassStats stats) {
        stepper.checkParams(params, "params");
        stepper.checkParams(grads, "grads");
        if (!Float.isFinite(gradScale)) {
            throw new IllegalArgumentException("gradScale must be finite, got " + gradScale);
        }
        int steps = prepare(batch, from, count, true, stats);
        stepper.loadInitialState(params);
        if (padded != null) {
            padded.refresh(params);
        }
        ForwardWeights fw = count < TRANSPOSED_MIN_BATCH && padded != null ? padded.forward
                : forwardWeights(params, count);
        int active = count;
        for (int t = 0; t < steps; t++) {
            while (sorted[active - 1].steps() <= t) {
                active--;
            }
            activeAt[t] = active;
            putInputs(t, t, active);
            stepper.step(params, fw, t == 0, t - 1, t, t, t + 1, active);
            score(t, t, active, gradScale, stats);
        }
        backward(params, grads, steps, count);
        stats.sequences += count;
    }

    /**
     * Runs {@code batch[from .. from+count-1]} forward only (evaluation) and adds the summed loss,
     * bit errors and sequence count to {@code stats}. Sequences may be longer than
     * {@link #maxSteps()}: only the current state is kept.
     */
    public void forward(MemorySegment params, Sequence[] batch, int from, int count, PassStats stats) {
        stepper.checkParams(params, "params");
        int steps = prepare(batch, from, count, false, stats);
        stepper.loadInitialState(params);
        ForwardWeights fw = forwardWeights(params, count);
        int active = count;
        for (int t = 0; t < steps; t++) {
            while (sorted[active - 1].steps() <= t) {
                active--;
            }
            int cur = t & 1;
            putInputs(t, cur, active);
            stepper.step(params, fw, t == 0, cur ^ 1, cur, 0, 0, active);
            score(t, cur, active, 0f, stats);
        }
        stats.sequences += count;
    }

    /**
     * Runs one sequence forward and backward and returns what it did at every step (for the trace
     * file). Allocates its result; the sequence must fit {@link #maxSteps()}.
     */
    public Recording record(MemorySegment params, Sequence seq) {
        Objects.requireNonNull(seq, "sequence");
        Tape t = tape;
        int steps = seq.steps();
        float[] grads = new float[Math.toIntExact(stepper.paramFloats)];
        PassStats stats = new PassStats();
        // Shared, not confined: see Kernels on the segments the kernels should see.
        try (Arena scratch = Arena.ofShared()) {
            MemorySegment g = Buffers.allocate(scratch, stepper.paramFloats);
            forwardBackward(params, g, new Sequence[] {seq}, 0, 1, 1f, stats);
            Buffers.copy(g, 0, grads, 0, grads.length);
        }
        MemorySegment a = t.seg;
        float[] logits = new float[steps * t.y];
        float[] readW = new float[steps * t.reads * t.n];
        float[] writeW = new float[steps * t.writes * t.n];
        float[] mem = new float[(steps + 1) * t.n * t.m];
        float[] adds = new float[steps * t.writes * t.m];
        float[] erases = new float[steps * t.writes * t.m];
        for (int s = 0; s < steps; s++) {
            long row = t.row(s, 0);
            Buffers.copy(a, row + t.logits, logits, s * t.y, t.y);
            for (int h = 0; h < t.heads; h++) {
                long w = row + t.w + (long) h * t.ld;
                if (h < t.reads) {
                    Buffers.copy(a, w, readW, (s * t.reads + h) * t.n, t.n);
                } else {
                    int at = (s * t.writes + h - t.reads) * t.m;
                    Buffers.copy(a, w, writeW, (s * t.writes + h - t.reads) * t.n, t.n);
                    Buffers.copy(a, row + t.act + t.headParam(h) + t.addInWrite(), adds, at, t.m);
                    Buffers.copy(a, row + t.act + t.headParam(h) + t.eraseInWrite(), erases, at, t.m);
                }
            }
        }
        for (int s = 0; s <= steps; s++) {
            stepper.memory.toRowMajor(a, t.mem(s, 0), mem, s * t.n * t.m);
        }
        return new Recording(steps, logits, readW, writeW, mem, adds, erases, stats.lossNats, stats.bitErrors, grads);
    }

    /** The weights a pass over {@code count} sequences reads: a refreshed transposed copy, or in place. */
    private ForwardWeights forwardWeights(MemorySegment params, int count) {
        if (count < TRANSPOSED_MIN_BATCH) {
            return stepper.direct;
        }
        transposed.refresh(params);
        return transposed;
    }

    /** Frees the tape. */
    @Override
    public void close() {
        arena.close();
    }

    // ------------------------------------------------------------------ validation and batch order

    /** Validates the batch, sorts it by length (longest first, stable) and returns the longest length. */
    private int prepare(Sequence[] batch, int from, int count, boolean training, PassStats stats) {
        Objects.requireNonNull(stats, "stats");
        if (batch == null) {
            throw new IllegalArgumentException("batch array is null");
        }
        if (count < 1 || count > maxBatch) {
            throw new IllegalArgumentException("batch count must be in 1.." + maxBatch + " (this network's maxBatch), got "
                    + count);
        }
        if (from < 0 || from > batch.length - count) {
            throw new IllegalArgumentException("batch range [" + from + ", " + from + "+" + count
                    + ") is outside the array of " + batch.length + " sequences");
        }
        for (int i = 0; i < count; i++) {
            Sequence s = batch[from + i];
            if (s == null) {
                throw new IllegalArgumentException("sequence " + (from + i) + " of the batch is null");
            }
            if (s.inputSize() != tape.x || s.outputSize() != tape.y) {
                throw new IllegalArgumentException("sequence " + (from + i) + " has X=" + s.inputSize() + ", Y="
                        + s.outputSize() + "; the model expects X=" + tape.x + ", Y=" + tape.y);
            }
            if (training && s.steps() > maxSteps) {
                throw new IllegalArgumentException("sequence " + (from + i) + " has " + s.steps()
                        + " steps; this network's maxSteps is " + maxSteps);
            }
            checkValues(s, from + i);
        }
        // stable insertion sort by length, longest first
        for (int i = 0; i < count; i++) {
            int idx = from + i;
            int len = batch[idx].steps();
            int j = i;
            while (j > 0 && batch[order[j - 1]].steps() < len) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = idx;
        }
        for (int i = 0; i < count; i++) {
            sorted[i] = batch[order[i]];
        }
        for (int i = count; i < maxBatch; i++) {
            sorted[i] = null;
        }
        return sorted[0].steps();
    }

    /** Inputs finite, targets in [0, 1], mask values 0 or 1 (docs/SPEC.md 3). */
    private static void checkValues(Sequence s, int seq) {
        float[] in = s.inputs();
        for (int i = 0; i < in.length; i++) {
            if (!Float.isFinite(in[i])) {
                throw new IllegalArgumentException("sequence " + seq + " inputs[" + i + "] = " + in[i]
                        + "; inputs must be finite");
            }
        }
        float[] tg = s.targets();
        for (int i = 0; i < tg.length; i++) {
            if (!(tg[i] >= 0f && tg[i] <= 1f)) {
                throw new IllegalArgumentException("sequence " + seq + " targets[" + i + "] = " + tg[i]
                        + "; targets must be in [0, 1]");
            }
        }
        float[] mask = s.mask();
        for (int t = 0; t < mask.length; t++) {
            if (mask[t] != 0f && mask[t] != 1f) {
                throw new IllegalArgumentException("sequence " + seq + " mask[" + t + "] = " + mask[t]
                        + "; mask values must be 0 or 1");
            }
        }
    }

    /** Copies x_t of the active sequences into row slot {@code slot}. */
    private void putInputs(int t, int slot, int active) {
        for (int b = 0; b < active; b++) {
            Buffers.copy(sorted[b].inputs(), t * tape.x, tape.seg, tape.row(slot, b) + tape.xcat[0], tape.x);
        }
    }

    /** Loss, its gradient with respect to the logits, and bit errors of step t. */
    private void score(int t, int slot, int active, float gradScale, PassStats stats) {
        Tape tp = tape;
        MemorySegment a = tp.seg;
        int y = tp.y;
        for (int b = 0; b < active; b++) {
            Sequence s = sorted[b];
            long row = tp.row(slot, b);
            if (s.mask()[t] == 0f) {
                SegmentOps.zero(a, row + tp.dlogits, y);
                continue;
            }
            Buffers.copy(s.targets(), t * y, a, row + tp.target, y);
            stats.lossNats += stepper.output.loss(a, row + tp.logits, row + tp.target, row + tp.dlogits, gradScale);
            float[] targets = s.targets();
            for (int j = 0; j < y; j++) {
                boolean predicted = a.getAtIndex(F32, row + tp.logits + j) > 0f;
                if (predicted != (targets[t * y + j] > 0.5f)) {
                    stats.bitErrors++;
                }
            }
        }
    }

    // ------------------------------------------------------------------ backward through time

    private void backward(MemorySegment p, MemorySegment g, int steps, int count) {
        Stepper st = stepper;
        Tape t = tape;
        MemorySegment a = t.seg;
        MemorySegment d = t.seg;
        int ld = t.rowFloats;
        int gld = t.gradFloats;
        int rm = t.reads * t.m;
        int hs = t.hidden;
        for (int b = 0; b < count; b++) {
            SegmentOps.zero(d, t.grad(b), gld);
        }
        long gbase = t.grad(0);
        int groupEnd = steps;
        int groupRows = 0;
        for (int s = steps - 1; s >= 0; s--) {
            int active = activeAt[s];
            boolean first = s == 0;
            long base = t.row(s, 0);

            // y = clip(W_y [o ; r] + b_y): dlogits -> d[o ; r]
            for (int b = 0; b < active; b++) {
                SegmentOps.zero(d, t.grad(b) + t.dOut, hs + rm);
            }
            if (padded != null) {
                int o = padded.output();
                st.output.backward(padded.weights(), padded.offset(o), padded.ld(o), padded.gradients(),
                        padded.offset(o), g, st.outB, a, base + t.outIn, base + t.logitsPre, base + t.dlogits, ld, d,
                        gbase + t.dOut, gld, active);
            } else {
                st.output.backward(p, st.outW, config.outputInputSize(), g, st.outW, g, st.outB, a, base + t.outIn,
                        base + t.logitsPre, base + t.dlogits, ld, d, gbase + t.dOut, gld, active);
            }

            for (int b = 0; b < active; b++) {
                long row = t.row(s, b);
                long gr = t.grad(b);
                long mem = t.mem(s, b);
                // r_t also fed the controller at step t+1
                k.axpy(1f, d, gr + t.dr, d, gr + t.dOut + hs, rm);
                SegmentOps.zero(d, gr + t.dAct, t.headParams);
                SegmentOps.zero(a, row + t.dPre, t.headParams);
                // M_t = erase/add(M_{t-1}): dMem becomes the gradient of M_{t-1}
                st.memory.writeBackward(a, mem, row, t.writeSlots, d, gr + t.dMem, gr, t.writeGrads);
                for (int r = 0; r < t.reads; r++) {
                    st.memory.readBackward(a, row + t.w + (long) r * t.ld, mem, d,
                            gr + t.dOut + hs + (long) r * t.m, gr + t.dW + (long) r * t.ld, gr + t.dMem);
                }
                long wPrevBase = first ? t.w0 : t.row(s - 1, b) + t.w;
                for (int h = 0; h < t.heads; h++) {
                    int hp = t.headParam(h);
                    st.addressing.backward(a, row, t.headSlots[h], a.getAtIndex(F32, row + t.keyNorm + h), mem,
                            row + t.norms, wPrevBase + (long) h * t.ld, d, gr, t.headGrads[h], gr + t.dMem);
                    st.activations(h).backward(a, row + t.pre + hp, row + t.act + hp, d, gr + t.dAct + hp,
                            row + t.dPre + hp);
                }
            }
            // p_h = W_h o + b_h
            for (int h = 0; h < t.heads; h++) {
                int hp = t.headParam(h);
                if (padded != null) {
                    // dW at the group's end, below
                    int i = padded.head(h);
                    st.linear(h).backwardBiasAndInput(padded.weights(), padded.offset(i), padded.ld(i), g,
                            st.headB[h], a, base + t.dPre + hp, ld, d, gbase + t.dOut, gld, active);
                } else {
                    st.linear(h).backward(p, st.headW[h], t.hidden, g, st.headW[h], g, st.headB[h], a,
                            base + t.outIn, ld, a, base + t.dPre + hp, ld, d, gbase + t.dOut, gld, active);
                }
            }
            controllerBackward(p, g, s, active);
            groupRows += active;
            if (padded != null && (groupRows >= WEIGHT_GRADIENT_ROWS || first)) {
                // dW of each LSTM layer and head layer from the dz and dp of steps s .. groupEnd-1 at
                // once: the same sums, in the same order, as per-step updates, with dW read and
                // written once per group
                long stepStride = (long) t.batch * ld;
                for (int l = 0; l < t.layers; l++) {
                    int i = padded.layer(l);
                    st.lstm[l].weightGradient(padded.gradients(), padded.offset(i), padded.ld(i), a,
                            base + t.dzStep[l], base + t.xcat[l], stepStride, ld, activeAt, s, groupEnd - s);
                }
                for (int h = 0; h < t.heads; h++) {
                    int i = padded.head(h);
                    st.linear(h).weightGradient(padded.gradients(), padded.offset(i), padded.ld(i), a,
                            base + t.dPre + t.headParam(h), base + t.outIn, stepStride, ld, activeAt, s, groupEnd - s);
                }
                groupEnd = s;
                groupRows = 0;
            }
        }
        if (padded != null) {
            padded.addGradientsTo(g);
        }
        initialStateBackward(g, count);
    }

    /** Controller layers top to bottom at step s; leaves dr (reads of step s-1) and the h, c carries. */
    private void controllerBackward(MemorySegment p, MemorySegment g, int s, int active) {
        Stepper st = stepper;
        Tape t = tape;
        MemorySegment a = t.seg;
        MemorySegment d = t.seg;
        int ld = t.rowFloats;
        int gld = t.gradFloats;
        int hs = t.hidden;
        long base = t.row(s, 0);
        long gbase = t.grad(0);
        for (int l = t.layers - 1; l >= 0; l--) {
            int in = t.inSize[l];
            for (int b = 0; b < active; b++) {
                long gr = t.grad(b);
                // dh: from the output and head layers (top) or the layer above's input gradient
                Buffers.copy(d, gr + (l == t.layers - 1 ? t.dOut : t.dxcat), d, gr + t.dh, hs);
                if (t.lstm) {
                    k.axpy(1f, d, gr + t.dhCarry[l], d, gr + t.dh, hs);
                }
                SegmentOps.zero(d, gr + t.dxcat, in + (t.lstm ? hs : 0));
            }
            if (t.lstm) {
                boolean first = s == 0;
                long cPrev = first ? t.zeros : t.row(s - 1, 0) + t.cell[l];
                int i = padded.layer(l);
                st.lstm[l].backward(padded.weights(), padded.offset(i), padded.ld(i), g, st.layerB[l], a,
                        base + t.xcat[l], cPrev,
                        first ? 0 : ld, base + t.gates[l], base + t.tanhC[l], ld,
                        d, gbase + t.dh, gbase + t.dcCarry[l], base + t.dzStep[l], ld, gbase + t.dxcat, gld, active);
                for (int b = 0; b < active; b++) {
                    long gr = t.grad(b);
                    Buffers.copy(d, gr + t.dxcat + in, d, gr + t.dhCarry[l], hs);
                }
            } else {
                st.ff[l].backward(p, st.layerW[l], g, st.layerW[l], st.layerB[l], a, base + t.xcat[l], ld,
                        base + t.hOut(l), ld, d, gbase + t.dh, gbase + t.dz, gbase + t.dxcat, gld, active);
            }
        }
        for (int b = 0; b < active; b++) {
            long gr = t.grad(b);
            Buffers.copy(d, gr + t.dxcat + t.x, d, gr + t.dr, t.reads * t.m);
        }
    }

    /** Gradients of init.read.*, init.weight.* and init.memory from the carries left at step 0. */
    private void initialStateBackward(MemorySegment g, int count) {
        Stepper st = stepper;
        Tape t = tape;
        MemorySegment a = t.seg;
        NtmConfig.MemoryInit mode = config.memoryInit();
        for (int b = 0; b < count; b++) {
            long gr = t.grad(b);
            for (int r = 0; r < t.reads; r++) {
                k.tanhBackward(a, t.r0 + (long) r * t.m, a, gr + t.dr + (long) r * t.m, g, st.initRead[r], t.m);
            }
            if (t.location) {
                for (int h = 0; h < t.heads; h++) {
                    k.softmaxBackward(a, t.w0 + (long) h * t.ld, a, gr + t.dW + (long) h * t.ld, g,
                            st.initWeight[h], t.n);
                }
            }
            if (mode != NtmConfig.MemoryInit.RANDOM) {
                st.memory.addToRowMajor(a, gr + t.dMem, mode == NtmConfig.MemoryInit.LEARNED ? a : null, t.m0,
                        g, st.initMemory);
            }
        }
    }
}
