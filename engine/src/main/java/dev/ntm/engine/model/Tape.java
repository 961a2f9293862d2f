package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.addressing.HeadGradientSlots;
import dev.ntm.engine.addressing.HeadSlots;
import dev.ntm.engine.memory.WriteSlots;
import dev.ntm.engine.addressing.HeadActivations;
import dev.ntm.kernels.Buffers;

/**
 * Where every activation lives: one off-heap segment sized once, carved into
 * <ul>
 *   <li><b>rows</b>: {@code slots x batch} rows of {@link #rowFloats} floats, one per step and
 *       sequence, holding everything a step computes that the backward pass (or the next step)
 *       reads: controller inputs, gates, cells, head parameters raw and activated, similarities
 *       and every weighting of the addressing chain, row norms, reads, logits;</li>
 *   <li><b>memories</b>: {@code memSlots x batch} column-major memories (state s of sequence b
 *       in slot s);</li>
 *   <li><b>initial state</b>: r0 = tanh(b_r), w0 = softmax(b_w), M0, and a zero row;</li>
 *   <li><b>gradient rows</b> (training only): one per sequence, holding the gradients carried
 *       backward through time (memory, weightings, reads, h, c) and per-step scratch.</li>
 * </ul>
 * All offsets are in floats; every field starts on a 64-byte boundary. Rows of one step are
 * consecutive, so batched products see a matrix with leading dimension {@code rowFloats}.
 */
final class Tape {

    final int x;
    final int y;
    /**
     * Y rounded up to whole 64-byte units: the room every row field has, so that an element-wise
     * kernel over the logits (the output's clip and sigmoid) runs whole vectors, no tail.
     */
    final int yPadded;
    final int n;
    final int m;
    final int reads;
    final int writes;
    final int heads;
    final int hidden;
    final int layers;
    final int shiftRange;
    final boolean lstm;
    final boolean location;
    /** Column stride of a memory and stride of every per-row vector of n entries. */
    final int ld;
    /** Floats of one memory. */
    final int memFloats;
    /** Floats between consecutive read heads' parameters: P_read rounded up to 16. */
    final int readStride;
    /** Floats between consecutive write heads' parameters: P_write rounded up to 16. */
    final int writeStride;
    /** Floats of all heads' parameters, each head starting on a 16-float boundary. */
    final int headParams;

    final int slots;
    final int memSlots;
    final int batch;

    // ---- row layout (offsets within a row)
    /** Per layer: the layer input row ([x ; r_prev] or h of the layer below), then h_prev for LSTM. */
    final int[] xcat;
    /** Per layer: width of the layer input, not counting h_prev. */
    final int[] inSize;
    final int[] gates;
    final int[] cell;
    final int[] tanhC;
    /**
     * Per LSTM layer, with gradients only (else -1): the gate pre-activation gradient dz of this
     * step, kept until the layer's weight gradient takes it with the other steps of its group
     * ({@code Kernels.rankKUpdateSteps}) instead of one update per step.
     */
    final int[] dzStep;
    /** [o ; r_1 .. r_R]: the output layer's input; o is the top layer's h. */
    final int outIn;
    /**
     * With gradients only (else -1): the gradient of the raw head parameters of this step, kept
     * until the head layers' weight gradient takes it with the other steps of its group, as
     * {@link #dzStep} is for the LSTM.
     */
    final int dPre;
    /**
     * Raw (pre-clip) head parameters, all heads, read heads first, each on a 16-float boundary
     * (so a product may fill the padding of a head's slot).
     */
    final int pre;
    /** Activated head parameters, same layout as {@link #pre}. */
    final int act;
    final int logitsPre;
    final int logits;
    /** Gradient of the loss with respect to the logits (and the sigmoid output in inference). */
    final int dlogits;
    final int target;
    final int norms;
    /** Per head: |k|. */
    final int keyNorm;
    /** Per-head blocks of ld floats each (head h at + h * ld). */
    final int sim;
    final int wc;
    final int wg;
    final int ws;
    final int w;
    final int rowFloats;

    // ---- gradient row layout
    /** Gradient of [o ; r]: output layer and head layers accumulate; r part also gets dr. */
    final int dOut;
    final int dAct;
    /** Per head (ld apart): gradient of the weighting w_t, carried to step t-1 as that of w_{t-1}. */
    final int dW;
    /** Gradient of the memory state, carried backward. */
    final int dMem;
    /** Gradient of the reads r_{t-1}, from the controller input of step t. */
    final int dr;
    final int[] dhCarry;
    final int[] dcCarry;
    /** Feedforward controllers only (else -1): dz of the layer being walked (LSTM layers use {@link #dzStep}). */
    final int dz;
    final int dh;
    final int dxcat;
    final int gradFloats;
    /** Per head: where its addressing tensors sit in a row. */
    final HeadSlots[] headSlots;
    /** Per head: where its gradients sit in a gradient row. */
    final HeadGradientSlots[] headGrads;
    /** Where the write heads' weightings, erase and add vectors sit in a row. */
    final WriteSlots writeSlots;
    /** Where their gradients sit in a gradient row. */
    final WriteSlots writeGrads;

    // ---- regions (absolute offsets in the segment)
    final long rowsBase;
    final long memBase;
    final long r0;
    final long w0;
    final long m0;
    final long zeros;
    final long gradBase;

    final MemorySegment seg;

    private long next;

    Tape(NtmConfig c, int batch, int slots, int memSlots, boolean gradients, Arena arena) {
        this.x = c.inputSize();
        this.y = c.outputSize();
        this.yPadded = Buffers.alignUp(y);
        this.n = c.memoryRows();
        this.m = c.memoryWidth();
        this.reads = c.readHeads();
        this.writes = c.writeHeads();
        this.heads = c.heads();
        this.hidden = c.hiddenSize();
        this.layers = c.layers();
        this.shiftRange = c.shiftRange();
        this.lstm = c.controller() == NtmConfig.Controller.LSTM;
        this.location = c.addressing() == NtmConfig.Addressing.CONTENT_LOCATION;
        this.ld = Buffers.alignUp(n);
        this.memFloats = m * ld;
        this.readStride = Buffers.alignUp(c.readHeadParams());
        this.writeStride = Buffers.alignUp(c.writeHeadParams());
        this.headParams = reads * readStride + writes * writeStride;
        this.slots = slots;
        this.memSlots = memSlots;
        this.batch = batch;

        next = 0;
        xcat = new int[layers];
        inSize = new int[layers];
        gates = new int[layers];
        cell = new int[layers];
        tanhC = new int[layers];
        dzStep = new int[layers];
        for (int l = 0; l < layers; l++) {
            inSize[l] = c.layerInputSize(l);
            xcat[l] = field(inSize[l] + (lstm ? hidden : 0));
            if (lstm) {
                gates[l] = field(4 * hidden);
                cell[l] = field(hidden);
                tanhC[l] = field(hidden);
            }
            dzStep[l] = lstm && gradients ? field(4 * hidden) : -1;
        }
        outIn = field(hidden + reads * m);
        dPre = gradients ? field(headParams) : -1;
        pre = field(headParams);
        act = field(headParams);
        logitsPre = field(y);
        logits = field(y);
        dlogits = field(y);
        target = field(y);
        norms = field(ld);
        keyNorm = field(heads);
        sim = field(heads * ld);
        wc = location ? field(heads * ld) : -1;
        wg = location ? field(heads * ld) : -1;
        ws = location ? field(heads * ld) : -1;
        w = field(heads * ld);
        rowFloats = (int) next;

        next = 0;
        dhCarry = new int[layers];
        dcCarry = new int[layers];
        int maxConcat = 0;
        for (int l = 0; l < layers; l++) {
            maxConcat = Math.max(maxConcat, inSize[l] + (lstm ? hidden : 0));
        }
        dOut = field(hidden + reads * m);
        dAct = field(headParams);
        dW = field(heads * ld);
        dMem = field(memFloats);
        dr = field(reads * m);
        for (int l = 0; l < layers; l++) {
            dhCarry[l] = lstm ? field(hidden) : -1;
            dcCarry[l] = lstm ? field(hidden) : -1;
        }
        dz = lstm ? -1 : field(hidden);
        dh = field(hidden);
        dxcat = field(maxConcat);
        gradFloats = gradients ? (int) next : 0;
        headSlots = new HeadSlots[heads];
        headGrads = new HeadGradientSlots[heads];
        for (int h = 0; h < heads; h++) {
            long hv = (long) h * ld;
            headSlots[h] = new HeadSlots(act + headParam(h), sim + hv, location ? wc + hv : -1,
                    location ? wg + hv : -1, location ? ws + hv : -1, w + hv);
            headGrads[h] = new HeadGradientSlots(dAct + headParam(h), dW + hv);
        }
        long wWrite = (long) reads * ld;
        int eaWrite = headParam(reads);
        writeSlots = new WriteSlots(writes, w + wWrite, ld, act + eaWrite + eraseInWrite(), act + eaWrite + addInWrite(),
                writeStride);
        writeGrads = new WriteSlots(writes, dW + wWrite, ld, dAct + eaWrite + eraseInWrite(),
                dAct + eaWrite + addInWrite(), writeStride);

        next = 0;
        rowsBase = region((long) slots * batch * rowFloats);
        memBase = region((long) memSlots * batch * memFloats);
        r0 = region((long) reads * m);
        w0 = region((long) heads * ld);
        m0 = region(memFloats);
        zeros = region(hidden);
        gradBase = region((long) batch * gradFloats);
        seg = Buffers.allocate(arena, next);
    }

    private int field(int floats) {
        long at = next;
        next = Buffers.alignUp(next + floats);
        if (next > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("one step's activations exceed 2^31 floats; the configuration is too large");
        }
        return (int) at;
    }

    private long region(long floats) {
        long at = next;
        next = Buffers.alignUp(next + floats);
        return at;
    }

    /** Start of the row of step slot {@code slot}, sequence {@code b}. */
    long row(int slot, int b) {
        return rowsBase + ((long) slot * batch + b) * rowFloats;
    }

    /** Start of memory slot {@code slot} of sequence {@code b}. */
    long mem(int slot, int b) {
        return memBase + ((long) slot * batch + b) * memFloats;
    }

    /** Start of the gradient row of sequence {@code b}. */
    long grad(int b) {
        return gradBase + (long) b * gradFloats;
    }

    /** Offset within a row where layer l writes its h: the next layer's input, or o in {@link #outIn}. */
    int hOut(int l) {
        return l < layers - 1 ? xcat[l + 1] : outIn;
    }

    /** Offset of head h's parameters within {@link #pre} / {@link #act} (read heads first). */
    int headParam(int h) {
        return h < reads ? h * readStride : reads * readStride + (h - reads) * writeStride;
    }

    /** Offset of the write heads' erase vector e within the activated parameters of write head 0. */
    int eraseInWrite() {
        return HeadActivations.erase(m, shiftRange);
    }

    /** Offset of the write heads' add vector a within the activated parameters of write head 0. */
    int addInWrite() {
        return HeadActivations.add(m, shiftRange);
    }
}
