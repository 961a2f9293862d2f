package dev.ntm.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.ntm.engine.task.Sequence;
import org.HdrHistogram.Histogram;

/**
 * Measures the latency of single inference steps, one at a time, into HdrHistograms.
 *
 * <p>Inputs are taken from pre-generated sequences, flattened once into one array per step, so
 * the measured loop allocates nothing; the session is reset before the first step of every
 * sequence (outside the timed region). The measured steps are cut into a few blocks, each with
 * its own histogram: the figures come from the histogram of all steps, their noise from the
 * spread of the blocks.
 *
 * <h2>Two modes</h2>
 * <ul>
 *   <li><b>Back to back</b> ({@code targetRate == 0}): each step starts when the previous one
 *       ends; the latency is the time of the step alone.</li>
 *   <li><b>Fixed rate</b> ({@code targetRate > 0}): step i is due at {@code start + i / rate};
 *       the harness spins until it is due and measures its latency <em>from the intended start
 *       time</em>, not from when it actually started. A step that starts late because earlier
 *       steps ran long is charged for its wait, as a caller who sends events at that rate would
 *       see it: this is how the harness accounts for coordinated omission (it does not use
 *       {@code recordValueWithExpectedInterval}, which back-fills estimated values instead). The
 *       service time (actual start to end) is recorded in a second histogram.</li>
 * </ul>
 */
public final class LatencyHarness {

    /** Largest latency the histograms record, in ns (one minute); longer values are clamped. */
    public static final long HIGHEST_NS = 60_000_000_000L;
    /** Significant decimal digits the histograms keep. */
    public static final int DIGITS = 3;

    /** The work being measured: one step of a stateful model. */
    public interface Stepper {
        /** Starts a new sequence (the initial state of docs/SPEC.md section 2). */
        void reset();

        /** One step: reads {@code in}, writes {@code out}. Must not allocate. */
        void step(float[] in, float[] out);
    }

    /**
     * How long and how fast to run.
     *
     * @param warmupSteps   unrecorded back-to-back steps first (JIT warm-up)
     * @param measuredSteps recorded steps
     * @param blocks        blocks the recorded steps are cut into for the noise estimate
     * @param targetRate    steps per second in fixed-rate mode; 0 for back to back
     */
    public record Settings(long warmupSteps, long measuredSteps, int blocks, double targetRate) {
        /** Validates the settings. */
        public Settings {
            if (warmupSteps < 0 || measuredSteps < 1 || blocks < 1 || blocks > measuredSteps
                    || !(targetRate >= 0) || Double.isInfinite(targetRate)) {
                throw new IllegalArgumentException("latency settings need warmupSteps >= 0, measuredSteps >= 1, "
                        + "1 <= blocks <= measuredSteps and a finite targetRate >= 0 (0: back to back); got warmup="
                        + warmupSteps + ", measured=" + measuredSteps + ", blocks=" + blocks + ", rate=" + targetRate);
            }
        }

        /** The full run: 200,000 warm-up steps, 1,000,000 measured in 5 blocks, back to back. */
        public static Settings full() {
            return new Settings(200_000, 1_000_000, 5, 0);
        }
    }

    /** Pre-generated step inputs: one array per step and where each sequence starts. */
    public static final class Inputs {
        final float[][] steps;
        final boolean[] startsSequence;
        final int inputSize;

        private Inputs(float[][] steps, boolean[] startsSequence, int inputSize) {
            this.steps = steps;
            this.startsSequence = startsSequence;
            this.inputSize = inputSize;
        }

        /** Flattens the sequences' inputs into one array per step; all must share the input width. */
        public static Inputs of(List<Sequence> sequences) {
            return batched(sequences, 1);
        }

        /**
         * Inputs of a session of {@code batch} sequences: consecutive groups of {@code batch}
         * sequences run together, each step's array holding sequence b's input at {@code b * X}.
         * A group lasts as long as its longest sequence (a session resets all its sequences at
         * once); a sequence that has ended gets zero inputs until the group ends.
         */
        public static Inputs batched(List<Sequence> sequences, int batch) {
            if (sequences.isEmpty()) {
                throw new IllegalArgumentException("the latency harness needs at least one input sequence");
            }
            if (batch < 1 || sequences.size() % batch != 0) {
                throw new IllegalArgumentException("the number of sequences (" + sequences.size()
                        + ") must be a positive multiple of the batch (" + batch + ")");
            }
            int x = sequences.get(0).inputSize();
            int groups = sequences.size() / batch;
            int[] longest = new int[groups];
            int total = 0;
            for (int g = 0; g < groups; g++) {
                for (Sequence s : sequences.subList(g * batch, (g + 1) * batch)) {
                    if (s.inputSize() != x) {
                        throw new IllegalArgumentException("all sequences must have input width " + x + ", got "
                                + s.inputSize());
                    }
                    longest[g] = Math.max(longest[g], s.steps());
                }
                total += longest[g];
            }
            float[][] steps = new float[total][];
            boolean[] starts = new boolean[total];
            int i = 0;
            for (int g = 0; g < groups; g++) {
                for (int t = 0; t < longest[g]; t++) {
                    float[] in = new float[batch * x];
                    for (int b = 0; b < batch; b++) {
                        Sequence s = sequences.get(g * batch + b);
                        if (t < s.steps()) {
                            System.arraycopy(s.inputs(), t * x, in, b * x, x);
                        }
                    }
                    starts[i] = t == 0;
                    steps[i++] = in;
                }
            }
            return new Inputs(steps, starts, x);
        }

        /** Number of steps before the inputs repeat. */
        public int size() {
            return steps.length;
        }

        /** Input width X of one sequence. */
        public int inputSize() {
            return inputSize;
        }
    }

    /**
     * What one run measured.
     *
     * @param latency        latency of every measured step, ns (from the intended start in fixed-rate
     *                       mode)
     * @param service        service time (actual start to end) of every step, ns
     * @param blocks         per-block latency histograms
     * @param seconds        wall time of the measured steps
     * @param resets         session resets during the measured steps
     * @param allocatedBytes heap bytes the measuring thread allocated during the measured steps
     *                       ({@code -1} when the JVM cannot tell)
     * @param settings       the settings of the run
     */
    public record Result(Histogram latency, Histogram service, List<Histogram> blocks, double seconds, long resets,
                         long allocatedBytes, Settings settings) {

        /** Recorded steps. */
        public long steps() {
            return latency.getTotalCount();
        }

        /** Steps per second actually achieved. */
        public double achievedRate() {
            return steps() / seconds;
        }

        /** The latency at a percentile (0..100), ns. */
        public long percentile(double p) {
            return latency.getValueAtPercentile(p);
        }

        /** Figures p50, p90, p99, p99.9 and max (ns), named {@code prefix.p50} etc., noise from the blocks. */
        public List<BenchReport.Figure> figures(String prefix) {
            List<BenchReport.Figure> out = new ArrayList<>();
            double[] ps = {50, 90, 99, 99.9, 100};
            String[] names = {"p50", "p90", "p99", "p99.9", "max"};
            for (int i = 0; i < ps.length; i++) {
                double[] perBlock = new double[blocks.size()];
                for (int b = 0; b < perBlock.length; b++) {
                    perBlock[b] = ps[i] == 100 ? blocks.get(b).getMaxValue() : blocks.get(b).getValueAtPercentile(ps[i]);
                }
                double value = ps[i] == 100 ? latency.getMaxValue() : latency.getValueAtPercentile(ps[i]);
                out.add(new BenchReport.Figure(prefix + "." + names[i], "ns", value, true,
                        BenchReport.relativeSpread(perBlock), perBlock.length));
            }
            return out;
        }

        /** A few lines: mode, steps, rate, percentiles in microseconds, allocation. */
        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%s: %,d steps in %.2f s (%,.0f steps/s%s), %d resets%n",
                    settings.targetRate() > 0 ? "fixed rate, latency from the intended start" : "back to back",
                    steps(), seconds, achievedRate(),
                    settings.targetRate() > 0 ? String.format(Locale.ROOT, ", target %,.0f", settings.targetRate()) : "",
                    resets));
            sb.append(String.format(Locale.ROOT,
                    "latency us: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  mean %.2f%n",
                    percentile(50) / 1e3, percentile(90) / 1e3, percentile(99) / 1e3, percentile(99.9) / 1e3,
                    latency.getMaxValue() / 1e3, latency.getMean() / 1e3));
            if (settings.targetRate() > 0) {
                sb.append(String.format(Locale.ROOT, "service us: p50 %.2f  p99 %.2f  max %.2f%n",
                        service.getValueAtPercentile(50) / 1e3, service.getValueAtPercentile(99) / 1e3,
                        service.getMaxValue() / 1e3));
            }
            sb.append(allocatedBytes < 0 ? "allocation: not measurable on this JVM\n"
                    : String.format(Locale.ROOT, "allocation: %,d bytes in the measured loop (%.4f per step)%n",
                            allocatedBytes, (double) allocatedBytes / steps()));
            return sb.toString();
        }
    }

    private LatencyHarness() {
    }

    /** Runs the settings against {@code stepper} with {@code outputSize}-wide outputs. */
    public static Result run(Stepper stepper, Inputs inputs, int outputSize, Settings settings) {
        float[] out = new float[outputSize];
        int size = inputs.size();
        int cursor = 0;
        for (long i = 0; i < settings.warmupSteps(); i++) {
            if (inputs.startsSequence[cursor]) {
                stepper.reset();
            }
            stepper.step(inputs.steps[cursor], out);
            cursor = cursor + 1 == size ? 0 : cursor + 1;
        }

        Histogram all = new Histogram(HIGHEST_NS, DIGITS);
        Histogram service = new Histogram(HIGHEST_NS, DIGITS);
        List<Histogram> blocks = new ArrayList<>();
        for (int b = 0; b < settings.blocks(); b++) {
            blocks.add(new Histogram(HIGHEST_NS, DIGITS));
        }
        // Begin every measured run at the start of a sequence.
        while (!inputs.startsSequence[cursor]) {
            cursor = cursor + 1 == size ? 0 : cursor + 1;
        }
        long n = settings.measuredSteps();
        double interval = settings.targetRate() > 0 ? 1e9 / settings.targetRate() : 0;
        long resets = 0;
        long allocatedBefore = allocatedBytes();
        long start = System.nanoTime();
        for (int b = 0; b < settings.blocks(); b++) {
            Histogram block = blocks.get(b);
            long from = n * b / settings.blocks();
            long to = n * (b + 1) / settings.blocks();
            for (long i = from; i < to; i++) {
                if (inputs.startsSequence[cursor]) {
                    stepper.reset();
                    resets++;
                }
                long intended;
                long begin;
                if (interval > 0) {
                    intended = start + (long) (i * interval);
                    long now = System.nanoTime();
                    while (now < intended) {
                        Thread.onSpinWait();
                        now = System.nanoTime();
                    }
                    begin = now;
                } else {
                    begin = System.nanoTime();
                    intended = begin;
                }
                stepper.step(inputs.steps[cursor], out);
                long end = System.nanoTime();
                long latency = Math.min(end - intended, HIGHEST_NS);
                block.recordValue(latency);
                service.recordValue(Math.min(end - begin, HIGHEST_NS));
                cursor = cursor + 1 == size ? 0 : cursor + 1;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long allocatedAfter = allocatedBytes();
        for (Histogram block : blocks) {
            all.add(block);
        }
        long allocated = allocatedBefore < 0 || allocatedAfter < 0 ? -1 : allocatedAfter - allocatedBefore;
        return new Result(all, service, blocks, seconds, resets, allocated, settings);
    }

    /** Heap bytes allocated so far by this thread, or -1 when the JVM cannot tell. */
    static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getCurrentThreadAllocatedBytes();
        }
        return -1;
    }
}
