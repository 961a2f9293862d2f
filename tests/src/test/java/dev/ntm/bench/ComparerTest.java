package dev.ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report format and the regression rule of {@link Comparer}, on reports built by hand. */
class ComparerTest {

    static Fingerprint fingerprint(String cpu, String kernels) {
        return new Fingerprint(cpu, 2, 512, kernels, "25+36", "Eclipse Adoptium / OpenJDK 64-Bit Server VM",
                List.of("--add-modules=jdk.incubator.vector"), "Linux 6.1 amd64",
                "0123456789abcdef0123456789abcdef01234567", "abcdef012345");
    }

    static BenchReport report(Fingerprint fp) {
        return new BenchReport("quick", Instant.parse("2025-01-01T00:00:00Z"), fp, List.of(
                new BenchReport.Figure("inference.p50", "ns", 20_000, true, 0.01, 5),
                new BenchReport.Figure("train.copy.b1", "seq/s", 900, false, 0.01, 5),
                new BenchReport.Figure("kernel.gemv.simd", "ns", 1_500, true, 0.01, 5)),
                List.of("a note"));
    }

    /** The baseline with every figure 20% faster: times / 1.2, rates x 1.2. */
    static BenchReport fasterBy20(BenchReport r) {
        List<BenchReport.Figure> figs = new ArrayList<>();
        for (BenchReport.Figure f : r.figures()) {
            figs.add(f.scaled(f.lowerIsBetter() ? 1 / 1.2 : 1.2));
        }
        return r.withFigures(figs);
    }

    @Test
    void sameRunPasses() {
        BenchReport r = report(fingerprint("AMD EPYC", "simd"));
        Comparer.Result result = Comparer.compare(r, r);
        assertTrue(result.passed(), result.format());
        assertEquals(3, result.rows().size());
        for (Comparer.Row row : result.rows()) {
            assertEquals(Comparer.Verdict.SAME, row.verdict());
            assertEquals(1.0, row.ratio(), 0.0);
        }
        assertTrue(result.warnings().isEmpty(), result.warnings().toString());
    }

    @Test
    void baseline20PercentFasterFailsNamingEveryFigure() {
        BenchReport current = report(fingerprint("AMD EPYC", "simd"));
        Comparer.Result result = Comparer.compare(fasterBy20(current), current);
        assertFalse(result.passed());
        assertEquals(3, result.regressions().size());
        String text = result.format();
        for (BenchReport.Figure f : current.figures()) {
            // 20% worse against a 5% allowance (spreads of 1% give 3%, below the floor).
            assertTrue(text.contains("REGRESSION: " + f.name() + " is 20.0% worse"), text);
        }
        for (Comparer.Row row : result.regressions()) {
            assertEquals(0.20, row.worse(), 1e-12);
            assertEquals(0.05, row.allowance(), 0.0);
        }
    }

    @Test
    void improvementIsNotARegression() {
        BenchReport current = report(fingerprint("AMD EPYC", "simd"));
        BenchReport slowerBaseline = current.withFigures(List.of(current.figures().get(0).scaled(1.3)));
        Comparer.Result result = Comparer.compare(slowerBaseline, current);
        assertTrue(result.passed(), result.format());
        assertEquals(Comparer.Verdict.IMPROVED, result.rows().get(0).verdict());
        // The two figures missing from the baseline are named, not compared.
        assertEquals(2, result.warnings().size(), result.warnings().toString());
        assertTrue(result.warnings().get(0).contains("train.copy.b1 is new"), result.warnings().toString());
    }

    @Test
    void noisyFiguresGetALargerAllowance() {
        BenchReport.Figure base = new BenchReport.Figure("x", "ns", 100, true, 0.02, 5);
        BenchReport.Figure noisy = new BenchReport.Figure("x", "ns", 115, true, 0.08, 5);
        // max(5%, 3 x 8%) = 24% > 15% worse: not a regression.
        assertEquals(0.24, Comparer.allowance(base, noisy), 1e-12);
        BenchReport r = report(fingerprint("AMD EPYC", "simd"));
        Comparer.Result result = Comparer.compare(r.withFigures(List.of(base)), r.withFigures(List.of(noisy)));
        assertTrue(result.passed(), result.format());
        // The same 15% with quiet runs regresses.
        BenchReport.Figure quiet = new BenchReport.Figure("x", "ns", 115, true, 0.01, 5);
        assertFalse(Comparer.compare(r.withFigures(List.of(base)), r.withFigures(List.of(quiet))).passed());
    }

    @Test
    void worseFractionFollowsTheDirection() {
        assertEquals(0.25, Comparer.worse(80, 100, true), 1e-12);
        assertEquals(0.25, Comparer.worse(100, 80, false), 1e-12);
        assertEquals(-0.2, Comparer.worse(100, 80, true), 1e-12);
        assertEquals(0, Comparer.worse(0, 0, true), 0.0);
        assertEquals(Double.POSITIVE_INFINITY, Comparer.worse(0, 5, true), 0.0);
    }

    @Test
    void differentFingerprintWarnsButDoesNotFail() {
        BenchReport base = report(fingerprint("Intel Xeon", "scalar"));
        BenchReport now = report(fingerprint("AMD EPYC", "simd"));
        Comparer.Result result = Comparer.compare(base, now);
        assertTrue(result.passed());
        assertEquals(1, result.warnings().size());
        String w = result.warnings().get(0);
        assertTrue(w.contains("CPU: Intel Xeon -> AMD EPYC") && w.contains("kernels: scalar -> simd"), w);
    }

    @Test
    void changedUnitIsNotCompared() {
        BenchReport r = report(fingerprint("AMD EPYC", "simd"));
        BenchReport other = r.withFigures(List.of(new BenchReport.Figure("inference.p50", "us", 20, true, 0.01, 5)));
        Comparer.Result result = Comparer.compare(r.withFigures(List.of(r.figures().get(0))), other);
        assertTrue(result.rows().isEmpty());
        assertTrue(result.warnings().get(0).contains("changed its unit"), result.warnings().toString());
    }

    @Test
    void figureFromSamplesUsesMedianAndScaledMad() {
        // Median 101; deviations 1, 1, 3, 0, 29 have median 1; spread 1.4826 * 1 / 101.
        BenchReport.Figure f = BenchReport.Figure.fromSamples("t", "ns", true, 100, 102, 98, 101, 130);
        assertEquals(101, f.value(), 0.0);
        assertEquals(1.4826 / 101, f.relativeSpread(), 1e-15);
        assertEquals(5, f.samples());
        assertEquals(0, BenchReport.Figure.fromSamples("t", "ns", true, 7).relativeSpread(), 0.0);
        assertEquals(2.5, BenchReport.Figure.fromSamples("t", "ns", true, 1, 2, 3, 4).value(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> BenchReport.Figure.fromSamples("t", "ns", true));
        assertThrows(IllegalArgumentException.class, () -> new BenchReport.Figure("t", "ns", Double.NaN, true, 0, 1));
    }

    @Test
    void jsonRoundTrip(@TempDir Path dir) throws IOException {
        BenchReport r = report(fingerprint("AMD \"EPYC\"", "simd"));
        Path file = dir.resolve("sub/base.json");
        r.write(file);
        BenchReport back = BenchReport.read(file);
        assertEquals(r.suite(), back.suite());
        assertEquals(r.created(), back.created());
        assertEquals(r.fingerprint(), back.fingerprint());
        assertEquals(r.figures(), back.figures());
        assertEquals(r.notes(), back.notes());
        assertTrue(Comparer.compare(back, r).passed());
    }

    @Test
    void malformedFilesNameTheProblem(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"format\": \"something-else\"}");
        IOException e = assertThrows(IOException.class, () -> BenchReport.read(file));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("report.format"), e.getMessage());
        String json = report(fingerprint("AMD EPYC", "simd")).toJson().replace("\"samples\": 5", "\"samples\": \"5\"");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> BenchReport.fromJson(json));
        assertTrue(e2.getMessage().contains("report.figures[0].samples"), e2.getMessage());
    }

    @Test
    void duplicateFigureNamesAreRejected() {
        BenchReport.Figure f = new BenchReport.Figure("x", "ns", 1, true, 0, 1);
        assertThrows(IllegalArgumentException.class,
                () -> new BenchReport("quick", fingerprint("a", "simd"), List.of(f, f), List.of()));
    }
}
