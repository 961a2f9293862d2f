package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.addressing.Addressing;
import dev.ntm.engine.addressing.HeadActivations;
import dev.ntm.engine.controller.FeedforwardLayer;
import dev.ntm.engine.controller.LstmLayer;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.memory.Memory;
import dev.ntm.engine.util.Affine;
import dev.ntm.engine.util.SegmentOps;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The units of one NTM and its forward step (docs/SPEC.md section 1) over the first {@code active}
 * sequences of a batch, reading the previous step's state from one tape slot and writing the new
 * state into another. The controller, head and output layers run as matrix products over the
 * batch; addressing and memory run per sequence. Shared by {@link Network} (training and
 * evaluation) and {@link Inference} (one step at a time).
 */
final class Stepper {

    final NtmConfig config;
    final Kernels k;
    final Tape tape;
    final LstmLayer[] lstm;
    final FeedforwardLayer[] ff;
    final Linear readLinear;
    final Linear writeLinear;
    final HeadActivations readAct;
    final HeadActivations writeAct;
    final Addressing addressing;
    final Memory memory;
    final OutputLayer output;

    // parameter offsets (also the gradient offsets: same layout)
    final long[] layerW;
    final long[] layerB;
    final long[] headW;
    final long[] headB;
    final long outW;
    final long outB;
    final long[] initRead;
    final long[] initWeight;
    final long initMemory;
    final long paramFloats;
    /** The row-major weights in place in the parameters (training and evaluation). */
    final ForwardWeights direct;

    Stepper(NtmConfig config, Kernels kernels, int batch, int slots, int memSlots, boolean gradients, Arena arena) {
        this.config = config;
        this.k = kernels;
        this.tape = new Tape(config, batch, slots, memSlots, gradients, arena);
        ParamLayout layout = ParamLayout.of(config);
        this.paramFloats = layout.size();
        int layers = config.layers();
        int h = config.hiddenSize();
        boolean isLstm = config.controller() == NtmConfig.Controller.LSTM;
        lstm = isLstm ? new LstmLayer[layers] : null;
        ff = isLstm ? null : new FeedforwardLayer[layers];
        layerW = new long[layers];
        layerB = new long[layers];
        for (int l = 0; l < layers; l++) {
            String name = (isLstm ? "controller.lstm." : "controller.ff.") + l;
            layerW[l] = layout.offset(name + ".weight");
            layerB[l] = layout.offset(name + ".bias");
            if (isLstm) {
                lstm[l] = new LstmLayer(kernels, config.layerInputSize(l), h);
            } else {
                ff[l] = new FeedforwardLayer(kernels, config.layerInputSize(l), h);
            }
        }
        int heads = config.heads();
        headW = new long[heads];
        headB = new long[heads];
        initWeight = new long[heads];
        initRead = new long[config.readHeads()];
        for (int i = 0; i < heads; i++) {
            boolean read = i < config.readHeads();
            String name = read ? "read_heads." + i : "write_heads." + (i - config.readHeads());
            headW[i] = layout.offset(name + ".weight");
            headB[i] = layout.offset(name + ".bias");
            initWeight[i] = layout.offset(read ? "init.weight.read." + i
                    : "init.weight.write." + (i - config.readHeads()));
        }
        for (int r = 0; r < config.readHeads(); r++) {
            initRead[r] = layout.offset("init.read." + r);
        }
        initMemory = layout.offset("init.memory");
        outW = layout.offset("output.weight");
        outB = layout.offset("output.bias");

        readLinear = new Linear(kernels, h, config.readHeadParams());
        writeLinear = new Linear(kernels, h, config.writeHeadParams());
        readAct = new HeadActivations(kernels, config.memoryWidth(), config.shiftRange(), false, config.clip());
        writeAct = new HeadActivations(kernels, config.memoryWidth(), config.shiftRange(), true, config.clip());
        memory = new Memory(kernels, config.memoryRows(), config.memoryWidth());
        addressing = new Addressing(kernels, config.memoryRows(), config.memoryWidth(), memory.ld(),
                config.shiftRange(), tape.location, arena);
        output = new OutputLayer(kernels, config.outputInputSize(), config.outputSize(), config.clip());
        direct = ForwardWeights.direct(this);
    }

    /** Checks that a parameter (or gradient) segment is large enough for the layout. */
    void checkParams(MemorySegment p, String what) {
        if (p == null) {
            throw new IllegalArgumentException(what + " segment is null");
        }
        if (p.byteSize() < paramFloats * Float.BYTES) {
            throw new IllegalArgumentException(what + " segment holds " + p.byteSize() / Float.BYTES
                    + " floats, the layout of " + config + " needs " + paramFloats);
        }
    }

    Linear linear(int h) {
        return h < tape.reads ? readLinear : writeLinear;
    }

    HeadActivations activations(int h) {
        return h < tape.reads ? readAct : writeAct;
    }

    /**
     * The initial state of docs/SPEC.md section 2 from the parameters: {@code r0 = tanh(b_r)},
     * {@code w0 = softmax(b_w)}, M0 per memory mode (column-major), and the zero row.
     */
    void loadInitialState(MemorySegment p) {
        Tape t = tape;
        MemorySegment a = t.seg;
        for (int r = 0; r < t.reads; r++) {
            k.tanh(p, initRead[r], a, t.r0 + (long) r * t.m, t.m);
        }
        for (int h = 0; h < t.heads; h++) {
            k.softmax(p, initWeight[h], a, t.w0 + (long) h * t.ld, t.n);
        }
        memory.fromRowMajor(p, initMemory, a, t.m0, config.memoryInit() == NtmConfig.MemoryInit.LEARNED);
        SegmentOps.zero(a, t.zeros, t.hidden);
    }

    /**
     * One forward step for sequences {@code 0..active-1}, with the layer weights found through
     * {@code fw} (the parameters themselves, or a transposed copy). The caller has put x_t at
     * {@code tape.row(cur, b) + tape.xcat[0]}. With {@code first}, the previous state is the
     * initial state (and M0 is copied into memory slot {@code memPrev}); otherwise it is read
     * from row slot {@code prev}. The memory before the step is in slot {@code memPrev}, the one
     * after goes to {@code memCur} (the same slot writes in place).
     */
    void step(MemorySegment p, ForwardWeights fw, boolean first, int prev, int cur, int memPrev, int memCur,
              int active) {
        Tape t = tape;
        MemorySegment a = t.seg;
        for (int b = 0; b < active; b++) {
            long row = t.row(cur, b);
            if (first) {
                Buffers.copy(a, t.m0, a, t.mem(memPrev, b), t.memFloats);
            }
            loadControllerInputs(first, t.row(prev, b), a, row);
        }
        controller(fw.segment(p), fw, first, prev, cur, active);
        for (int b = 0; b < active; b++) {
            addressAndAccess(t.row(cur, b), t.mem(memPrev, b), t.mem(memCur, b),
                    first ? t.w0 : t.row(prev, b) + t.w);
        }
        output(fw.segment(p), fw, cur, active);
    }

    /**
     * The part of a sequence's controller input that comes from its previous state: the reads
     * r_{t-1} after x_t, and each LSTM layer's h_{t-1} after its input, copied from this tape's row
     * {@code prevRow} (or the initial state, with {@code first}) to the row at {@code dstRow} of
     * {@code dst} (this tape's segment, or a group's, whose rows have the same layout).
     */
    void loadControllerInputs(boolean first, long prevRow, MemorySegment dst, long dstRow) {
        Tape t = tape;
        MemorySegment a = t.seg;
        long readsIn = dstRow + t.xcat[0] + t.x;
        Buffers.copy(a, first ? t.r0 : prevRow + t.outIn + t.hidden, dst, readsIn, t.reads * t.m);
        if (t.lstm) {
            for (int l = 0; l < t.layers; l++) {
                if (first) {
                    SegmentOps.zero(dst, dstRow + t.xcat[l] + t.inSize[l], t.hidden);
                } else {
                    Buffers.copy(a, prevRow + t.hOut(l), dst, dstRow + t.xcat[l] + t.inSize[l], t.hidden);
                }
            }
        }
    }

    /**
     * The controller layers and the head product over rows {@code 0..active-1} of slot
     * {@code cur}, one matrix product per layer over the batch; the LSTM layers' c_{t-1} is read
     * from slot {@code prev} (the zero row with {@code first}).
     */
    void controller(MemorySegment w, ForwardWeights fw, boolean first, int prev, int cur, int active) {
        Tape t = tape;
        MemorySegment a = t.seg;
        int ld = t.rowFloats;
        long base = t.row(cur, 0);
        Affine.Form tr = fw.form;
        Affine.Form layerForm = fw.layerForm;
        for (int l = 0; l < t.layers; l++) {
            if (t.lstm) {
                long cPrev = first ? t.zeros : t.row(prev, 0) + t.cell[l];
                lstm[l].forward(w, fw.layerW[l], fw.layerLd[l], layerForm, fw.layerB[l], a, base + t.xcat[l], cPrev,
                        first ? 0 : ld, base + t.gates[l], base + t.cell[l], base + t.tanhC[l], ld,
                        base + t.hOut(l), ld, active);
            } else {
                ff[l].forward(w, fw.layerW[l], fw.layerLd[l], layerForm, fw.layerB[l], a, base + t.xcat[l], ld,
                        base + t.hOut(l), ld, active);
            }
        }
        if (fw.headsCols == t.headParams) {
            // one product for all heads: their transposed matrices sit side by side in the image
            Affine.forward(k, w, fw.headW[0], fw.headsLd, fw.headsForm, true, fw.headB[0], t.hidden, t.headParams, a,
                    base + t.outIn, ld, base + t.pre, ld, active);
        } else {
            for (int h = 0; h < t.heads; h++) {
                linear(h).forward(w, fw.headW[h], fw.headLd[h], tr, fw.headB[h], a, base + t.outIn, ld,
                        base + t.pre + t.headParam(h), ld, active);
            }
        }
    }

    /**
     * One sequence's heads after the head product: activations, addressing against the memory at
     * {@code mem} (previous weightings at {@code wPrevBase}), the reads into the row's
     * {@code outIn}, and the write into the memory at {@code memNext}; all in this tape.
     */
    void addressAndAccess(long row, long mem, long memNext, long wPrevBase) {
        Tape t = tape;
        MemorySegment a = t.seg;
        for (int h = 0; h < t.heads; h++) {
            activations(h).forward(a, row + t.pre + t.headParam(h), row + t.act + t.headParam(h));
        }
        memory.rowNorms(a, mem, row + t.norms);
        for (int h = 0; h < t.heads; h++) {
            float keyNorm = addressing.forward(a, row, t.headSlots[h], mem, row + t.norms,
                    wPrevBase + (long) h * t.ld);
            a.setAtIndex(Buffers.F32, row + t.keyNorm + h, keyNorm);
        }
        for (int r = 0; r < t.reads; r++) {
            memory.read(a, row + t.w + (long) r * t.ld, mem, row + t.outIn + t.hidden + (long) r * t.m);
        }
        memory.write(a, mem, memNext, row, t.writeSlots);
    }

    /** The output layer over rows {@code 0..active-1} of slot {@code cur}: clipped logits. */
    void output(MemorySegment w, ForwardWeights fw, int cur, int active) {
        Tape t = tape;
        long base = t.row(cur, 0);
        output.forward(w, fw.outW, fw.outLd, fw.form, fw.outB, t.seg, base + t.outIn, base + t.logitsPre,
                base + t.logits, t.rowFloats, active);
    }
}
