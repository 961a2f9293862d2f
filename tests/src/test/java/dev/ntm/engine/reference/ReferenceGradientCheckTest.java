package dev.ntm.engine.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.NtmConfig.Addressing;
import dev.ntm.engine.NtmConfig.Controller;
import dev.ntm.engine.NtmConfig.MemoryInit;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.model.reference.ReferenceNtm;
import dev.ntm.engine.model.reference.ReferenceNtm.HeadStep;
import dev.ntm.engine.model.reference.ReferenceNtm.Result;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.util.SplitMix64;

/**
 * Central-difference gradient checks of the double-precision reference NTM, over every parameter
 * tensor, the controller kinds, head counts, shift ranges, memory modes and addressing modes, plus
 * pinned edge cases (docs/SPEC.md sections 1 to 3).
 *
 * <p>Metric: for analytic gradient a and central difference n = (L(p + h) - L(p - h)) / 2h,
 * {@code |a - n| / max(|a| + |n|, FLOOR) < TOLERANCE} with TOLERANCE = 1e-6. The floor turns the
 * bound into an absolute one (FLOOR * 1e-6) for gradients near zero, where the finite difference
 * is only as good as the rounding noise of the loss; see {@link #FLOOR}. Upstream gradients are
 * non-uniform because targets and masks are random.
 */
class ReferenceGradientCheckTest {

    /** Relative error bound of the gradient checks. */
    static final double TOLERANCE = 1e-6;
    /**
     * Denominator floor. The loss is a sum of ~50 terms of order 1, so its rounding noise is about
     * 1e-14; divided by 2h = 2e-5 that is ~5e-10 in the finite difference, and the truncation error
     * h^2 L''' / 6 is of the same order. An absolute error of FLOOR * TOLERANCE = 1e-8 for gradients
     * smaller than FLOOR is therefore well above the noise, yet a hundred times below a typical
     * gradient entry here (1e-3 .. 1).
     */
    static final double FLOOR = 1e-2;
    /** Finite-difference step for parameters of order 0.01 .. 1. */
    static final double STEP = 1e-5;
    /**
     * Step for {@code init.memory} in constant mode at the spec's initial scale 1e-6 (docs/SPEC.md
     * section 2), where the loss is sharply non-linear: Richardson-extrapolated central differences
     * at +-4e-9 and +-2e-9, far below the 1e-6 values. Plain central differences there leave a
     * truncation error of about (h / 1e-6)^2 relative, which grows with the gradient (up to ~300).
     */
    static final double TRAP_STEP = 4e-9;
    /**
     * Floor for that case. The loss rounding noise (~1e-14) divided by 2h = 4e-9 is a few 1e-6;
     * measured over 6 models and all 50 cells the worst |a - n| was 6.4e-6 with gradients up to 300.
     * FLOOR 30 makes the bound 3e-5 absolute for gradients below 30 and 1e-6 relative above: about
     * five times the measured noise. The same code path is checked at the strict FLOOR with a
     * memory scale of 0.5 ({@code memory scale 0.5} configurations).
     */
    static final double TRAP_FLOOR = 30;
    /** Elements checked in a tensor larger than this are sampled; smaller ones are checked whole. */
    static final int CHECK_WHOLE_UP_TO = 64;
    /** Random elements checked in a large tensor (plus its first and last). */
    static final int SAMPLES = 30;

    // ================================================================ configurations

    static Stream<Arguments> configurations() {
        return Stream.of(
                // controller, layers, R, W, S, memory mode, addressing, memory scale (0 = the spec's init)
                Arguments.of(Controller.LSTM, 1, 1, 1, 1, MemoryInit.CONSTANT, Addressing.CONTENT_LOCATION, 0.0),
                Arguments.of(Controller.LSTM, 1, 1, 1, 1, MemoryInit.CONSTANT, Addressing.CONTENT_LOCATION, 0.5),
                Arguments.of(Controller.LSTM, 2, 2, 2, 2, MemoryInit.LEARNED, Addressing.CONTENT_LOCATION, 0.0),
                Arguments.of(Controller.LSTM, 1, 2, 1, 2, MemoryInit.RANDOM, Addressing.CONTENT, 0.0),
                Arguments.of(Controller.LSTM, 2, 1, 2, 1, MemoryInit.LEARNED, Addressing.CONTENT, 0.0),
                Arguments.of(Controller.LSTM, 1, 2, 2, 1, MemoryInit.RANDOM, Addressing.CONTENT_LOCATION, 0.0),
                Arguments.of(Controller.FEEDFORWARD, 1, 1, 2, 1, MemoryInit.RANDOM, Addressing.CONTENT_LOCATION, 0.0),
                Arguments.of(Controller.FEEDFORWARD, 2, 2, 1, 2, MemoryInit.CONSTANT, Addressing.CONTENT, 0.5),
                Arguments.of(Controller.FEEDFORWARD, 1, 2, 2, 2, MemoryInit.LEARNED, Addressing.CONTENT_LOCATION, 0.0),
                Arguments.of(Controller.FEEDFORWARD, 2, 1, 1, 1, MemoryInit.CONSTANT, Addressing.CONTENT_LOCATION,
                        0.0));
    }

    @ParameterizedTest(name = "{0} x{1} R={2} W={3} S={4} {5} {6} memory scale {7}")
    @MethodSource("configurations")
    void gradientsMatchCentralDifferences(Controller controller, int layers, int reads, int writes, int shiftRange,
                                          MemoryInit memoryInit, Addressing addressing, double memoryScale) {
        long seed = 1000L * layers + 100L * reads + 10L * writes + shiftRange + memoryInit.ordinal() * 7L
                + addressing.ordinal() * 13L + controller.ordinal() * 17L;
        NtmConfig cfg = NtmConfig.builder().inputSize(5).outputSize(4).memory(10, 5)
                .readHeads(reads).writeHeads(writes).shiftRange(shiftRange)
                .controller(controller).layers(layers).hiddenSize(8)
                .memoryInit(memoryInit).addressing(addressing).build();
        double[] p = jitteredParams(cfg, seed);
        if (memoryScale > 0) {
            setMemory(cfg, p, memoryScale, seed + 1);
        }
        Sequence seq = randomSequence(cfg, 13, seed + 2);
        checkGradients(cfg, p, seq);
    }

    // ================================================================ pinned edge cases

    /** Small model for the edge cases: memory scale 0.5 keeps the init.memory trap out of the way. */
    static NtmConfig.Builder edgeConfig() {
        return NtmConfig.builder().inputSize(4).outputSize(3).memory(8, 4).readHeads(1).writeHeads(1)
                .shiftRange(1).controller(Controller.LSTM).layers(1).hiddenSize(6)
                .memoryInit(MemoryInit.CONSTANT).addressing(Addressing.CONTENT_LOCATION);
    }

    static double[] edgeParams(NtmConfig cfg, long seed) {
        double[] p = jitteredParams(cfg, seed);
        setMemory(cfg, p, 0.5, seed + 1);
        return p;
    }

    @Test
    void gammaNearOne() {
        NtmConfig cfg = edgeConfig().writeHeads(2).build();
        double[] p = edgeParams(cfg, 21);
        for (String head : headNames(cfg)) {
            pinHeadParam(cfg, p, head, gammaAt(cfg), -12);   // gamma = 1 + softplus(-12) = 1 + 6.1e-6
        }
        Sequence seq = randomSequence(cfg, 12, 22);
        Result res = checkGradients(cfg, p, seq);
        for (HeadStep[] step : res.heads()) {
            for (HeadStep h : step) {
                assertTrue(h.gamma() > 1 && h.gamma() - 1 < 1e-5, "gamma must be pinned near 1, got " + h.gamma());
            }
        }
    }

    @ParameterizedTest(name = "gate bias {0}")
    @ValueSource(doubles = {-12, 12})
    void gateNearZeroAndOne(double gateBias) {
        NtmConfig cfg = edgeConfig().readHeads(2).build();
        double[] p = edgeParams(cfg, 31);
        for (String head : headNames(cfg)) {
            pinHeadParam(cfg, p, head, gateAt(cfg), gateBias);
        }
        Sequence seq = randomSequence(cfg, 12, 32);
        Result res = checkGradients(cfg, p, seq);
        for (HeadStep[] step : res.heads()) {
            for (HeadStep h : step) {
                double distance = gateBias < 0 ? h.gate() : 1 - h.gate();
                assertTrue(distance < 1e-5, "gate must be pinned at " + (gateBias < 0 ? 0 : 1) + ", got " + h.gate());
            }
        }
    }

    /**
     * The read head starts focused on row 0 and shifts by -S each step, the write head starts on
     * row N-1 and shifts by +S: both wrap around the ends of the memory on the first step.
     */
    @ParameterizedTest(name = "S = {0}")
    @ValueSource(ints = {1, 2})
    void shiftsWrapAroundBothEnds(int shiftRange) {
        NtmConfig cfg = edgeConfig().shiftRange(shiftRange).build();
        int n = cfg.memoryRows();
        double[] p = edgeParams(cfg, 41 + shiftRange);
        focusInitialWeighting(cfg, p, "init.weight.read.0", 0, 8);
        focusInitialWeighting(cfg, p, "init.weight.write.0", n - 1, 8);
        for (String head : headNames(cfg)) {
            pinHeadParam(cfg, p, head, gateAt(cfg), -10);    // location addressing carries the focus
            pinHeadParam(cfg, p, head, gammaAt(cfg), 1);     // gamma ~ 2.3 keeps it sharp
        }
        pinHeadParam(cfg, p, "read_heads.0", shiftAt(cfg, 0), 8);                    // shift by -S
        pinHeadParam(cfg, p, "write_heads.0", shiftAt(cfg, cfg.shifts() - 1), 8);    // shift by +S
        Sequence seq = randomSequence(cfg, 12, 43);
        Result res = checkGradients(cfg, p, seq);
        double[] read = res.readWeights()[0][0];
        double[] write = res.writeWeights()[0][0];
        assertEquals(n - shiftRange, argmax(read), "read focus must wrap from row 0 to row N-S");
        assertEquals(shiftRange - 1, argmax(write), "write focus must wrap from row N-1 to row S-1");
        assertTrue(read[n - shiftRange] > 0.5 && write[shiftRange - 1] > 0.5,
                "wrapped foci must hold most of the weight: " + read[n - shiftRange] + ", " + write[shiftRange - 1]);
    }

    /**
     * A large gamma, a closed gate and a near-identity shift drive the shifted weights of rows far
     * from the focus below the 1e-16 inside the power: there w(i) ~ (1e-16)^gamma / sum, far below
     * 1e-200, and the gradient must still be right. The content weighting leaks g wc into every
     * row, so g must be below 1e-16: a gate logit of -40, hence a clip value of 50 here.
     */
    @Test
    void sharpenedWeightingsNearZero() {
        NtmConfig cfg = edgeConfig().clip(50f).build();
        double[] p = edgeParams(cfg, 51);
        focusInitialWeighting(cfg, p, "init.weight.read.0", 3, 6);
        focusInitialWeighting(cfg, p, "init.weight.write.0", 5, 6);
        for (String head : headNames(cfg)) {
            pinHeadParam(cfg, p, head, gammaAt(cfg), 15);    // gamma ~ 16
            pinHeadParam(cfg, p, head, gateAt(cfg), -40);   // g ~ 4e-18
            pinHeadParam(cfg, p, head, shiftAt(cfg, cfg.shiftRange()), 12);   // s(0) ~ 1 - 1.2e-5
        }
        Sequence seq = randomSequence(cfg, 12, 52);
        Result res = checkGradients(cfg, p, seq);
        double smallest = 1;
        for (double[][][] weights : List.of(res.readWeights(), res.writeWeights())) {
            for (double[][] step : weights) {
                for (double[] w : step) {
                    double sum = 0;
                    for (double v : w) {
                        sum += v;
                        smallest = Math.min(smallest, v);
                    }
                    assertEquals(1.0, sum, 1e-12, "a sharpened weighting must still sum to 1");
                }
            }
        }
        // w(i) < 1e-200 with gamma ~ 16 means ws(i) + 1e-16 < 1e-12.5 relative to the focus
        assertTrue(smallest < 1e-200, "weights must reach the 1e-16 regime, smallest was " + smallest);
    }

    @Test
    void eraseNearOne() {
        NtmConfig cfg = edgeConfig().writeHeads(2).build();
        double[] p = edgeParams(cfg, 61);
        for (int w = 0; w < 2; w++) {
            for (int j = 0; j < cfg.memoryWidth(); j++) {
                pinHeadParam(cfg, p, "write_heads." + w, eraseAt(cfg, j), 12);   // e = 1 - 6.1e-6
            }
        }
        Sequence seq = randomSequence(cfg, 12, 62);
        Result res = checkGradients(cfg, p, seq);
        for (HeadStep[] step : res.heads()) {
            for (int w = 0; w < 2; w++) {
                for (double e : step[cfg.readHeads() + w].erase()) {
                    assertTrue(1 - e < 1e-5, "erase must be pinned near 1, got " + e);
                }
            }
        }
    }

    /**
     * Head parameters and a logit held beyond the clip value C at every step: their gradients, and
     * those of the weight rows that feed them, must be exactly 0, and the loss must not move at all
     * when they are perturbed.
     */
    @Test
    void clipActiveGivesExactlyZeroGradient() {
        NtmConfig cfg = edgeConfig().writeHeads(2).build();
        double c = cfg.clip();
        double[] p = edgeParams(cfg, 71);
        pinHeadParam(cfg, p, "read_heads.0", betaAt(cfg), c + 10);
        pinHeadParam(cfg, p, "write_heads.1", addAt(cfg, 1), -c - 5);
        ParamLayout layout = ParamLayout.of(cfg);
        int outBias = (int) layout.offset("output.bias");
        int outWeight = (int) layout.offset("output.weight");
        p[outBias] = c + 10;
        for (int k = 0; k < cfg.outputInputSize(); k++) {
            p[outWeight + k] = 0;
        }
        // target 1 for the clipped logit: it adds ~1e-9 nats per step instead of up to 20, which
        // would raise the loss (and the rounding noise of the finite differences) tenfold
        Sequence seq = withTargetBit(randomSequence(cfg, 12, 72), 0, 1f);
        Result res = checkGradients(cfg, p, seq);
        for (double[] logits : res.logits()) {
            assertEquals(c, logits[0], 0.0, "logit 0 must sit at the clip value");
        }
        List<Integer> clipped = new ArrayList<>();
        clipped.addAll(headRow(cfg, "read_heads.0", betaAt(cfg)));
        clipped.addAll(headRow(cfg, "write_heads.1", addAt(cfg, 1)));
        clipped.add(outBias);
        for (int k = 0; k < cfg.outputInputSize(); k++) {
            clipped.add(outWeight + k);
        }
        ReferenceNtm model = new ReferenceNtm(cfg, p);
        double loss = model.loss(seq);
        for (int i : clipped) {
            assertEquals(0.0, res.grads()[i], 0.0, layout.describe(i) + ": the clip is active, gradient must be 0");
            double[] q = p.clone();
            q[i] += 1e-3;
            assertEquals(loss, new ReferenceNtm(cfg, q).loss(seq), 0.0,
                    layout.describe(i) + ": the clip is active, the loss must not depend on it");
        }
    }

    /** A small clip value: some head parameters and logits are clipped at some steps and not at others. */
    @Test
    void clipPartlyActive() {
        NtmConfig cfg = edgeConfig().writeHeads(2).clip(1.5f).build();
        double[] p = edgeParams(cfg, 81);
        ParamLayout layout = ParamLayout.of(cfg);
        for (String name : List.of("output.weight", "read_heads.0.weight", "write_heads.0.weight")) {
            ParamLayout.Tensor t = layout.tensor(name);
            for (int k = 0; k < t.size(); k++) {
                p[(int) t.offset() + k] *= 3;   // push the linear outputs across +-C
            }
        }
        Sequence seq = randomSequence(cfg, 12, 82);
        Result res = checkGradients(cfg, p, seq);
        int clippedHeads = 0;
        int freeHeads = 0;
        for (HeadStep[] step : res.heads()) {
            for (HeadStep h : step) {
                for (double z : h.linear()) {
                    if (Math.abs(z) > cfg.clip()) {
                        clippedHeads++;
                    } else {
                        freeHeads++;
                    }
                }
            }
        }
        int clippedLogits = 0;
        int freeLogits = 0;
        for (double[] logits : res.logits()) {
            for (double y : logits) {
                if (Math.abs(y) == cfg.clip()) {
                    clippedLogits++;
                } else {
                    freeLogits++;
                }
            }
        }
        assertTrue(clippedHeads > 0 && freeHeads > 0 && clippedLogits > 0 && freeLogits > 0,
                "the clip must be active for some values only: heads " + clippedHeads + " clipped / " + freeHeads
                        + " free, logits " + clippedLogits + " clipped / " + freeLogits + " free");
    }

    /**
     * Two write heads with the same addressing parameters and initial weighting produce the same
     * weighting at every step, so they erase and add on the same rows; their erase and add vectors
     * differ, and the second acts on the result of the first.
     */
    @Test
    void twoWriteHeadsOnTheSameRows() {
        NtmConfig cfg = edgeConfig().writeHeads(2).build();
        double[] p = edgeParams(cfg, 91);
        focusInitialWeighting(cfg, p, "init.weight.write.0", 2, 6);
        pinHeadParam(cfg, p, "write_heads.0", gammaAt(cfg), 2);
        pinHeadParam(cfg, p, "write_heads.0", gateAt(cfg), -4);
        pinHeadParam(cfg, p, "write_heads.0", shiftAt(cfg, cfg.shiftRange()), 6);
        ParamLayout layout = ParamLayout.of(cfg);
        copyTensor(layout, p, "init.weight.write.0", "init.weight.write.1");
        int addressingParams = gammaAt(cfg) + 1;   // k, beta, g, s, gamma
        int w0 = (int) layout.offset("write_heads.0.weight");
        int w1 = (int) layout.offset("write_heads.1.weight");
        System.arraycopy(p, w0, p, w1, addressingParams * cfg.hiddenSize());
        System.arraycopy(p, (int) layout.offset("write_heads.0.bias"), p, (int) layout.offset("write_heads.1.bias"),
                addressingParams);
        Sequence seq = randomSequence(cfg, 12, 92);
        Result res = checkGradients(cfg, p, seq);
        for (int t = 0; t < seq.steps(); t++) {
            double[] first = res.writeWeights()[t][0];
            assertArrayEquals(first, res.writeWeights()[t][1], 0.0, "both write heads must address the same rows");
            assertTrue(first[argmax(first)] > 0.5, "the shared focus must be sharp at step " + t);
        }
        assertNotEquals(res.heads()[0][1].erase()[0], res.heads()[0][2].erase()[0],
                "the two heads must still erase differently");
    }

    // ================================================================ initial state and memory modes

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"CONSTANT", "LEARNED", "RANDOM"})
    void initialStateFollowsSpec(String mode) {
        NtmConfig cfg = edgeConfig().readHeads(2).writeHeads(2).memoryInit(MemoryInit.valueOf(mode)).build();
        ParamLayout layout = ParamLayout.of(cfg);
        double[] p = jitteredParams(cfg, 101);
        ReferenceNtm model = new ReferenceNtm(cfg, p);
        double[][] w0 = model.initialWeightings();
        String[] names = {"init.weight.read.0", "init.weight.read.1", "init.weight.write.0", "init.weight.write.1"};
        for (int h = 0; h < names.length; h++) {
            int off = (int) layout.offset(names[h]);
            double sum = 0;
            double expSum = 0;
            for (int i = 0; i < cfg.memoryRows(); i++) {
                expSum += Math.exp(p[off + i]);
            }
            for (int i = 0; i < cfg.memoryRows(); i++) {
                assertEquals(Math.exp(p[off + i]) / expSum, w0[h][i], 1e-15, names[h] + ": w0 = softmax(b_w)");
                sum += w0[h][i];
            }
            assertEquals(1.0, sum, 1e-15, names[h] + ": w0 must sum to 1");
        }
        double[][] r0 = model.initialReads();
        for (int r = 0; r < 2; r++) {
            int off = (int) layout.offset("init.read." + r);
            for (int j = 0; j < cfg.memoryWidth(); j++) {
                assertEquals(Math.tanh(p[off + j]), r0[r][j], 0.0, "r0 = tanh(b_r)");
            }
        }
        double[][] m0 = model.initialMemory();
        int mem = (int) layout.offset("init.memory");
        for (int i = 0; i < cfg.memoryRows(); i++) {
            for (int j = 0; j < cfg.memoryWidth(); j++) {
                double b = p[mem + i * cfg.memoryWidth() + j];
                double expected = cfg.memoryInit() == MemoryInit.LEARNED ? Math.tanh(b) : b;
                assertEquals(expected, m0[i][j], 0.0, mode + ": M0[" + i + "][" + j + "]");
            }
        }
        // with g -> 0, s -> identity and gamma -> 1 the first weighting is w0 itself
        for (String head : headNames(cfg)) {
            pinHeadParam(cfg, p, head, gateAt(cfg), -cfg.clip());
            pinHeadParam(cfg, p, head, shiftAt(cfg, cfg.shiftRange()), cfg.clip());
            pinHeadParam(cfg, p, head, gammaAt(cfg), -cfg.clip());
        }
        Result res = new ReferenceNtm(cfg, p).run(randomSequence(cfg, 3, 102));
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(w0[r], res.readWeights()[0][r], 1e-7, "first read weighting must follow w0");
            assertArrayEquals(w0[2 + r], res.writeWeights()[0][r], 1e-7, "first write weighting must follow w0");
        }
        for (int i = 0; i < cfg.memoryRows(); i++) {
            assertArrayEquals(m0[i], res.memory()[0][i], 0.0, "memory[0] must be M0");
        }
    }

    /** learned with B_M = atanh(X) runs exactly like constant with B_M = X; its gradient has the tanh factor. */
    @Test
    void learnedMemoryIsTanhOfTheBias() {
        NtmConfig constant = edgeConfig().memoryInit(MemoryInit.CONSTANT).build();
        NtmConfig learned = edgeConfig().memoryInit(MemoryInit.LEARNED).build();
        double[] pc = edgeParams(constant, 111);
        double[] pl = pc.clone();
        ParamLayout.Tensor mem = ParamLayout.of(constant).tensor("init.memory");
        for (int k = 0; k < mem.size(); k++) {
            double x = pc[(int) mem.offset() + k];
            pl[(int) mem.offset() + k] = 0.5 * Math.log((1 + x) / (1 - x));   // atanh
        }
        Sequence seq = randomSequence(constant, 12, 112);
        Result rc = new ReferenceNtm(constant, pc).run(seq);
        Result rl = new ReferenceNtm(learned, pl).run(seq);
        assertEquals(rc.loss(), rl.loss(), 1e-12 * rc.loss(), "same M0, same loss");
        ParamLayout layout = ParamLayout.of(constant);
        for (int i = 0; i < rc.grads().length; i++) {
            double expected = rc.grads()[i];
            if (i >= mem.offset() && i < mem.offset() + mem.size()) {
                double x = pc[i];
                expected *= 1 - x * x;   // dM0/dB_M = 1 - tanh(B_M)^2
            }
            assertEquals(expected, rl.grads()[i], 1e-9 * (1 + Math.abs(expected)), layout.describe(i));
        }
    }

    /** random: the stored memory is used as M0 but never trained (gradient exactly 0). */
    @Test
    void randomMemoryIsFixed() {
        NtmConfig random = edgeConfig().memoryInit(MemoryInit.RANDOM).build();
        NtmConfig constant = edgeConfig().memoryInit(MemoryInit.CONSTANT).build();
        double[] p = jitteredParams(random, 121);
        Sequence seq = randomSequence(random, 12, 122);
        Result rr = new ReferenceNtm(random, p).run(seq);
        Result rc = new ReferenceNtm(constant, p).run(seq);
        ParamLayout layout = ParamLayout.of(random);
        ParamLayout.Tensor mem = layout.tensor("init.memory");
        assertTrue(!mem.trainable(), "init.memory is not trainable in random mode");
        assertEquals(rc.loss(), rr.loss(), 0.0, "random M0 = the stored memory, as constant M0 = B_M");
        boolean constantMoves = false;
        for (int i = 0; i < rr.grads().length; i++) {
            if (i >= mem.offset() && i < mem.offset() + mem.size()) {
                assertEquals(0.0, rr.grads()[i], 0.0, layout.describe(i) + " must not be trained in random mode");
                constantMoves |= rc.grads()[i] != 0.0;
            } else {
                assertEquals(rc.grads()[i], rr.grads()[i], 0.0, layout.describe(i));
            }
        }
        assertTrue(constantMoves, "the same memory in constant mode must receive a gradient");
        double[] q = p.clone();
        q[(int) mem.offset()] += 0.1;
        assertNotEquals(rr.loss(), new ReferenceNtm(random, q).loss(seq), "the fixed memory must be used");
    }

    // ================================================================ result consistency and validation

    /** Loss, bit errors, reads and writes recomputed independently from the reported values. */
    @Test
    void resultIsConsistent() {
        NtmConfig cfg = edgeConfig().readHeads(2).writeHeads(2).build();
        double[] p = edgeParams(cfg, 131);
        Sequence seq = randomSequence(cfg, 12, 132);
        ReferenceNtm model = new ReferenceNtm(cfg, p);
        Result res = model.run(seq);
        assertEquals(res.loss(), model.loss(seq), 0.0, "loss() must equal run().loss()");
        double loss = 0;
        int errors = 0;
        for (int t = 0; t < seq.steps(); t++) {
            if (seq.mask()[t] == 0f) {
                continue;
            }
            for (int j = 0; j < cfg.outputSize(); j++) {
                double y = res.logits()[t][j];
                double target = seq.targets()[t * cfg.outputSize() + j];
                double prob = 1 / (1 + Math.exp(-y));
                loss -= target * Math.log(prob) + (1 - target) * Math.log(1 - prob);
                errors += (prob > 0.5) != (target > 0.5) ? 1 : 0;
            }
        }
        assertEquals(loss, res.loss(), 1e-12 * loss, "loss = sum of BCE over masked steps and bits");
        assertEquals(errors, res.bitErrors(), "bit errors");
        int n = cfg.memoryRows();
        int m = cfg.memoryWidth();
        for (int t = 0; t < seq.steps(); t++) {
            double[][] before = res.memory()[t];
            for (int r = 0; r < cfg.readHeads(); r++) {
                for (int j = 0; j < m; j++) {
                    double read = 0;
                    for (int i = 0; i < n; i++) {
                        read += res.readWeights()[t][r][i] * before[i][j];
                    }
                    assertEquals(read, res.readVectors()[t][r][j], 1e-14, "reads see the memory before the writes");
                }
            }
            double[][] after = new double[n][];
            for (int i = 0; i < n; i++) {
                after[i] = before[i].clone();
            }
            for (int w = 0; w < cfg.writeHeads(); w++) {
                HeadStep h = res.heads()[t][cfg.readHeads() + w];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < m; j++) {
                        double wi = h.weighting()[i];
                        after[i][j] = after[i][j] * (1 - wi * h.erase()[j]) + wi * h.add()[j];
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(after[i], res.memory()[t + 1][i], 1e-14, "write heads apply in order");
            }
        }
    }

    @Test
    void rejectsBadInput() {
        NtmConfig cfg = edgeConfig().build();
        double[] p = jitteredParams(cfg, 141);
        ReferenceNtm model = new ReferenceNtm(cfg, p);
        ParamLayout layout = ParamLayout.of(cfg);
        float[] narrow = ParamInit.initialize(layout, 142);
        assertThrows(IllegalArgumentException.class, () -> ReferenceNtm.ofFloats(cfg, new float[narrow.length + 1]));
        assertTrue(ReferenceNtm.ofFloats(cfg, narrow).loss(randomSequence(cfg, 4, 143)) > 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceNtm(cfg, new double[p.length - 1]));
        assertTrue(e.getMessage().contains("layout.size()"), e.getMessage());
        double[] nan = p.clone();
        int at = (int) layout.offset("output.bias") + 1;
        nan[at] = Double.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> new ReferenceNtm(cfg, nan));
        assertTrue(e.getMessage().contains("output.bias[1]"), e.getMessage());
        Sequence wrongX = new Sequence(2, 5, 3, new float[10], new float[6], new float[] {1, 1});
        e = assertThrows(IllegalArgumentException.class, () -> model.run(wrongX));
        assertTrue(e.getMessage().contains("X=5") && e.getMessage().contains("X=4"), e.getMessage());
        Sequence wrongY = new Sequence(2, 4, 2, new float[8], new float[4], new float[] {1, 1});
        e = assertThrows(IllegalArgumentException.class, () -> model.loss(wrongY));
        assertTrue(e.getMessage().contains("Y=2") && e.getMessage().contains("Y=3"), e.getMessage());
        Sequence badMask = new Sequence(2, 4, 3, new float[8], new float[6], new float[] {1, 0.5f});
        e = assertThrows(IllegalArgumentException.class, () -> model.run(badMask));
        assertTrue(e.getMessage().contains("mask at step 1"), e.getMessage());
        Sequence badTarget = new Sequence(2, 4, 3, new float[8], new float[] {0, 0, 0, 0, 2, 0}, new float[] {1, 1});
        e = assertThrows(IllegalArgumentException.class, () -> model.run(badTarget));
        assertTrue(e.getMessage().contains("step 1, bit 1"), e.getMessage());
    }

    // ================================================================ gradient check machinery

    /** Checks every tensor of the layout; fails naming each bad element with layout.describe(i). */
    static Result checkGradients(NtmConfig cfg, double[] p, Sequence seq) {
        ParamLayout layout = ParamLayout.of(cfg);
        Result res = new ReferenceNtm(cfg, p).run(seq);
        assertTrue(Double.isFinite(res.loss()) && res.loss() > 0, "loss must be finite and positive: " + res.loss());
        List<String> failures = new ArrayList<>();
        double worst = 0;
        String worstName = "";
        int checked = 0;
        for (ParamLayout.Tensor t : layout.tensors()) {
            if (!t.trainable()) {
                for (int k = 0; k < t.size(); k++) {
                    long i = t.offset() + k;
                    if (res.grads()[(int) i] != 0.0) {
                        failures.add(layout.describe(i) + ": not trained, gradient must be 0, got "
                                + res.grads()[(int) i]);
                    }
                }
                continue;
            }
            boolean trap = isTinyConstantMemory(cfg, t, p);
            double floor = trap ? TRAP_FLOOR : FLOOR;
            for (int k : indicesToCheck(t, 31L * t.offset() + 7)) {
                int i = (int) (t.offset() + k);
                double a = res.grads()[i];
                double n = trap ? richardson(cfg, p, seq, i, TRAP_STEP) : centralDifference(cfg, p, seq, i, STEP);
                double rel = Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), floor);
                checked++;
                if (rel > worst) {
                    worst = rel;
                    worstName = layout.describe(i);
                }
                if (!(rel < TOLERANCE)) {
                    failures.add(String.format("%s: analytic %.12e, numeric %.12e, relative error %.3e (floor %.0e)",
                            layout.describe(i), a, n, rel, floor));
                }
            }
        }
        for (int i = 0; i < res.grads().length; i++) {
            if (layout.tensorAt(i) == null && res.grads()[i] != 0.0) {
                failures.add(layout.describe(i) + ": padding gradient must be 0, got " + res.grads()[i]);
            }
        }
        String caller = StackWalker.getInstance().walk(f -> f.skip(1).findFirst()).orElseThrow().getMethodName();
        System.out.printf("%s %s: %d elements, worst relative error %.3e at %s%n", caller, cfg, checked, worst,
                worstName);
        if (!failures.isEmpty()) {
            fail(failures.size() + " gradient mismatches for " + cfg + " (bound " + TOLERANCE + "):\n  "
                    + String.join("\n  ", failures.subList(0, Math.min(40, failures.size()))));
        }
        return res;
    }

    /** init.memory in constant mode at the spec's initial scale (all |B_M| below 1e-4). */
    static boolean isTinyConstantMemory(NtmConfig cfg, ParamLayout.Tensor t, double[] p) {
        if (!t.name().equals("init.memory") || cfg.memoryInit() != MemoryInit.CONSTANT) {
            return false;
        }
        for (int k = 0; k < t.size(); k++) {
            if (Math.abs(p[(int) t.offset() + k]) >= 1e-4) {
                return false;
            }
        }
        return true;
    }

    /** (L(p + h e_i) - L(p - h e_i)) / 2h. */
    static double centralDifference(NtmConfig cfg, double[] p, Sequence seq, int i, double step) {
        double[] q = p.clone();
        q[i] = p[i] + step;
        double plus = new ReferenceNtm(cfg, q).loss(seq);
        q[i] = p[i] - step;
        double minus = new ReferenceNtm(cfg, q).loss(seq);
        return (plus - minus) / (2 * step);
    }

    /** Richardson extrapolation of central differences: (4 D(h/2) - D(h)) / 3, error O(h^4). */
    static double richardson(NtmConfig cfg, double[] p, Sequence seq, int i, double step) {
        return (4 * centralDifference(cfg, p, seq, i, step / 2) - centralDifference(cfg, p, seq, i, step)) / 3;
    }

    /** All elements of a small tensor; else the first, the last and SAMPLES random ones. */
    static int[] indicesToCheck(ParamLayout.Tensor t, long seed) {
        if (t.size() <= CHECK_WHOLE_UP_TO) {
            int[] all = new int[t.size()];
            for (int k = 0; k < all.length; k++) {
                all[k] = k;
            }
            return all;
        }
        TreeSet<Integer> picked = new TreeSet<>();
        picked.add(0);
        picked.add(t.size() - 1);
        SplitMix64 rng = new SplitMix64(seed);
        while (picked.size() < SAMPLES + 2) {
            picked.add(rng.nextInt(t.size()));
        }
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }

    // ================================================================ fixtures

    /**
     * The spec's initialisation (as doubles) with every bias and initial-state tensor moved by a
     * random amount, so that no unit sits at a symmetric point (all biases 0) that could hide an
     * error. {@code init.memory} keeps its spec value.
     */
    static double[] jitteredParams(NtmConfig cfg, long seed) {
        ParamLayout layout = ParamLayout.of(cfg);
        float[] init = ParamInit.initialize(layout, seed);
        double[] p = new double[init.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = init[i];
        }
        SplitMix64 rng = new SplitMix64(seed ^ 0x5DEECE66DL);
        for (ParamLayout.Tensor t : layout.tensors()) {
            if (t.name().endsWith(".bias") || t.name().startsWith("init.read") || t.name().startsWith("init.weight")) {
                for (int k = 0; k < t.size(); k++) {
                    p[(int) t.offset() + k] += rng.uniform(-0.5, 0.5);
                }
            }
        }
        return p;
    }

    /** Sets init.memory to uniform values in [-scale, scale]. */
    static void setMemory(NtmConfig cfg, double[] p, double scale, long seed) {
        ParamLayout.Tensor t = ParamLayout.of(cfg).tensor("init.memory");
        SplitMix64 rng = new SplitMix64(seed);
        for (int k = 0; k < t.size(); k++) {
            p[(int) t.offset() + k] = rng.uniform(-scale, scale);
        }
    }

    /** Random binary inputs, random soft targets in [0, 1] and a random mask with at least 2 scored steps. */
    static Sequence randomSequence(NtmConfig cfg, int steps, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        int x = cfg.inputSize();
        int y = cfg.outputSize();
        float[] inputs = new float[steps * x];
        float[] targets = new float[steps * y];
        float[] mask = new float[steps];
        for (int k = 0; k < inputs.length; k++) {
            inputs[k] = rng.nextBoolean() ? 1f : 0f;
        }
        for (int k = 0; k < targets.length; k++) {
            targets[k] = rng.nextInt(3) == 0 ? (float) rng.nextDouble() : (rng.nextBoolean() ? 1f : 0f);
        }
        for (int t = 0; t < steps; t++) {
            mask[t] = rng.nextInt(10) < 7 ? 1f : 0f;
        }
        mask[steps / 2] = 1f;
        mask[steps - 1] = 1f;
        return new Sequence(steps, x, y, inputs, targets, mask);
    }

    /** A copy of {@code seq} whose target bit {@code bit} is {@code value} at every step. */
    static Sequence withTargetBit(Sequence seq, int bit, float value) {
        float[] targets = seq.targets().clone();
        for (int t = 0; t < seq.steps(); t++) {
            targets[t * seq.outputSize() + bit] = value;
        }
        return new Sequence(seq.steps(), seq.inputSize(), seq.outputSize(), seq.inputs(), targets, seq.mask());
    }

    // ================================================================ head parameter positions (docs/SPEC.md 1.3)

    static int betaAt(NtmConfig c) { return c.memoryWidth(); }
    static int gateAt(NtmConfig c) { return c.memoryWidth() + 1; }
    static int shiftAt(NtmConfig c, int j) { return c.memoryWidth() + 2 + j; }
    static int gammaAt(NtmConfig c) { return c.memoryWidth() + 2 + c.shifts(); }
    static int eraseAt(NtmConfig c, int j) { return c.memoryWidth() + 3 + c.shifts() + j; }
    static int addAt(NtmConfig c, int j) { return 2 * c.memoryWidth() + 3 + c.shifts() + j; }

    static List<String> headNames(NtmConfig c) {
        List<String> names = new ArrayList<>();
        for (int r = 0; r < c.readHeads(); r++) {
            names.add("read_heads." + r);
        }
        for (int w = 0; w < c.writeHeads(); w++) {
            names.add("write_heads." + w);
        }
        return names;
    }

    /** Holds one head parameter at {@code bias} at every step: bias set, weight row zeroed. */
    static void pinHeadParam(NtmConfig cfg, double[] p, String head, int index, double bias) {
        ParamLayout layout = ParamLayout.of(cfg);
        p[(int) layout.offset(head + ".bias") + index] = bias;
        int row = (int) layout.offset(head + ".weight") + index * cfg.hiddenSize();
        for (int k = 0; k < cfg.hiddenSize(); k++) {
            p[row + k] = 0;
        }
    }

    /** Flat indices of a head parameter's bias and weight row. */
    static List<Integer> headRow(NtmConfig cfg, String head, int index) {
        ParamLayout layout = ParamLayout.of(cfg);
        List<Integer> out = new ArrayList<>();
        out.add((int) layout.offset(head + ".bias") + index);
        int row = (int) layout.offset(head + ".weight") + index * cfg.hiddenSize();
        for (int k = 0; k < cfg.hiddenSize(); k++) {
            out.add(row + k);
        }
        return out;
    }

    /** b_w = 0 except {@code value} at {@code row}: w0 = softmax(b_w) focuses on that row. */
    static void focusInitialWeighting(NtmConfig cfg, double[] p, String tensor, int row, double value) {
        int off = (int) ParamLayout.of(cfg).offset(tensor);
        for (int i = 0; i < cfg.memoryRows(); i++) {
            p[off + i] = i == row ? value : 0;
        }
    }

    static void copyTensor(ParamLayout layout, double[] p, String from, String to) {
        ParamLayout.Tensor src = layout.tensor(from);
        System.arraycopy(p, (int) src.offset(), p, (int) layout.offset(to), src.size());
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
