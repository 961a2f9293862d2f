package dev.ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The quick suite's two ways of running: each part in a fresh JVM, or all in one. */
class QuickSuiteTest {

    private static List<String> names(BenchReport report) {
        return report.figures().stream().map(BenchReport.Figure::name).toList();
    }

    @Test
    void freshJvmsRunEveryPartAndTrainAgainAfterInference() {
        StringWriter log = new StringWriter();
        BenchReport report = QuickSuite.run(QuickSuite.Settings.smoke().withSeed(7).inFreshJvms(),
                new PrintWriter(log, true));
        List<String> names = names(report);
        for (String name : List.of("kernel.content.scalar", "kernel.eraseAdd.scalar", "inference.p50",
                QuickSuite.AFTER_INFERENCE, "train.copy.b1", "train.copy.b2.t2")) {
            assertTrue(names.contains(name), name + " missing from " + names);
        }
        for (BenchReport.Figure f : report.figures()) {
            assertTrue(f.value() > 0 && Double.isFinite(f.value()), f.toString());
        }
        List<String> notes = report.notes();
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("each part ran in a fresh JVM")), notes.toString());
        // The seed reached the child JVMs; notes shared by the training parts appear once.
        assertTrue(notes.contains("inference: model and inputs from seed 7"), notes.toString());
        assertTrue(notes.contains("training: models and sequences from seed 7"), notes.toString());
        assertEquals(notes.size(), notes.stream().distinct().count(), notes.toString());
    }

    @Test
    void oneJvmRunsThePartsInOrderWithoutTheExtraTrainingFigure() {
        StringWriter log = new StringWriter();
        BenchReport report = QuickSuite.run(QuickSuite.Settings.smoke().inOneJvm(), new PrintWriter(log, true));
        List<String> names = names(report);
        assertTrue(names.contains("train.copy.b1") && !names.contains(QuickSuite.AFTER_INFERENCE), names.toString());
        String out = log.toString();
        assertTrue(out.indexOf("kernels:") < out.indexOf("inference:") && out.indexOf("inference:") < out.indexOf("training:"),
                out);
        assertTrue(report.notes().contains("every part ran in this one JVM, one after another"), report.notes().toString());
    }

    @Test
    void onlyKnownBudgetsRunInFreshJvms() {
        QuickSuite.Settings smoke = QuickSuite.Settings.smoke();
        QuickSuite.Settings odd = new QuickSuite.Settings(smoke.kernelTimer(), smoke.latency(), smoke.trainingTimer(),
                List.of(new QuickSuite.TrainingPart(3, 1)), smoke.seed(), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, odd::inFreshJvms);
        assertTrue(e.getMessage().contains("standard or the smoke budgets"), e.getMessage());
        assertEquals(QuickSuite.Settings.standard(), QuickSuite.Settings.standard().inOneJvm().inFreshJvms());
        // The seed is not part of the budget: any seed runs in fresh JVMs.
        assertEquals(7, smoke.withSeed(7).inFreshJvms().seed());
    }
}
