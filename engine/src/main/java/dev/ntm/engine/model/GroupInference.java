package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.util.SegmentOps;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * Steps up to {@code maxBatch} independent batch-1 {@link Inference} states together: the matrix
 * products (controller layers, heads, output) run once over all of them, so the weights stream
 * once per group step instead of once per state; addressing and memory run per state, in place
 * in the state's own segment.
 *
 * <p>A group step copies only the small vectors the products read and write between the states'
 * rows and this object's rows (the same row layout): x_t, r_{t-1}, h_{t-1} and c_{t-1} in;
 * h_t, c_t and the raw head parameters out; the reads r_t in for the output product. The memory
 * and the weightings, most of a state, are never copied. Every per-state kernel is the one
 * {@link Inference#step} calls, on the same values, and the products compute each row as the
 * same chain of fused multiply-adds whatever the batch (the kernels' batch invariance), so each
 * state's outputs are bit-identical to the same state stepped alone.
 *
 * <p>Not thread-safe: one group stepper per thread; the states of one step must be distinct and
 * not used by another thread meanwhile. A step allocates nothing. Every argument is checked
 * before any state changes, so a rejected call leaves every state as it was.
 */
public final class GroupInference {

    /** Row slot of this object's tape holding the step; slot {@link #PREV} holds the gathered c_{t-1}. */
    private static final int CUR = 0;
    private static final int PREV = 1;

    private final NtmConfig config;
    private final Kernels k;
    private final ForwardWeights weights;
    private final MemorySegment w;
    private final Stepper group;
    private final Tape t;
    private final int maxBatch;
    private long steps;

    /**
     * A group stepper for states of the model whose weight images are {@code shared}, reading
     * the compact image with {@code compact}, stepping up to {@code maxBatch} states at once.
     */
    public GroupInference(NtmConfig config, Kernels kernels, InferenceWeights shared, int maxBatch, boolean compact) {
        this.config = Objects.requireNonNull(config, "config");
        this.k = Objects.requireNonNull(kernels, "kernels");
        Objects.requireNonNull(shared, "shared");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        this.maxBatch = maxBatch;
        this.weights = shared.get(compact);
        this.w = weights.segment(shared.params());
        this.group = new Stepper(config, kernels, maxBatch, 2, 0, false, Arena.ofAuto());
        this.t = group.tape;
    }

    /** Most states stepped together. */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * One step of each of {@code states[0 .. count)}: {@code inputs[i]} holds state i's x (X
     * floats), {@code probabilities[i]} receives its output probabilities (Y floats).
     */
    public void step(Inference[] states, int count, float[][] inputs, float[][] probabilities) {
        check(states, count, inputs, probabilities, "probabilities");
        run(states, count, inputs);
        for (int i = 0; i < count; i++) {
            long row = t.row(CUR, i);
            k.sigmoid(t.seg, row + t.logits, t.seg, row + t.dlogits, t.yPadded);
            Buffers.copy(t.seg, row + t.dlogits, probabilities[i], 0, t.y);
        }
    }

    /** One step, as {@link #step}, writing the clipped output logits instead of probabilities. */
    public void stepLogits(Inference[] states, int count, float[][] inputs, float[][] logits) {
        check(states, count, inputs, logits, "logits");
        run(states, count, inputs);
        for (int i = 0; i < count; i++) {
            Buffers.copy(t.seg, t.row(CUR, i) + t.logits, logits[i], 0, t.y);
        }
    }

    private void run(Inference[] states, int count, float[][] inputs) {
        Tape g = t;
        MemorySegment a = g.seg;
        // in: x_t, and from each state's previous row r_{t-1}, h_{t-1}, c_{t-1}
        for (int i = 0; i < count; i++) {
            Inference s = states[i];
            Tape st = s.tape;
            long row = g.row(CUR, i);
            long prevRow = st.row(s.cur, 0);
            Buffers.copy(inputs[i], 0, a, row + g.xcat[0], g.x);
            s.stepper.loadControllerInputs(s.first, prevRow, a, row);
            if (g.lstm) {
                long cPrev = g.row(PREV, i);
                for (int l = 0; l < g.layers; l++) {
                    if (s.first) {
                        SegmentOps.zero(a, cPrev + g.cell[l], g.hidden);
                    } else {
                        Buffers.copy(st.seg, prevRow + st.cell[l], a, cPrev + g.cell[l], g.hidden);
                    }
                }
            }
            if (s.first) {
                Buffers.copy(st.seg, st.m0, st.seg, st.mem(0, 0), st.memFloats);
            }
        }
        group.controller(w, weights, false, PREV, CUR, count);
        // out: h_t, c_t and the head parameters to each state's next row; its heads run there
        for (int i = 0; i < count; i++) {
            Inference s = states[i];
            Tape st = s.tape;
            MemorySegment sa = st.seg;
            int next = s.first ? 0 : s.cur ^ 1;
            long row = g.row(CUR, i);
            long srow = st.row(next, 0);
            for (int l = 0; l < g.layers; l++) {
                Buffers.copy(a, row + g.hOut(l), sa, srow + g.hOut(l), g.hidden);
                if (g.lstm) {
                    Buffers.copy(a, row + g.cell[l], sa, srow + g.cell[l], g.hidden);
                }
            }
            Buffers.copy(a, row + g.pre, sa, srow + g.pre, g.headParams);
            long mem = st.mem(0, 0);
            s.stepper.addressAndAccess(srow, mem, mem, s.first ? st.w0 : st.row(s.cur, 0) + st.w);
            Buffers.copy(sa, srow + g.outIn + g.hidden, a, row + g.outIn + g.hidden, g.reads * g.m);
            s.cur = next;
            s.first = false;
        }
        group.output(w, weights, CUR, count);
    }

    private void check(Inference[] states, int count, float[][] inputs, float[][] out, String outName) {
        if (states == null || inputs == null || out == null) {
            throw new IllegalArgumentException("sessions, inputs and " + outName + " must not be null");
        }
        if (count < 1 || count > maxBatch || count > states.length || count > inputs.length || count > out.length) {
            throw new IllegalArgumentException("count must be in 1.." + maxBatch + " (the group's largest batch) and "
                    + "fit the arrays (" + states.length + " sessions, " + inputs.length + " inputs, " + out.length
                    + " " + outName + "), got " + count);
        }
        long mark = ++steps;
        for (int i = 0; i < count; i++) {
            Inference s = states[i];
            if (s == null) {
                throw new IllegalArgumentException("session " + i + " is null");
            }
            if (s.batch() != 1) {
                throw new IllegalArgumentException("session " + i + " steps " + s.batch()
                        + " sequences; a group steps sessions of one sequence each");
            }
            if (s.weights != weights || s.k != k) {
                throw new IllegalArgumentException("session " + i + " belongs to another model (or the same model"
                        + " with other kernels or weight precision) than this group stepper");
            }
            if (s.groupMark == mark) {
                throw new IllegalArgumentException("session " + i + " appears twice in the group; each session "
                        + "may take one step per group step");
            }
            s.groupMark = mark;
            float[] in = inputs[i];
            if (in == null || in.length != config.inputSize()) {
                throw new IllegalArgumentException("inputs[" + i + "] must hold X = " + config.inputSize()
                        + " floats, got " + (in == null ? "null" : in.length + ""));
            }
            for (int j = 0; j < in.length; j++) {
                if (!Float.isFinite(in[j])) {
                    throw new IllegalArgumentException("inputs[" + i + "][" + j + "] = " + in[j]
                            + "; inputs must be finite");
                }
            }
            if (out[i] == null || out[i].length != config.outputSize()) {
                throw new IllegalArgumentException(outName + "[" + i + "] must hold Y = " + config.outputSize()
                        + " floats, got " + (out[i] == null ? "null" : out[i].length + ""));
            }
        }
    }
}
