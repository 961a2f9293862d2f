package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.ntm.bench.BenchReport;
import dev.ntm.bench.Fingerprint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ntm bench} end to end with the hidden {@code --smoke} budgets (seconds; the figures mean
 * nothing). The comparisons use baselines doctored by a factor of 1000, far outside any noise
 * allowance, so their outcome does not depend on how fast this machine happens to be; the exact
 * 20% rule is tested on hand-built reports in {@code dev.ntm.bench.ComparerTest}.
 */
class BenchCommandTest {

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    /** {@code r} with times divided and rates multiplied by {@code factor}, on another CPU. */
    private static void doctor(Path from, Path to, double factor) throws IOException {
        BenchReport r = BenchReport.read(from);
        List<BenchReport.Figure> figs = new ArrayList<>();
        for (BenchReport.Figure f : r.figures()) {
            figs.add(f.scaled(f.lowerIsBetter() ? 1 / factor : factor));
        }
        Fingerprint fp = r.fingerprint();
        Fingerprint other = new Fingerprint("Some Other CPU", fp.cores(), fp.vectorBits(), fp.kernels(),
                fp.jdkVersion(), fp.jdkVendor(), fp.jvmFlags(), fp.os(), fp.gitCommit(), fp.configHash());
        new BenchReport(r.suite(), r.created(), other, figs, r.notes()).write(to);
    }

    @Test
    void quickSuiteWritesAReportAndABaseline(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("result.json");
        Path base = dir.resolve("base.json");
        Run r = run("bench", "--smoke", "--out", out.toString(), "--save", base.toString());
        assertEquals(0, r.status(), r.err() + r.out());
        BenchReport report = BenchReport.read(out);
        assertEquals("quick", report.suite());
        assertEquals(Files.readString(out), Files.readString(base));
        List<String> names = report.figures().stream().map(BenchReport.Figure::name).toList();
        for (String name : List.of("kernel.content.scalar", "kernel.gemv.gates.scalar", "kernel.eraseAdd.scalar",
                "inference.p50", "inference.p99.9", "inference.max", "train.copy.b1", "train.copy.b2.t2")) {
            assertTrue(names.contains(name), name + " missing from " + names);
        }
        assertTrue(r.out().contains("inference.p50") && r.out().contains("fingerprint:"), r.out());
    }

    @Test
    void compareFailsNamingRegressionsAndPassesOtherwise(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("latency.json");
        Run first = run("bench", "--latency", "--smoke", "--out", dir.resolve("a.json").toString(),
                "--save", base.toString());
        assertEquals(0, first.status(), first.err() + first.out());

        Path faster = dir.resolve("faster.json");
        doctor(base, faster, 1000);
        Run bad = run("bench", "--latency", "--smoke", "--out", dir.resolve("b.json").toString(),
                "--compare", faster.toString());
        assertEquals(1, bad.status(), bad.err() + bad.out());
        for (String name : List.of("latency.p50", "latency.p90", "latency.p99", "latency.p99.9", "latency.max")) {
            assertTrue(bad.out().contains("REGRESSION: " + name + " is "), bad.out());
        }
        assertTrue(bad.out().contains("warning: the fingerprints differ") && bad.out().contains("Some Other CPU"),
                bad.out());

        Path slower = dir.resolve("slower.json");
        doctor(base, slower, 1 / 1000.0);
        Run good = run("bench", "--latency", "--smoke", "--out", dir.resolve("c.json").toString(),
                "--compare", slower.toString());
        assertEquals(0, good.status(), good.err() + good.out());
        assertTrue(good.out().contains("compare: no figure regressed"), good.out());
    }

    @Test
    void latencyCanWarmTheModelUpFirst(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("warm.json");
        Run r = run("bench", "--latency", "--smoke", "--warmup", "0", "--model-warmup", "0.2", "--out", out.toString());
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("model warm-up: "), r.out());
        assertTrue(BenchReport.read(out).notes().stream().anyMatch(n -> n.startsWith("model warm-up: ")),
                BenchReport.read(out).notes().toString());
    }

    @Test
    void serveHarnessReportsServedAndAloneAtEachSessionCount(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("serve.json");
        Run r = run("bench", "--serve", "--smoke", "--sessions", "1,3", "--rate", "2000", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        for (String row : new String[] {"alone           1", "served          1", "alone           3", "served          3"}) {
            assertTrue(r.out().contains(row), "missing row " + row + " in\n" + r.out());
        }
        BenchReport report = BenchReport.read(out);
        assertEquals("serve-fixed-rate", report.suite());
        for (String name : new String[] {"serve.s3.rate2000.steps_per_s", "serve.s3.rate2000.alone.steps_per_s",
                "serve.s3.rate2000.p99", "serve.s1.rate2000.mean_batch"}) {
            assertTrue(report.figures().stream().anyMatch(f -> f.name().equals(name)), "missing figure " + name);
        }
        Run both = run("bench", "--serve", "--latency", "--smoke");
        assertEquals(2, both.status());
    }

    @Test
    void usageErrorsExitWithTwoAndAMissingBaselineWithThree(@TempDir Path dir) {
        Run both = run("bench", "--latency", "--memory-scaling", "--out", dir.resolve("x.json").toString());
        assertEquals(2, both.status());
        assertTrue(both.err().contains("choose one of"), both.err());
        Run missing = run("bench", "--smoke", "--compare", dir.resolve("nope.json").toString());
        assertEquals(3, missing.status());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Run oneJvm = run("bench", "--latency", "--one-jvm", "--smoke");
        assertEquals(2, oneJvm.status());
        assertTrue(oneJvm.err().contains("--one-jvm applies to the quick suite only"), oneJvm.err());
        Run warm = run("bench", "--model-warmup", "1", "--smoke");
        assertEquals(2, warm.status());
        assertTrue(warm.err().contains("--model-warmup needs --latency"), warm.err());
        Run rate = run("bench", "--rate", "-5");
        assertEquals(2, rate.status());
        assertTrue(rate.err().contains("--rate must be a positive"), rate.err());
    }

    @Test
    void memoryScalingFitsTheSlope(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("m.json");
        Run r = run("bench", "--memory-scaling", "--smoke", "--out", out.toString());
        assertEquals(0, r.status(), r.err() + r.out());
        BenchReport report = BenchReport.read(out);
        assertEquals(7, report.figures().size());
        assertTrue(report.figure("memory.N2048.M64").isPresent());
        assertTrue(report.figure("memory.nsPerCell").isPresent());
        assertTrue(r.out().contains("ns per memory cell"), r.out());
    }
}
