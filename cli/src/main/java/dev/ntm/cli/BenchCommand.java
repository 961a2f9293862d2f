package dev.ntm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.ntm.bench.BenchReport;
import dev.ntm.bench.Comparer;
import dev.ntm.bench.Fingerprint;
import dev.ntm.bench.LatencyHarness;
import dev.ntm.bench.MemoryScaling;
import dev.ntm.bench.NanoTimer;
import dev.ntm.bench.QuickSuite;
import dev.ntm.bench.Roofline;
import dev.ntm.bench.ServeBench;
import dev.ntm.bench.Workloads;
import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.kernels.KernelProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ntm bench}: the quick suite, the full latency harness or the memory-scaling sweep; each
 * prints a table and writes a JSON report carrying the machine's fingerprint, and can compare
 * itself with a saved baseline. ({@code ./ntm bench --jmh [filter]} runs the JMH suites; the
 * launcher handles it.)
 */
@Command(name = "bench", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Benchmark the engine: kernel timings, inference latency and training throughput on the "
                + "copy task (about a minute and a half, each part in a fresh JVM), and compare with a baseline.",
                "Exit status: 0 ok, 1 a figure regressed against --compare, 2 bad usage, 3 the baseline is missing "
                        + "or unreadable, 4 the report could not be written.",
                "JMH suites: ./ntm bench --jmh [regex] (handled by the launcher)."},
        footer = {"", "Regression rule: a figure regresses when it is worse than the baseline by more than "
                + "max(5%%, 3 x the larger relative spread of the two runs); a different CPU, JDK, JVM flags or "
                + "kernel provider gives a warning, not a failure."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "bench-result.json",
            description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Option(names = "--compare", paramLabel = "BASELINE.json",
            description = "Compare with a baseline report; exit 1 naming every regressed figure.")
    private Path compare;

    @Option(names = "--save", paramLabel = "FILE", description = "Also write the report here, as a baseline.")
    private Path save;

    @Option(names = "--latency",
            description = "Run the full latency harness instead: single inference steps at batch 1 on the copy "
                    + "configuration, --steps measured after --warmup, p50/p90/p99/p99.9/max.")
    private boolean latency;

    @Option(names = "--rate", paramLabel = "R",
            description = "Latency harness at a fixed rate of R steps/s (implies --latency); latency is measured "
                    + "from each step's intended start (coordinated omission accounted for).")
    private Double rate;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "1000000",
            description = "Measured steps of the latency harness (default: ${DEFAULT-VALUE}).")
    private long steps;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "200000",
            description = "Warm-up steps of the latency harness (default: ${DEFAULT-VALUE}).")
    private long warmup;

    @Option(names = "--model-warmup", paramLabel = "SECONDS",
            description = "Latency harness only: first call NtmModel.warmUp with this budget (what a service would do "
                    + "after loading a model); with --warmup 0 the harness then shows the first real steps.")
    private Double modelWarmup;

    @Option(names = "--memory-scaling",
            description = "Time per inference step for N = 128, 512, 2048 and M = 20, 64, and the least-squares "
                    + "slope in ns per memory cell.")
    private boolean memoryScaling;

    @Option(names = "--serve",
            description = "Run the serving harness instead: a batching runner (serve/) at each --sessions count, "
                    + "closed loop or, with --rate R, open loop at R steps/s over all sessions (latency from each "
                    + "request's intended start), beside the same sessions stepped alone by their client threads.")
    private boolean serve;

    @Option(names = "--sessions", paramLabel = "N,N,...", split = ",", defaultValue = "1,8,64,512",
            description = "Serving harness: session counts (default: ${DEFAULT-VALUE}).")
    private int[] sessions;

    @Option(names = "--clients", paramLabel = "T", defaultValue = "0",
            description = "Serving harness: client threads (default 0: one per session, at most one per core).")
    private int clients;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "5",
            description = "Serving harness: measured seconds per run, after as many of warm-up (default: ${DEFAULT-VALUE}).")
    private double seconds;

    @Option(names = "--max-batch", paramLabel = "B", defaultValue = "64",
            description = "Serving harness: largest batch (default: ${DEFAULT-VALUE}).")
    private int maxBatch;

    @Option(names = "--runners", paramLabel = "R", defaultValue = "1",
            description = "Serving harness: runner threads (one per core spent on serving; default: ${DEFAULT-VALUE}).")
    private int runners;

    @Option(names = "--busy-spin",
            description = "Serving harness: the runner thread busy-spins when idle (lowest latency, a core spent).")
    private boolean busySpin;

    @Option(names = "--one-jvm",
            description = "Run every part of the quick suite in this JVM, one after another, instead of each in a "
                    + "fresh JVM: shows how the parts' JIT profiles interact in a long-lived process.")
    private boolean oneJvm;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the models and inputs (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--smoke", hidden = true,
            description = "Seconds-long budgets for testing the command; the figures mean nothing.")
    private boolean smoke;

    @Option(names = "--jmh", hidden = true)
    private boolean jmh;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (jmh) {
            err.println("ntm bench: --jmh is handled by the ./ntm launcher: run ./ntm bench --jmh [regex]");
            return ExitCodes.USAGE;
        }
        boolean latencyMode = latency || (rate != null && !serve);
        if (serve && (latency || memoryScaling || oneJvm || modelWarmup != null)) {
            err.println("ntm bench: --serve runs alone: drop --latency, --memory-scaling, --one-jvm and --model-warmup");
            return 2;
        }
        if (latencyMode && memoryScaling) {
            err.println("ntm bench: choose one of --latency/--rate and --memory-scaling");
            return ExitCodes.USAGE;
        }
        if (oneJvm && (latencyMode || memoryScaling)) {
            err.println("ntm bench: --one-jvm applies to the quick suite only, not to --latency, --rate or "
                    + "--memory-scaling");
            return ExitCodes.USAGE;
        }
        if (modelWarmup != null && (!latencyMode || !(modelWarmup >= 0 && Double.isFinite(modelWarmup)))) {
            err.println("ntm bench: --model-warmup needs --latency or --rate and a number of seconds >= 0, got "
                    + modelWarmup);
            return ExitCodes.USAGE;
        }
        if (rate != null && !(rate > 0 && Double.isFinite(rate))) {
            err.println("ntm bench: --rate must be a positive number of steps per second, got " + rate);
            return ExitCodes.USAGE;
        }
        BenchReport baseline = null;
        if (compare != null) {
            try {
                baseline = BenchReport.read(compare);
            } catch (NoSuchFileException e) {
                err.println("ntm bench: baseline " + compare + " does not exist (write one with --save FILE)");
                return ExitCodes.INPUT_FILE;
            } catch (IOException e) {
                err.println("ntm bench: cannot read baseline: " + e.getMessage());
                return ExitCodes.INPUT_FILE;
            }
        }

        BenchReport report;
        try {
            if (serve) {
                report = serve(o);
            } else if (latencyMode) {
                report = latency(o);
            } else if (memoryScaling) {
                NanoTimer timer = smoke ? new NanoTimer(1_000_000L, 2, 1_000_000L)
                        : new NanoTimer(1_000_000_000L, 8_000_000_000L, 5, 200_000_000L);
                report = MemoryScaling.run(timer, seed, o);
            } else {
                QuickSuite.Settings settings = smoke ? QuickSuite.Settings.smoke() : QuickSuite.Settings.standard();
                report = QuickSuite.run((oneJvm ? settings.inOneJvm() : settings).withSeed(seed), o);
            }
        } catch (IllegalArgumentException e) {
            err.println("ntm bench: " + e.getMessage());
            return ExitCodes.USAGE;
        }

        o.println();
        o.print(report.format());
        Fingerprint fp = report.fingerprint();
        o.println("fingerprint: " + fp.cpuModel() + ", " + fp.cores() + " cores, " + fp.kernels() + " kernels ("
                + fp.vectorBits() + "-bit), JDK " + fp.jdkVersion() + ", commit " + fp.gitCommit() + ", config "
                + fp.configHash());
        try {
            report.write(out);
            o.println("report: " + out);
            if (save != null) {
                report.write(save);
                o.println("baseline saved: " + save);
            }
        } catch (IOException e) {
            err.println("ntm bench: cannot write the report: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        o.flush();

        if (baseline == null) {
            return 0;
        }
        Comparer.Result result = Comparer.compare(baseline, report);
        o.println();
        o.println("compared with " + compare + " (" + baseline.suite() + ", " + baseline.created() + ", commit "
                + baseline.fingerprint().gitCommit() + "):");
        o.print(result.format());
        o.flush();
        if (result.rows().isEmpty()) {
            err.println("ntm bench: the baseline has no figure in common with this run (suite " + baseline.suite()
                    + " vs " + report.suite() + "); nothing was compared");
            return ExitCodes.USAGE;
        }
        return result.passed() ? ExitCodes.OK : ExitCodes.REGRESSION;
    }

    private BenchReport serve(PrintWriter o) {
        double measured = smoke ? Math.min(seconds, 0.3) : seconds;
        ServeBench.Settings settings = new ServeBench.Settings(sessions, clients, rate == null ? 0 : rate,
                measured, measured, busySpin, maxBatch, runners);
        NtmConfig config = NtmConfig.copyTask();
        NtmModel model = NtmModel.create(config, seed);
        List<BenchReport.Figure> figures = ServeBench.run(model, settings, o);
        String mode = rate == null ? "closed loop" : String.format(Locale.ROOT, "open loop at %,.0f steps/s", rate);
        return new BenchReport(rate == null ? "serve" : "serve-fixed-rate",
                Fingerprint.capture(KernelProvider.get(), config), figures,
                List.of("serving harness, " + mode + ", " + measured + " s per run after as many of warm-up, batches up "
                        + "to " + maxBatch + ", " + runners + " runner thread(s)" + (busySpin ? ", busy-spinning runner" : ", runner backing off when idle")));
    }

    private BenchReport latency(PrintWriter o) {
        long measured = smoke ? Math.min(steps, 2_000) : steps;
        long warm = smoke ? Math.min(warmup, 200) : warmup;
        LatencyHarness.Settings settings = new LatencyHarness.Settings(warm, measured, 5, rate == null ? 0 : rate);
        NtmConfig config = NtmConfig.copyTask();
        o.println(String.format(Locale.ROOT, "latency: copy configuration, batch 1, %s kernels, %,d warm-up and "
                        + "%,d measured steps%s", KernelProvider.get().name(), warm, measured,
                rate == null ? ", back to back" : String.format(Locale.ROOT, ", fixed rate %,.0f steps/s", rate)));
        o.flush();
        NtmModel model = NtmModel.create(config, seed);
        List<String> notes = new ArrayList<>();
        if (modelWarmup != null) {
            NtmModel.WarmUp w = model.warmUp(Duration.ofNanos(Math.round(modelWarmup * 1e9)));
            String line = String.format(Locale.ROOT, "model warm-up: %,d steps in %.2f s, last %.2f us per step, %s",
                    w.steps(), w.elapsed().toNanos() / 1e9, w.nsPerStep() / 1e3,
                    w.settled() ? "settled" : "budget spent before it settled");
            o.println(line);
            notes.add(line);
        }
        LatencyHarness.Result r = LatencyHarness.run(
                Workloads.stepper(model.newSession()),
                LatencyHarness.Inputs.of(Workloads.copySequences(256, seed)), config.outputSize(), settings);
        o.print(r.format());
        String prefix = rate == null ? "latency" : "latency.rate" + Math.round(rate);
        notes.addAll(List.of(r.format().trim().split("\n")));
        double flops = Roofline.inferenceStep(config).flops();
        Roofline.Peak peak = Roofline.detectPeak(1);
        notes.add(String.format(Locale.ROOT, "%.3f MFLOP per step; at the service-time p50 that is %.1f%% of one "
                        + "core's peak", flops / 1e6,
                100 * Roofline.shareOfPeak(flops, r.service().getValueAtPercentile(50) / 1e9, peak)));
        notes.add(peak.describe());
        for (int i = notes.size() - 2; i < notes.size(); i++) {
            o.println(notes.get(i));
        }
        return new BenchReport(rate == null ? "latency" : "latency-fixed-rate",
                Fingerprint.capture(KernelProvider.get(), config), r.figures(prefix), notes);
    }
}
