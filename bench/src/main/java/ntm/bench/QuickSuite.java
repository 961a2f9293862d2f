package ntm.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import ntm.engine.NtmConfig;
import ntm.engine.api.NtmModel;
import ntm.engine.api.NtmSession;
import ntm.engine.task.Sequence;
import ntm.engine.train.Optimizer;
import ntm.kernels.KernelProvider;
import ntm.kernels.Kernels;

/**
 * The suite behind {@code ntm bench}: under a minute, at most two, on the paper's copy
 * configuration. Three parts:
 * <ol>
 *   <li>kernel timings, scalar reference against the chosen kernels ({@link KernelTimings});</li>
 *   <li>single-step inference latency at batch 1 ({@link LatencyHarness}, back to back, a shorter
 *       run than {@code --latency});</li>
 *   <li>training throughput on the copy task at batch 1 and 32, as the trainer runs a batch on one
 *       thread: gradient zeroed, forward and backward, clipping, one optimiser step (RMSProp at
 *       batch 1, Adam at 32: {@link Workloads#recipe}), in sequences per second.</li>
 * </ol>
 * Each figure comes from several repetitions, so it carries its own noise estimate.
 */
public final class QuickSuite {

    /** Suite name in reports. */
    public static final String NAME = "quick";

    /**
     * Budgets of the three parts.
     *
     * @param kernelTimer     timer of each kernel; its warm-up also warms the inference session
     * @param latency         latency harness settings (back to back), after that warm-up
     * @param trainingTimer   timer of each training batch size
     * @param trainingBatches the batch sizes to train at
     * @param seed            seed of the model and the sequences
     */
    public record Settings(NanoTimer kernelTimer, LatencyHarness.Settings latency, NanoTimer trainingTimer,
                           int[] trainingBatches, long seed) {

        /**
         * The standard budget, about 30 seconds on a quiet machine and under two minutes on a
         * busy one (at most about 105 s when every warm-up runs to its limit). Kernels (6 timings):
         * warm-up 1 to 6 s, then 5 x 0.1 s each. Inference: the session warmed up like a kernel,
         * then the latency harness with 20,000 more warm-up steps and 200,000 measured. Training,
         * per batch size: warm-up 3 to 20 s, then 5 x 1 s. The warm-ups run
         * until the operation stops getting faster ({@link NanoTimer}): C2 is slow to compile the
         * Vector API kernels on a busy machine, and a figure timed before it has measures the
         * interpreter.
         */
        public static Settings standard() {
            return new Settings(new NanoTimer(1_000_000_000L, 6_000_000_000L, 5, 100_000_000L),
                    new LatencyHarness.Settings(20_000, 200_000, 5, 0),
                    new NanoTimer(3_000_000_000L, 20_000_000_000L, 5, 1_000_000_000L), new int[] {1, 32}, 42);
        }

        /** A seconds-long run for tests: the figures are too short to mean anything. */
        public static Settings smoke() {
            return new Settings(new NanoTimer(1_000_000L, 3, 1_000_000L),
                    new LatencyHarness.Settings(200, 2_000, 2, 0),
                    new NanoTimer(1_000_000L, 1, 1_000_000L), new int[] {1, 2}, 42);
        }
    }

    private QuickSuite() {
    }

    /** Runs the suite with the JVM's kernels, printing progress to {@code log}. */
    public static BenchReport run(Settings settings, PrintWriter log) {
        Kernels kernels = KernelProvider.get();
        Kernels scalar = KernelProvider.scalar();
        NtmConfig config = NtmConfig.copyTask();
        List<BenchReport.Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        long t0 = System.nanoTime();

        log.println("kernels: " + scalar.name() + " vs " + kernels.name() + " at N=128, M=20, gates 400x129");
        log.flush();
        figures.addAll(KernelTimings.run(scalar, kernels, settings.kernelTimer(), notes));
        if (kernels.name().equals(scalar.name())) {
            notes.add("the JVM chose the scalar kernels, so no SIMD timings or speedups were measured");
        }

        Roofline.Peak peak = Roofline.detectPeak(1);
        List<Sequence> sequences = Workloads.copySequences(64, settings.seed());
        log.println("inference: " + settings.latency().measuredSteps() + " single steps at batch 1");
        log.flush();
        NtmSession session = NtmModel.create(config, settings.seed()).newSession();
        LatencyHarness.Inputs inputs = LatencyHarness.Inputs.of(sequences);
        addNote(notes, settings.kernelTimer().warmUp(new Workloads.SessionLoop(session, inputs, config.outputSize()))
                .unsettledNote("inference"));
        LatencyHarness.Result latency = LatencyHarness.run(Workloads.stepper(session), inputs, config.outputSize(),
                settings.latency());
        figures.addAll(latency.figures("inference"));
        double inferenceFlops = Roofline.inferenceStep(config).flops();
        notes.add(String.format(Locale.ROOT, "inference: %.3f MFLOP per step; at the p50 of %.2f us that is "
                        + "%.2f GFLOP/s, %.1f%% of one core's peak; %.4f bytes allocated per step",
                inferenceFlops / 1e6, latency.percentile(50) / 1e3,
                inferenceFlops / latency.percentile(50), 100 * Roofline.shareOfPeak(inferenceFlops,
                        latency.percentile(50) / 1e9, peak),
                latency.allocatedBytes() < 0 ? Double.NaN : (double) latency.allocatedBytes() / latency.steps()));

        List<Sequence> pool = Workloads.copySequences(256, settings.seed() + 1);
        double meanSteps = Workloads.meanSteps(pool);
        for (int batch : settings.trainingBatches()) {
            log.println("training: copy task, batch " + batch);
            log.flush();
            try (Workloads.TrainingLoop loop = new Workloads.TrainingLoop(config, kernels, settings.seed(), pool,
                    Workloads.recipe(batch))) {
                NanoTimer.Timing timing = settings.trainingTimer().measure(loop);
                addNote(notes, timing.warmUp().unsettledNote("training at batch " + batch));
                double[] ns = timing.nsPerCall();
                double[] rate = new double[ns.length];
                for (int i = 0; i < ns.length; i++) {
                    rate[i] = batch * 1e9 / ns[i];
                }
                BenchReport.Figure f = BenchReport.Figure.fromSamples("train.copy.b" + batch, "seq/s", false, rate);
                figures.add(f);
                Roofline.Optimizer opt = loop.optimizer() == Optimizer.Kind.ADAM ? Roofline.Optimizer.ADAM
                        : Roofline.Optimizer.RMSPROP;
                double flops = Roofline.trainingStep(config).flops() * meanSteps
                        + Roofline.optimizerStep(config, opt).flops() / batch;
                notes.add(String.format(Locale.ROOT, "training b%d (%s): %.2f MFLOP per sequence (%.1f steps on "
                                + "average, optimiser included), %.2f GFLOP/s, %.1f%% of one core's peak", batch,
                        loop.optimizer().id(), flops / 1e6, meanSteps, flops * f.value() / 1e9,
                        100 * Roofline.shareOfPeak(flops, 1 / f.value(), peak)));
            }
        }
        notes.add("training figures time whole batches: gradient zeroed, forward and backward, clipping, "
                + "optimiser step");
        notes.add(peak.describe());
        notes.add(String.format(Locale.ROOT, "suite ran in %.1f s", (System.nanoTime() - t0) / 1e9));
        return new BenchReport(NAME, Fingerprint.capture(kernels, config), figures, notes);
    }

    private static void addNote(List<String> notes, String note) {
        if (note != null) {
            notes.add(note);
        }
    }
}
