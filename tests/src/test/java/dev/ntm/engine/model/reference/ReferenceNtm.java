package dev.ntm.engine.model.reference;

import java.util.Objects;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.model.reference.ReferenceAddressing.Cosine;
import dev.ntm.engine.model.reference.ReferenceAddressing.HeadParams;
import dev.ntm.engine.model.reference.ReferenceLayers.LstmStep;
import dev.ntm.engine.task.Sequence;

/**
 * The whole Neural Turing Machine in plain double-precision loops: forward pass and hand-derived
 * backward pass through time of one sequence, exactly as docs/SPEC.md sections 1 to 3 state them.
 *
 * <p>This is the oracle that the float32 engine is compared against, so it favours readability
 * over speed: it allocates freely, keeps every intermediate of the forward pass, and walks the
 * units of the paper (controller, head activations, cosine, content weighting, interpolation,
 * shift, sharpening, read, erase/add, output, loss) in explicit reverse order. The units live in
 * {@link ReferenceLayers}, {@link ReferenceAddressing} and {@link ReferenceMemory}; their
 * derivations are in docs/DERIVATIONS.md.
 *
 * <p>Parameters are a flat {@code double[]} in {@link ParamLayout} order (padding ignored).
 * Instances are immutable and may be shared across threads.
 */
public final class ReferenceNtm {

    /**
     * Diagnostics of one head at one step.
     *
     * @param linear           [P] the head's linear output W_h o_t + b_h, before the clip
     * @param key              [M] k
     * @param beta             key strength
     * @param gate             interpolation gate g
     * @param shift            [2S+1] shift weights s
     * @param gamma            sharpening exponent
     * @param erase            [M] e (null for a read head)
     * @param add              [M] a (null for a read head)
     * @param contentWeighting [N] wc
     * @param weighting        [N] the final weighting w
     */
    public record HeadStep(double[] linear, double[] key, double beta, double gate, double[] shift, double gamma,
                           double[] erase, double[] add, double[] contentWeighting, double[] weighting) {
    }

    /**
     * Forward and backward of one sequence. Arrays are owned by the result (not copied).
     *
     * @param loss         sum over masked steps and output bits of BCE, in nats (docs/SPEC.md section 3)
     * @param bitErrors    masked output bits where (sigmoid(y) > 0.5) != (target > 0.5)
     * @param logits       [T][Y] clipped output logits
     * @param readWeights  [T][R][N] read weightings
     * @param writeWeights [T][W][N] write weightings
     * @param readVectors  [T][R][M] read vectors r_t
     * @param memory       [T+1][N][M] memory, row-major; memory[0] = M_0, memory[t] = M_t
     * @param heads        [T][R+W] head diagnostics (read heads first)
     * @param grads        [layout.size()] gradient of {@code loss} w.r.t. every parameter (padding 0)
     */
    public record Result(double loss, int bitErrors, double[][] logits, double[][][] readWeights,
                         double[][][] writeWeights, double[][][] readVectors, double[][][] memory,
                         HeadStep[][] heads, double[] grads) {
    }

    private final NtmConfig config;
    private final ParamLayout layout;
    private final double[] params;
    private final double clip;
    private final int inputs;      // X
    private final int outputs;     // Y
    private final int rows;        // N
    private final int width;       // M
    private final int readHeads;   // R
    private final int writeHeads;  // W
    private final int hidden;      // H
    private final int layers;      // L
    private final int[] controllerWeight;
    private final int[] controllerBias;
    private final int[] headWeight;    // [R+W] read heads first
    private final int[] headBias;
    private final int outputWeight;
    private final int outputBias;
    private final int[] initRead;      // [R]
    private final int[] initWeight;    // [R+W]
    private final int initMemory;

    /**
     * A reference model with the given parameters.
     *
     * @param config the configuration
     * @param params parameters in {@code ParamLayout.of(config)} order, length {@code layout.size()};
     *               copied; every parameter must be finite (padding is ignored)
     */
    public ReferenceNtm(NtmConfig config, double[] params) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(params, "params must not be null");
        this.layout = ParamLayout.of(config);
        if (params.length != layout.size()) {
            throw new IllegalArgumentException("params must hold layout.size() = " + layout.size()
                    + " values for " + config + ", got " + params.length);
        }
        for (ParamLayout.Tensor t : layout.tensors()) {
            for (int i = (int) t.offset(); i < t.offset() + t.size(); i++) {
                if (!Double.isFinite(params[i])) {
                    throw new IllegalArgumentException("parameter " + layout.describe(i) + " must be finite, got "
                            + params[i]);
                }
            }
        }
        this.params = params.clone();
        this.clip = config.clip();
        this.inputs = config.inputSize();
        this.outputs = config.outputSize();
        this.rows = config.memoryRows();
        this.width = config.memoryWidth();
        this.readHeads = config.readHeads();
        this.writeHeads = config.writeHeads();
        this.hidden = config.hiddenSize();
        this.layers = config.layers();
        String kind = config.controller() == NtmConfig.Controller.LSTM ? "lstm" : "ff";
        this.controllerWeight = new int[layers];
        this.controllerBias = new int[layers];
        for (int l = 0; l < layers; l++) {
            controllerWeight[l] = offset("controller." + kind + "." + l + ".weight");
            controllerBias[l] = offset("controller." + kind + "." + l + ".bias");
        }
        int heads = config.heads();
        this.headWeight = new int[heads];
        this.headBias = new int[heads];
        this.initWeight = new int[heads];
        this.initRead = new int[readHeads];
        for (int h = 0; h < heads; h++) {
            String name = h < readHeads ? "read_heads." + h : "write_heads." + (h - readHeads);
            headWeight[h] = offset(name + ".weight");
            headBias[h] = offset(name + ".bias");
            initWeight[h] = offset(h < readHeads ? "init.weight.read." + h : "init.weight.write." + (h - readHeads));
        }
        for (int r = 0; r < readHeads; r++) {
            initRead[r] = offset("init.read." + r);
        }
        this.outputWeight = offset("output.weight");
        this.outputBias = offset("output.bias");
        this.initMemory = offset("init.memory");
    }

    /** A reference model from float parameters (as {@code ParamInit} and the float engine hold them). */
    public static ReferenceNtm ofFloats(NtmConfig config, float[] params) {
        Objects.requireNonNull(params, "params must not be null");
        double[] wide = new double[params.length];
        for (int i = 0; i < params.length; i++) {
            wide[i] = params[i];
        }
        return new ReferenceNtm(config, wide);
    }

    private int offset(String name) {
        return Math.toIntExact(layout.offset(name));
    }

    /** The configuration. */
    public NtmConfig config() {
        return config;
    }

    /** The parameter layout of the configuration. */
    public ParamLayout layout() {
        return layout;
    }

    // ================================================================ initial state (docs/SPEC.md 2)

    /** r_0 = tanh(b_r) for every read head: [R][M]. */
    public double[][] initialReads() {
        double[][] r0 = new double[readHeads][width];
        for (int r = 0; r < readHeads; r++) {
            for (int j = 0; j < width; j++) {
                r0[r][j] = Math.tanh(params[initRead[r] + j]);
            }
        }
        return r0;
    }

    /** w_0 = softmax(b_w) for every head, read heads first: [R+W][N]. */
    public double[][] initialWeightings() {
        double[][] w0 = new double[config.heads()][];
        for (int h = 0; h < w0.length; h++) {
            w0[h] = ReferenceAddressing.softmaxForward(slice(params, initWeight[h], rows));
        }
        return w0;
    }

    /** M_0 [N][M]: B_M (constant), tanh(B_M) (learned), or the stored fixed memory (random). */
    public double[][] initialMemory() {
        double[][] m0 = new double[rows][width];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < width; j++) {
                double b = params[initMemory + i * width + j];
                m0[i][j] = config.memoryInit() == NtmConfig.MemoryInit.LEARNED ? Math.tanh(b) : b;
            }
        }
        return m0;
    }

    // ================================================================ public entry points

    /** Forward and backward of one sequence. */
    public Result run(Sequence seq) {
        validate(seq);
        Trajectory tr = forward(seq);
        double[] grads = backward(tr, seq);
        int steps = seq.steps();
        double[][] logits = new double[steps][];
        double[][][] readW = new double[steps][readHeads][];
        double[][][] writeW = new double[steps][writeHeads][];
        double[][][] reads = new double[steps][][];
        double[][][] memory = new double[steps + 1][][];
        HeadStep[][] heads = new HeadStep[steps][config.heads()];
        memory[0] = tr.initialMemory;
        for (int t = 0; t < steps; t++) {
            StepTape s = tr.steps[t];
            logits[t] = s.logits;
            reads[t] = s.reads;
            memory[t + 1] = s.memories[writeHeads];
            for (int h = 0; h < config.heads(); h++) {
                HeadTape ht = s.heads[h];
                if (h < readHeads) {
                    readW[t][h] = ht.w;
                } else {
                    writeW[t][h - readHeads] = ht.w;
                }
                HeadParams a = ht.act;
                heads[t][h] = new HeadStep(ht.z, a.key, a.beta, a.gate, a.shift, a.gamma, a.erase, a.add, ht.wc,
                        ht.w);
            }
        }
        return new Result(tr.loss, tr.bitErrors, logits, readW, writeW, reads, memory, heads, grads);
    }

    /** The loss of one sequence (forward only), in nats; the function the gradients differentiate. */
    public double loss(Sequence seq) {
        validate(seq);
        return forward(seq).loss;
    }

    private void validate(Sequence seq) {
        Objects.requireNonNull(seq, "sequence must not be null");
        if (seq.inputSize() != inputs || seq.outputSize() != outputs) {
            throw new IllegalArgumentException("sequence has X=" + seq.inputSize() + ", Y=" + seq.outputSize()
                    + " but the model expects X=" + inputs + ", Y=" + outputs);
        }
        for (int k = 0; k < seq.inputs().length; k++) {
            if (!Float.isFinite(seq.inputs()[k])) {
                throw new IllegalArgumentException("input at step " + k / inputs + ", channel " + k % inputs
                        + " must be finite, got " + seq.inputs()[k]);
            }
        }
        for (int k = 0; k < seq.targets().length; k++) {
            float v = seq.targets()[k];
            if (!(v >= 0f && v <= 1f)) {
                throw new IllegalArgumentException("target at step " + k / outputs + ", bit " + k % outputs
                        + " must be in [0, 1], got " + v);
            }
        }
        for (int t = 0; t < seq.steps(); t++) {
            float m = seq.mask()[t];
            if (m != 0f && m != 1f) {
                throw new IllegalArgumentException("mask at step " + t + " must be 0 or 1, got " + m);
            }
        }
    }

    // ================================================================ forward

    /** What one head keeps from its forward step. */
    private static final class HeadTape {
        double[] z;       // [P] linear output, before the clip
        double[] p;       // [P] clipped parameters
        HeadParams act;   // activated parameters
        Cosine cosine;    // similarity against M_{t-1}
        double[] wPrev;   // [N] w_{t-1}
        double[] wc;      // [N] content weighting
        double[] wg;      // [N] interpolated (location addressing only)
        double[] ws;      // [N] shifted (location addressing only)
        double[] w;       // [N] final weighting
    }

    /** What one time step keeps for the backward pass. */
    private static final class StepTape {
        double[] controllerInput;   // [X + R M]  [x_t ; r_{t-1}]
        LstmStep[] lstm;            // [L] (LSTM controller)
        double[][] layerInput;      // [L][in_l] (feedforward controller)
        double[][] layerOutput;     // [L][H]    (feedforward controller)
        double[] controllerOutput;  // [H] o_t
        HeadTape[] heads;           // [R+W]
        double[][] reads;           // [R][M] r_t
        double[][][] memories;      // [W+1][N][M]: [0] = M_{t-1}, [k] = before write head k, [W] = M_t
        double[] outputInput;       // [H + R M] [o_t ; r_t]
        double[] logitsLinear;      // [Y] before the clip
        double[] logits;            // [Y]
    }

    private static final class Trajectory {
        double[][] initialReads;
        double[][] initialWeights;
        double[][] initialMemory;
        StepTape[] steps;
        double loss;
        int bitErrors;
    }

    private Trajectory forward(Sequence seq) {
        Trajectory tr = new Trajectory();
        tr.initialReads = initialReads();
        tr.initialWeights = initialWeightings();
        tr.initialMemory = initialMemory();
        tr.steps = new StepTape[seq.steps()];
        double[][] reads = tr.initialReads;
        double[][] weights = tr.initialWeights;
        double[][] memory = tr.initialMemory;
        double[][] h = new double[layers][hidden];    // h_0 = 0
        double[][] c = new double[layers][hidden];    // c_0 = 0
        for (int t = 0; t < seq.steps(); t++) {
            StepTape s = new StepTape();
            tr.steps[t] = s;
            // 1. controller input [x_t ; r_{t-1}]
            s.controllerInput = new double[config.controllerInputSize()];
            for (int k = 0; k < inputs; k++) {
                s.controllerInput[k] = seq.inputs()[t * inputs + k];
            }
            for (int r = 0; r < readHeads; r++) {
                System.arraycopy(reads[r], 0, s.controllerInput, inputs + r * width, width);
            }
            // 2. controller
            double[] layerIn = s.controllerInput;
            if (config.controller() == NtmConfig.Controller.LSTM) {
                s.lstm = new LstmStep[layers];
                for (int l = 0; l < layers; l++) {
                    s.lstm[l] = ReferenceLayers.lstmForward(params, controllerWeight[l], controllerBias[l], layerIn,
                            h[l], c[l], hidden);
                    h[l] = s.lstm[l].h;
                    c[l] = s.lstm[l].c;
                    layerIn = h[l];
                }
            } else {
                s.layerInput = new double[layers][];
                s.layerOutput = new double[layers][];
                for (int l = 0; l < layers; l++) {
                    s.layerInput[l] = layerIn;
                    s.layerOutput[l] = ReferenceLayers.feedforwardForward(params, controllerWeight[l],
                            controllerBias[l], layerIn, hidden);
                    layerIn = s.layerOutput[l];
                }
            }
            s.controllerOutput = layerIn;
            // 3, 4. head parameters and addressing, all against M_{t-1}
            s.heads = new HeadTape[config.heads()];
            for (int hd = 0; hd < config.heads(); hd++) {
                s.heads[hd] = headForward(hd, s.controllerOutput, memory, weights[hd]);
            }
            // 5. reads see M_{t-1}
            s.reads = new double[readHeads][];
            for (int r = 0; r < readHeads; r++) {
                s.reads[r] = ReferenceMemory.readForward(s.heads[r].w, memory);
            }
            // 6. write heads in order, each on the previous one's result
            s.memories = new double[writeHeads + 1][][];
            s.memories[0] = memory;
            for (int k = 0; k < writeHeads; k++) {
                HeadTape wh = s.heads[readHeads + k];
                s.memories[k + 1] = ReferenceMemory.eraseAddForward(s.memories[k], wh.w, wh.act.erase, wh.act.add);
            }
            // 7. output logits and loss
            s.outputInput = new double[config.outputInputSize()];
            System.arraycopy(s.controllerOutput, 0, s.outputInput, 0, hidden);
            for (int r = 0; r < readHeads; r++) {
                System.arraycopy(s.reads[r], 0, s.outputInput, hidden + r * width, width);
            }
            s.logitsLinear = new double[outputs];
            ReferenceLayers.affineForward(s.logitsLinear, params, outputWeight, outputBias, s.outputInput, outputs,
                    s.outputInput.length);
            s.logits = new double[outputs];
            ReferenceLayers.clipForward(s.logits, s.logitsLinear, clip);
            if (seq.mask()[t] != 0f) {
                for (int j = 0; j < outputs; j++) {
                    double target = seq.targets()[t * outputs + j];
                    tr.loss += ReferenceLayers.bceWithLogitsForward(s.logits[j], target);
                    if ((s.logits[j] > 0.0) != (target > 0.5)) {
                        tr.bitErrors++;
                    }
                }
            }
            // carry the state to step t+1
            reads = s.reads;
            weights = new double[config.heads()][];
            for (int hd = 0; hd < config.heads(); hd++) {
                weights[hd] = s.heads[hd].w;
            }
            memory = s.memories[writeHeads];
        }
        return tr;
    }

    /** Head hd at one step: linear map, clip, activations, addressing against mem = M_{t-1}. */
    private HeadTape headForward(int hd, double[] controllerOutput, double[][] mem, double[] wPrev) {
        boolean write = hd >= readHeads;
        int count = write ? config.writeHeadParams() : config.readHeadParams();
        HeadTape ht = new HeadTape();
        ht.z = new double[count];
        ReferenceLayers.affineForward(ht.z, params, headWeight[hd], headBias[hd], controllerOutput, count, hidden);
        ht.p = new double[count];
        ReferenceLayers.clipForward(ht.p, ht.z, clip);
        ht.act = ReferenceAddressing.headActivationsForward(ht.p, width, config.shifts(), write);
        ht.wPrev = wPrev;
        ht.cosine = ReferenceAddressing.cosineForward(ht.act.key, mem);
        ht.wc = ReferenceAddressing.contentWeightingForward(ht.act.beta, ht.cosine.similarity);
        if (config.addressing() == NtmConfig.Addressing.CONTENT) {
            ht.w = ht.wc;
        } else {
            ht.wg = ReferenceAddressing.interpolateForward(ht.act.gate, ht.wc, wPrev);
            ht.ws = ReferenceAddressing.shiftForward(ht.wg, ht.act.shift, config.shiftRange());
            ht.w = ReferenceAddressing.sharpenForward(ht.ws, ht.act.gamma);
        }
        return ht;
    }

    // ================================================================ backward through time

    private double[] backward(Trajectory tr, Sequence seq) {
        double[] g = new double[Math.toIntExact(layout.size())];
        int heads = config.heads();
        // gradients flowing from step t+1 into step t's outputs
        double[][] dReadsNext = new double[readHeads][width];   // r_t, input of step t+1's controller
        double[][] dWeightsNext = new double[heads][rows];      // w_t, w_prev of step t+1's interpolation
        double[][] dMemNext = new double[rows][width];          // M_t
        double[][] dhNext = new double[layers][hidden];         // LSTM h_t
        double[][] dcNext = new double[layers][hidden];         // LSTM c_t
        for (int t = seq.steps() - 1; t >= 0; t--) {
            StepTape s = tr.steps[t];
            // 7. loss and output: y = clip(W_y [o ; r_t] + b_y)
            double[] dLogits = new double[outputs];
            if (seq.mask()[t] != 0f) {
                for (int j = 0; j < outputs; j++) {
                    dLogits[j] = ReferenceLayers.bceWithLogitsBackward(s.logits[j], seq.targets()[t * outputs + j]);
                }
            }
            double[] dLinear = new double[outputs];
            ReferenceLayers.clipBackward(dLinear, dLogits, s.logitsLinear, clip);
            double[] dOutputInput = new double[s.outputInput.length];
            ReferenceLayers.affineBackward(dOutputInput, g, outputWeight, outputBias, dLinear, s.outputInput, params,
                    outputs, s.outputInput.length);
            double[] dControllerOutput = slice(dOutputInput, 0, hidden);
            double[][] dReads = new double[readHeads][];
            for (int r = 0; r < readHeads; r++) {
                dReads[r] = slice(dOutputInput, hidden + r * width, width);
                add(dReads[r], dReadsNext[r]);
            }
            // gradients of this step's weightings and activated head parameters
            double[][] dW = new double[heads][];
            HeadParams[] dHead = new HeadParams[heads];
            for (int hd = 0; hd < heads; hd++) {
                dW[hd] = dWeightsNext[hd].clone();
                dHead[hd] = new HeadParams(width, config.shifts(), hd >= readHeads);
            }
            // 6. writes in reverse order: dMem walks from M_t back to M_{t-1}
            double[][] dMem = dMemNext;
            for (int k = writeHeads - 1; k >= 0; k--) {
                int hd = readHeads + k;
                HeadTape wh = s.heads[hd];
                double[][] dBefore = new double[rows][width];
                ReferenceMemory.eraseAddBackward(dBefore, dW[hd], dHead[hd].erase, dHead[hd].add, dMem,
                        s.memories[k], wh.w, wh.act.erase, wh.act.add);
                dMem = dBefore;
            }
            // 5. reads of M_{t-1}
            for (int r = 0; r < readHeads; r++) {
                ReferenceMemory.readBackward(dW[r], dMem, dReads[r], s.heads[r].w, s.memories[0]);
            }
            // 4, 3. addressing and head parameters; adds into dMem (cosine) and the controller output
            double[][] dWPrev = new double[heads][rows];
            for (int hd = 0; hd < heads; hd++) {
                headBackward(g, hd, s.heads[hd], dW[hd], dHead[hd], dMem, dWPrev[hd], dControllerOutput,
                        s.controllerOutput, s.memories[0]);
            }
            // 2. controller, top layer first
            double[] dTop = dControllerOutput;
            if (config.controller() == NtmConfig.Controller.LSTM) {
                for (int l = layers - 1; l >= 0; l--) {
                    LstmStep ls = s.lstm[l];
                    double[] dh = dTop.clone();
                    add(dh, dhNext[l]);
                    double[] dIn = new double[ls.in.length];
                    double[] dhPrev = new double[hidden];
                    double[] dcPrev = new double[hidden];
                    ReferenceLayers.lstmBackward(dIn, dhPrev, dcPrev, g, controllerWeight[l], controllerBias[l], dh,
                            dcNext[l], ls, params, hidden);
                    dhNext[l] = dhPrev;
                    dcNext[l] = dcPrev;
                    dTop = dIn;
                }
            } else {
                for (int l = layers - 1; l >= 0; l--) {
                    double[] dIn = new double[s.layerInput[l].length];
                    ReferenceLayers.feedforwardBackward(dIn, g, controllerWeight[l], controllerBias[l], dTop,
                            s.layerInput[l], s.layerOutput[l], params);
                    dTop = dIn;
                }
            }
            // 1. controller input [x_t ; r_{t-1}]: the read part flows to step t-1
            for (int r = 0; r < readHeads; r++) {
                dReadsNext[r] = slice(dTop, inputs + r * width, width);
            }
            dWeightsNext = dWPrev;
            dMemNext = dMem;
        }
        initialStateBackward(g, tr, dReadsNext, dWeightsNext, dMemNext);
        return g;
    }

    /** Backward of one head: sharpen, shift, interpolation, content weighting, cosine, activations, clip, linear. */
    private void headBackward(double[] g, int hd, HeadTape ht, double[] dW, HeadParams d, double[][] dMem,
                              double[] dWPrev, double[] dControllerOutput, double[] controllerOutput,
                              double[][] mem) {
        HeadParams a = ht.act;
        double[] dWc = new double[rows];
        if (config.addressing() == NtmConfig.Addressing.CONTENT) {
            add(dWc, dW);   // w = wc
        } else {
            double[] dWs = new double[rows];
            d.gamma += ReferenceAddressing.sharpenBackward(dWs, dW, ht.ws, a.gamma, ht.w);
            double[] dWg = new double[rows];
            ReferenceAddressing.shiftBackward(dWg, d.shift, dWs, ht.wg, a.shift, config.shiftRange());
            d.gate += ReferenceAddressing.interpolateBackward(dWc, dWPrev, dWg, a.gate, ht.wc, ht.wPrev);
        }
        double[] dSim = new double[rows];
        d.beta += ReferenceAddressing.contentWeightingBackward(dSim, dWc, a.beta, ht.cosine.similarity, ht.wc);
        ReferenceAddressing.cosineBackward(d.key, dMem, dSim, ht.cosine, a.key, mem);
        double[] dp = new double[ht.p.length];
        ReferenceAddressing.headActivationsBackward(dp, d, ht.p, a);
        double[] dz = new double[ht.z.length];
        ReferenceLayers.clipBackward(dz, dp, ht.z, clip);
        ReferenceLayers.affineBackward(dControllerOutput, g, headWeight[hd], headBias[hd], dz, controllerOutput,
                params, ht.z.length, hidden);
    }

    /** Gradients of the initial-state biases from what reached step 0: dr_0, dw_0, dM_0. */
    private void initialStateBackward(double[] g, Trajectory tr, double[][] dReads0, double[][] dWeights0,
                                      double[][] dMem0) {
        for (int r = 0; r < readHeads; r++) {
            for (int j = 0; j < width; j++) {
                // r_0 = tanh(b_r)
                double r0 = tr.initialReads[r][j];
                g[initRead[r] + j] += dReads0[r][j] * (1.0 - r0 * r0);
            }
        }
        for (int hd = 0; hd < config.heads(); hd++) {
            // w_0 = softmax(b_w)
            double[] db = new double[rows];
            ReferenceAddressing.softmaxBackward(db, dWeights0[hd], tr.initialWeights[hd]);
            for (int i = 0; i < rows; i++) {
                g[initWeight[hd] + i] += db[i];
            }
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < width; j++) {
                double m0 = tr.initialMemory[i][j];
                g[initMemory + i * width + j] += switch (config.memoryInit()) {
                    case CONSTANT -> dMem0[i][j];                   // M_0 = B_M
                    case LEARNED -> dMem0[i][j] * (1.0 - m0 * m0);  // M_0 = tanh(B_M)
                    case RANDOM -> 0.0;                             // fixed, not trained
                };
            }
        }
    }

    // ================================================================ helpers

    private static double[] slice(double[] a, int from, int length) {
        double[] out = new double[length];
        System.arraycopy(a, from, out, 0, length);
        return out;
    }

    private static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }
}
