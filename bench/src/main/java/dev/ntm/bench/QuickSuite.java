package dev.ntm.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.Tasks;
import dev.ntm.engine.train.Optimizer;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.train.TrainerOptions;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;

/**
 * The suite behind {@code ntm bench}: under a minute, at most two, on the paper's copy
 * configuration. Three parts:
 * <ol>
 *   <li>kernel timings, scalar reference against the chosen kernels ({@link KernelTimings});</li>
 *   <li>single-step inference latency at batch 1 ({@link LatencyHarness}, back to back, a shorter
 *       run than {@code --latency});</li>
 *   <li>training throughput on the copy task, through the {@link Trainer} itself ({@code ntm
 *       train} without its evaluations): sequences drawn, forward and backward over the batch's
 *       chunks, gradient check, clipping, one optimiser step (RMSProp at batch 1, Adam at 32:
 *       {@link Workloads#recipe}), in sequences per second; at batch 1 on one thread, at batch 32
 *       on one thread and on two.</li>
 * </ol>
 * Each figure comes from several repetitions, so it carries its own noise estimate.
 *
 * <p>With {@link Settings#isolated()} (the default of {@code ntm bench}) the kernel timings, the
 * inference and each training part run in fresh JVMs of their own, as {@code ntm train} and a
 * serving process would, so that no part's JIT profiles of the shared kernels shape another's
 * figure. The inference JVM then also trains at batch 1 ({@value #AFTER_INFERENCE}): the figure of
 * a long-lived process that serves and learns, which should match {@code train.copy.b1}.
 * {@link Settings#inOneJvm()} ({@code ntm bench --one-jvm}) runs every part in the calling JVM
 * instead, to see how they interact: that is how a JVM training at 240 seq/s instead of 1,150 was
 * found, the kernel timings having used confined segments (see {@link Kernels}).
 */
public final class QuickSuite {

    /** Suite name in reports. */
    public static final String NAME = "quick";

    /**
     * Budgets of the three parts.
     *
     * @param kernelTimer     timer of each kernel; its warm-up also warms the inference session
     * @param latency         latency harness settings (back to back), after that warm-up
     * @param trainingTimer   timer of each training part
     * @param training        the batch sizes and thread counts to train at
     * @param seed            seed of the model and the sequences
     * @param isolated        run each part in a child JVM started from {@link #standard()} (the
     *                        other settings then only matter inside the child)
     */
    public record Settings(NanoTimer kernelTimer, LatencyHarness.Settings latency, NanoTimer trainingTimer,
                           List<TrainingPart> training, long seed, boolean isolated) {

        public Settings {
            training = List.copyOf(training);
        }

        /** These settings with every part run in the calling JVM, one after another. */
        public Settings inOneJvm() {
            return new Settings(kernelTimer, latency, trainingTimer, training, seed, false);
        }

        /** These settings with each part run in a fresh JVM (budgets of {@link #standard()} or {@link #smoke()} only). */
        public Settings inFreshJvms() {
            Settings s = new Settings(kernelTimer, latency, trainingTimer, training, seed, true);
            s.budgetName();
            return s;
        }

        /** These settings with another seed for the models and sequences. */
        public Settings withSeed(long newSeed) {
            return new Settings(kernelTimer, latency, trainingTimer, training, newSeed, isolated);
        }

        /** The name a child JVM knows these budgets by (whatever the seed): {@code standard} or {@code smoke}. */
        String budgetName() {
            Settings shared = inOneJvm().withSeed(standard().seed());
            if (shared.equals(standard().inOneJvm())) {
                return "standard";
            }
            if (shared.equals(smoke().withSeed(standard().seed()))) {
                return "smoke";
            }
            throw new IllegalArgumentException("only the standard or the smoke budgets can run in fresh JVMs");
        }

        static Settings byBudgetName(String name) {
            return switch (name) {
                case "standard" -> standard();
                case "smoke" -> smoke();
                default -> throw new IllegalArgumentException("expected the budget \"standard\" or \"smoke\", got \""
                        + name + "\"");
            };
        }

        /**
         * The standard budget, about 30 seconds on a quiet machine and under two minutes on a
         * busy one (at most about 105 s when every warm-up runs to its limit). Kernels (6 timings):
         * warm-up 1 to 6 s, then 5 x 0.1 s each. Inference: the session warmed up like a kernel,
         * then the latency harness with 20,000 more warm-up steps and 200,000 measured. Training
         * (batch 1 on one thread, batch 32 on one and on two threads): warm-up 3 to 20 s, then
         * 5 x 1 s each. The warm-ups run
         * until the operation stops getting faster ({@link NanoTimer}): C2 is slow to compile the
         * Vector API kernels on a busy machine, and a figure timed before it has measures the
         * interpreter.
         */
        public static Settings standard() {
            return new Settings(new NanoTimer(1_000_000_000L, 6_000_000_000L, 5, 100_000_000L),
                    new LatencyHarness.Settings(20_000, 200_000, 5, 0),
                    new NanoTimer(3_000_000_000L, 20_000_000_000L, 5, 1_000_000_000L),
                    List.of(new TrainingPart(1, 1), new TrainingPart(32, 1), new TrainingPart(32, 2)), 42, true);
        }

        /** A seconds-long run for tests: the figures are too short to mean anything. */
        public static Settings smoke() {
            return new Settings(new NanoTimer(1_000_000L, 3, 1_000_000L),
                    new LatencyHarness.Settings(200, 2_000, 2, 0),
                    new NanoTimer(1_000_000L, 1, 1_000_000L),
                    List.of(new TrainingPart(1, 1), new TrainingPart(2, 2)), 42, false);
        }
    }

    /**
     * One training measurement: the batch size and the trainer's thread count.
     *
     * @param batch   sequences per batch (RMSProp at 1, Adam otherwise: {@link Workloads#recipe})
     * @param threads trainer threads over the batch's fixed chunks
     */
    public record TrainingPart(int batch, int threads) {
        public TrainingPart {
            if (batch < 1 || threads < 1) {
                throw new IllegalArgumentException("a training part needs batch >= 1 and threads >= 1, got batch "
                        + batch + ", threads " + threads);
            }
        }

        /** The figure's name: {@code train.copy.b32}, or {@code train.copy.b32.t2} on two threads. */
        public String figureName() {
            return "train.copy.b" + batch + (threads == 1 ? "" : ".t" + threads);
        }

        /** The child-JVM part argument, {@code BATCHxTHREADS}. */
        String argument() {
            return batch + "x" + threads;
        }

        static TrainingPart parse(String argument) {
            String[] bt = argument.split("x", -1);
            if (bt.length != 2) {
                throw new IllegalArgumentException("expected a training part BATCHxTHREADS, got \"" + argument + "\"");
            }
            return new TrainingPart(Integer.parseInt(bt[0]), Integer.parseInt(bt[1]));
        }
    }

    private QuickSuite() {
    }

    /** Runs the suite with the JVM's kernels, printing progress to {@code log}. */
    public static BenchReport run(Settings settings, PrintWriter log) {
        Kernels kernels = KernelProvider.get();
        NtmConfig config = NtmConfig.copyTask();
        List<BenchReport.Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        long t0 = System.nanoTime();
        if (settings.isolated()) {
            List<String> parts = new ArrayList<>();
            parts.add(KERNELS);
            parts.add(INFERENCE);
            for (TrainingPart part : settings.training()) {
                parts.add(part.argument());
            }
            for (String part : parts) {
                BenchReport child = runChild(part, settings.budgetName(), settings.seed(), log);
                figures.addAll(child.figures());
                for (String note : child.notes()) {
                    addOnce(notes, note);
                }
            }
            notes.add("each part ran in a fresh JVM (kernels; inference, then " + AFTER_INFERENCE
                    + "; each training part)");
        } else {
            runKernels(settings, kernels, figures, notes, log);
            runInference(settings, config, figures, notes, log);
            for (TrainingPart part : settings.training()) {
                runTraining(settings, config, kernels, part, part.figureName(), figures, notes, log);
            }
            notes.add("every part ran in this one JVM, one after another");
        }
        notes.add(String.format(Locale.ROOT, "suite ran in %.1f s", (System.nanoTime() - t0) / 1e9));
        return new BenchReport(NAME, Fingerprint.capture(kernels, config), figures, notes);
    }

    /** Part name of the kernel timings in a child JVM. */
    private static final String KERNELS = "kernels";
    /** Part name of the inference latency (then training at batch 1) in a child JVM. */
    private static final String INFERENCE = "inference";

    /** Figure of training at batch 1 in the JVM that has just measured the inference latency. */
    public static final String AFTER_INFERENCE = "train.copy.b1.after-inference";

    /**
     * Child-JVM entry: {@code <part> <result file> <budget> <seed>} runs one part of the suite
     * (the kernels, the inference then training at batch 1, or one training part,
     * {@code BATCHxTHREADS}) with the {@code standard} or {@code smoke} budgets, and writes its
     * report as JSON.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("expected <part> <result file> <budget> <seed>, where part is \""
                    + KERNELS + "\", \"" + INFERENCE + "\" or BATCHxTHREADS; got " + args.length + " arguments");
        }
        Settings settings = Settings.byBudgetName(args[2]).withSeed(Long.parseLong(args[3]));
        Kernels kernels = KernelProvider.get();
        NtmConfig config = NtmConfig.copyTask();
        List<BenchReport.Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        PrintWriter log = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        if (args[0].equals(KERNELS)) {
            runKernels(settings, kernels, figures, notes, log);
        } else if (args[0].equals(INFERENCE)) {
            runInference(settings, config, figures, notes, log);
            // The same JVM trains next, as a service that serves and learns would: guards against
            // inference's JIT profiles turning against training (see the class comment).
            runTraining(settings, config, kernels, new TrainingPart(1, 1), AFTER_INFERENCE, figures, notes, log);
        } else {
            TrainingPart part = TrainingPart.parse(args[0]);
            runTraining(settings, config, kernels, part, part.figureName(), figures, notes, log);
        }
        new BenchReport(NAME, Fingerprint.capture(kernels, config), figures, notes).write(Path.of(args[1]));
    }

    /** Runs {@link #main} for {@code part} in a child JVM with this JVM's flags and class path. */
    private static BenchReport runChild(String part, String budget, long seed, PrintWriter log) {
        log.flush();
        Path result = null;
        try {
            result = Files.createTempFile("ntm-bench-", ".json");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(QuickSuite.class.getName());
            command.add(part);
            command.add(result.toString());
            command.add(budget);
            command.add(Long.toString(seed));
            Process child = new ProcessBuilder(command).inheritIO().start();
            int exit = child.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("bench part " + part + " failed in its child JVM (exit " + exit + ")");
            }
            return BenchReport.read(result);
        } catch (IOException e) {
            throw new IllegalStateException("could not run bench part " + part + " in a child JVM: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while bench part " + part + " ran", e);
        } finally {
            if (result != null) {
                try {
                    Files.deleteIfExists(result);
                } catch (IOException ignored) {
                    // A leftover temporary file is harmless.
                }
            }
        }
    }

    private static void runKernels(Settings settings, Kernels kernels, List<BenchReport.Figure> figures,
                                   List<String> notes, PrintWriter log) {
        Kernels scalar = KernelProvider.scalar();
        log.println("kernels: " + scalar.name() + " vs " + kernels.name() + " at N=128, M=20, gates 400x129");
        log.flush();
        figures.addAll(KernelTimings.run(scalar, kernels, settings.kernelTimer(), notes));
        if (kernels.name().equals(scalar.name())) {
            notes.add("the JVM chose the scalar kernels, so no SIMD timings or speedups were measured");
        }
    }

    private static void runInference(Settings settings, NtmConfig config, List<BenchReport.Figure> figures,
                                     List<String> notes, PrintWriter log) {
        Roofline.Peak peak = Roofline.detectPeak(1);
        notes.add(peak.describe());
        List<Sequence> sequences = Workloads.copySequences(64, settings.seed());
        log.println("inference: " + settings.latency().measuredSteps() + " single steps at batch 1");
        log.flush();
        NtmSession session = NtmModel.create(config, settings.seed()).newSession();
        notes.add("inference: model and inputs from seed " + settings.seed());
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

    }

    private static void runTraining(Settings settings, NtmConfig config, Kernels kernels, TrainingPart part,
                                    String figureName, List<BenchReport.Figure> figures, List<String> notes,
                                    PrintWriter log) {
        Roofline.Peak peak = Roofline.detectPeak(1);
        Task task = Tasks.byName("copy");
        double meanSteps = Workloads.meanSteps(Workloads.copySequences(256, settings.seed() + 1));
        int batch = part.batch();
        log.println("training: copy task, batch " + batch + ", " + part.threads() + " thread(s) (" + figureName + ")");
        log.flush();
        TrainerOptions options = Workloads.recipe(batch).withThreads(part.threads()).withSeed(settings.seed());
        try (Trainer trainer = new Trainer(config, task, options, kernels)) {
            NanoTimer.Timing timing = settings.trainingTimer().measure(trainer::trainBatch);
            addNote(notes, timing.warmUp().unsettledNote("training " + figureName));
            double[] ns = timing.nsPerCall();
            double[] rate = new double[ns.length];
            for (int i = 0; i < ns.length; i++) {
                rate[i] = batch * 1e9 / ns[i];
            }
            BenchReport.Figure f = BenchReport.Figure.fromSamples(figureName, "seq/s", false, rate);
            figures.add(f);
            Roofline.Optimizer opt = trainer.optimizer().kind() == Optimizer.Kind.ADAM ? Roofline.Optimizer.ADAM
                    : Roofline.Optimizer.RMSPROP;
            double flops = Roofline.trainingStep(config).flops() * meanSteps
                    + Roofline.optimizerStep(config, opt).flops() / batch;
            notes.add(String.format(Locale.ROOT, "%s (%s, %d thread(s)): %.2f MFLOP per sequence (%.1f steps on "
                            + "average, optimiser included), %.2f GFLOP/s, %.1f%% of %d core(s)' peak",
                    figureName, trainer.optimizer().kind().id(), part.threads(), flops / 1e6, meanSteps,
                    flops * f.value() / 1e9, 100 * Roofline.shareOfPeak(flops, 1 / f.value(), peak) / part.threads(),
                    part.threads()));
        }
        addOnce(notes, "training: models and sequences from seed " + settings.seed());
        addOnce(notes, "training times whole trainer batches (Trainer.trainBatch): sequences drawn, forward and "
                + "backward over the fixed chunks, gradient check, clipping, optimiser step; no evaluation");
    }

    private static void addOnce(List<String> notes, String note) {
        if (!notes.contains(note)) {
            notes.add(note);
        }
    }

    private static void addNote(List<String> notes, String note) {
        if (note != null) {
            notes.add(note);
        }
    }
}
